"""Teacher accounts: sign-up and password reset are rate-limited per address and per
email, sessions end when idle, a password change logs out every other session, and no
answer tells anyone whether an email has an account."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests import factories
from tests.test_project import production_env, run_manage

pytestmark = pytest.mark.django_db

User = get_user_model()
SIGNUP = reverse("pledges:signup")
RESET = reverse("password_reset")
PASSWORD = "a-long-teacher-pass-42"


def signup_data(email, **overrides):
    return {"first_name": "Nia", "last_name": "Okafor", "email": email, **overrides}


def test_signups_from_one_address_are_limited(settings):
    settings.SIGNUPS_PER_ADDRESS = 5
    client = Client(REMOTE_ADDR="203.0.113.9")
    statuses = []
    for number in range(8):
        client.logout()
        statuses.append(client.post(SIGNUP, signup_data(f"t{number}@school.example")).status_code)
    assert statuses == [302] * 5 + [429] * 3
    assert User.objects.count() == 5
    blocked = client.post(SIGNUP, signup_data("late@school.example"))
    text = unescape(blocked.text)
    assert re.search(r"Too many tries\. Wait \d+ minutes?, then try again\.", text)
    assert "to keep teachers' accounts safe" in text
    assert int(blocked["Retry-After"]) > 0
    # Another address is not affected.
    assert (
        Client(REMOTE_ADDR="198.51.100.9")
        .post(SIGNUP, signup_data("other@school.example"))
        .status_code
        == 302
    )


def test_signups_for_one_email_are_limited_from_any_address_without_saying_so(settings):
    """Over the email's limit nothing more is sent, and the answer is unchanged: a
    different answer would say the address had been tried before."""
    settings.SIGNUPS_PER_EMAIL = 3
    responses = [
        Client(REMOTE_ADDR=f"10.1.0.{n}").post(SIGNUP, signup_data("Nia@School.example"))
        for n in range(5)
    ]
    assert [(r.status_code, r["Location"]) for r in responses] == [
        (302, reverse("pledges:signup-sent"))
    ] * 5
    assert len(mail.outbox) == 3


def test_password_resets_are_limited_per_address_and_per_email(settings):
    settings.PASSWORD_RESETS_PER_ADDRESS = 4
    settings.PASSWORD_RESETS_PER_EMAIL = 2
    factories.make_teacher("tess@riverside.example")
    # Per email: a third reset for the same teacher sends nothing, and looks the same.
    for number in range(3):
        response = Client(REMOTE_ADDR=f"10.2.0.{number}").post(
            RESET, {"email": "Tess@Riverside.example"}
        )
        assert response.status_code == 302
        assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 2
    # Per address: the fifth request from one address gets the "too many" page.
    client = Client(REMOTE_ADDR="203.0.113.10")
    statuses = [client.post(RESET, {"email": f"x{n}@example.org"}).status_code for n in range(6)]
    assert statuses == [302] * 4 + [429] * 2


def test_password_reset_answers_the_same_for_known_and_unknown_emails():
    factories.make_teacher("tess@riverside.example")
    known = Client().post(RESET, {"email": "tess@riverside.example"}, follow=True)
    unknown = Client().post(RESET, {"email": "nobody@riverside.example"}, follow=True)
    assert known.redirect_chain == unknown.redirect_chain
    assert known.status_code == unknown.status_code == 200
    assert strip_tokens(known.text) == strip_tokens(unknown.text)
    assert len(mail.outbox) == 1  # only the real teacher gets mail


def strip_tokens(html):
    return re.sub(r'value="[^"]{20,}"', "", html)


def test_login_errors_are_the_same_for_a_wrong_password_and_an_unknown_email():
    factories.make_teacher("tess@riverside.example")
    login = reverse("login")
    wrong = Client().post(login, {"username": "tess@riverside.example", "password": "nope-123"})
    unknown = Client().post(login, {"username": "ghost@riverside.example", "password": "nope-123"})
    assert wrong.status_code == unknown.status_code == 200
    message = "That email and password don't match an account."
    assert message in unescape(wrong.text) and message in unescape(unknown.text)


# Sessions -------------------------------------------------------------------------------


def test_the_idle_timeout_comes_from_the_environment():
    code = "from django.conf import settings; print(settings.SESSION_COOKIE_AGE)"
    default = run_manage("shell", "-c", code, env=production_env())
    assert default.stdout.splitlines()[-1].split() == ["3600"], default.stderr
    short = run_manage("shell", "-c", code, env=production_env(SESSION_IDLE_MINUTES="5"))
    assert short.stdout.splitlines()[-1].split() == ["300"], short.stderr


def test_a_teacher_session_ends_after_the_idle_time_and_activity_extends_it(teacher):
    client = Client()
    assert (
        client.post(
            reverse("login"), {"username": teacher.email, "password": PASSWORD}
        ).status_code
        == 302
    )
    # A session about to run out is pushed on by the next request: an active teacher is
    # never cut off.
    Session.objects.update(expire_date=timezone.now() + timedelta(minutes=1))
    assert client.get(reverse("pledges:dashboard")).status_code == 200
    extended = Session.objects.get().expire_date - timezone.now()
    assert extended > timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)
    # Idle past the limit: logged out.
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("pledges:dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_changing_the_password_logs_out_every_other_session(teacher):
    laptop, phone = Client(), Client()
    for device in (laptop, phone):
        device.post(reverse("login"), {"username": teacher.email, "password": PASSWORD})
        assert device.get(reverse("pledges:dashboard")).status_code == 200
    page = laptop.get(reverse("password_change"))
    assert page.status_code == 200 and "Change your password" in unescape(page.text)
    changed = laptop.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "river-lantern-copper-77",
            "new_password2": "river-lantern-copper-77",
        },
    )
    assert changed.status_code == 302
    assert laptop.get(reverse("pledges:dashboard")).status_code == 200  # still logged in
    other = phone.get(reverse("pledges:dashboard"))
    assert other.status_code == 302 and other["Location"].startswith(reverse("login"))
