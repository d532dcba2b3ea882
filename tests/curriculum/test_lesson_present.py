"""Present mode: a lesson on the board, one screen a step, each at its own URL."""

import pytest
from django.urls import reverse

from curriculum.models import Status
from tests.factories import make_lesson, make_module

pytestmark = pytest.mark.django_db

INSTRUCTIONS = """Say: "Today is about jokes." Take two answers.

Ask: *"Who decides if a joke is funny?"*

1. Listen to the person speaking.
2. You can pass.

Walk round and listen for:

- questions rather than accusations;
- a next step.
"""


@pytest.fixture
def lesson():
    lesson = make_lesson(
        "speaking-up",
        title="Speaking up for a friend",
        outcome="I can ask a friend a calm question.",
        starter_question="What is banter?",
        exit_questions=["Name one safe way to help."],
        teacher_notes="Only for the teacher's eyes.",
        safeguarding="Tell the DSL the same day.",
        handouts=[("speaking-up-cards", "Scenario cards")],
    )
    scenarios = lesson.activities.get(title="Scenarios")
    scenarios.instructions = INSTRUCTIONS + "\nGive each group the scenario cards."
    scenarios.save()
    return lesson


def screen_url(lesson, number):
    return reverse("curriculum:lesson-present", args=[lesson.slug, number])


def test_present_starts_at_the_first_screen(anon_client, lesson):
    response = anon_client.get(reverse("curriculum:lesson-present-start", args=[lesson.slug]))
    assert response.status_code == 302
    assert response["Location"] == screen_url(lesson, 1)


def test_first_screen_shows_title_outcome_and_starter_and_links_to_the_next(anon_client, lesson):
    response = anon_client.get(screen_url(lesson, 1))
    assert response.status_code == 200
    text = response.text
    assert "<h1" in text and lesson.title in text
    assert lesson.outcome in text and "What is banter?" in text
    assert "Step 1 of 4" in text
    assert (
        f'<a class="present-button present-next" rel="next" href="{screen_url(lesson, 2)}"' in text
    )
    assert 'rel="prev"' not in text


def test_activity_screen_shows_what_students_do_and_not_the_teachers_notes(anon_client, lesson):
    text = anon_client.get(screen_url(lesson, 3)).text
    assert "Scenarios" in text and "25 minutes" in text and "Whole class" in text
    assert "Listen to the person speaking." in text
    assert "Who decides if a joke is funny?" in text
    assert "You need:" in text and "Scenario cards" in text
    # The teacher's script, checklist, notes and safeguarding stay off the board.
    assert "Today is about jokes" not in text
    assert "questions rather than accusations" not in text
    assert "Only for the teacher" not in text and "Tell the DSL" not in text
    assert f'rel="prev" href="{screen_url(lesson, 2)}"' in text
    assert f'rel="next" href="{screen_url(lesson, 4)}"' in text
    assert 'data-seconds="1500"' in text


def test_last_screen_is_the_exit_ticket_and_invites_a_visitor_to_sign_up(anon_client, lesson):
    text = anon_client.get(screen_url(lesson, 4)).text
    assert "Exit ticket" in text and "Name one safe way to help." in text
    assert 'rel="next"' not in text
    assert reverse("pledges:signup") in text
    assert reverse("pledges:pledge-create") not in text


def test_last_screen_offers_a_teacher_the_pledge_from_this_lesson(teacher_client, lesson):
    """A teacher with no class yet adds one, keeping the lesson; one with a class opens
    the pledge from the board (tests/pledges/test_board_pledge.py)."""
    text = teacher_client.get(screen_url(lesson, 4)).text
    assert f"{reverse('pledges:classroom-create')}?lesson=speaking-up" in text
    assert reverse("pledges:signup") not in text


@pytest.mark.parametrize("number", [0, 5, 99])
def test_screen_out_of_range_is_404(anon_client, lesson, number):
    assert anon_client.get(screen_url(lesson, number)).status_code == 404


def test_missing_lesson_is_404(anon_client):
    assert anon_client.get("/lessons/no-such-lesson/present/1/").status_code == 404
    assert anon_client.get("/lessons/no-such-lesson/present/").status_code == 404
    assert anon_client.get("/lessons/no-such-lesson/present/all/").status_code == 404


def test_draft_lesson_is_404_for_the_public_and_shown_to_staff(anon_client, staff_client):
    draft = make_lesson("draft-lesson", status=Status.DRAFT)
    assert anon_client.get(screen_url(draft, 1)).status_code == 404
    assert (
        anon_client.get(reverse("curriculum:lesson-present-all", args=[draft.slug])).status_code
        == 404
    )
    assert staff_client.get(screen_url(draft, 1)).status_code == 200


def test_lesson_in_a_draft_module_is_404(anon_client):
    lesson = make_lesson(module=make_module("draft-module", status=Status.DRAFT))
    assert anon_client.get(screen_url(lesson, 1)).status_code == 404


def test_all_screens_page_lists_every_screen_for_printing(anon_client, lesson):
    response = anon_client.get(reverse("curriculum:lesson-present-all", args=[lesson.slug]))
    assert response.status_code == 200
    assert response.text.count('class="screen ') == 4
    assert "Name one safe way to help." in response.text


def test_a_screen_takes_the_same_queries_for_a_long_lesson(
    anon_client, lesson, django_assert_num_queries
):
    long = make_lesson(activities=[(f"Step {n}", 5, None) for n in range(1, 10)])
    for current in (lesson, long):
        # The lesson with its module, then age bands, themes, activities and handouts.
        with django_assert_num_queries(5):
            assert anon_client.get(screen_url(current, 2)).status_code == 200


def test_post_is_refused(anon_client, lesson):
    assert anon_client.post(screen_url(lesson, 1)).status_code == 405


def test_long_talking_points_stay_off_the_board(anon_client, lesson):
    scenarios = lesson.activities.get(title="Scenarios")
    point = "The line is connected. " + "Serious harm builds up from smaller things. " * 5
    scenarios.instructions = f"Then say:\n\n1. {point}\n2. {point}\n"
    scenarios.save()
    text = anon_client.get(screen_url(lesson, 3)).text
    assert "The line is connected." not in text
