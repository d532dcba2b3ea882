"""Lessons, handouts and family notes print on A4 and Letter with nothing cut off and no
navigation."""

import pytest
from django.conf import settings

from curriculum.loader import load_content
from curriculum.models import Handout, Lesson, Module
from tests.browser.conftest import screenshot

# Printable width at 96 dpi with our 14 mm side margins: A4 210 mm, Letter 8.5 in.
PAPER = {"A4": (210, "210mm", "297mm"), "Letter": (215.9, "8.5in", "11in")}


def printable_px(width_mm):
    return int((width_mm - 28) / 25.4 * 96)


@pytest.fixture
def curriculum(server):
    load_content(settings.CURRICULUM_DIR)


def assert_fits(page, url, paper):
    width_mm, pdf_width, pdf_height = PAPER[paper]
    page.set_viewport_size({"width": printable_px(width_mm), "height": 1000})
    page.emulate_media(media="print")
    page.goto(url)
    overflow = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(el => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
            .map(el => el.tagName + '.' + el.className).slice(0, 5)"""
    )
    assert overflow == [], f"{url} on {paper}: wider than the paper: {overflow}"
    visible_nav = page.evaluate(
        """() => [...document.querySelectorAll('nav, .site-header, .site-footer, .print-toolbar, .lesson-actions')]
            .filter(el => el.offsetParent !== null).length"""
    )
    assert visible_nav == 0, f"{url} on {paper}: navigation is printed"
    pdf = page.pdf(width=pdf_width, height=pdf_height, print_background=False)
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") >= 1


@pytest.mark.parametrize("paper", PAPER)
def test_lesson_print_view_fits_the_paper(page, server, curriculum, paper):
    for lesson in Lesson.objects.published():
        assert_fits(page, f"{server}/lessons/{lesson.slug}/print/", paper)
    screenshot(page, f"lesson-print-{paper}")


@pytest.mark.parametrize("paper", PAPER)
def test_handouts_and_family_notes_fit_the_paper(page, server, curriculum, paper):
    for handout in Handout.objects.select_related("lesson"):
        assert_fits(page, f"{server}{handout.get_absolute_url()}", paper)
    for module in Module.objects.published():
        assert_fits(page, f"{server}/modules/{module.slug}/family-note/", paper)


def test_lesson_page_prints_without_site_navigation(page, server, curriculum):
    lesson = Lesson.objects.published().first()
    assert_fits(page, f"{server}{lesson.get_absolute_url()}", "A4")
