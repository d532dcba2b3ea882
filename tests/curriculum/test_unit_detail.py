"""Units: one an age band, loaded from units/<band>.yaml; the unit page shows the lessons
in teaching order with what each builds on and the total time; a lesson page says where
the lesson stands in its unit."""

import html
import shutil

import pytest
import yaml
from django.conf import settings

from curriculum.loader import ContentError, load_content, read_content
from curriculum.models import Lesson, Status, Unit, UnitLesson
from tests.factories import make_age_band, make_lesson

pytestmark = pytest.mark.django_db


def unit_files():
    return {
        path.stem: yaml.safe_load(path.read_text(encoding="utf-8"))
        for path in sorted((settings.CURRICULUM_DIR / "units").glob("*.yaml"))
    }


@pytest.fixture
def shipped():
    load_content(settings.CURRICULUM_DIR)


def test_every_age_band_has_a_unit_of_all_its_lessons(shipped):
    content = read_content(settings.CURRICULUM_DIR, against_database=False)
    files = unit_files()
    assert set(files) == {band["slug"] for band in content.age_bands}
    for band, data in files.items():
        in_band = {lesson["slug"] for lesson in content.lessons if band in lesson["age_bands"]}
        assert [step["lesson"] for step in data["lessons"]] == list(
            Unit.objects.get(age_band__slug=band)
            .steps.order_by("order")
            .values_list("lesson__slug", flat=True)
        )
        assert {step["lesson"] for step in data["lessons"]} == in_band


def test_unit_page_shows_the_sequence_what_each_builds_on_and_the_total_time(anon_client, shipped):
    data = unit_files()["ages-11-14"]
    response = anon_client.get("/units/ages-11-14/")
    assert response.status_code == 200
    lessons = [Lesson.objects.get(slug=step["lesson"]) for step in data["lessons"]]
    positions = [response.text.index(f'href="{lesson.get_absolute_url()}"') for lesson in lessons]
    assert positions == sorted(positions)
    total = sum(lesson.duration_minutes for lesson in lessons)
    assert f"{len(lessons)} lessons · {total} minutes in all" in response.text
    assert "What would you do if…" in response.text
    page = html.unescape(response.text)
    for step in data["lessons"]:
        assert f"Builds on: {step['builds_on']}" in page.replace("<strong>", "").replace(
            "</strong>", ""
        )


def test_unknown_band_is_404(anon_client, shipped):
    assert anon_client.get("/units/ages-99-100/").status_code == 404


def test_lesson_page_says_where_it_stands_in_its_unit(anon_client, shipped):
    steps = unit_files()["ages-11-14"]["lessons"]
    second = Lesson.objects.get(slug=steps[1]["lesson"])
    response = anon_client.get(second.get_absolute_url())
    assert f'Lesson 2 of {len(steps)} in <a href="/units/ages-11-14/">' in response.text
    assert f'href="/lessons/{steps[0]["lesson"]}/" rel="prev"' in response.text
    assert f'href="/lessons/{steps[2]["lesson"]}/" rel="next"' in response.text


def task_sections(page, band):
    """Which of the unit's tasks (baseline, endpoint) a lesson page shows for `band`."""
    return [kind for kind in ("baseline", "endpoint") if f'id="{kind}-{band}"' in page]


@pytest.mark.parametrize("view", ["", "print/"])
def test_each_unit_opens_with_its_baseline_task_and_its_last_lesson_repeats_it(
    anon_client, shipped, view
):
    for band, data in unit_files().items():
        unit = Unit.objects.get(age_band__slug=band)
        slugs = [step["lesson"] for step in data["lessons"]]
        first, middle, last = slugs[0], slugs[len(slugs) // 2], slugs[-1]
        pages = {
            slug: anon_client.get(f"/lessons/{slug}/{view}") for slug in (first, middle, last)
        }
        assert all(response.status_code == 200 for response in pages.values())
        assert task_sections(pages[first].text, band) == ["baseline"], band
        assert task_sections(pages[middle].text, band) == [], band
        assert task_sections(pages[last].text, band) == ["endpoint"], band
        for slug in (first, last):
            # the same scenario and the 1-5 confidence-to-act scale, word for word
            assert unit.baseline_task_html in pages[slug].text, (band, slug)
            assert "What would you do if…" in pages[slug].text and "5 = very" in pages[slug].text
        assert unit.baseline_task_html not in pages[middle].text
        assert "This is the endpoint to compare with the baseline" in pages[last].text
        assert "repeats the same task as the endpoint" in pages[first].text
        if not view:
            assert f'href="#endpoint-{band}"' in pages[last].text
            assert f'href="#baseline-{band}"' in pages[first].text


def test_the_endpoint_moves_to_the_last_lesson_a_visitor_can_see(anon_client, staff_client):
    band = make_age_band()
    first = make_lesson("first", title="First", age_bands=[band])
    second = make_lesson("second", title="Second", age_bands=[band])
    make_lesson("draft", title="Drafted", age_bands=[band], status=Status.DRAFT)
    make_unit(band, Lesson.objects.order_by("pk"))
    assert task_sections(anon_client.get(first.get_absolute_url()).text, band.slug) == ["baseline"]
    assert task_sections(anon_client.get(second.get_absolute_url()).text, band.slug) == [
        "endpoint"
    ]
    assert task_sections(staff_client.get(second.get_absolute_url()).text, band.slug) == []
    assert task_sections(staff_client.get("/lessons/draft/").text, band.slug) == ["endpoint"]


def make_unit(band, lessons):
    unit = Unit.objects.create(age_band=band, title="A unit", summary="S.", baseline_task="B.")
    for order, lesson in enumerate(lessons, start=1):
        UnitLesson.objects.create(unit=unit, lesson=lesson, order=order, builds_on=f"Step {order}")
    return unit


def test_a_draft_lesson_is_left_out_for_visitors_and_shown_to_staff(anon_client, staff_client):
    band = make_age_band()
    first = make_lesson(
        "first",
        title="First",
        age_bands=[band],
        duration_minutes=30,
        activities=[("All", 30, None)],
    )
    make_lesson("draft", title="Drafted", age_bands=[band], status=Status.DRAFT)
    third = make_lesson("third", title="Third", age_bands=[band])
    make_unit(band, Lesson.objects.order_by("pk"))
    response = anon_client.get("/units/ages-11-14/")
    assert "Drafted" not in response.text
    assert "2 lessons · 75 minutes in all" in response.text
    assert "Lesson 2 of 2" in anon_client.get(third.get_absolute_url()).text
    assert "Lesson 1 of 2" in anon_client.get(first.get_absolute_url()).text
    assert "3 lessons · 120 minutes in all" in staff_client.get("/units/ages-11-14/").text


def test_unit_page_queries_are_the_same_for_one_lesson_and_many(
    anon_client, django_assert_num_queries
):
    band = make_age_band()
    unit = make_unit(band, [make_lesson("only", age_bands=[band])])
    # the unit with its age band, its steps with their lessons and modules
    with django_assert_num_queries(2):
        assert anon_client.get("/units/ages-11-14/").status_code == 200
    for number in range(10):
        UnitLesson.objects.create(
            unit=unit, lesson=make_lesson(f"more-{number}", age_bands=[band]), order=number + 2
        )
    with django_assert_num_queries(2):
        assert anon_client.get("/units/ages-11-14/").status_code == 200


@pytest.fixture
def content(tmp_path):
    target = tmp_path / "content"
    shutil.copytree(settings.CURRICULUM_DIR, target)
    return target


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            lambda data: data["lessons"].append({"lesson": "no-such-lesson"}),
            "].lesson: no lesson 'no-such-lesson'",
        ),
        (
            lambda data: data["lessons"].append({"lesson": "our-talking-rules"}),
            "].lesson: 'our-talking-rules' is not for 'ages-11-14'",
        ),
        (lambda data: data["lessons"].append(dict(data["lessons"][0])), "is already in this unit"),
        (lambda data: data.pop("baseline_task"), "baseline_task: is required"),
        (lambda data: data.update(age_band="ages-14-16"), "but the file is ages-11-14.yaml"),
    ],
)
def test_a_broken_unit_file_is_refused_and_nothing_loads(content, change, problem):
    path = content / "units" / "ages-11-14.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ContentError) as error:
        load_content(content)
    assert problem in str(error.value)
    assert not Lesson.objects.exists() and not Unit.objects.exists()


def test_loading_units_twice_changes_nothing(shipped):
    report = load_content(settings.CURRICULUM_DIR)
    assert not [label for label in report.created + report.updated if label.startswith("unit")]
