"""The cache of rendered public pages (curriculum/page_cache.py), and static files' caching.

Anonymous visitors without cookies get a stored rendering; anyone with a session (staff,
teachers) or a message waiting gets a fresh one; any curriculum change retires every page.
"""

import re
import subprocess
import sys

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from curriculum import page_cache
from curriculum.models import Lesson, Status
from tests.factories import make_lesson, make_module

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_caching(settings):
    """The cache is off with DEBUG (as in the tests): switch it on, empty, with the shared
    version re-read on every request so changes show at once."""
    settings.PAGE_CACHE = True
    settings.PAGE_CACHE_VERSION_MS = 0
    caches[settings.PAGE_CACHE_ALIAS].clear()
    page_cache.bump()
    yield
    caches[settings.PAGE_CACHE_ALIAS].clear()


@pytest.fixture
def lesson():
    return make_lesson("speaking-up", title="Speaking up")


def queries_for(client, url, **extra):
    """The response and its SQL queries, leaving out the shared cache's own table (the
    curriculum version is read from it on every request in these tests)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
    return response, sum("allyship_cache" not in q["sql"] for q in queries.captured_queries)


@pytest.mark.parametrize(
    "url",
    ["/", "/lessons/", "/lessons/?age=ages-11-14&q=speaking", "/lessons/speaking-up/",
     "/lessons/speaking-up/print/", "/modules/start-a-conversation/", "/guide/"],
)  # fmt: skip
def test_second_anonymous_visit_is_served_without_sql(anon_client, lesson, url):
    first, first_queries = queries_for(anon_client, url)
    second, second_queries = queries_for(anon_client, url)
    assert first.status_code == second.status_code == 200
    assert first_queries > 0
    assert second_queries == 0
    assert second.content == first.content
    assert second["ETag"] == first["ETag"]
    assert "Cookie" in second["Vary"]


def test_a_matching_etag_gets_304(anon_client, lesson):
    etag = anon_client.get(lesson.get_absolute_url())["ETag"]
    response = anon_client.get(lesson.get_absolute_url(), HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response.content == b""


def test_cached_pages_carry_no_csrf_token_or_cookie(anon_client, lesson):
    for url in ("/", "/lessons/?q=speaking", lesson.get_absolute_url()):
        anon_client.get(url)
        response = anon_client.get(url)
        assert "csrfmiddlewaretoken" not in response.text
        assert "csrftoken" not in response.cookies


def test_saving_a_lesson_retires_its_cached_page(anon_client, lesson):
    assert "Speaking up" in anon_client.get(lesson.get_absolute_url()).text
    lesson.title = "Speaking up for a friend"
    lesson.save()
    assert "Speaking up for a friend" in anon_client.get(lesson.get_absolute_url()).text
    assert "Speaking up for a friend" in anon_client.get("/lessons/").text


def test_deleting_a_lesson_retires_the_list(anon_client, lesson):
    other = make_lesson("listening-first", title="Listening first")
    assert "Listening first" in anon_client.get("/lessons/").text
    other.delete()
    assert "Listening first" not in anon_client.get("/lessons/").text


def test_publishing_from_the_admin_retires_cached_pages(anon_client, staff_client, lesson):
    draft = make_lesson("draft-lesson", title="Not yet ready", status=Status.DRAFT)
    assert "Not yet ready" not in anon_client.get("/lessons/").text
    staff_client.post(
        reverse("admin:curriculum_lesson_changelist"),
        {"action": "publish", "_selected_action": [draft.pk]},
    )
    assert Lesson.objects.get(pk=draft.pk).is_published()
    assert "Not yet ready" in anon_client.get("/lessons/").text


def test_staff_see_drafts_even_after_the_public_page_was_cached(anon_client, staff_client):
    make_lesson("draft-lesson", title="Not yet ready", status=Status.DRAFT)
    make_lesson("published-lesson", title="Ready")
    anon_client.get("/lessons/")
    assert "Not yet ready" not in anon_client.get("/lessons/").text
    assert "Not yet ready" in staff_client.get("/lessons/").text
    # ... and the staff rendering was not stored for the public.
    assert "Not yet ready" not in anon_client.get("/lessons/").text


def test_logged_in_pages_are_never_from_the_cache(teacher_client, lesson):
    teacher_client.get("/")
    response, count = queries_for(teacher_client, "/")
    assert count > 0
    assert "Log out" in response.text
    assert "ETag" not in response


def test_a_visitor_with_a_message_waiting_gets_a_fresh_page(anon_client, lesson):
    anon_client.get("/")
    anon_client.cookies["messages"] = "anything"
    _response, count = queries_for(anon_client, "/")
    assert count > 0


def test_filters_in_any_order_share_one_entry(anon_client, lesson):
    anon_client.get("/lessons/?age=ages-11-14&q=speaking")
    _response, count = queries_for(anon_client, "/lessons/?q=speaking&age=ages-11-14")
    assert count == 0


def test_unknown_query_parameters_are_not_stored(anon_client, lesson):
    anon_client.get("/lessons/?utm_source=x")
    _response, count = queries_for(anon_client, "/lessons/?utm_source=x")
    assert count > 0


def test_missing_pages_are_not_stored(anon_client):
    make_module()
    anon_client.get("/lessons/nothing-here/")
    response, count = queries_for(anon_client, "/lessons/nothing-here/")
    assert response.status_code == 404
    assert count > 0


def test_another_process_sees_a_change_within_the_version_interval(anon_client, lesson,
                                                                   settings):  # fmt: skip
    """A change made elsewhere (here: the shared version replaced behind this process's
    back) retires this process's pages once it re-reads the version."""
    settings.PAGE_CACHE_VERSION_MS = 60_000
    anon_client.get("/")
    Lesson.objects.filter(pk=lesson.pk).update(title="Changed elsewhere")  # no signal
    from django.core.cache import cache

    cache.set(page_cache.VERSION_KEY, "from-another-process", timeout=None)
    _response, count = queries_for(anon_client, "/")
    assert count == 0  # within the interval: still this process's copy
    page_cache._known["read_at"] = float("-inf")  # the interval has passed
    _response, count = queries_for(anon_client, "/")
    assert count > 0


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


def test_production_settings_cache_static_files_for_a_year_and_pages_in_memory():
    code = (
        "from django.conf import settings as s; "
        "print(s.WHITENOISE_MAX_AGE, s.STORAGES['staticfiles']['BACKEND'], s.PAGE_CACHE, "
        "s.CACHES[s.PAGE_CACHE_ALIAS]['BACKEND'])"
    )
    env = {"DEBUG": "false", "SECRET_KEY": "x" * 50, "DJANGO_SETTINGS_MODULE":
           "allyship_site.settings", "PATH": "/usr/bin:/bin"}  # fmt: skip
    output = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=env, capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    assert output == [
        "31536000",
        "whitenoise.storage.CompressedManifestStaticFilesStorage",
        "True",
        "django.core.cache.backends.locmem.LocMemCache",
    ]
