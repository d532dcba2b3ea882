"""The lesson list: each filter, their combination, search, pagination and bad input."""

import pytest

from curriculum.models import Lesson, Status
from tests.factories import make_age_band, make_lesson, make_module, make_theme

pytestmark = pytest.mark.django_db


@pytest.fixture
def library():
    young = make_age_band("ages-7-11", label="Ages 7–11", min_age=7, max_age=11)
    middle = make_age_band("ages-11-14")
    bystander = make_theme("bystander-intervention", "Bystander intervention")
    consent = make_theme("consent", "Consent")
    talk = make_module("start-a-conversation", order=1)
    stop = make_module("stop-it-before-it-starts", order=2)
    return {
        "rules": make_lesson(
            "our-talking-rules",
            title="Our talking rules",
            module=talk,
            age_bands=[young],
            themes=[],
            duration_minutes=30,
            activities=[("Rules", 30, None)],
            summary="Agree how we talk.",
        ),
        "bystander": make_lesson(
            "active-bystander",
            title="The active bystander",
            module=stop,
            age_bands=[middle],
            themes=[bystander],
            duration_minutes=45,
            summary="Practise the five Ds of intervention.",
        ),
        "consent": make_lesson(
            "what-consent-means",
            title="What consent means",
            module=stop,
            age_bands=[middle],
            themes=[consent],
            duration_minutes=60,
            activities=[("All", 60, None)],
            summary="Asking and listening.",
        ),
        "long": make_lesson(
            "long-workshop",
            title="Long workshop",
            module=talk,
            age_bands=[middle],
            themes=[bystander],
            duration_minutes=75,
            activities=[("All", 75, None)],
            summary="A double lesson.",
        ),
        "draft": make_lesson(
            "draft-bystander",
            title="Draft bystander",
            module=stop,
            status=Status.DRAFT,
            age_bands=[middle],
            themes=[bystander],
        ),
    }


def titles(response):
    return [lesson.title for lesson in response.context["page"]]


def test_lists_published_lessons_with_a_count(anon_client, library):
    response = anon_client.get("/lessons/")
    assert response.status_code == 200
    assert set(titles(response)) == {
        "Our talking rules",
        "The active bystander",
        "What consent means",
        "Long workshop",
    }
    assert "4 lessons match" in response.text
    assert "Draft bystander" not in response.text


def test_staff_see_drafts_in_the_list(staff_client, library):
    assert "Draft bystander" in titles(staff_client.get("/lessons/"))


def test_filter_by_age_band(anon_client, library):
    assert titles(anon_client.get("/lessons/?age=ages-7-11")) == ["Our talking rules"]


def test_filter_by_module(anon_client, library):
    response = anon_client.get("/lessons/?module=start-a-conversation")
    assert set(titles(response)) == {"Our talking rules", "Long workshop"}


def test_filter_by_theme(anon_client, library):
    response = anon_client.get("/lessons/?theme=bystander-intervention")
    assert set(titles(response)) == {"The active bystander", "Long workshop"}


@pytest.mark.parametrize(
    ("bucket", "expected"),
    [
        ("30", {"Our talking rules"}),
        ("45", {"Our talking rules", "The active bystander"}),
        ("60", {"Our talking rules", "The active bystander", "What consent means"}),
        ("longer", {"Long workshop"}),
    ],
)
def test_filter_by_duration(anon_client, library, bucket, expected):
    assert set(titles(anon_client.get(f"/lessons/?duration={bucket}"))) == expected


def test_filters_combine_and_keep_their_state(anon_client, library):
    response = anon_client.get("/lessons/?age=ages-11-14&theme=bystander-intervention&duration=45")
    assert titles(response) == ["The active bystander"]
    assert "1 lesson matches" in response.text
    assert '<option value="ages-11-14" selected>' in response.text
    assert '<option value="45" selected>' in response.text


def test_search_finds_words_in_title_summary_activities_and_themes(anon_client, library):
    assert titles(anon_client.get("/lessons/?q=double")) == ["Long workshop"]  # summary
    assert titles(anon_client.get("/lessons/?q=talking")) == ["Our talking rules"]  # title
    assert set(titles(anon_client.get("/lessons/?q=intervention"))) == {
        "The active bystander",
        "Long workshop",  # a theme's name
    }
    assert titles(anon_client.get("/lessons/?q=listening")) == ["What consent means"]
    assert titles(anon_client.get("/lessons/?q=nothing-like-this")) == []


def test_search_finds_a_word_in_an_activity(anon_client, library):
    make_lesson("circle", title="Circle time", activities=[("Lunchtime role play", 45, None)])
    assert titles(anon_client.get("/lessons/?q=lunchtime")) == ["Circle time"]


def test_search_needs_every_word(anon_client, library):
    assert titles(anon_client.get("/lessons/?q=consent listening")) == ["What consent means"]
    assert titles(anon_client.get("/lessons/?q=consent workshop")) == []


def test_search_finds_plurals_and_word_beginnings_not_word_middles(anon_client, library):
    make_lesson("mentions", title="Kindness", summary="What upstanders do at break.")
    assert titles(anon_client.get("/lessons/?q=upstander")) == ["Kindness"]
    assert titles(anon_client.get("/lessons/?q=Upstanders")) == ["Kindness"]
    assert list(Lesson.objects.search("standers")) == []


def test_search_follows_an_edit_in_the_admin(staff_client, anon_client, library):
    lesson = library["long"]
    form = {
        "title": "Upstanders at lunchtime",
        "slug": lesson.slug,
        "module": lesson.module.pk,
        "status": "published",
        "age_bands": [band.pk for band in lesson.age_bands.all()],
        "duration_minutes": 75,
        "summary": "About kindness on the bus.",
        "outcome": "I can help.",
        "activities-TOTAL_FORMS": 1,
        "activities-INITIAL_FORMS": 1,
        "activities-0-id": lesson.activities.get().pk,
        "activities-0-lesson": lesson.pk,
        "activities-0-order": 1,
        "activities-0-title": "Role play at the gates",
        "activities-0-minutes": 75,
        "activities-0-grouping": "pairs",
        "activities-0-instructions": "Act it out.",
        "handouts-TOTAL_FORMS": 0,
        "handouts-INITIAL_FORMS": 0,
    }
    response = staff_client.post(f"/admin/curriculum/lesson/{lesson.pk}/change/", form)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert titles(anon_client.get("/lessons/?q=upstanders")) == ["Upstanders at lunchtime"]
    assert titles(anon_client.get("/lessons/?q=gates")) == ["Upstanders at lunchtime"]
    assert titles(anon_client.get("/lessons/?q=double")) == []  # the old summary's word
    assert titles(anon_client.get("/lessons/?q=intervention")) == ["The active bystander"]


def test_search_ranks_title_matches_first(anon_client, library):
    make_lesson("mentions", title="Another lesson", summary="Mentions consent in passing.")
    make_lesson(
        "deep",
        title="Deep in the body",
        summary="Asking first.",
        activities=[("Consent and more consent", 45, None)],
    )
    found = titles(anon_client.get("/lessons/?q=consent"))
    assert found == ["What consent means", "Another lesson", "Deep in the body"]


def test_search_keeps_the_other_filters(anon_client, library):
    assert titles(anon_client.get("/lessons/?q=workshop&duration=30")) == []


def test_unknown_filter_values_are_reported_and_ignored(anon_client, library):
    response = anon_client.get("/lessons/?age=ages-99&theme=nope&duration=7&module=x")
    assert response.status_code == 200
    assert len(titles(response)) == 4
    assert "That age band doesn&#x27;t exist" in response.text
    assert "That length isn&#x27;t one of the options." in response.text


@pytest.mark.parametrize(
    "query",
    [
        "a" * 5000,
        "%00",
        "\x00nul",
        "'; DROP TABLE curriculum_lesson; --",
        "!!! & | ( ) :* <->",
        "\u202eevil\u200b",
        "😀 emoji",
        "&q=x&q=y",
    ],
)
def test_odd_search_strings_never_fail(anon_client, library, query):
    response = anon_client.get("/lessons/", {"q": query})
    assert response.status_code == 200


def test_very_long_search_says_so(anon_client, library):
    response = anon_client.get("/lessons/", {"q": "a" * 500})
    assert "Search for at most 200 characters" in response.text


@pytest.mark.parametrize("page", ["999", "0", "-1", "abc", "1.5", "9" * 40])
def test_a_page_that_does_not_exist_says_so_and_links_to_the_first(anon_client, library, page):
    response = anon_client.get("/lessons/", {"page": page, "theme": "consent"})
    assert response.status_code == 404
    assert f"There is no page “{page}” of these lessons: they fill 1 page." in response.text
    assert '<a href="?theme=consent">Go to the first page</a>' in response.text
    assert titles(anon_client.get("/lessons/?theme=consent")) == ["What consent means"]


def test_a_theme_without_published_lessons_is_not_offered(anon_client, staff_client, library):
    make_theme("online-behaviour", "Online behaviour")  # no lesson at all
    draft_only = make_theme("trusted-adults", "Trusted adults")
    library["draft"].themes.add(draft_only)
    response = anon_client.get("/lessons/")
    choices = [str(choice[1]) for choice in response.context["form"].fields["theme"].choices]
    assert choices == ["Any theme", "Bystander intervention", "Consent"]
    response = anon_client.get("/lessons/?theme=trusted-adults")
    assert len(titles(response)) == 4
    assert "No lesson has that theme yet; showing all themes." in response.text
    assert "Trusted adults" in staff_client.get("/lessons/").text  # staff see drafts


def test_pagination_keeps_filters(anon_client, settings):
    settings.LESSONS_PER_PAGE = 2
    theme = make_theme("consent", "Consent")
    for number in range(5):
        make_lesson(f"consent-{number}", title=f"Consent {number}", themes=[theme])
    response = anon_client.get("/lessons/?theme=consent")
    assert "5 lessons match" in response.text
    assert 'href="?theme=consent&amp;page=2"' in response.text
    second = anon_client.get("/lessons/?theme=consent&page=3")
    assert len(titles(second)) == 1
