"""Handouts that are sets of cards print as cards to cut out; others as worksheets."""

import pytest
from django.urls import reverse

from curriculum.models import Handout
from tests.factories import make_lesson

pytestmark = pytest.mark.django_db

HEADED_CARDS = """# Banter or not?

Read each card.

## Card 1: Callum and Ben

Callum laughs.

## Card 2: Kai and Ellie

Kai says it in **most** lessons.

## Questions for your group

1. Who is laughing?
"""

LISTED_CARDS = """# Harm ladder

Cut out the cards. Put them in order.

- Dan rates girls out of ten.
- Ben scrolls past.

## Talk about it

- Which card was hardest?
"""

WORKSHEET = """# Four steps

1. What could Kai ask himself?
2. Rewrite his reply.
"""


def make_handout(lesson, slug, title, body):
    handout = Handout(lesson=lesson, slug=slug, title=title, body=body, order=9)
    handout.save()
    return handout


@pytest.fixture
def lesson():
    return make_lesson("banter")


def test_card_headings_make_one_card_each_and_the_rest_stays_prose(lesson):
    handout = make_handout(lesson, "banter-cards", "Banter or not? Scenario cards", HEADED_CARDS)
    kinds = [kind for kind, _content in handout.pieces()]
    assert kinds == ["prose", "cards", "prose"]
    cards = handout.pieces()[1][1]
    assert len(cards) == 2
    assert "Card 1: Callum and Ben" in cards[0] and "Callum laughs." in cards[0]
    assert "<strong>most</strong>" in cards[1] and "Who is laughing" not in cards[1]


def test_the_first_list_of_a_card_set_without_headings_gives_the_cards(lesson):
    handout = make_handout(lesson, "harm-ladder", "Harm ladder cards", LISTED_CARDS)
    pieces = handout.pieces()
    assert [kind for kind, _content in pieces] == ["prose", "cards", "prose"]
    assert pieces[1][1] == ["<p>Dan rates girls out of ten.</p>", "<p>Ben scrolls past.</p>"]
    assert "Which card was hardest?" in pieces[2][1]


def test_a_worksheet_is_one_piece_of_prose(lesson):
    handout = make_handout(lesson, "four-steps", "Four steps worksheet", WORKSHEET)
    assert [kind for kind, _content in handout.pieces()] == ["prose"]
    assert not handout.is_card_set()


def test_card_handout_prints_as_cards_and_a_worksheet_with_lines(anon_client, lesson):
    cards = make_handout(lesson, "banter-cards", "Banter or not? Scenario cards", HEADED_CARDS)
    sheet = make_handout(lesson, "four-steps", "Four steps worksheet", WORKSHEET)
    text = anon_client.get(cards.get_absolute_url()).text
    assert "card-set" in text and text.count('<div class="card">') == 2
    text = anon_client.get(sheet.get_absolute_url()).text
    assert "worksheet worksheet-lines" in text and '<div class="card">' not in text


def test_missing_handout_is_404(anon_client, lesson):
    url = reverse("curriculum:handout-print", args=[lesson.slug, "no-such-handout"])
    assert anon_client.get(url).status_code == 404


def test_plan_prints_without_handouts_unless_asked(anon_client, lesson):
    make_handout(lesson, "banter-cards", "Banter or not? Scenario cards", HEADED_CARDS)
    url = reverse("curriculum:lesson-print", args=[lesson.slug])
    plain = anon_client.get(url).text
    assert "Callum laughs." not in plain and "/handouts/banter-cards/" in plain
    with_handouts = anon_client.get(url + "?handouts=1").text
    assert "Callum laughs." in with_handouts and '<div class="card">' in with_handouts
