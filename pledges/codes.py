"""Join codes, invite codes, return codes and link tokens.

Join codes are typed by students from a projector, so they use an alphabet without the
characters people confuse (0/O, 1/I/L), are read case-insensitively with or without
hyphens and spaces, and come from `secrets`. Nine characters of a 31-letter alphabet
give 31**9 ≈ 2.6e13 codes (44.6 bits). Link tokens travel inside QR codes and links and are
never typed, so they are long (192 bits) and URL-safe.
"""

import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0, 1, I, L, O
JOIN_CODE_LENGTH = 9
INVITE_CODE_LENGTH = 12
RETURN_CODE_LENGTH = 8
_TRANSLATE_LOOKALIKES = str.maketrans({"0": "O", "1": "I"})


def random_code(length):
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def new_join_code():
    return random_code(JOIN_CODE_LENGTH)


def new_invite_code():
    return random_code(INVITE_CODE_LENGTH)


def new_return_code():
    return random_code(RETURN_CODE_LENGTH)


def new_link_token():
    return secrets.token_urlsafe(24)


def new_return_secret():
    return secrets.token_urlsafe(24)


def normalise(typed):
    """What a student typed, as stored: upper case, without hyphens, spaces or dots.

    Returns "" when the text cannot be a code at all (wrong length or characters), so
    callers can answer at once without touching the database.
    """
    if not isinstance(typed, str):
        return ""
    cleaned = "".join(ch for ch in typed.upper() if ch not in " -–—._\t\n")
    return cleaned if cleaned and all(ch in ALPHABET for ch in cleaned) else ""


def normalise_join_code(typed):
    code = normalise(typed)
    return code if len(code) == JOIN_CODE_LENGTH else ""


def normalise_return_code(typed):
    code = normalise(typed)
    return code if len(code) == RETURN_CODE_LENGTH else ""


def one_slip_away(code):
    """Every code one slip of a pupil's finger or eye from `code`: one character changed
    to another of the alphabet, or two neighbours swapped. For a join code that is at
    most 9 × 30 + 8 = 278 codes; `code` itself is not among them."""
    slips = set()
    for i, typed in enumerate(code):
        slips.update(code[:i] + other + code[i + 1 :] for other in ALPHABET if other != typed)
    for i in range(len(code) - 1):
        slips.add(code[:i] + code[i + 1] + code[i] + code[i + 2 :])
    slips.discard(code)  # swapping two equal neighbours changes nothing
    return slips


def display(code):
    """Group a code in threes (or fours) for reading aloud: K7M-Q4P-XRT."""
    size = 3 if len(code) % 3 == 0 else 4
    return "-".join(code[i : i + size] for i in range(0, len(code), size))
