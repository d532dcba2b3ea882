"""No figure under 5 above a classroom can be read or worked out (issue 19, point 6)."""

import itertools
import re
from html import unescape

import pytest
from django.urls import reverse

from pledges.small_numbers import protect
from tests import factories

pytestmark = pytest.mark.django_db


def recoverable(cells, shown, total_shown):
    """Every hidden cell whose value follows from the shown total minus the shown cells,
    or a group of hidden cells whose sum does and is small."""
    if not total_shown:
        return []
    hidden = [key for key, value in shown.items() if value is None]
    rest = sum(cells.values()) - sum(v for v in shown.values() if v is not None)
    if len(hidden) == 1 or (hidden and rest < 5):
        return hidden
    return []


@pytest.mark.parametrize(
    "cells",
    [
        {"a": 3, "b": 40},
        {"a": 4, "b": 5, "c": 30},
        {"a": 5, "b": 40},
        {"a": 1, "b": 2, "c": 50},
        {"a": 2, "b": 2},
        {"a": 0, "b": 12},
        {"a": 4},
        {"a": 5},
        {"a": 6, "b": 7, "c": 8},
    ],
)
def test_no_small_number_can_be_read_or_recovered_by_subtraction(cells):
    shown, total_hidden = protect(cells)
    for key, value in shown.items():
        assert value is None or value >= 5, (key, value)
    assert recoverable(cells, shown, not total_hidden) == []
    if sum(cells.values()) < 5:
        assert total_hidden


def test_the_cut_off_is_at_five_exactly():
    assert protect({"a": 4, "b": 4, "c": 40})[0]["c"] == 40  # 4 + 4 hidden: 8 can't be split
    assert protect({"a": 5, "b": 40}) == ({"a": 5, "b": 40}, False)
    shown, total_hidden = protect({"a": 4})
    assert shown == {"a": None} and total_hidden


def test_a_hidden_total_hides_at_least_one_of_its_parts():
    shown, _hidden = protect({"a": 20, "b": 30}, total_hidden=True)
    assert list(shown.values()).count(None) == 1


def test_every_small_split_of_a_class_is_protected_exhaustively():
    for values in itertools.product(range(0, 9), repeat=3):
        cells = dict(zip("abc", values, strict=True))
        shown, total_hidden = protect(cells)
        assert all(v is None or v >= 5 for v in shown.values()), cells
        assert recoverable(cells, shown, not total_hidden) == [], cells


# On the school page -----------------------------------------------------------------------


def numbers_on(page):
    return [int(n) for n in re.findall(r"(?<![\w-])(\d+)(?![\w%-])", page)]


def test_the_school_page_shows_no_small_number_directly_or_by_subtraction(
    teacher, teacher_client, colleague
):
    # The lead's class: 40 signatures on one pledge. A colleague's: 3 on one pledge.
    big = factories.make_pledge(factories.make_classroom(teacher, name="Owls"), title="Big one")
    small = factories.make_pledge(factories.make_classroom(colleague, name="Larks"), title="Tiny")
    for number in range(40):
        factories.make_signature(big, f"Big {chr(65 + number % 26)}{chr(65 + number // 26)}")
    for name in ("Sam K", "Ali B", "Jo C"):
        factories.make_signature(small, name)

    page = unescape(teacher_client.get(reverse("pledges:school-detail")).text)
    words = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    # Neither 3 nor 40 (the school total 43 minus 40 would give the 3) nor 43 minus
    # anything shown gives a number under 5.
    assert "43" in words  # the whole-school total is large enough to show
    shown = set(numbers_on(words))
    assert 3 not in shown and 40 not in shown
    for a, b in itertools.permutations(shown, 2):
        assert not 0 < a - b < 5 or a != 43, (a, b)
    assert "fewer than 5" in words
