"""Age bands carry their UK key stage and US grades wherever a teacher picks a lesson."""

import pytest

from tests.factories import make_age_band, make_lesson

pytestmark = pytest.mark.django_db

FULL = "Ages 11–14 · Key Stage 3 (Years 7–9) · Grades 6–8 (US)"


@pytest.fixture
def band():
    return make_age_band(uk_stage="Key Stage 3 (Years 7–9)", us_grades="Grades 6–8")


def test_full_label_names_the_key_stage_and_grades(band):
    assert band.full_label() == FULL


def test_full_label_without_stages_is_the_label():
    band = make_age_band(
        "ages-5-7", label="Ages 5–7", min_age=5, max_age=7, uk_stage="", us_grades=""
    )
    assert band.full_label() == "Ages 5–7"


def test_lesson_filter_and_cards_show_key_stage_and_grades(anon_client, band):
    lesson = make_lesson(age_bands=[band])
    text = anon_client.get("/lessons/").text
    assert f'<option value="ages-11-14">{FULL}</option>' in text
    assert text.count(FULL) == 2  # the filter option and the one lesson's card
    assert FULL in anon_client.get(lesson.module.get_absolute_url()).text
