"""Public pages and static files in caches: a page is revalidated with its ETag; visitors
without a session share one rendering for CURRICULUM_CACHE_SECONDS (off while
developing, so every curriculum edit shows at once), teachers and staff always get a
fresh one; static files are kept for a year.
"""

import re
import time

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from curriculum.models import Lesson, Status
from tests.factories import make_lesson
from tests.test_project import production_env, run_manage

pytestmark = pytest.mark.django_db


@pytest.fixture
def lesson():
    return make_lesson("speaking-up", title="Speaking up")


def test_a_matching_etag_gets_304(anon_client, lesson):
    etag = anon_client.get(lesson.get_absolute_url())["ETag"]
    response = anon_client.get(lesson.get_absolute_url(), HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response.content == b""
    # The browser keeps the page's own policy: a policy on the 304 would replace it
    # (tests/browser/test_revisit.py shows what "load nothing" did to the page).
    assert "Content-Security-Policy" not in response.headers


def test_a_changed_lesson_gets_a_new_etag(anon_client, lesson):
    etag = anon_client.get(lesson.get_absolute_url())["ETag"]
    lesson.title = "Speaking up for a friend"
    lesson.save()
    response = anon_client.get(lesson.get_absolute_url(), HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert "Speaking up for a friend" in response.text


def test_saving_a_lesson_shows_at_once(anon_client, lesson):
    assert "Speaking up" in anon_client.get(lesson.get_absolute_url()).text
    lesson.title = "Speaking up for a friend"
    lesson.save()
    assert "Speaking up for a friend" in anon_client.get(lesson.get_absolute_url()).text
    assert "Speaking up for a friend" in anon_client.get("/lessons/").text


def test_deleting_a_lesson_takes_it_off_the_list(anon_client, lesson):
    other = make_lesson("listening-first", title="Listening first")
    assert "Listening first" in anon_client.get("/lessons/").text
    other.delete()
    assert "Listening first" not in anon_client.get("/lessons/").text


def test_publishing_from_the_admin_shows_at_once(anon_client, staff_client, lesson):
    draft = make_lesson("draft-lesson", title="Not yet ready", status=Status.DRAFT)
    assert "Not yet ready" not in anon_client.get("/lessons/").text
    staff_client.post(
        reverse("admin:curriculum_lesson_changelist"),
        {"action": "publish", "_selected_action": [draft.pk]},
    )
    assert Lesson.objects.get(pk=draft.pk).is_published()
    assert "Not yet ready" in anon_client.get("/lessons/").text


def test_staff_see_drafts_and_the_public_does_not(anon_client, staff_client):
    make_lesson("draft-lesson", title="Not yet ready", status=Status.DRAFT)
    make_lesson("published-lesson", title="Ready")
    assert "Not yet ready" not in anon_client.get("/lessons/").text
    assert "Not yet ready" in staff_client.get("/lessons/").text
    assert "Not yet ready" not in anon_client.get("/lessons/").text


# Visitors' pages from the cache framework ------------------------------------------------


@pytest.fixture
def one_second_window(settings):
    settings.CURRICULUM_CACHE_SECONDS = 1
    caches["pages"].clear()  # each process's own memory: nothing from an earlier test
    yield
    caches["pages"].clear()


@pytest.mark.parametrize("url", ["/", "/lessons/", "/lessons/speaking-up/"])
def test_visitors_see_an_edit_once_the_window_has_passed(
    one_second_window, anon_client, lesson, url
):
    anon_client.get(url)
    lesson.title = lesson.module.title = "Speaking up for a friend"
    lesson.save()
    lesson.module.save()
    assert "Speaking up for a friend" not in anon_client.get(url).text  # the kept page
    time.sleep(1.1)
    assert "Speaking up for a friend" in anon_client.get(url).text


def test_a_kept_page_is_served_without_rendering_it_again(
    one_second_window, anon_client, lesson, django_assert_num_queries
):
    first = anon_client.get(lesson.get_absolute_url())
    with django_assert_num_queries(0):
        again = anon_client.get(lesson.get_absolute_url())
    assert again.content == first.content
    assert "max-age=1" in again["Cache-Control"]


def test_teachers_and_staff_see_an_edit_at_once(
    one_second_window, anon_client, teacher_client, staff_client, lesson
):
    anon_client.get(lesson.get_absolute_url())
    lesson.title = "Speaking up for a friend"
    lesson.save()
    for client in (teacher_client, staff_client):
        assert "Speaking up for a friend" in client.get(lesson.get_absolute_url()).text


def test_a_visitors_kept_page_never_reaches_a_teacher(
    one_second_window, anon_client, teacher_client, lesson
):
    anon_client.get(lesson.get_absolute_url())
    response = teacher_client.get(lesson.get_absolute_url())
    assert "Log out" in response.text and 'name="csrfmiddlewaretoken"' in response.text
    assert "Log out" not in anon_client.get(lesson.get_absolute_url()).text


def production_settings(*expressions):
    """Settings (`s.NAME`, …) as production computes them (DEBUG off), in a fresh process."""
    code = f"from django.conf import settings as s; print({', '.join(expressions)})"
    result = run_manage("shell", "-c", code, env=production_env())
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1].split()  # after the shell's own banner


def test_production_keeps_visitors_pages_a_minute():
    assert production_settings("s.CURRICULUM_CACHE_SECONDS") == ["60"]


# Static files ----------------------------------------------------------------------------


def test_static_files_have_hashed_names():
    url = staticfiles_storage.url("css/site.css")
    assert re.search(r"/static/css/site\.[0-9a-f]{12}\.css$", url), url


def test_hashed_static_files_are_served_with_far_future_caching():
    response = Client().get(staticfiles_storage.url("css/site.css"))
    assert response.status_code == 200
    max_age = int(re.search(r"max-age=(\d+)", response["Cache-Control"]).group(1))
    assert max_age >= 365 * 24 * 3600
    assert "immutable" in response["Cache-Control"]


def test_production_settings_cache_static_files_for_a_year():
    output = production_settings("s.WHITENOISE_MAX_AGE", "s.STORAGES['staticfiles']['BACKEND']")
    assert output == [
        "31536000",
        "whitenoise.storage.CompressedManifestStaticFilesStorage",
    ]
