"""Lesson search over the shipped curriculum, the same on SQLite and PostgreSQL: every
lesson about a word is found, a misspelling leads to them, and the title ranks first."""

import pytest
from django.conf import settings
from django.db import connection

from curriculum.loader import load_content, read_content
from curriculum.models import Lesson, Status
from tests.factories import make_lesson

pytestmark = pytest.mark.django_db


@pytest.fixture
def shipped(settings):
    settings.LESSONS_PER_PAGE = 100  # every match on one page
    load_content(settings.CURRICULUM_DIR)


def lesson_files():
    """(slug, data, whole file text lower-cased) for each published lesson file."""
    root = settings.CURRICULUM_DIR
    content = read_content(root, against_database=False)
    return [
        (data["slug"], data, path.read_text(encoding="utf-8").lower())
        for data in content.lessons
        if data["status"] == Status.PUBLISHED
        for path in [root / "lessons" / data["module"] / f"{data['slug']}.md"]
    ]


def about(word, theme):
    """The lessons a teacher searching for `word` wants: those with the theme, or the word
    anywhere in their file."""
    return {slug for slug, data, text in lesson_files() if theme in data["themes"] or word in text}


def found(client, query):
    response = client.get("/lessons/", {"q": query})
    assert response.status_code == 200
    return response, [lesson.slug for lesson in response.context["page"]]


def test_bystander_finds_every_lesson_about_it(anon_client, shipped):
    expected = about("bystander", "bystander-intervention")
    assert len(expected) >= 4
    response, slugs = found(anon_client, "bystander")
    assert set(slugs) == expected
    assert response.context["correction"] is None


def test_a_misspelling_offers_the_word_and_shows_its_lessons(anon_client, shipped):
    response, slugs = found(anon_client, "bystandr")
    assert set(slugs) == about("bystander", "bystander-intervention")
    assert response.context["correction"] == "bystander"
    assert (
        'No lesson matches “bystandr”. Showing lessons for <a href="?q=bystander">bystander</a>'
        in response.text
    )


def test_a_misspelling_among_right_words_is_corrected_alone(anon_client, shipped):
    response, slugs = found(anon_client, "consent harrassment")
    assert response.context["correction"] == "consent harassment"
    assert slugs
    for slug in slugs:
        text = dict((s, t) for s, _d, t in lesson_files())[slug]
        assert "consent" in text and "harassment" in text


def test_nonsense_finds_nothing_and_says_so(anon_client, shipped):
    response, slugs = found(anon_client, "zqxjkv")
    assert slugs == []
    assert response.context["correction"] is None
    assert "No lesson matches “zqxjkv”. Check the spelling" in response.text


def test_title_matches_rank_above_body_matches(anon_client, shipped):
    _response, slugs = found(anon_client, "bystander")
    titles = dict(Lesson.objects.values_list("slug", "title"))
    in_title = ["bystander" in titles[slug].lower() for slug in slugs]
    assert in_title[0], slugs
    assert in_title == sorted(in_title, reverse=True)  # every title match comes first


def test_search_keeps_the_theme_filter(anon_client, shipped):
    response = anon_client.get("/lessons/", {"q": "bystander", "theme": "respect-and-kindness"})
    slugs = {lesson.slug for lesson in response.context["page"]}
    expected = {
        slug
        for slug, data, text in lesson_files()
        if "respect-and-kindness" in data["themes"] and "bystander" in text
    }
    assert slugs == expected
    assert 0 < len(expected) < len(about("bystander", "bystander-intervention"))


def test_only_themes_of_published_lessons_are_offered(anon_client, shipped):
    response = anon_client.get("/lessons/")
    offered = {theme.slug for theme in response.context["form"].fields["theme"].queryset}
    assert offered == {slug for _s, data, _t in lesson_files() for slug in data["themes"]}


def test_searching_costs_the_same_queries_for_one_lesson_as_for_many(
    anon_client, django_assert_num_queries
):
    make_lesson("first", title="Bystanders at lunchtime")

    def search_twice():
        # Each search: the filter form's choices (age bands, modules, themes: 3), the
        # count, the page of lessons, their age bands, their themes.
        with django_assert_num_queries(7):
            assert anon_client.get("/lessons/?q=bystander").status_code == 200
        # A misspelling: the same, plus the first count (none) and the lessons' words.
        with django_assert_num_queries(9):
            response = anon_client.get("/lessons/?q=bystandr")
        assert response.context["correction"] == "bystander"

    search_twice()
    for number in range(30):
        make_lesson(f"more-{number}", title=f"Bystander {number}")
    search_twice()


@pytest.mark.postgres_only
def test_postgresql_narrows_misspellings_with_its_trigram_index(shipped):
    constraints = connection.introspection.get_constraints(
        connection.cursor(), Lesson._meta.db_table
    )
    assert constraints["lesson_search_text_trgm"]["type"] == "gin"
    similar = Lesson.objects.filter(search_text__trigram_word_similar="bystandr")
    assert set(similar.values_list("slug", flat=True)) >= about(
        "bystander", "bystander-intervention"
    )
