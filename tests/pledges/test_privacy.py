"""The privacy notice: written so a nine-year-old can read it, and true to what we keep."""

import re
from html import unescape

import pytest
import textstat
from django.urls import reverse

PRIVACY = reverse("pledges:privacy")

pytestmark = pytest.mark.django_db


def main_text(response):
    main = re.search(r"<main.*?</main>", response.text, re.S)[0]
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", main))).strip()


def sentences(response):
    """The notice's paragraphs and list items, without the headings."""
    main = re.search(r"<main.*?</main>", response.text, re.S)[0]
    parts = re.findall(r"<(?:p|li)[^>]*>(.*?)</(?:p|li)>", main, re.S)
    return [re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", part))).strip() for part in parts]


def test_the_privacy_notice_is_public(anon_client):
    response = anon_client.get(PRIVACY)
    assert response.status_code == 200
    assert response.text.count("<h1") == 1


def test_it_says_what_we_keep_and_what_we_do_not(anon_client):
    text = main_text(anon_client.get(PRIVACY))
    assert "The name you type." in text and "The things you ticked." in text
    assert "We do not ask for your email." in text
    assert "You do not need an account." in text
    assert "We do not keep your IP address." in text


def test_it_says_who_sees_it(anon_client):
    text = main_text(anon_client.get(PRIVACY))
    assert "Your teacher sees your name and what you ticked." in text
    assert "They see your name only if your teacher turns names on." in text


def test_it_says_how_long_from_the_retention_setting(anon_client, settings):
    assert "we wait 90 days" in main_text(anon_client.get(PRIVACY))
    settings.RETENTION_DAYS_AFTER_CLOSE = 30
    text = main_text(anon_client.get(PRIVACY))
    assert "we wait 30 days" in text
    assert "“Student 1”, “Student 2”" in text
    assert "Your teacher can delete it at any time." in text


def test_it_explains_the_cookie_and_what_to_do_if_worried(anon_client):
    text = main_text(anon_client.get(PRIVACY))
    assert "A cookie is a tiny note" in text
    assert "remember your signature" in text
    assert "Talk to your teacher." in text


def test_a_nine_year_old_can_read_it(anon_client):
    parts = sentences(anon_client.get(PRIVACY))
    prose = " ".join(parts)
    # US grade 4 is ages 9-10; the notice should sit at or below it.
    assert textstat.flesch_kincaid_grade(prose) <= 4
    assert textstat.flesch_reading_ease(prose) >= 80
    longest = max(len(s.split()) for part in parts for s in re.split(r"(?<=[.?!])\s", part))
    assert longest <= 16


@pytest.mark.parametrize("page", ["join", "sign"])
def test_student_pages_link_to_it(anon_client, pledge, page):
    url = reverse("pledges:join") if page == "join" else pledge.get_link_url()
    assert f'href="{PRIVACY}"' in anon_client.get(url).text
