"""Students' pages are for students: no teacher navigation, the form first, a returning
signer told before any form, help after the button (issue 18, point 6)."""

import re
from html import unescape

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from curriculum.models import SupportService
from pledges.models import CheckIn, Signature
from tests.factories import make_signature

pytestmark = pytest.mark.django_db

ALREADY = "You've already signed this pledge."
TEACHER_LINKS = ("Lessons", "Teacher guide", "Teacher log in", "Your classes", "Log out")


def text_of(response):
    return unescape(response.content.decode())


def header_of(response):
    return re.search(r"<header.*?</header>", text_of(response), re.S).group(0)


def student_pages(pledge):
    link = pledge.link_token
    return {
        "join": reverse("pledges:join"),
        "sign by code": pledge.get_join_url(),
        "sign by link": pledge.get_link_url(),
        "thanks": reverse("pledges:thanks", args=[link]),
        "reflect": reverse("pledges:reflect", args=[link]),
        "reflect by code": reverse("pledges:reflect", args=[link]) + "?code",
    }


def test_student_pages_show_the_app_name_but_no_teacher_links(signed_phone, pledge):
    CheckIn.start(pledge=pledge)
    for name, url in student_pages(pledge).items():
        response = signed_phone.get(url, follow=True)
        assert response.status_code == 200, name
        header = header_of(response)
        assert "Allyship Classroom" in header, name
        for link in TEACHER_LINKS:
            assert f">{link}<" not in header, (name, link)
        assert "<a " not in header, name


def test_a_teachers_page_keeps_the_teacher_navigation(anon_client):
    header = header_of(anon_client.get(reverse("curriculum:lesson-list")))
    assert ">Lessons<" in header and ">Teacher log in<" in header


def test_a_signed_in_teacher_opening_the_sign_page_sees_no_teacher_links(teacher_client, pledge):
    header = header_of(teacher_client.get(pledge.get_link_url()))
    assert ">Your classes<" not in header and "Log out" not in header


def test_a_returning_signer_is_told_before_the_form(signed_phone, pledge):
    html = text_of(signed_phone.get(pledge.get_link_url()))
    assert ALREADY in html
    assert html.index(ALREADY) < html.index("<form")
    assert reverse("pledges:thanks", args=[pledge.link_token]) in html
    # A shared laptop: the next pupil can still sign with their own name.
    assert "Not you? Sign with your own name below." in html
    assert 'name="display_name"' in html


def test_a_new_device_sees_the_form_and_no_already_signed_message(signed_phone, pledge):
    html = text_of(Client().get(pledge.get_link_url()))
    assert ALREADY not in html
    assert 'name="display_name"' in html


def test_a_cookie_for_a_removed_signature_is_not_already_signed(signed_phone, pledge):
    Signature.objects.all().delete()
    assert ALREADY not in text_of(signed_phone.get(pledge.get_link_url()))


def test_the_returning_signer_check_is_one_query(signed_phone, pledge, settings):
    settings.PAGE_CACHE = False  # compare the pages as drawn, not as kept
    url = pledge.get_link_url()
    Client().get(url)  # the first request prepares the pledge's statement (PostgreSQL)
    with CaptureQueriesContext(connection) as fresh:
        Client().get(url)
    with CaptureQueriesContext(connection) as returning:
        signed_phone.get(url)
    # The one extra query: this device's signature, found by its cookie.
    assert len(returning) == len(fresh) + 1
    assert sum("return_secret" in query["sql"] for query in returning.captured_queries) == 1


def test_the_sign_form_comes_before_the_count(anon_client, pledge):
    make_signature(pledge, "Amara B")
    html = text_of(anon_client.get(pledge.get_link_url()))
    assert html.index("<form") < html.index("person has signed")


def test_reflect_puts_the_help_after_the_button_with_the_danger_line_visible(signed_phone, pledge):
    CheckIn.start(pledge=pledge)
    SupportService.objects.create(
        name="Childline", helps_with="Anything", contact="0800 1111", country="GB"
    )
    html = text_of(signed_phone.get(reverse("pledges:reflect", args=[pledge.link_token])))
    button = html.index("Send to my teacher")
    help_panel = html.index("If you need help")
    danger = html.index("If you are in danger now")
    assert button < help_panel < danger
    # The danger line is outside the collapsed part; the rest waits behind a summary.
    details = html.index("<details", help_panel)
    assert danger < details
    assert "<details open" not in html
