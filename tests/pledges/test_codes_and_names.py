import pytest
from django.core.exceptions import ValidationError

from pledges import codes, names


def test_join_codes_avoid_confusable_characters_and_are_long_enough():
    code = codes.new_join_code()
    assert len(code) == 9 and set(code) <= set(codes.ALPHABET)
    assert not set("01ILO") & set(codes.ALPHABET)
    assert len(codes.ALPHABET) ** codes.JOIN_CODE_LENGTH > 2**40


@pytest.mark.parametrize("typed", ["k7m-q4p-xrt", "K7M Q4P XRT", " k7mq4pxrt ", "K7M–Q4P—XRT"])
def test_codes_are_read_case_insensitively_with_or_without_separators(typed):
    assert codes.normalise_join_code(typed) == "K7MQ4PXRT"


@pytest.mark.parametrize("typed", ["", "K7M", "K7MQ4PXRTT", "K7MQ4PXR0", "<script>", None, 12])
def test_malformed_codes_normalise_to_nothing(typed):
    assert codes.normalise_join_code(typed) == ""


def test_display_groups_for_reading_aloud():
    assert codes.display("K7MQ4PXRT") == "K7M-Q4P-XRT"
    assert codes.display("ABCD2345") == "ABCD-2345"


@pytest.mark.parametrize(
    ("typed", "shown", "key"),
    [
        ("  Sam   K. ", "Sam K.", "sam k"),
        ("Ａnna", "Anna", "anna"),
        ("an\u200bna", "anna", "anna"),
        ("\u202eAnna\u202c", "Anna", "anna"),
        ("Siân O’Neil", "Siân O’Neil", "siân o'neil"),
        ("José-María", "José-María", "josé-maría"),
        ("محمد", "محمد", "محمد"),
        ("明美", "明美", "明美"),
    ],
)
def test_names_are_tidied_and_keyed_like_a_person_would(typed, shown, key):
    assert names.validate(typed) == (shown, key)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Please type your name"),
        ("   ", "Please type your name"),
        ("a" * 41, "at most 40 characters"),
        ("Sam <b>", "letters, spaces, hyphens and apostrophes"),
        ("R2D2", "letters, spaces, hyphens and apostrophes"),
        ("😀", "letters, spaces, hyphens and apostrophes"),
        ("---", "using letters"),
        ("Shit Head", "real first name"),
        ("s.h.i.t", "real first name"),
    ],
)
def test_bad_names_are_refused_with_a_clear_message(typed, message):
    with pytest.raises(ValidationError) as error:
        names.validate(typed)
    assert message in error.value.messages[0]


def test_blocklist_does_not_catch_innocent_names():
    for name in ("Dickens", "Scunthorpe", "Cassidy", "Sussex", "Hancock"):
        names.validate(name)


def test_names_that_only_case_folding_makes_equal_are_one_signer():
    """Names like "Straße K" and "STRASSE K": lower() keeps them apart, casefold() does not."""
    assert names.validate("Straße K")[1] == names.validate("STRASSE K")[1]
