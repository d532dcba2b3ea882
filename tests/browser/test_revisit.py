"""A page seen a second time looks as it did the first time.

Found with a real browser: public pages carry ETags, and a reload is answered "304 Not
Modified". The 304 used to carry a "load nothing" Content-Security-Policy, which the
browser put on the page it kept, so every lesson, the projector view and the home page
lost their stylesheets (and the live count its script) on the second visit.
"""

import pytest

from tests.browser.conftest import log_in
from tests.factories import make_classroom, make_lesson, make_pledge, make_school, make_teacher

SERIF = "Times New Roman"


def _look(page):
    """What the visitor would notice: the font, and whether the page's own stylesheet and
    scripts were refused."""
    return page.evaluate("getComputedStyle(document.body).fontFamily")


@pytest.mark.parametrize("reload_by", ["reload", "link"])
def test_a_lesson_seen_again_keeps_its_styles(page, server, reload_by):
    lesson = make_lesson("speaking-up", title="Speaking up")
    refused = []
    page.on("console", lambda m: "Content Security Policy" in m.text and refused.append(m.text))
    url = server + lesson.get_absolute_url()
    first = page.goto(url)
    assert first.status == 200 and first.headers.get("etag")
    assert SERIF not in _look(page)
    if reload_by == "reload":
        page.reload()
    else:  # away and back by a link, as a teacher browsing lessons does
        page.goto(server + "/")
        page.goto(url)
    assert SERIF not in _look(page)
    assert refused == []


def test_the_projector_view_seen_again_keeps_its_styles_and_script(browser, server):
    teacher = make_teacher(school=make_school(), role="lead")
    pledge = make_pledge(make_classroom(teacher))
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    log_in(context, server, teacher)
    page = context.new_page()
    refused = []
    page.on("console", lambda m: "Content Security Policy" in m.text and refused.append(m.text))
    url = f"{server}/teach/pledges/{pledge.pk}/present/"
    for _visit in range(3):
        page.goto(url)
        assert SERIF not in _look(page)
    assert refused == []
    context.close()
