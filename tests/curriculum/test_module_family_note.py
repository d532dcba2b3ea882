"""The family note: the module's note and materials, and for a teacher's class the
school, the class and the day it was taught."""

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_classroom, make_lesson, make_module

pytestmark = pytest.mark.django_db


@pytest.fixture
def module():
    module = make_module(family_note="We talked about **kindness**.")
    make_lesson(
        "speaking-up",
        module=module,
        title="Speaking up for a friend",
        handouts=[("speaking-up-cards", "Scenario cards")],
    )
    return module


def note_url(module, **query):
    url = reverse("curriculum:module-family-note", args=[module.slug])
    if query:
        url += "?" + "&".join(f"{name}={value}" for name, value in query.items())
    return url


def test_note_links_to_the_modules_lessons_and_handouts(anon_client, module):
    response = anon_client.get(note_url(module))
    assert response.status_code == 200
    text = response.text
    assert "<strong>kindness</strong>" in text
    assert (
        'href="/lessons/speaking-up/"' in text and "http://testserver/lessons/speaking-up/" in text
    )
    assert 'href="/lessons/speaking-up/handouts/speaking-up-cards/"' in text
    assert "Print this note for one of your classes" not in text  # no form for visitors


def test_teacher_prints_the_note_for_their_class_on_the_day_it_was_taught(
    teacher_client, module, classroom
):
    response = teacher_client.get(note_url(module, classroom=classroom.pk, taught="2025-03-14"))
    assert response.status_code == 200
    assert (
        "From Riverside School: class 8B worked on this module on 14 March 2025." in response.text
    )


def test_the_date_defaults_to_today(teacher_client, module, classroom):
    text = teacher_client.get(note_url(module, classroom=classroom.pk)).text
    today = timezone.localdate()
    assert f"on {today.day} {today:%B} {today.year}." in text


def test_a_bad_date_says_so_and_uses_today(teacher_client, module, classroom):
    response = teacher_client.get(note_url(module, classroom=classroom.pk, taught="14/13/2025"))
    assert response.status_code == 200
    assert "Enter the date as day, month and year" in response.text
    assert "class 8B worked on this module on" in response.text


def test_teacher_sees_a_form_listing_only_their_classes(
    teacher_client, other_teacher, module, classroom
):
    make_classroom(other_teacher, name="Not mine")
    text = teacher_client.get(note_url(module)).text
    assert "Print this note for one of your classes" in text
    assert f'<option value="{classroom.pk}">8B</option>' in text and "Not mine" not in text


@pytest.mark.parametrize("who", ["anon_client", "colleague_client", "other_client"])
def test_someone_elses_classroom_is_404(request, who, module, classroom):
    client = request.getfixturevalue(who)
    assert client.get(note_url(module, classroom=classroom.pk)).status_code == 404


@pytest.mark.parametrize("value", ["999999", "x", "-1"])
def test_a_missing_or_malformed_classroom_is_404(teacher_client, module, classroom, value):
    assert teacher_client.get(note_url(module, classroom=value)).status_code == 404


def test_note_takes_the_same_queries_for_more_lessons(
    teacher_client, module, classroom, django_assert_num_queries
):
    url = note_url(module, classroom=classroom.pk)
    teacher_client.get(url)  # warm the session and the teacher's membership
    # Session, user, membership; the module; the classroom; the class list for the
    # form; the lessons; their handouts; the session saved with its new expiry (savepoint,
    # update, release); the school's country for the page.
    with django_assert_num_queries(12) as one:
        teacher_client.get(url)
    for number in range(4):
        make_lesson(f"more-{number}", module=module, handouts=[(f"more-{number}-sheet", "Sheet")])
    with django_assert_num_queries(len(one.captured_queries)):
        assert teacher_client.get(url).status_code == 200


def test_without_the_classrooms_hook_the_note_stands_alone(teacher_client, module, settings):
    """A school using the curriculum without pledges: no class form, no class ids."""
    settings.CURRICULUM_CLASSROOMS = ""
    text = teacher_client.get(note_url(module)).text
    assert "Print this note for one of your classes" not in text and "kindness" in text
    assert teacher_client.get(note_url(module, classroom="1")).status_code == 404
