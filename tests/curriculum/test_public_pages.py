"""Home, module, lesson, print, handout, family note and teacher guide pages."""

import pytest
from django.urls import reverse

from curriculum.models import Status
from tests.factories import make_lesson, make_module

pytestmark = pytest.mark.django_db


@pytest.fixture
def lesson():
    return make_lesson(
        "speaking-up",
        title="Speaking up for a friend",
        handouts=[("speaking-up-cards", "Scenario cards")],
        teacher_notes="Keep it **light**.",
        exit_questions=["Name one safe way to help."],
    )


def test_home_names_the_modules(anon_client):
    for order, slug in enumerate(["start-a-conversation", "stop-it-before-it-starts"]):
        make_module(slug, order=order)
    make_module("hidden-module", title="Hidden module", status=Status.DRAFT)
    response = anon_client.get("/")
    assert response.status_code == 200
    assert "Start A Conversation" in response.text
    assert "Stop It Before It Starts" in response.text
    assert "Hidden module" not in response.text


def test_home_has_skip_link_and_landmarks(anon_client):
    text = anon_client.get("/").text
    assert 'href="#main"' in text and 'id="main"' in text
    assert "<header" in text and "<nav" in text and "<main" in text and "<footer" in text


def test_module_page_shows_big_idea_and_its_lessons(anon_client, lesson):
    other = make_lesson(module=make_module("other-module"), title="Elsewhere")
    response = anon_client.get(lesson.module.get_absolute_url())
    assert response.status_code == 200
    assert "<strong>big idea</strong>" in response.text
    assert lesson.title in response.text
    assert other.title not in response.text


def test_draft_module_is_404_for_the_public_and_shown_to_staff(anon_client, staff_client):
    module = make_module("draft-module", status=Status.DRAFT)
    assert anon_client.get(module.get_absolute_url()).status_code == 404
    response = staff_client.get(module.get_absolute_url())
    assert response.status_code == 200
    assert "Draft: only staff can see this module." in response.text


def test_unknown_module_is_404(anon_client):
    assert anon_client.get("/modules/no-such-module/").status_code == 404


def test_lesson_page_shows_every_part(anon_client, lesson):
    response = anon_client.get(lesson.get_absolute_url())
    text = response.text
    assert response.status_code == 200
    for expected in [
        lesson.title,
        "Before you teach",
        "Content guidance",
        "Safeguarding",
        "Tell the <strong>DSL</strong> the same day.",
        "Learning objectives",
        "Key vocabulary",
        "Bystander",
        "The lesson, step by step",
        "10–15 min",  # a range where the author gave one
        "From 10 min",  # the running clock
        "Exit ticket",
        "Teacher notes",
        "Scenario cards",
        "Sources",
        "<cite>No Going Back</cite>",
    ]:
        assert expected in text, expected


def test_guidance_comes_before_the_activities(anon_client, lesson):
    text = anon_client.get(lesson.get_absolute_url()).text
    assert text.index("Before you teach") < text.index("The lesson, step by step")


def test_draft_lesson_is_404_for_the_public_and_shown_to_staff(anon_client, staff_client):
    draft = make_lesson("draft-lesson", status=Status.DRAFT)
    assert anon_client.get(draft.get_absolute_url()).status_code == 404
    assert (
        anon_client.get(reverse("curriculum:lesson-print", args=[draft.slug])).status_code == 404
    )
    response = staff_client.get(draft.get_absolute_url())
    assert response.status_code == 200
    assert "Draft: only staff can see this lesson." in response.text


def test_lesson_in_a_draft_module_is_hidden_from_the_public(anon_client):
    lesson = make_lesson(module=make_module("unpublished", status=Status.DRAFT))
    assert anon_client.get(lesson.get_absolute_url()).status_code == 404


def test_staff_see_a_warning_when_minutes_do_not_add_up(anon_client, staff_client):
    lesson = make_lesson(duration_minutes=60)
    warning = "add up to 45 minutes but the lesson lasts 60"
    assert warning in staff_client.get(lesson.get_absolute_url()).text
    assert warning not in anon_client.get(lesson.get_absolute_url()).text


def test_print_view_has_no_navigation(anon_client, lesson):
    response = anon_client.get(reverse("curriculum:lesson-print", args=[lesson.slug]))
    assert response.status_code == 200
    assert lesson.title in response.text
    assert "<nav" not in response.text
    assert "css/print." in response.text
    assert "bootstrap" not in response.text


def test_handout_prints_on_its_own(anon_client, lesson):
    url = reverse("curriculum:handout-print", args=[lesson.slug, "speaking-up-cards"])
    response = anon_client.get(url)
    assert response.status_code == 200
    assert "Scenario cards" in response.text and "<nav" not in response.text


def test_handout_of_another_lesson_is_404(anon_client, lesson):
    make_lesson("other", handouts=[("other-cards", "Other cards")])
    url = reverse("curriculum:handout-print", args=[lesson.slug, "other-cards"])
    assert anon_client.get(url).status_code == 404


def test_family_note_prints(anon_client, lesson):
    url = reverse("curriculum:module-family-note", args=[lesson.module.slug])
    response = anon_client.get(url)
    assert response.status_code == 200 and "A note for families" in response.text


def test_teacher_guide_lists_support_services(anon_client):
    from curriculum.models import SupportService

    SupportService.objects.create(
        name="Childline", helps_with="Anything", contact="0800 1111", country="GB"
    )
    response = anon_client.get(reverse("curriculum:teacher-guide"))
    assert response.status_code == 200
    assert "Childline" in response.text and "In the UK" in response.text


def test_pages_refuse_post(anon_client, lesson):
    assert anon_client.post(lesson.get_absolute_url()).status_code == 405


def test_healthz_answers_ok(anon_client):
    response = anon_client.get("/healthz")
    assert response.status_code == 200 and response.text == "ok\n"
