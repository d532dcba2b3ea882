"""The public pledge page a class opens: every change shows on the very next visit,
and each student gets a CSRF token of their own that signs."""

import re
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from pledges.models import CheckIn, Pledge
from tests.factories import make_lesson, make_pledge, make_signature, sign_form_data

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def open_pledge(classroom):
    return make_pledge(classroom, show_names=True)


def visit(client, pledge):
    """The page as text."""
    response = client.get(pledge.get_link_url())
    assert response.status_code == 200
    return unescape(response.text)


def shown(text):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))


def test_the_token_on_the_page_signs(open_pledge):
    phone = Client(enforce_csrf_checks=True)
    token = TOKEN.search(visit(phone, open_pledge))[1]
    assert "csrftoken" in phone.cookies  # the cookie the token pairs with was sent
    response = phone.post(
        open_pledge.get_link_url(),
        {**sign_form_data(open_pledge, "Jo P"), "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 303
    assert open_pledge.signatures.filter(display_name="Jo P").exists()


def test_two_students_never_share_a_token(open_pledge):
    tokens = {TOKEN.search(visit(Client(), open_pledge))[1] for _ in range(3)}
    assert len(tokens) == 3


def test_the_page_follows_every_change(open_pledge, teacher_client):
    """Signing, withdrawing, moderating, editing, pausing and a check-in all show on the
    very next visit."""
    student = Client()
    sam = make_signature(open_pledge, "Max R")
    kim = make_signature(open_pledge, "Kim T", hidden=True)
    assert "1 person has signed" in shown(visit(student, open_pledge))

    student.post(open_pledge.get_link_url(), sign_form_data(open_pledge, "Jo P"))
    student = Client()
    text = shown(visit(student, open_pledge))
    assert "2 people have signed" in text and "Jo P" in text

    make_signature(open_pledge, "Ali B")
    open_pledge.signatures.get(display_name="Jo P").delete()  # withdrawn
    text = shown(visit(student, open_pledge))
    assert "2 people have signed" in text and "Jo P" not in text and "Max R" in text

    # Hide one name and show another: the same count and newest name as before.
    for signature, action in ((sam, "hide"), (kim, "unhide")):
        moderate = reverse("pledges:signature-moderate", args=[open_pledge.pk, signature.pk])
        teacher_client.post(moderate, {"action": action})
    text = shown(visit(student, open_pledge))
    assert "Kim T" in text and "Max R" not in text and "2 people have signed" in text

    pledge = Pledge.objects.get(pk=open_pledge.pk)
    pledge.title = "Kinder corridors"  # e.g. in the admin
    pledge.save()
    assert "<h1>Kinder corridors</h1>" in visit(student, pledge)

    CheckIn.start(pledge=pledge)
    assert "Add your reflection" in visit(student, pledge)
    pledge.pause()
    text = visit(student, pledge)
    assert "paused signing" in text and "Sign the pledge" not in text
    pledge.open()
    assert "Sign the pledge" in visit(student, pledge)


def test_a_new_exit_question_shows_at_once(classroom):
    lesson = make_lesson(exit_questions=["What will you do first?"])
    pledge = make_pledge(classroom, lesson=lesson, ask_exit_question=True)
    assert "What will you do first?" in visit(Client(), pledge)
    lesson.exit_questions = ["Who will you tell?"]
    lesson.save()
    assert "Who will you tell?" in visit(Client(), pledge)
