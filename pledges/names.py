"""Students' display names: cleaning, validating and the key that makes signing idempotent.

A name is shown as the student typed it, tidied: Unicode NFKC (so full-width "Ａnna"
becomes "Anna"), invisible and bidirectional control characters removed, runs of spaces
collapsed. The key compares names the way a person would: case-folded and without dots,
so "anna k.", "Anna K" and "ANNA  K" are one signer on a pledge.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MAX_LENGTH = 40
APOSTROPHES = "'’ʼ‘`"
ALLOWED_PUNCTUATION = set(APOSTROPHES) | {"-", "‐", ".", " "}

# A short list of words no class pledge should display. It is a first line only: the
# teacher can hide any name, and can turn on "check names before they show".
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


def _words(name_key):
    return re.split(r"[\s'\-]+", name_key)


def contains_blocked_word(text):
    name_key = key(clean(text))
    squashed = re.sub(r"[\s'\-]+", "", name_key)
    return any(word in BLOCKED_WORDS for word in _words(name_key)) or squashed in BLOCKED_WORDS


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
    for ch in name:
        category = unicodedata.category(ch)
        if not (category.startswith("L") or category.startswith("M") or ch in ALLOWED_PUNCTUATION):
            raise ValidationError(
                _("Names can use letters, spaces, hyphens and apostrophes only."),
            )
    if not any(unicodedata.category(ch).startswith("L") for ch in name):
        raise ValidationError(_("Please type your name using letters."))
    if contains_blocked_word(name):
        raise ValidationError(_("Please use your real first name and initial."))
    return name, key(name)


def validate_note(raw, *, max_length=500):
    """Clean and check a short free-text note (reflections): same hygiene as names."""
    text = clean_text(raw)
    if len(text) > max_length:
        raise ValidationError(
            _("Please keep this to %(max)d characters; it has %(length)d."),
            params={"max": max_length, "length": len(text)},
        )
    if text and contains_blocked_word_in_text(text):
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
