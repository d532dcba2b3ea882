"""Names that are names: the display-name filter against real names and rude tricks.

The filter is better-profanity's list, our data files in pledges/wordlists/ and the
normaliser in pledges/names.py; these tables are what a teacher or a child would notice.
"""

import functools
import itertools
import random
import string

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


def test_the_length_split_filter_answers_as_better_profanity_does():
    """names.NameFilter checks a word against the listed spellings of its length only;
    better-profanity, asked about the same word with all its spellings, must agree."""
    whole = names.NAME_FILTER.profanity
    listed = [str(word) for word in whole.CENSOR_WORDSET]
    words = set(listed)
    for word in listed:  # each lookalike spelling better-profanity knows, one at a time
        for position, letter in enumerate(word):
            for lookalike in whole.CHARS_MAPPING.get(letter, ()):
                words.add(word[:position] + lookalike + word[position + 1 :])
        words.update({word + "s", word[:-1], "x" + word, word.upper()})
    first_names = (names.WORDLISTS / "names-allowed.txt").read_text(encoding="utf-8").split()
    words.update(first_names)
    words.update("".join(pair) for pair in itertools.product(first_names[:40], "kqzs"))
    rng = random.Random(16)
    alphabet = string.ascii_lowercase + "@$*01345789éøß'?#"
    words.update(
        "".join(rng.choice(alphabet) for _ in range(rng.randint(2, 14))) for _ in range(3000)
    )
    split = names.NAME_FILTER.contains_profanity
    disagree = [word for word in words if split(word) != whole.contains_profanity(word)]
    assert disagree == []
    assert sum(map(split, words)) > len(listed)
