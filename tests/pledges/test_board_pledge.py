"""From the lesson on the board to its class pledge, without leaving the board (issue 20).

The last screen of present mode offers a signed-in teacher the lesson's pledge for a class
they choose: one submit opens it from the lesson's template, and the same screen then shows
its code, QR code and count. Anyone else is pointed to signing up."""

import re
from html import unescape

import pytest
from django.urls import reverse

from curriculum import layout
from pledges.models import Pledge, PledgeStatus, PledgeTemplate
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def lesson():
    lesson = factories.make_lesson("speaking-up")
    PledgeTemplate.objects.create(
        title="We speak up",
        slug="we-speak-up",
        module=lesson.module,
        lesson=lesson,
        intro="Together.",
        commitments=["I will speak up if it is safe.", "I will tell an adult."],
    )
    return lesson


def last_screen(lesson):
    return reverse("curriculum:lesson-present", args=[lesson.slug, len(layout.screens(lesson))])


def open_url(lesson):
    return reverse("pledges:pledge-open-from-lesson", args=[lesson.slug])


def test_anyone_else_is_pointed_to_signing_up(anon_client, lesson):
    text = unescape(anon_client.get(last_screen(lesson)).text)
    assert "Sign up for free" in text and "Open the pledge now" not in text


def test_a_teacher_opens_the_lessons_pledge_for_a_class_and_sees_its_code_there(
    teacher_client, classroom, lesson
):
    page = unescape(teacher_client.get(last_screen(lesson)).text)
    assert "Open the pledge now" in page and f'value="{classroom.pk}"' in page
    screens = len(layout.screens(lesson))
    response = teacher_client.post(
        open_url(lesson), {"classroom": classroom.pk, "screen": screens}
    )
    pledge = Pledge.objects.get()
    assert (pledge.classroom, pledge.lesson, pledge.status) == (
        classroom,
        lesson,
        PledgeStatus.OPEN,
    )
    assert [c.text for c in pledge.commitments.order_by("order")] == [
        "I will speak up if it is safe.",
        "I will tell an adult.",
    ]
    assert response["Location"] == f"{last_screen(lesson)}?pledge={pledge.pk}#board-pledge"
    board = unescape(teacher_client.get(f"{last_screen(lesson)}?pledge={pledge.pk}").text)
    assert pledge.join_code_display() in board
    assert re.search(r"<svg[^>]*viewBox", board)
    assert reverse("pledges:pledge-count", args=[pledge.pk]) in board


def test_another_teachers_class_is_404_and_opens_nothing(other_client, classroom, lesson):
    assert other_client.post(open_url(lesson), {"classroom": classroom.pk}).status_code == 404
    assert not Pledge.objects.exists()


def test_no_class_chosen_says_so_and_opens_nothing(teacher_client, classroom, lesson):
    screens = len(layout.screens(lesson))
    response = teacher_client.post(
        open_url(lesson), {"classroom": "", "screen": screens}, follow=True
    )
    assert "Choose the class that is signing." in unescape(response.text)
    assert not Pledge.objects.exists()


def test_anonymous_post_goes_to_log_in_and_get_is_refused(anon_client, teacher_client, lesson):
    assert anon_client.post(open_url(lesson), {"classroom": "1"})["Location"].startswith(
        reverse("login")
    )
    assert teacher_client.get(open_url(lesson)).status_code == 405
    assert not Pledge.objects.exists()


def test_someone_elses_pledge_is_never_shown_on_my_board(teacher_client, other_teacher, lesson):
    theirs = factories.make_pledge(factories.make_classroom(other_teacher, name="Hill"))
    Pledge.objects.filter(pk=theirs.pk).update(lesson=lesson)
    board = teacher_client.get(f"{last_screen(lesson)}?pledge={theirs.pk}").text
    assert theirs.join_code_display() not in board


def test_a_lesson_without_a_template_goes_to_the_pledge_form(teacher_client, classroom):
    bare = factories.make_lesson(
        "listening", module=factories.make_module("create-a-respectful-environment")
    )
    response = teacher_client.post(open_url(bare), {"classroom": classroom.pk})
    assert response["Location"] == f"{reverse('pledges:pledge-create')}?lesson={bare.slug}"
    assert not Pledge.objects.exists()
