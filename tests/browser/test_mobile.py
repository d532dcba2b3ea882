"""On a 360 px phone: nothing scrolls sideways, every control is a big enough target
(WCAG 2.5.8, 24 × 24 px; links inside sentences are exempt), and the sign form's inputs
are at least 16 px so the phone doesn't zoom in on them."""

import pytest
from django.conf import settings

from curriculum.loader import load_content
from curriculum.models import Handout, Lesson, Module
from pledges.models import CheckIn
from tests import factories
from tests.browser.conftest import log_in, new_page, screenshot

PHONE_WIDTH = 360

# Controls and navigation links: their boxes, or for a checkbox or radio the box and its
# label together (the label is part of the target). Links in running text are exempt.
SMALL_TARGETS = """() => {
  const visible = el => {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 1 && r.height > 1 && s.visibility !== 'hidden' && !el.closest('[hidden]');
  };
  const controls = [...document.querySelectorAll(
    'button, input:not([type=hidden]), select, textarea, .btn, nav a, .site-header a')];
  const small = [];
  for (const el of controls) {
    if (!visible(el)) continue;
    let r = el.getBoundingClientRect();
    let box = {left: r.left, right: r.right, top: r.top, bottom: r.bottom};
    if (el.type === 'checkbox' || el.type === 'radio') {
      const label = el.labels && el.labels[0];
      if (label) {
        const l = label.getBoundingClientRect();
        box = {left: Math.min(box.left, l.left), right: Math.max(box.right, l.right),
               top: Math.min(box.top, l.top), bottom: Math.max(box.bottom, l.bottom)};
      }
    }
    const w = box.right - box.left, h = box.bottom - box.top;
    if (w < 24 || h < 24) {
      small.push(`${el.tagName.toLowerCase()}${el.type ? '[' + el.type + ']' : ''} ` +
                 `"${(el.innerText || el.value || el.name || '').trim().slice(0, 30)}" ${Math.round(w)}x${Math.round(h)}`);
    }
  }
  return small;
}"""

WIDE = """() => ({scroll: document.documentElement.scrollWidth,
  culprits: [...document.querySelectorAll('body *')]
    .filter(el => !(el.parentElement && el.parentElement.closest('.table-responsive')))
    .filter(el => el.getBoundingClientRect().right > 361)
    .map(el => el.tagName.toLowerCase() + '.' + el.className).slice(0, 6),
  spilling: [...document.querySelectorAll('body *')]
    .filter(el => !el.closest('.table-responsive') && el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1)
    .map(el => el.tagName.toLowerCase() + '.' + el.className).slice(-4)})"""


@pytest.fixture
def site(server):
    load_content(settings.CURRICULUM_DIR)
    teacher = factories.make_teacher(school=factories.make_school(), role="lead")
    pledge = factories.make_pledge(factories.make_classroom(teacher), goal=30)
    factories.make_signature(pledge, "Jo P")
    return {"teacher": teacher, "pledge": pledge}


def check(page, server, path, problems):
    page.goto(f"{server}{path}")
    wide = page.evaluate(WIDE)
    if wide["scroll"] > PHONE_WIDTH:
        problems.append(
            f"{path} scrolls sideways ({wide['scroll']}px): {wide['culprits']} {wide['spilling']}"
        )
    small = page.evaluate(SMALL_TARGETS)
    if small:
        problems.append(f"{path} has targets under 24x24: {small[:6]}")


def test_no_page_scrolls_sideways_at_360px_and_every_target_is_big_enough(browser, server, site):
    pledge = site["pledge"]
    lesson = Lesson.objects.published().first()
    handout = Handout.objects.select_related("lesson").first()
    module = Module.objects.published().first()
    problems = []

    context, phone = new_page(browser, phone=True)
    for path in [
        "/",
        module.get_absolute_url(),
        "/lessons/?age_band=ages-11-14&theme=bystander-intervention",
        "/lessons/?q=bystandr",
        "/units/ages-11-14/",
        lesson.get_absolute_url(),
        f"/lessons/{lesson.slug}/print/",
        handout.get_absolute_url(),
        f"/modules/{module.slug}/family-note/",
        "/guide/",
        "/privacy/",
        "/accounts/login/",
        "/accounts/signup/",
        "/join/",
        pledge.get_join_url(),
    ]:
        check(phone, server, path, problems)
    phone.get_by_label("Your name").fill("Amara B")
    phone.get_by_role("checkbox").first.check()
    phone.get_by_role("button", name="Sign the pledge").click()
    phone.get_by_role("heading", name="Thanks for signing").wait_for()
    check(phone, server, f"/p/{pledge.link_token}/thanks/", problems)
    CheckIn.start(pledge=pledge)
    check(phone, server, f"/p/{pledge.link_token}/reflect/", problems)
    check(phone, server, f"/p/{pledge.link_token}/reflect/?code", problems)
    context.close()

    context, phone = new_page(browser, phone=True)
    log_in(context, server, site["teacher"])
    for path in [
        "/teach/",
        "/teach/classrooms/new/",
        f"/teach/pledges/new/?lesson={lesson.slug}",
        f"/teach/pledges/{pledge.pk}/",
        f"/teach/pledges/{pledge.pk}/follow-through/",
        f"/teach/pledges/{pledge.pk}/present/",
        f"/teach/pledges/{pledge.pk}/poster/",
        f"/teach/pledges/{pledge.pk}/sheet/",
        "/teach/school/",
    ]:
        check(phone, server, path, problems)
    screenshot(phone, "mobile-school")
    context.close()

    assert not problems, "\n".join(problems)


def test_the_sign_form_needs_no_zoom_on_a_phone(phone, server, site):
    phone.goto(f"{server}{site['pledge'].get_join_url()}")
    sizes = phone.evaluate(
        """() => [...document.querySelectorAll('form.sign-form input:not([type=hidden]), form.sign-form textarea, form.sign-form select')]
            .map(el => [el.name, parseFloat(getComputedStyle(el).fontSize)])"""
    )
    assert sizes, "the sign form has no inputs"
    assert [name for name, size in sizes if size < 16] == [], f"inputs under 16px: {sizes}"
    screenshot(phone, "mobile-sign")


def test_the_teachers_signature_list_fits_a_phone_and_stays_a_table(browser, server, site):
    """On a phone each signature is a card with every column in view (the Hide button was
    off to the right, behind a sideways scroll); a screen reader still gets the table."""
    pledge = site["pledge"]
    factories.make_signature(pledge, "Ben T")
    context, phone = new_page(browser, phone=True)
    log_in(context, server, site["teacher"])
    phone.goto(f"{server}/teach/pledges/{pledge.pk}/")
    table = phone.get_by_role("table", name="Showing 1 to 2 of 2, newest first.")
    rows = table.get_by_role("row")
    assert rows.count() == 3  # the headings and two students
    jo = table.get_by_role("row", name="Jo P")
    assert jo.get_by_role("cell", name="1, 2, 3", exact=True).count() == 1  # no label read
    assert jo.get_by_text("Commitments: 1, 2, 3").is_visible()  # which sighted people see
    hide = jo.get_by_role("button", name="Hide Jo P")
    box = hide.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360, box
    screenshot(phone, "mobile-signatures")
    context.close()
