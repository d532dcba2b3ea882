import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from pledges.forms.accounts import EmailAuthenticationForm
from tests.factories import make_teacher

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "a-long-teacher-pass-42"  # tests.factories.make_teacher's default


def signup_data(**overrides):
    data = {"first_name": "Nia", "last_name": "Okafor", "email": "Nia.Okafor@Brookside.example"}
    data.update(overrides)
    return data


def emailed_link(message):
    return re.search(r"^https?://\S+$", message.body, re.MULTILINE).group(0)


# Sign up ------------------------------------------------------------------------------


def test_signup_emails_a_link_that_creates_the_teacher_and_logs_them_in(anon_client):
    response = anon_client.post(reverse("pledges:signup"), signup_data())
    assert response.status_code == 302
    assert response["Location"] == reverse("pledges:signup-sent")
    assert "Check your email" in anon_client.get(response["Location"]).text
    user = User.objects.get()
    assert (user.username, user.email) == ("nia.okafor@brookside.example",) * 2
    assert not user.is_active and not user.has_usable_password()
    assert "_auth_user_id" not in anon_client.session

    [message] = mail.outbox
    assert message.to == ["nia.okafor@brookside.example"]
    assert message.subject == "Finish creating your Allyship Classroom account"
    link = emailed_link(message)
    assert link.startswith("http://127.0.0.1:8000/accounts/signup/")  # settings.SITE_URL
    form_page = anon_client.get(link.removeprefix("http://127.0.0.1:8000"), follow=True)
    assert "Choose your password" in form_page.text
    done = anon_client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "kettle-harbour-violet-9", "new_password2": "kettle-harbour-violet-9"},
    )
    assert done["Location"] == reverse("pledges:school-setup")
    user.refresh_from_db()
    assert user.is_active and user.check_password("kettle-harbour-violet-9")
    assert int(anon_client.session["_auth_user_id"]) == user.pk
    assert "Set up your school" in anon_client.get(done["Location"]).text
    # The link worked once.
    again = anon_client.get(link.removeprefix("http://127.0.0.1:8000"), follow=True)
    assert "This link doesn't work any more" in again.text


def test_signup_page_shows_the_form(anon_client):
    response = anon_client.get(reverse("pledges:signup"))
    assert response.status_code == 200
    assert response.text.count("<h1") == 1
    for label in ("First name", "Last name", "Email"):
        assert label in response.text


def choose_password(client, password):
    link = emailed_link(mail.outbox[-1]).removeprefix("http://127.0.0.1:8000")
    form_page = client.get(link, follow=True)
    return client.post(
        form_page.redirect_chain[-1][0], {"new_password1": password, "new_password2": password}
    )


def test_weak_password_is_refused_with_djangos_message_and_no_account_yet(anon_client):
    anon_client.post(reverse("pledges:signup"), signup_data())
    response = choose_password(anon_client, "password")
    assert response.status_code == 200
    assert "This password is too common." in response.text
    assert not User.objects.get().is_active


def test_password_like_the_name_is_refused(anon_client):
    anon_client.post(reverse("pledges:signup"), signup_data())
    response = choose_password(anon_client, "nia.okafor1")
    assert "too similar" in response.text
    assert not User.objects.get().is_active


def test_missing_name_and_bad_email_are_refused(anon_client):
    response = anon_client.post(
        reverse("pledges:signup"), signup_data(first_name="  ", email="not-an-email")
    )
    assert response.status_code == 200
    assert "Tell us your first name." in response.text
    assert "Type a whole email address" in response.text
    assert not User.objects.exists()
    assert not mail.outbox


def test_a_registered_email_gets_the_same_answer_and_a_reminder_by_email(anon_client, teacher):
    """Sign-up must not tell anyone which addresses have accounts (issue 16)."""
    new = Client().post(reverse("pledges:signup"), signup_data(), follow=True)
    taken = anon_client.post(
        reverse("pledges:signup"), signup_data(email="TEACHER@riverside.example"), follow=True
    )
    assert taken.redirect_chain == new.redirect_chain
    assert taken.text == new.text
    assert User.objects.filter(email="teacher@riverside.example").count() == 1
    assert "_auth_user_id" not in anon_client.session
    reminder = mail.outbox[-1]
    assert reminder.to == ["teacher@riverside.example"]
    assert "You already have a teacher account" in reminder.body
    assert "http://127.0.0.1:8000/accounts/login/" in reminder.body
    teacher.refresh_from_db()
    assert teacher.check_password(PASSWORD)


def test_signing_up_again_before_choosing_a_password_sends_a_fresh_link(anon_client):
    anon_client.post(reverse("pledges:signup"), signup_data())
    anon_client.post(reverse("pledges:signup"), signup_data())
    assert User.objects.count() == 1
    assert len(mail.outbox) == 2
    assert "finish" in mail.outbox[1].body
    assert choose_password(anon_client, "kettle-harbour-violet-9")["Location"] == reverse(
        "pledges:school-setup"
    )


def test_a_switched_off_account_is_not_switched_on_by_signing_up(anon_client, teacher):
    teacher.is_active = False
    teacher.save()
    anon_client.post(reverse("pledges:signup"), signup_data(email="teacher@riverside.example"))
    assert "You already have a teacher account" in mail.outbox[-1].body
    token_link = reverse("pledges:signup-activate", args=["MQ", "set-password"])
    assert "doesn't work" in anon_client.get(token_link).text
    teacher.refresh_from_db()
    assert not teacher.is_active


def test_a_password_reset_link_cannot_finish_a_sign_up(anon_client):
    anon_client.post(reverse("pledges:signup"), signup_data())
    user = User.objects.get()
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    reset_token = default_token_generator.make_token(user)
    page = anon_client.get(
        reverse("pledges:signup-activate", args=[uid, reset_token]), follow=True
    )
    assert "This link doesn't work any more" in page.text


def test_a_logged_in_teacher_visiting_signup_goes_to_the_dashboard(teacher_client):
    response = teacher_client.get(reverse("pledges:signup"))
    assert response.status_code == 302 and response["Location"] == reverse("pledges:dashboard")


# Log in and out ---------------------------------------------------------------------


def test_login_with_email_and_password_reaches_the_dashboard(anon_client, teacher):
    response = anon_client.post(
        reverse("login"), {"username": "teacher@riverside.example", "password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == reverse("pledges:dashboard")
    assert int(anon_client.session["_auth_user_id"]) == teacher.pk


def test_login_page_links_to_reset_and_signup(anon_client):
    response = anon_client.get(reverse("login"))
    assert response.status_code == 200
    assert reverse("password_reset") in response.text
    assert reverse("pledges:signup") in response.text


def test_login_page_asks_for_the_email(anon_client):
    response = anon_client.get(reverse("login"))
    assert re.search(r"<label[^>]*>\s*Email", response.text)


def test_email_login_form_reads_the_address_in_any_case(teacher):
    request = RequestFactory().post(reverse("login"))
    form = EmailAuthenticationForm(
        request, data={"username": " Teacher@Riverside.example ", "password": PASSWORD}
    )
    assert form.is_valid(), form.errors
    assert form.get_user() == teacher
    assert form.fields["username"].label == "Email"


def test_email_login_form_refuses_a_wrong_password_with_a_clear_message(teacher):
    request = RequestFactory().post(reverse("login"))
    form = EmailAuthenticationForm(
        request, data={"username": "teacher@riverside.example", "password": "wrong"}
    )
    assert not form.is_valid()
    assert "don't match an account" in form.non_field_errors()[0]


def test_logout_goes_home(teacher_client):
    response = teacher_client.post(reverse("logout"))
    assert response.status_code == 302 and response["Location"] == reverse("curriculum:home")
    assert "_auth_user_id" not in teacher_client.session


def test_five_wrong_passwords_lock_the_login_with_a_clear_message(anon_client, teacher):
    wrong = {"username": "teacher@riverside.example", "password": "not-my-password"}
    for _attempt in range(4):
        response = anon_client.post(reverse("login"), wrong)
        assert response.status_code == 200  # the form again, with its error
    response = anon_client.post(reverse("login"), wrong)
    assert response.status_code == 429
    # Now even the right password is refused until the cool-off ends.
    response = anon_client.post(
        reverse("login"), {"username": "teacher@riverside.example", "password": PASSWORD}
    )
    assert response.status_code == 429
    assert "Too many failed log-ins. Try again in 15 minutes, or reset your password." in (
        response.text
    )
    assert reverse("password_reset") in response.text
    assert response["Retry-After"] == "900"  # the one "too many tries" page, as for codes
    assert "_auth_user_id" not in anon_client.session


def test_a_lockout_is_per_account(anon_client, teacher, colleague):
    wrong = {"username": "teacher@riverside.example", "password": "not-my-password"}
    for _attempt in range(5):
        anon_client.post(reverse("login"), wrong)
    response = anon_client.post(
        reverse("login"), {"username": "colleague@riverside.example", "password": PASSWORD}
    )
    assert response.status_code == 302


# Password reset -----------------------------------------------------------------------


def test_password_reset_emails_a_known_address_a_working_link(anon_client, teacher):
    response = anon_client.post(reverse("password_reset"), {"email": "teacher@riverside.example"})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["teacher@riverside.example"]
    assert message.subject == "Reset your Allyship Classroom password"
    # Built from settings.SITE_URL, never from the request's Host (issue 16).
    link = re.search(r"http://127.0.0.1:8000(/accounts/reset/\S+/)", message.body).group(1)
    form_page = anon_client.get(link, follow=True)
    assert "Choose a new password" in form_page.text
    done = anon_client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "lantern-meadow-copper-7", "new_password2": "lantern-meadow-copper-7"},
    )
    assert done["Location"] == reverse("password_reset_complete")
    teacher.refresh_from_db()
    assert teacher.check_password("lantern-meadow-copper-7")


def test_password_reset_link_ignores_a_forged_host_header(anon_client, teacher):
    """A port or host the sender chose must not reach the link (it passes ALLOWED_HOSTS)."""
    anon_client.post(
        reverse("password_reset"),
        {"email": "teacher@riverside.example"},
        HTTP_HOST="localhost:6666",
    )
    [message] = mail.outbox
    assert "6666" not in message.body and "localhost" not in message.body
    assert "http://127.0.0.1:8000/accounts/reset/" in message.body


def test_password_reset_shows_the_same_page_for_an_unknown_address(anon_client, teacher):
    known = anon_client.post(
        reverse("password_reset"), {"email": "teacher@riverside.example"}, follow=True
    )
    unknown = anon_client.post(
        reverse("password_reset"), {"email": "nobody@riverside.example"}, follow=True
    )
    assert len(mail.outbox) == 1
    assert unknown.redirect_chain == known.redirect_chain
    assert unknown.text == known.text
    assert "If that address belongs to a teacher account" in unknown.text


def test_password_reset_pages_render(anon_client):
    assert anon_client.get(reverse("password_reset")).status_code == 200
    assert anon_client.get(reverse("password_reset_done")).status_code == 200
    assert anon_client.get(reverse("password_reset_complete")).status_code == 200
    broken = anon_client.get(
        reverse("password_reset_confirm", args=["MQ", "set-password"]), follow=True
    )
    assert "This link doesn't work any more" in broken.text


def test_a_new_teacher_without_a_school_is_sent_to_set_one_up_after_login(anon_client):
    make_teacher("new@brookside.example")
    response = anon_client.post(
        reverse("login"),
        {"username": "new@brookside.example", "password": PASSWORD},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("pledges:school-setup")
