"""Names that are names: the display-name filter against real names and rude tricks.

The filter is better-profanity's list, our data files in pledges/wordlists/ and the
normaliser in pledges/names.py; these tables are what a teacher or a child would notice.
"""

import functools

import pytest
from django.core.exceptions import ValidationError

from pledges import names

BLOCKED = "Please use your real first name and initial."


@pytest.mark.parametrize(
    "typed",
    [
        "Zoë Ł.",
        "Nguyễn T.",
        "Siobhán",
        "O'Neil-Smith",
        "Mary-Jane O’Neil-Smith",
        "Anna Maria K.",
        # Real names with a rude word inside: whole words are compared, not substrings.
        "Hancock",
        "Cassidy",
        "Dickson",
        "Dickens",
        "Shitara",
        "Scunthorpe",
        "Sussex",
        "Cockburn",
        "Titus",
        "Anna Lee",
        # Real names that are also slang (pledges/wordlists/names-allowed.txt): a child
        # must never be told their own name is rude; the teacher can hide any name.
        "Dick T.",
        "Fanny B.",
        "Wang L.",
        "Dong N.",
    ],
)
def test_real_names_pass(typed):
    assert names.validate(typed)[0] == typed


@pytest.mark.parametrize(
    "typed",
    [
        "Fvck off",
        "Mr Smith is a paedo",
        "f u c k",
        "f-u-c-k",
        "sh1t head",
        "b!tch",
        "fück",
        "fuuuuck",
        "Dick Head",
        "Jack Ass",
        "slag",
        "Sam the nonce",
        "pedo",
        "retard",
        "w4nker",
    ],
)
def test_rude_names_and_their_disguises_are_refused_kindly(typed):
    with pytest.raises(ValidationError) as error:
        names.validate(typed)
    assert error.value.messages == [BLOCKED]


@pytest.mark.parametrize("typed", ["Sam is the best", "Nguyễn Thị Minh K.", "I love this pledge"])
def test_more_than_three_words_asks_for_first_name_and_initial(typed):
    with pytest.raises(ValidationError) as error:
        names.validate(typed)
    assert "first name and the first letter of your last name" in error.value.messages[0]
    assert "at most 3 words" in error.value.messages[0]


def test_digits_that_spell_nothing_get_the_letters_message_not_the_rude_one():
    with pytest.raises(ValidationError) as error:
        names.validate("R2D2")
    assert "letters, spaces, hyphens and apostrophes" in error.value.messages[0]


def test_the_word_lists_are_data_a_new_language_needs_no_code(tmp_path, monkeypatch):
    """Every <language>.txt in the folder is loaded, and the allowed names are a file."""
    (tmp_path / "names-allowed.txt").write_text("# none\n", encoding="utf-8")
    (tmp_path / "fr.txt").write_text("# test\nconnard\n", encoding="utf-8")
    monkeypatch.setattr(names, "WORDLISTS", tmp_path)
    monkeypatch.setattr(names, "NAME_FILTER", names._load_filter())
    names._is_listed.cache_clear()
    monkeypatch.setattr(names, "_is_listed", functools.lru_cache(names._is_listed.__wrapped__))
    with pytest.raises(ValidationError):
        names.validate("Connard")
    with pytest.raises(ValidationError):  # no longer on the allowed list
        names.validate("Dick T.")
