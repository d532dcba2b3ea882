"""The count on the projector view and the teacher's pledge page goes up as students sign,
without a reload; screen readers hear it at most every 30 seconds; without JavaScript the
pages still show the count and their refresh links."""

import re

from tests import factories
from tests.browser.conftest import log_in, new_page, screenshot, sign


def _count(page, selector):
    return page.locator(f"{selector} strong").inner_text()


def test_the_projector_and_the_teachers_page_count_students_as_they_sign(browser, server):
    teacher = factories.make_teacher(school=factories.make_school(), role="lead")
    pledge = factories.make_pledge(factories.make_classroom(teacher), goal=30)
    context, projector = new_page(browser)
    log_in(context, server, teacher)
    problems = []  # the console tells of anything the CSP blocked; errors are thrown
    projector.on(
        "console", lambda m: "Content Security Policy" in m.text and problems.append(m.text)
    )
    projector.on("pageerror", lambda error: problems.append(str(error)))
    projector.goto(f"{server}/teach/pledges/{pledge.pk}/present/")
    detail = context.new_page()
    detail.goto(f"{server}{pledge.get_absolute_url()}")
    assert _count(projector, ".present-count") == "0"
    # Marks that a reload would wipe out.
    for page in (projector, detail):
        page.evaluate("() => { window.notReloaded = true; }")

    student_context, student = new_page(browser, phone=True)
    sign(student, server, pledge, "Amara B")
    student.get_by_role("heading", name="Thanks for signing").wait_for()

    number = projector.locator(".present-count strong")
    number.filter(has_text=re.compile(r"^1$")).wait_for(timeout=15_000)
    assert projector.locator(".present-count").inner_text().startswith("1 has signed")
    detail.locator(".big-count strong").filter(has_text=re.compile(r"^1$")).wait_for(
        timeout=15_000
    )
    assert detail.locator(".big-count").inner_text().startswith("1 signature of a goal of 30")
    assert detail.locator("progress").evaluate("bar => bar.value") == 1
    # The first change is announced at once, politely, in a region of its own.
    announcer = projector.locator("[aria-live=polite]")
    assert announcer.inner_text() == "1 has signed · goal 30"

    sign(student, server, pledge, "Bo C")
    student.get_by_role("heading", name="Thanks for signing").wait_for()
    number.filter(has_text=re.compile(r"^2$")).wait_for(timeout=15_000)
    assert projector.locator(".present-count").inner_text().startswith("2 have signed")
    # The screen reader heard "1" seconds ago: "2" waits for the 30 seconds to pass.
    assert announcer.inner_text() == "1 has signed · goal 30"
    for page in (projector, detail):
        assert page.evaluate("() => window.notReloaded") is True
    screenshot(projector, "live-count-present")
    screenshot(detail, "live-count-teacher")

    # The teacher can stop the updates (WCAG 2.2.2), and start them again.
    polls = []
    projector.on("request", lambda r: "count.json" in r.url and polls.append(r.url))
    projector.get_by_role("button", name="Pause the live count").click()
    projector.wait_for_timeout(6_000)
    assert polls == []
    with projector.expect_request(re.compile(r"/count\.json$"), timeout=2_000):
        projector.get_by_role("button", name="Resume the live count").click()
    assert problems == []
    student_context.close()
    context.close()


def test_without_javascript_the_pages_show_the_count_and_their_refresh_links(browser, server):
    teacher = factories.make_teacher(school=factories.make_school(), role="lead")
    pledge = factories.make_pledge(factories.make_classroom(teacher))
    factories.make_signature(pledge, "Amara B")
    factories.make_signature(pledge, "Hidden H", hidden=True)
    context, page = new_page(browser, java_script_enabled=False)
    log_in(context, server, teacher)
    page.goto(f"{server}/teach/pledges/{pledge.pk}/present/")
    assert page.locator(".present-count").inner_text().startswith("1 has signed")
    page.get_by_role("link", name="Update the count every 10 seconds").click()
    page.wait_for_url(re.compile(r"\?refresh=1$"))
    factories.make_signature(pledge, "Bo C")
    page.locator(".present-count strong").filter(has_text=re.compile(r"^2$")).wait_for(
        timeout=15_000
    )  # the page reloaded itself
    page.goto(f"{server}{pledge.get_absolute_url()}")
    assert page.locator(".big-count").inner_text().startswith("2 signatures")
    assert page.get_by_role("link", name="Update this page every 15 seconds").is_visible()
    context.close()
