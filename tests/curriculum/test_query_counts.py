"""Each public page runs the same number of SQL queries with 3 lessons as with 60."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from curriculum.models import SupportService
from tests.factories import make_age_band, make_lesson, make_module, make_theme

pytestmark = pytest.mark.django_db

PAGES = [
    # 1 modules with lesson counts
    ("/", 1),
    # module, its lessons, their age bands, their themes
    ("/modules/start-a-conversation/", 4),
    # filter form choices (age bands, modules, themes: 3), the age filter lookup,
    # the count, the page of lessons, their age bands and themes
    ("/lessons/?age=ages-11-14", 8),
    # search with a theme filter: theme lookup, choices (3), count, lessons, bands, themes
    ("/lessons/?q=lesson&theme=consent", 8),
    # lesson, bands, themes, activities, handouts, support services, its place in units
    ("/lessons/speaking-up/", 7),
    # lesson, bands, themes, activities, handouts, support services, its place in units
    # (for a unit's baseline or endpoint task)
    ("/lessons/speaking-up/print/", 7),
    # the handout joined to its (visible) lesson
    ("/lessons/speaking-up/handouts/speaking-up-cards/", 1),
    # support services
    ("/guide/", 1),
]


def build(lesson_count):
    module = make_module("start-a-conversation")
    bands = [make_age_band(), make_age_band("ages-14-16", label="Ages 14–16", min_age=14)]
    themes = [make_theme("consent", "Consent"), make_theme()]
    SupportService.objects.create(name="Childline", helps_with="x", contact="y", country="GB")
    make_lesson(
        "speaking-up",
        module=module,
        age_bands=bands,
        themes=themes,
        handouts=[("speaking-up-cards", "Cards")],
    )
    for number in range(lesson_count - 1):
        make_lesson(f"lesson-n{number}", module=module, age_bands=bands, themes=themes)


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize(("url", "expected"), PAGES)
def test_query_count_is_constant_as_lessons_grow(anon_client, url, expected):
    build(3)
    small = count_queries(anon_client, url)
    for number in range(57):
        make_lesson(
            f"more-{number}",
            module=make_module("start-a-conversation"),
            age_bands=[make_age_band()],
            themes=[make_theme("consent")],
        )
    large = count_queries(anon_client, url)
    assert small == large == expected
