"""Pages light enough for a cheap phone on a poor connection: what a cold cache transfers
(HTML plus every stylesheet and script it links, the print stylesheet included because
browsers fetch it too), compressed as whitenoise serves them: brotli where the browser
accepts it (every current one over HTTPS), else gzip."""

import gzip
import re

import pytest
from django.conf import settings

from tests.factories import make_lesson

pytestmark = pytest.mark.django_db

ASSET = re.compile(r'<(?:link[^>]+href|script[^>]+src)="(/static/[^"]+)"')


def transferred_bytes(response):
    total = len(gzip.compress(response.content, compresslevel=6))
    assets = set(ASSET.findall(response.text))
    assert assets, "the page links no stylesheet: nothing of it would be weighed"
    for url in assets:
        path = settings.STATIC_ROOT / url.removeprefix("/static/")
        for suffix in (".br", ".gz", ""):
            candidate = path.with_name(path.name + suffix)
            if candidate.exists():
                total += candidate.stat().st_size
                break
        else:  # a missing file would weigh nothing and let any page pass
            pytest.fail(f"{url} is linked but not in STATIC_ROOT (run collectstatic)")
    return total


def test_join_and_sign_pages_stay_under_40_kb(anon_client, pledge):
    for url in ("/join/", pledge.get_join_url(), pledge.get_link_url()):
        response = anon_client.get(url, follow=True)
        assert response.status_code == 200
        assert "<script" not in response.text
        assert transferred_bytes(response) < 40 * 1024, url


def test_lesson_page_stays_under_60_kb(anon_client):
    lesson = make_lesson("heavy", teacher_notes="Words. " * 2000)
    assert transferred_bytes(anon_client.get(lesson.get_absolute_url())) < 60 * 1024
