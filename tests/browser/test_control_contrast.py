"""Form controls can be seen: every input, checkbox, radio, select and text box has an
edge at 3:1 or more against what surrounds it (WCAG 2.2, 1.4.11 Non-text Contrast).

The colours are read from the browser (computed styles), and the ratio is worked out
here from WCAG's formula, so a change to Bootstrap or to site.css is caught. The same
walk takes screenshots of the students' pages at phone and laptop widths.
"""

import pytest
from django.conf import settings

from curriculum.loader import load_content
from pledges.models import CheckIn
from tests import factories
from tests.browser.conftest import new_page, screenshot, sign

pytestmark = pytest.mark.browser

# For each visible control: its border colour, its own background and the first opaque
# background behind it (the page is white when nothing is painted).
READ_CONTROLS = """() => {
  const opaque = (el) => {
    for (; el; el = el.parentElement) {
      const bg = getComputedStyle(el).backgroundColor;
      if (bg !== 'transparent' && !bg.endsWith(', 0)')) return bg;
    }
    return 'rgb(255, 255, 255)';
  };
  return [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
    .filter((el) => el.offsetParent !== null)
    .map((el) => {
      const style = getComputedStyle(el);
      return {
        what: `${el.tagName.toLowerCase()}[${el.type || ''}] #${el.id || el.name}`,
        border: style.borderTopColor,
        width: style.borderTopWidth,
        inside: style.backgroundColor,
        behind: opaque(el.parentElement),
      };
    });
}"""


def rgba(css):
    """'rgb(1, 2, 3)' or 'rgba(1, 2, 3, 0.5)' -> (r, g, b, alpha) with r, g, b in 0..255."""
    parts = [float(p) for p in css[css.index("(") + 1 : -1].split(",")]
    return (*parts[:3], parts[3] if len(parts) == 4 else 1.0)


def over(colour, background):
    """A translucent colour as painted over an opaque background."""
    *rgb, alpha = colour
    return tuple(alpha * c + (1 - alpha) * b for c, b in zip(rgb, background[:3], strict=True))


def luminance(rgb):
    """WCAG 2.2 relative luminance of an sRGB colour."""

    def linear(channel):
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b):
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_formula_matches_wcags_known_values():
    assert contrast((255, 255, 255), (0, 0, 0)) == pytest.approx(21)
    assert contrast((118, 118, 118), (255, 255, 255)) == pytest.approx(4.54, abs=0.01)
    # Bootstrap 5's default input border, the colour this test exists to catch.
    assert contrast((0xDE, 0xE2, 0xE6), (255, 255, 255)) < 1.5


def weakest_edges(page):
    """How many controls the page has, and (control, ratio) for each edge under 3:1."""
    weak = []
    controls = page.evaluate(READ_CONTROLS)
    for control in controls:
        behind = over(rgba(control["behind"]), (255, 255, 255))
        inside = over(rgba(control["inside"]), behind)
        border = over(rgba(control["border"]), behind)
        if float(control["width"].removesuffix("px")) == 0:
            weak.append((control["what"], 0.0))
            continue
        # The edge must stand out from the page around it and from the box's own fill.
        ratio = min(contrast(border, behind), contrast(border, inside))
        if ratio < 3:
            weak.append((control["what"], round(ratio, 2)))
    return len(controls), weak


@pytest.fixture
def pledge(server):
    load_content(settings.CURRICULUM_DIR)
    teacher = factories.make_teacher(school=factories.make_school(), role="lead")
    return factories.make_pledge(factories.make_classroom(teacher))


def test_every_form_control_edge_has_three_to_one_contrast(browser, server, pledge):
    found = {}
    for width, phone in (("360", True), ("1280", False)):
        context, page = new_page(browser, phone=phone)
        page.goto(f"{server}/join/")
        found[f"join {width}"] = weakest_edges(page)
        screenshot(page, f"student-join-{width}")
        page.goto(f"{server}{pledge.get_link_url()}")
        found[f"sign {width}"] = weakest_edges(page)
        screenshot(page, f"student-sign-{width}")
        sign(page, server, pledge, name="Amara B" if phone else "Leo K")
        page.get_by_role("heading", name="Thanks for signing").wait_for()
        screenshot(page, f"student-thanks-{width}")
        CheckIn.objects.filter(pledge=pledge, is_open=True).exists() or CheckIn.start(
            pledge=pledge, prompt="What did you do?"
        )
        page.goto(f"{server}/p/{pledge.link_token}/reflect/")
        page.get_by_role("heading", name="How did it go?").wait_for()
        found[f"reflect {width}"] = weakest_edges(page)
        screenshot(page, f"student-reflect-{width}")
        page.goto(f"{server}{pledge.get_link_url()}")
        screenshot(page, f"student-sign-returning-{width}")
        page.goto(f"{server}/accounts/login/")
        found[f"login {width}"] = weakest_edges(page)
        page.goto(f"{server}/lessons/")
        found[f"lesson filters {width}"] = weakest_edges(page)
        context.close()
    assert all(count for count, _weak in found.values()), found  # each page has controls
    assert {page: weak for page, (_count, weak) in found.items() if weak} == {}
