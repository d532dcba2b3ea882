import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import RequestFactory
from django.urls import reverse

from pledges.forms.accounts import EmailAuthenticationForm
from tests.factories import make_teacher

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "a-long-teacher-pass-42"  # tests.factories.make_teacher's default


def signup_data(**overrides):
    data = {
        "first_name": "Nia",
        "last_name": "Okafor",
        "email": "Nia.Okafor@Brookside.example",
        "password1": "kettle-harbour-violet-9",
        "password2": "kettle-harbour-violet-9",
    }
    data.update(overrides)
    return data


# Sign up ------------------------------------------------------------------------------


def test_signup_creates_a_teacher_logs_them_in_and_sends_them_to_school_setup(anon_client):
    response = anon_client.post(reverse("pledges:signup"), signup_data())
    assert response.status_code == 302
    assert response["Location"] == reverse("pledges:school-setup")
    user = User.objects.get()
    assert (user.username, user.email) == ("nia.okafor@brookside.example",) * 2
    assert (user.first_name, user.last_name) == ("Nia", "Okafor")
    assert user.check_password("kettle-harbour-violet-9")
    assert int(anon_client.session["_auth_user_id"]) == user.pk
    page = anon_client.get(response["Location"])
    assert page.status_code == 200 and "Set up your school" in page.text


def test_signup_page_shows_the_form(anon_client):
    response = anon_client.get(reverse("pledges:signup"))
    assert response.status_code == 200
    assert response.text.count("<h1") == 1
    for label in ("First name", "Last name", "Email", "Password again"):
        assert label in response.text


def test_weak_password_is_refused_with_djangos_message_and_no_user(anon_client):
    response = anon_client.post(
        reverse("pledges:signup"), signup_data(password1="password", password2="password")
    )
    assert response.status_code == 200
    assert "This password is too common." in response.text
    assert not User.objects.exists()


def test_password_like_the_name_is_refused(anon_client):
    response = anon_client.post(
        reverse("pledges:signup"),
        signup_data(password1="nia.okafor1", password2="nia.okafor1"),
    )
    assert "too similar" in response.text
    assert not User.objects.exists()


def test_two_different_passwords_are_refused(anon_client):
    response = anon_client.post(
        reverse("pledges:signup"), signup_data(password2="kettle-harbour-violet-8")
    )
    assert "The two passwords are different" in response.text
    assert not User.objects.exists()


def test_missing_name_and_bad_email_are_refused(anon_client):
    response = anon_client.post(
        reverse("pledges:signup"), signup_data(first_name="  ", email="not-an-email")
    )
    assert response.status_code == 200
    assert "Tell us your first name." in response.text
    assert "Type a whole email address" in response.text
    assert not User.objects.exists()


def test_an_email_already_registered_is_refused_without_saying_so(anon_client, teacher):
    response = anon_client.post(
        reverse("pledges:signup"), signup_data(email="TEACHER@riverside.example")
    )
    assert response.status_code == 200
    assert "couldn&#x27;t create an account with these details" in response.text
    for revealing in ("taken", "already exists", "already registered", "in use"):
        assert revealing not in response.text
    assert User.objects.count() == 1
    assert "_auth_user_id" not in anon_client.session


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
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", message.body).group(1)
    form_page = anon_client.get(link, follow=True)
    assert "Choose a new password" in form_page.text
    done = anon_client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "lantern-meadow-copper-7", "new_password2": "lantern-meadow-copper-7"},
    )
    assert done["Location"] == reverse("password_reset_complete")
    teacher.refresh_from_db()
    assert teacher.check_password("lantern-meadow-copper-7")


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
