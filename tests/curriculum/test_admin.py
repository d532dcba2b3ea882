"""The admin pages staff curate the curriculum with."""

import pytest
from django.urls import reverse

from curriculum.models import Lesson, Module, Status
from tests.factories import make_age_band, make_lesson

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "model", ["lesson", "module", "ageband", "theme", "supportservice", "handout"]
)
def test_changelists_and_add_pages_load(staff_client, model):
    make_lesson(handouts=[("cards", "Cards")])
    for view in ("changelist", "add"):
        response = staff_client.get(reverse(f"admin:curriculum_{model}_{view}"))
        assert response.status_code == 200, (model, view)


def test_lesson_change_page_has_inlines_and_view_on_site(staff_client):
    lesson = make_lesson()
    response = staff_client.get(reverse("admin:curriculum_lesson_change", args=[lesson.pk]))
    assert response.status_code == 200
    assert "activities-TOTAL_FORMS" in response.text
    assert "View on site" in response.text


def test_search_and_filter(staff_client):
    make_lesson(title="Findable title")
    make_lesson(title="Other", status=Status.DRAFT)
    url = reverse("admin:curriculum_lesson_changelist")
    assert "Findable title" in staff_client.get(url, {"q": "Findable"}).text
    drafts = staff_client.get(url, {"status__exact": "draft"}).text
    assert "Other" in drafts and "Findable title" not in drafts


def test_publish_and_unpublish_actions(staff_client):
    lesson = make_lesson(status=Status.DRAFT)
    url = reverse("admin:curriculum_lesson_changelist")
    staff_client.post(url, {"action": "publish", "_selected_action": [lesson.pk]})
    lesson.refresh_from_db()
    assert lesson.status == Status.PUBLISHED
    staff_client.post(url, {"action": "unpublish", "_selected_action": [lesson.pk]})
    lesson.refresh_from_db()
    assert lesson.status == Status.DRAFT


def lesson_form(lesson, **changes):
    data = {
        "title": lesson.title,
        "slug": lesson.slug,
        "module": lesson.module.pk,
        "status": lesson.status,
        "age_bands": [b.pk for b in lesson.age_bands.all()],
        "duration_minutes": lesson.duration_minutes,
        "summary": lesson.summary,
        "outcome": lesson.outcome,
        "objectives": "Students can do a thing.\nStudents can more.",
        "key_vocabulary": "Ally | Someone who helps",
        "content_guidance": "",
        "misconceptions": "",
        "sources": "Barnes-Smith, M. | No Going Back | 2020 | EqualiTeach",
        "safeguarding": "Tell the DSL.",
        "activities-TOTAL_FORMS": "1",
        "activities-INITIAL_FORMS": "0",
        "activities-0-order": "1",
        "activities-0-title": "All of it",
        "activities-0-minutes": "30",
        "activities-0-grouping": "whole-class",
        "activities-0-instructions": "Do **it**.",
        "handouts-TOTAL_FORMS": "0",
        "handouts-INITIAL_FORMS": "0",
    }
    data.update(changes)
    return data


def test_saving_a_lesson_stores_lists_and_warns_when_minutes_do_not_add_up(staff_client):
    lesson = make_lesson(activities=[])
    url = reverse("admin:curriculum_lesson_change", args=[lesson.pk])
    response = staff_client.post(url, lesson_form(lesson), follow=True)
    assert response.status_code == 200
    assert "add up to 30 minutes but the lesson lasts 45" in response.text
    lesson.refresh_from_db()
    assert lesson.objectives == ["Students can do a thing.", "Students can more."]
    assert lesson.key_vocabulary == [{"term": "Ally", "definition": "Someone who helps"}]
    assert lesson.sources[0]["publisher"] == "EqualiTeach"
    assert lesson.activities.get().instructions_html == "<p>Do <strong>it</strong>.</p>\n"


def test_a_malformed_record_line_is_an_error_and_changes_nothing(staff_client):
    lesson = make_lesson(activities=[])
    url = reverse("admin:curriculum_lesson_change", args=[lesson.pk])
    response = staff_client.post(url, lesson_form(lesson, key_vocabulary="Ally without a pipe"))
    assert response.status_code == 200
    assert "Line 1 needs term | definition" in response.text
    lesson.refresh_from_db()
    assert lesson.key_vocabulary[0]["term"] == "Bystander"


def test_unknown_content_area_is_refused(staff_client):
    lesson = make_lesson(activities=[])
    url = reverse("admin:curriculum_lesson_change", args=[lesson.pk])
    response = staff_client.post(url, lesson_form(lesson, content_guidance="gore | careful"))
    assert "is not an area" in response.text


def test_admin_requires_staff(anon_client, client, django_user_model):
    url = reverse("admin:curriculum_lesson_changelist")
    assert anon_client.get(url).status_code == 302
    teacher = django_user_model.objects.create_user("teacher", password="x-long-password-1")
    client.force_login(teacher)
    assert client.get(url).status_code == 302
    assert Module.objects.count() == 0 and Lesson.objects.count() == 0
    assert make_age_band()
