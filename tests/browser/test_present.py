"""Present mode in a real browser: stepping by keyboard and with JavaScript off, the
countdown, axe, and the lesson plan, cards and screens on paper."""

import re

import pypdfium2
import pytest
from django.conf import settings

from curriculum.loader import load_content
from curriculum.models import Handout, Lesson
from tests.browser.conftest import axe_violations, new_page, screenshot

LESSON = "talking-about-just-banter"
MAX_PLAN_PAGES = 6


@pytest.fixture
def curriculum(server):
    load_content(settings.CURRICULUM_DIR)


def screen(server, number):
    return f"{server}/lessons/{LESSON}/present/{number}/"


def squeeze(text):
    """Text without whitespace or hyphens: lines wrap (and break at hyphens) differently
    on paper than on screen."""
    return re.sub(r"[\s\-\u00ad\u2010\u2011\ufffe]+", "", text)


def pdf_pages(pdf_bytes):
    """The text of each page of a PDF, squeezed."""
    document = pypdfium2.PdfDocument(pdf_bytes)
    texts = [squeeze(document[i].get_textpage().get_text_range()) for i in range(len(document))]
    document.close()
    return texts


def test_teacher_steps_through_a_lesson_by_keyboard_and_times_an_activity(
    page, server, curriculum
):
    page.goto(f"{server}/lessons/{LESSON}/")
    page.get_by_role("link", name="Present on the board").click()
    page.wait_for_url(screen(server, 1))
    page.get_by_role("heading", level=1, name=re.compile("just banter")).wait_for()
    page.keyboard.press("ArrowRight")
    page.wait_for_url(screen(server, 2))
    page.keyboard.press("ArrowRight")
    page.wait_for_url(screen(server, 3))
    page.get_by_role("heading", level=1, name="Banter or not?").wait_for()
    page.keyboard.press("ArrowLeft")
    page.wait_for_url(screen(server, 2))
    page.keyboard.press("PageDown")  # what a presentation clicker sends
    page.wait_for_url(screen(server, 3))

    clock = page.get_by_role("timer")
    assert clock.inner_text() == "16:00"
    page.get_by_role("button", name="Start timer").click()
    page.wait_for_function("() => document.querySelector('[role=timer]').textContent !== '16:00'")
    page.get_by_role("button", name="Pause timer").click()
    paused = clock.inner_text()
    page.wait_for_timeout(1200)
    assert clock.inner_text() == paused and paused < "16:00"
    page.get_by_role("button", name="Reset").click()
    assert clock.inner_text() == "16:00"

    # The last screen has no next link; the arrow key does nothing there.
    page.goto(screen(server, 5))
    page.keyboard.press("ArrowRight")
    page.wait_for_timeout(300)
    assert page.url == screen(server, 5)
    page.get_by_role("link", name="Sign up for free").wait_for()


def test_present_mode_works_with_javascript_off(browser, server, curriculum):
    context, page = new_page(browser, java_script_enabled=False)
    page.goto(screen(server, 1))
    page.get_by_role("link", name="Next").click()
    page.wait_for_url(screen(server, 2))
    page.get_by_role("link", name="Next").click()
    page.wait_for_url(screen(server, 3))
    page.reload()
    page.get_by_role("heading", level=1, name="Banter or not?").wait_for()
    assert page.get_by_role("button").count() == 0  # no dead timer buttons
    assert page.get_by_text("16–20 minutes").is_visible()
    page.get_by_role("link", name="Previous").click()
    page.wait_for_url(screen(server, 2))
    context.close()


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 720)], ids=["1080p", "720p"])
def test_present_mode_has_no_axe_violations_and_fits_the_projector(
    browser, server, curriculum, size
):
    width, height = size
    context, page = new_page(browser, viewport={"width": width, "height": height}, bypass_csp=True)
    lesson = Lesson.objects.get(slug=LESSON)
    count = 5
    found = {}
    for number in range(1, count + 1):
        page.goto(screen(server, number))
        found[number] = axe_violations(page)
        # Every step fits the screen: nothing to scroll on a projector.
        assert page.evaluate("document.documentElement.scrollHeight") <= height, number
        screenshot(page, f"present-{lesson.slug}-{number}-{width}x{height}")
    page.goto(f"{server}/lessons/{LESSON}/present/all/")
    found["all"] = axe_violations(page)
    context.close()
    assert {name: v for name, v in found.items() if v} == {}


def test_every_lesson_plan_prints_on_at_most_six_a4_pages(page, server, curriculum):
    page.emulate_media(media="print")
    pages = {}
    for lesson in Lesson.objects.published():
        page.goto(f"{server}/lessons/{lesson.slug}/print/")
        pages[lesson.slug] = len(pdf_pages(page.pdf(format="A4")))
    assert len(pages) >= 16
    assert {slug: n for slug, n in pages.items() if n > MAX_PLAN_PAGES} == {}, pages


def test_no_card_is_split_across_pages(page, server, curriculum):
    page.emulate_media(media="print")
    checked = 0
    for handout in Handout.objects.select_related("lesson"):
        page.goto(f"{server}{handout.get_absolute_url()}")
        cards = page.evaluate(
            "() => [...document.querySelectorAll('.card')].map(c => c.innerText)"
        )
        if not cards:
            continue
        pages = pdf_pages(page.pdf(format="A4"))
        for card in cards:
            text = squeeze(card)
            # A whole card's text is on one page.
            assert any(text in page_text for page_text in pages), (handout.slug, card[:60])
            checked += 1
        assert (
            page.evaluate("() => getComputedStyle(document.querySelector('.card')).borderTopStyle")
            == "dashed"
        )
        size = page.evaluate(
            "() => parseFloat(getComputedStyle(document.querySelector('.card')).fontSize)"
        )
        assert size >= 14 * 96 / 72 - 0.01  # 14 pt in CSS pixels
    assert checked >= 80


def test_all_screens_print_one_landscape_page_each(page, server, curriculum):
    page.emulate_media(media="print")
    page.goto(f"{server}/lessons/{LESSON}/present/all/")
    pdf = page.pdf(prefer_css_page_size=True)
    document = pypdfium2.PdfDocument(pdf)
    width, height = document[0].get_size()
    assert len(document) == 5
    assert width > height  # landscape
    document.close()
