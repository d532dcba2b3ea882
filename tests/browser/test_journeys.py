"""The product as people use it: teachers and students in a real browser, step by step."""

import re

import pytest
from django.conf import settings
from django.core import mail

from curriculum.loader import load_content
from curriculum.models import Lesson
from pledges.models import CheckIn, Pledge, PledgeStatus, Reflection, Signature
from tests import factories
from tests.browser.conftest import (
    STUDENT,
    log_in,
    new_page,
    screenshot,
    sign,
    sign_then_sign_again,
)


@pytest.fixture
def curriculum(server):
    load_content(settings.CURRICULUM_DIR)


@pytest.fixture
def open_pledge(server):
    teacher = factories.make_teacher(school=factories.make_school(), role="lead")
    return factories.make_pledge(factories.make_classroom(teacher))


def test_a_teacher_finds_a_bystander_lesson_for_11_to_14_opens_it_and_prints_it(
    page, server, curriculum
):
    page.goto(f"{server}/lessons/")
    page.get_by_role("combobox", name="Age band").select_option(
        label="Ages 11–14 · Key Stage 3 (Years 7–9) · Grades 6–8 (US)"
    )
    page.get_by_role("combobox", name="Theme", exact=True).select_option(
        label="Bystander intervention"
    )
    page.get_by_role("button", name="Show lessons").click()
    expected = Lesson.objects.published().filter(
        age_bands__slug="ages-11-14", themes__slug="bystander-intervention"
    )
    assert expected.exists()
    screenshot(page, "journey-lessons-filtered")
    titles = page.locator(".results .lesson-card-title a").all_inner_texts()
    assert sorted(titles) == sorted(expected.values_list("title", flat=True))
    first = expected.get(title=titles[0])
    page.locator(".results .lesson-card-title a").first.click()
    page.wait_for_url(f"**{first.get_absolute_url()}")
    page.get_by_role("heading", level=1, name=first.title).wait_for()
    screenshot(page, "journey-lesson")

    page.goto(f"{server}/lessons/{first.slug}/print/")
    page.emulate_media(media="print")
    hidden_nav = page.evaluate(
        """() => [...document.querySelectorAll('nav, .site-header, .site-footer, .print-toolbar')]
            .filter(el => el.offsetParent !== null).length"""
    )
    assert hidden_nav == 0, "navigation shows in print"
    page.set_viewport_size({"width": 687, "height": 1000})  # A4 less 14 mm margins at 96 dpi
    too_wide = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(el => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
            .map(el => el.tagName).slice(0, 5)"""
    )
    assert too_wide == []
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
    screenshot(page, "journey-lesson-print")


def test_a_new_teacher_signs_up_sets_up_a_school_and_class_and_opens_a_pledge_from_a_lesson(
    page, server, curriculum
):
    page.goto(f"{server}/accounts/signup/")
    page.get_by_label("First name").fill("Nadia")
    page.get_by_label("Last name").fill("Osei")
    page.get_by_label("Email").fill("nadia@brookside.example")
    screenshot(page, "journey-signup")
    page.get_by_role("button", name="Email me the link").click()
    page.get_by_role("heading", name="Check your email").wait_for()

    # The emailed link (settings.SITE_URL points at the dev server; the path is the same).
    link = re.search(r"https?://[^/\s]+(/accounts/signup/\S+)", mail.outbox[-1].body).group(1)
    page.goto(f"{server}{link}")
    page.locator("#id_new_password1").fill("a-long-teacher-pass-42")
    page.locator("#id_new_password2").fill("a-long-teacher-pass-42")
    screenshot(page, "journey-signup-password")
    page.get_by_role("button", name="Create my account").click()

    page.wait_for_url("**/teach/school/setup/")
    page.get_by_label("School name").fill("Brookside School")
    screenshot(page, "journey-school-setup")
    page.get_by_role("button", name="Create school").click()

    page.goto(f"{server}/teach/classrooms/new/")
    page.get_by_label("Class name").fill("9C")
    page.get_by_role("button", name="Save class").click()
    page.get_by_text("9C").first.wait_for()
    screenshot(page, "journey-dashboard")

    lesson = Lesson.objects.published().filter(module__pledge_templates__isnull=False).first()
    lesson = lesson or Lesson.objects.published().first()
    page.goto(f"{server}{lesson.get_absolute_url()}")
    page.get_by_role("link", name="Start a class pledge from this lesson").click()
    page.wait_for_url(re.compile(r"/teach/pledges/new/"))
    screenshot(page, "journey-pledge-form")
    page.get_by_role("button", name="Create pledge").click()
    page.wait_for_url(re.compile(r"/teach/pledges/\d+/$"))

    pledge = Pledge.objects.get(classroom__name="9C")
    assert pledge.lesson == lesson and pledge.commitments.exists()
    assert pledge.status == PledgeStatus.DRAFT
    page.get_by_role("button", name="Open for signing").click()
    page.get_by_role("button", name="Close the pledge").wait_for()
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.OPEN
    screenshot(page, "journey-pledge-open")

    page.get_by_role("link", name="Show on the projector").click()
    page.get_by_text(pledge.join_code_display()).first.wait_for()
    screenshot(page, "journey-present")


def test_a_student_signs_on_a_phone_and_signing_again_with_the_same_name_says_so(
    phone, server, open_pledge
):
    sign_then_sign_again(phone, server, open_pledge, "journey-student")


def test_the_teacher_hides_a_signature_exports_the_csv_and_closes_the_pledge(
    browser, page, server, open_pledge
):
    factories.make_signature(open_pledge, "Jo P")
    student_context, student = new_page(browser, phone=True)
    sign(student, server, open_pledge)
    student.get_by_role("heading", name="Thanks for signing").wait_for()

    log_in(page.context, server, open_pledge.created_by)
    page.goto(f"{server}/teach/pledges/{open_pledge.pk}/")
    row = page.get_by_role("row").filter(has_text=STUDENT)
    row.wait_for()
    screenshot(page, "journey-teacher-sees-signature")
    row.get_by_role("button", name=f"Hide {STUDENT}").click()
    page.get_by_role("row").filter(has_text=STUDENT).get_by_text("hidden").wait_for()
    assert Signature.objects.get(pledge=open_pledge, display_name=STUDENT).hidden

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download signatures (CSV)").click()
    download = download_info.value
    with open(download.path(), encoding="utf-8-sig") as csv_file:
        content = csv_file.read()
    assert "Jo P" in content and STUDENT in content
    assert download.suggested_filename.endswith(".csv")

    page.get_by_role("button", name="Close the pledge").click()
    page.get_by_role("button", name="Open again").wait_for()
    open_pledge.refresh_from_db()
    assert open_pledge.status == PledgeStatus.CLOSED

    student.goto(f"{server}/join/{open_pledge.join_code_display()}/")
    student.get_by_text("This pledge has closed.").wait_for()
    assert student.get_by_role("button", name="Sign the pledge").count() == 0
    screenshot(student, "journey-student-pledge-closed")
    student_context.close()


def test_weeks_later_the_student_reflects_and_the_teacher_sees_it(
    browser, page, server, open_pledge
):
    student_context, student = new_page(browser, phone=True)
    sign(student, server, open_pledge)
    student.get_by_role("heading", name="Thanks for signing").wait_for()
    open_pledge.status = PledgeStatus.CLOSED
    open_pledge.save()
    CheckIn.start(pledge=open_pledge, user=open_pledge.created_by)

    student.goto(f"{server}/join/{open_pledge.join_code_display()}/")
    student.get_by_role("link", name="Add your reflection").click()
    student.get_by_role("heading", name="How did it go?").wait_for()
    for group in student.locator("fieldset").filter(has=student.get_by_role("radio")).all():
        group.get_by_label("I did this").check()
    student.get_by_label("What happened?").fill("I asked Leo to join our game.")
    screenshot(student, "journey-student-reflect")
    student.get_by_role("button", name="Send to my teacher").click()
    student.wait_for_url("**?saved")
    screenshot(student, "journey-student-reflect-thanks")
    reflection = Reflection.objects.get(signature__pledge=open_pledge)
    assert reflection.note == "I asked Leo to join our game."
    student_context.close()

    log_in(page.context, server, open_pledge.created_by)
    page.goto(f"{server}/teach/pledges/{open_pledge.pk}/follow-through/")
    page.get_by_text("I asked Leo to join our game.").wait_for()
    screenshot(page, "journey-follow-through")


FOCUS_VISIBLE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  return {tag: el.tagName, type: el.type || '', name: el.name || '', inForm: !!el.closest('form.sign-form'),
          text: (el.innerText || el.value || '').slice(0, 40),
          visible: style.outlineStyle !== 'none' || style.boxShadow !== 'none'};
}"""


def test_signing_works_with_the_keyboard_alone_with_a_visible_focus_and_no_trap(
    page, server, open_pledge
):
    page.goto(f"{server}/join/{open_pledge.join_code_display()}/")
    keyboard = page.keyboard
    seen = []
    for _step in range(60):
        keyboard.press("Tab")
        focused = page.evaluate(FOCUS_VISIBLE)
        assert focused is not None
        assert focused["visible"], f"no visible focus on {focused}"
        seen.append(focused)
        if focused["inForm"] and focused["type"] == "text":
            keyboard.type(STUDENT)
        elif focused["inForm"] and focused["type"] == "checkbox":
            keyboard.press("Space")
        elif focused["inForm"] and focused["type"] == "submit":
            break
    else:
        pytest.fail("Tab never reached the sign button")
    # Shift+Tab goes back through the form, and Tab carries on past it: no trap.
    keyboard.press("Shift+Tab")
    assert page.evaluate(FOCUS_VISIBLE)["inForm"]
    keyboard.press("Tab")
    keyboard.press("Tab")
    after = page.evaluate(FOCUS_VISIBLE)
    assert after is not None and not after["inForm"], "focus is stuck in the sign form"
    keyboard.press("Shift+Tab")
    assert page.evaluate(FOCUS_VISIBLE)["type"] == "submit"
    screenshot(page, "journey-keyboard-sign")
    keyboard.press("Enter")
    page.get_by_role("heading", name="Thanks for signing").wait_for()
    signature = Signature.objects.get(pledge=open_pledge)
    assert signature.display_name == STUDENT
    assert signature.commitments.count() == open_pledge.commitments.count()
