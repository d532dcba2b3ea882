"""axe-core finds no WCAG 2.2 A/AA failures on any page, in light mode and in forced
colours (Windows High Contrast).

One test walks every page template in both modes so the setup is shared. The browser
context bypasses the site's CSP only so the test can inject axe-core; the app is unchanged.
"""

import pytest
from django.conf import settings

from curriculum.loader import load_content
from curriculum.models import Handout, Lesson, Module
from pledges.models import CheckIn
from tests import factories
from tests.browser.conftest import axe_violations, log_in, new_page, screenshot


@pytest.fixture
def site(server):
    """Every kind of row a page shows: the curriculum, a school with a lead, a class, an
    open pledge with a signature and an open check-in, and a teacher with no school yet."""
    load_content(settings.CURRICULUM_DIR)
    teacher = factories.make_teacher(school=factories.make_school(), role="lead")
    pledge = factories.make_pledge(factories.make_classroom(teacher), goal=30)
    factories.make_signature(pledge, "Jo P")
    newcomer = factories.make_teacher("new@brookside.example")
    return {"teacher": teacher, "pledge": pledge, "newcomer": newcomer}


def assert_mode(page, mode):
    """The emulated colour mode is really in effect (guards against a silent no-op)."""
    forced = page.evaluate("() => matchMedia('(forced-colors: active)').matches")
    assert forced == (mode == "active")


def student_pages(browser, server, pledge, mode):
    """join, sign, thanks, reflection and its return-code page: one device, in order."""
    context, page = new_page(browser, phone=True, bypass_csp=True)
    page.emulate_media(forced_colors=mode)
    found = {}
    page.goto(f"{server}/join/")
    assert_mode(page, mode)
    found["join"] = axe_violations(page)
    page.goto(f"{server}{pledge.get_join_url()}")
    found["sign"] = axe_violations(page)
    page.get_by_label("Your name").fill("Amara B")
    page.get_by_role("checkbox").first.check()
    page.get_by_role("button", name="Sign the pledge").click()
    page.get_by_role("heading", name="Thanks for signing").wait_for()
    found["thanks"] = axe_violations(page)
    CheckIn.objects.filter(pledge=pledge).exists() or CheckIn.start(pledge=pledge, prompt="How?")
    page.goto(f"{server}/p/{pledge.link_token}/reflect/")
    found["reflection"] = axe_violations(page)
    page.goto(f"{server}/p/{pledge.link_token}/reflect/?code")
    found["reflection return code"] = axe_violations(page)
    page.goto(f"{server}/privacy/")
    found["privacy"] = axe_violations(page)
    if mode == "none":
        screenshot(page, "a11y-privacy-phone")
    context.close()
    return found


def visit_all(page, server, pages, mode):
    found = {}
    for name, path in pages.items():
        page.goto(f"{server}{path}")
        assert_mode(page, mode)
        found[name] = axe_violations(page)
    return found


@pytest.mark.parametrize("mode", ["none", "active"], ids=["light", "forced-colors"])
def test_every_page_has_no_wcag_22_aa_violations(browser, server, site, mode):
    pledge = site["pledge"]
    lesson = Lesson.objects.published().first()
    handout = Handout.objects.select_related("lesson").first()
    module = Module.objects.published().first()
    found = {}

    anon_context, anon = new_page(browser, bypass_csp=True)
    anon.emulate_media(forced_colors=mode)
    found.update(
        visit_all(
            anon,
            server,
            {
                "home": "/",
                "module": module.get_absolute_url(),
                "lesson list with filters": "/lessons/?age_band=ages-11-14&theme=bystander-intervention",
                "lesson search, misspelt": "/lessons/?q=bystandr",
                "lesson list, no such page": "/lessons/?page=99",
                "unit": "/units/ages-11-14/",
                "lesson": lesson.get_absolute_url(),
                "print view": f"/lessons/{lesson.slug}/print/",
                "handout": handout.get_absolute_url(),
                "family note": f"/modules/{module.slug}/family-note/",
                "teacher guide": "/guide/",
                "login": "/accounts/login/",
                "sign-up": "/accounts/signup/",
            },
            mode,
        )
    )
    anon_context.close()

    found.update(student_pages(browser, server, pledge, mode))

    newcomer_context, newcomer = new_page(browser, bypass_csp=True)
    newcomer.emulate_media(forced_colors=mode)
    log_in(newcomer_context, server, site["newcomer"])
    found.update(visit_all(newcomer, server, {"school setup": "/teach/school/setup/"}, mode))
    newcomer_context.close()

    context, page = new_page(browser, bypass_csp=True)
    page.emulate_media(forced_colors=mode)
    log_in(context, server, site["teacher"])
    found.update(
        visit_all(
            page,
            server,
            {
                "dashboard": "/teach/",
                "classroom form": "/teach/classrooms/new/",
                "pledge form": f"/teach/pledges/new/?lesson={lesson.slug}",
                "pledge page": f"/teach/pledges/{pledge.pk}/",
                "follow-through": f"/teach/pledges/{pledge.pk}/follow-through/",
                "present": f"/teach/pledges/{pledge.pk}/present/",
                "poster": f"/teach/pledges/{pledge.pk}/poster/",
                "sign-up sheet": f"/teach/pledges/{pledge.pk}/sheet/",
                "school page": "/teach/school/",
            },
            mode,
        )
    )
    if mode == "active":
        screenshot(page, "a11y-school-forced-colors")
    context.close()

    failures = {name: violations for name, violations in found.items() if violations}
    report = "\n".join(f"{name}: {v}" for name, vs in failures.items() for v in vs)
    assert not failures, f"axe found WCAG 2.2 A/AA violations:\n{report}"
