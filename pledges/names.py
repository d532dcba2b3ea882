"""Students' display names: cleaning, validating and the key that makes signing idempotent.

A name is shown as the student typed it, tidied: Unicode NFKC (so full-width "Ａnna"
becomes "Anna"), invisible and bidirectional control characters removed, runs of spaces
collapsed. The key compares names the way a person would: case-folded and without dots,
so "anna k.", "Anna K" and "ANNA  K" are one signer on a pledge.
"""

import functools
import re
import unicodedata
from collections import defaultdict
from pathlib import Path

from better_profanity import Profanity
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MAX_LENGTH = 40
APOSTROPHES = "'’ʼ‘`"
ALLOWED_PUNCTUATION = set(APOSTROPHES) | {"-", "‐", ".", " "}

MAX_WORDS = 3
BLOCKED_NAME = _("Please use your real first name and initial.")
WORDLISTS = Path(__file__).resolve().parent / "wordlists"

# Characters used for letters that better-profanity does not undo itself (it knows
# @ $ * 0 1 3 4 5 7 and u/v): "b!tch", "f|ck".
LOOKALIKES = str.maketrans({"!": "i", "¡": "i", "|": "i", "€": "e", "+": "t"})


def _read_wordlist(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip().casefold() for line in lines if line.strip() and line[0] != "#"]


class NameFilter:
    """better-profanity's filter, with the same words split by length for one-word
    checks. better-profanity compares a word with every listed spelling in turn (~950
    of them, 0.13 ms a word); a listed spelling only ever equals a word of its own
    length, as each of its lookalike characters stands for one character. So a word of
    letters is checked against the spellings of its length alone, by a filter of those,
    with the same answer (tests/pledges/test_names.py compares the two on every listed
    word, its lookalike spellings and thousands of names)."""

    def __init__(self, profanity):
        self.profanity = profanity
        words_by_length = defaultdict(list)
        for word in profanity.CENSOR_WORDSET:
            words_by_length[len(str(word))].append(str(word))
        self.by_length = {length: Profanity(words) for length, words in words_by_length.items()}
        self.one_for_one = all(
            len(lookalike) == 1
            for lookalikes in profanity.CHARS_MAPPING.values()
            for lookalike in lookalikes
        )

    def contains_profanity(self, word):
        lowered = word.lower()
        if self.one_for_one and set(lowered) <= self.profanity.ALLOWED_CHARACTERS:
            same_length = self.by_length.get(len(lowered))
            return same_length is not None and same_length.contains_profanity(lowered)
        # Other characters split a word in two for better-profanity: ask it all.
        return self.profanity.contains_profanity(word)


def _load_filter():
    """better-profanity's English list, plus every `<language>.txt` beside this module,
    less the words that are also real names (wordlists/README.md)."""
    allowed = _read_wordlist(WORDLISTS / "names-allowed.txt")
    profanity = Profanity()
    profanity.load_censor_words(whitelist_words=allowed)
    extra = [
        word
        for path in sorted(WORDLISTS.glob("*.txt"))
        if path.name != "names-allowed.txt"
        for word in _read_wordlist(path)
    ]
    profanity.add_censor_words(extra)
    return NameFilter(profanity)


# Loaded once per process (~0.1 s): the lists are shipped files, changed by a deploy.
NAME_FILTER = _load_filter()

# Notes students write for their teacher (reflections, exit answers) are read by the
# teacher alone, and may need to quote what someone called them: only the crudest
# words are refused there. Names, which classmates can see, go through NAME_FILTER.
BLOCKED_WORDS = frozenset(
    [
        "arse",
        "arsehole",
        "ass",
        "asshole",
        "bastard",
        "bitch",
        "bollocks",
        "bullshit",
        "cock",
        "crap",
        "cunt",
        "dick",
        "dickhead",
        "fag",
        "faggot",
        "fuck",
        "fucker",
        "fucking",
        "motherfucker",
        "nigga",
        "nigger",
        "paki",
        "penis",
        "piss",
        "porn",
        "pussy",
        "rape",
        "retard",
        "shit",
        "slag",
        "slut",
        "spastic",
        "twat",
        "wank",
        "wanker",
        "whore",
        "vagina",
        "boobs",
        "tits",
        "sex",
        "sexy",
        "nazi",
        "hitler",
    ]
)


def clean(raw):
    """Tidy a typed name for display; does not validate."""
    if not isinstance(raw, str):
        return ""
    text = unicodedata.normalize("NFKC", raw)
    # Drop format (Cf: zero-width, bidi controls), control (Cc), surrogate and unassigned
    # characters; turn any kind of space into a plain space.
    kept = []
    for ch in text:
        category = unicodedata.category(ch)
        if category in ("Cf", "Cc", "Cs", "Co", "Cn"):
            continue
        kept.append(" " if category.startswith("Z") else ch)
    return re.sub(r" +", " ", "".join(kept)).strip()


def key(display_name):
    """The comparison key for a cleaned name: one key, one signer per pledge."""
    folded = display_name.casefold()
    for apostrophe in APOSTROPHES:
        folded = folded.replace(apostrophe, "'")
    folded = folded.replace(".", " ").replace("‐", "-")
    return re.sub(r" +", " ", folded).strip()


def _strip_accents(text):
    return "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )


def _squeeze_repeats(token):
    """ "fuuuck" reads as "fuck", "asssss" as "ass": runs of three or more of one
    character, shortened to one and to two (real names rarely have three in a row)."""
    return {re.sub(r"(.)\1{2,}", r"\1", token), re.sub(r"(.)\1{2,}", r"\1\1", token)}


def _candidates(text):
    """Every way a name can spell a word: each word; letters typed apart ("f u c k",
    "s.h.i.t"); two words run together ("sh1t head", "dick head"); the whole name
    without spaces; each with accents dropped and long runs of a letter shortened."""
    folded = _strip_accents(key(text)).translate(LOOKALIKES)
    tokens = [token for token in re.split(r"[\s'\-_,]+", folded) if token]
    found = set(tokens)
    found.update(a + b for a, b in zip(tokens, tokens[1:], strict=False))
    found.add("".join(tokens))
    run = []
    for token in [*tokens, ""]:  # letters typed one by one, joined up again
        if len(token) == 1:
            run.append(token)
            continue
        if len(run) > 1:
            found.add("".join(run))
        run = []
    return {squeezed for token in found for squeezed in _squeeze_repeats(token)}


@functools.lru_cache(maxsize=8192)
def _is_listed(word):
    """One word against the lists. Kept per process: a school's first names repeat,
    and the lists change only with a deploy."""
    return NAME_FILTER.contains_profanity(word)


def contains_blocked_word(text):
    """Is the name, or something hidden in it, on the lists? Each candidate is one word,
    so better-profanity compares it whole: "Scunthorpe" and "Dickson" are names."""
    return any(_is_listed(word) for word in _candidates(clean(text)) if len(word) > 1)


def validate(raw):
    """Clean and check a display name; return (display_name, name_key) or raise."""
    name = clean(raw)
    if not name:
        raise ValidationError(_("Please type your name, for example your first name and initial."))
    if len(name) > MAX_LENGTH:
        raise ValidationError(
            _("Names can be at most %(max)d characters; yours has %(length)d."),
            params={"max": MAX_LENGTH, "length": len(name)},
        )
    # Before the letters check, so "sh1t" gets this message, not "letters only".
    if contains_blocked_word(name):
        raise ValidationError(BLOCKED_NAME)
    if len(name.split(" ")) > MAX_WORDS:
        raise ValidationError(
            _(
                "Please use just your first name and the first letter of your last "
                "name, like Sam K. (at most %(max)d words)."
            ),
            params={"max": MAX_WORDS},
        )
    for ch in name:
        category = unicodedata.category(ch)
        if not (category.startswith("L") or category.startswith("M") or ch in ALLOWED_PUNCTUATION):
            raise ValidationError(
                _("Names can use letters, spaces, hyphens and apostrophes only."),
            )
    if not any(unicodedata.category(ch).startswith("L") for ch in name):
        raise ValidationError(_("Please type your name using letters."))
    return name, key(name)


def validate_note(raw, *, max_length=500, words_as_written=False):
    """Clean and check a short free-text note (reflections): same hygiene as names.

    `words_as_written`: a message for a teacher keeps every word. A child telling an adult
    what they were called must never be sent away with "leave out rude words"."""
    text = clean_text(raw)
    if len(text) > max_length:
        raise ValidationError(
            _("Please keep this to %(max)d characters; it has %(length)d."),
            params={"max": max_length, "length": len(text)},
        )
    if text and not words_as_written and contains_blocked_word_in_text(text):
        raise ValidationError(_("Please leave out rude words."))
    return text


def clean_text(raw):
    """Like clean(), but keeps line breaks, for multi-line notes."""
    if not isinstance(raw, str):
        return ""
    lines = [clean(line) for line in unicodedata.normalize("NFKC", raw).splitlines()]
    return "\n".join(lines).strip()


def contains_blocked_word_in_text(text):
    words = re.findall(r"\w+", key(text))
    return any(word in BLOCKED_WORDS for word in words)
