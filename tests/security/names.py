"""Valid, distinct student names for load tests: words without vowels can't spell any
blocked word, and letters only pass the name rules."""

CONSONANTS = "BCDFGHJKMNPRSTVWZ"


def student_name(number, prefix="Pupil"):
    word = ""
    number += len(CONSONANTS)  # at least two letters
    while number:
        number, digit = divmod(number, len(CONSONANTS))
        word = CONSONANTS[digit] + word
    return f"{prefix} {word[0]}{word[1:].lower()}"
