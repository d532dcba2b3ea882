"""A pupil's typo of the class code is not a guess: a class of 35 behind one school
address, each mistyping once, all sign. That a guesser's random codes are still stopped,
alone and overall, is tested in tests/security/test_code_guessing.py."""

import random
import re
from datetime import timedelta
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pledges import codes
from pledges.forms.student import UNKNOWN_JOIN_CODE
from pledges.models import GuessCounter, PledgeStatus, Signature
from tests.factories import make_pledge, sign_form_data

pytestmark = pytest.mark.django_db

JOIN = reverse("pledges:join")
SCHOOL = "203.0.113.7"  # the whole school behind one address
CLASS_SIZE = 35
FIRST_NAMES = ["Amara", "Ben", "Chloe", "Dev", "Ella", "Finn", "Grace"]


def pupil_name(pupil):
    return f"{FIRST_NAMES[pupil % 7]} {'ABCDE'[pupil // 7]}"


def pupil_client():
    return Client(REMOTE_ADDR=SCHOOL)


def typo(code, pupil):
    """Pupil number `pupil`'s slip: every third swaps two neighbours, the others change
    one character (to one next to it in the alphabet, as a misread or a fat finger)."""
    if pupil % 3 == 0:
        i = pupil % (len(code) - 1)
        if code[i] != code[i + 1]:
            return code[:i] + code[i + 1] + code[i] + code[i + 2 :]
    i = pupil % len(code)
    other = codes.ALPHABET[(codes.ALPHABET.index(code[i]) + 1 + pupil) % len(codes.ALPHABET)]
    if other == code[i]:
        other = codes.ALPHABET[(codes.ALPHABET.index(code[i]) + 1) % len(codes.ALPHABET)]
    return code[:i] + other + code[i + 1 :]


def as_typed(code, pupil):
    """How a pupil types a code: any case, with or without hyphens or spaces."""
    shown = codes.display(code)
    return [shown, shown.lower(), code.lower(), code, shown.replace("-", " ")][pupil % 5]


def answer_without_echo(response, typed):
    """The page, minus the pupil's own input echoed back and the per-request CSRF token."""
    text = response.content.decode().replace(typed, "TYPED")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", text)


def random_codes(count, seed):
    rng = random.Random(seed)  # fixed seed: the same "random" guesses every run
    return ["".join(rng.choice(codes.ALPHABET) for _ in range(9)) for _ in range(count)]


def test_a_class_of_35_behind_one_address_each_with_a_typo_all_sign(pledge):
    """Default limits (20 wrong codes per address per 10 minutes): before this rule, 16
    of the 35 were told "Too many tries" when they typed the right code."""
    told_to_wait, refused, signed = [], [], 0
    for pupil in range(CLASS_SIZE):
        client = pupil_client()
        slip = typo(pledge.join_code, pupil)
        assert slip != pledge.join_code and slip in codes.one_slip_away(pledge.join_code)
        wrong = client.post(JOIN, {"code": as_typed(slip, pupil)})
        if wrong.status_code == 429:
            told_to_wait.append(pupil)
        else:
            assert wrong.status_code == 200 and str(UNKNOWN_JOIN_CODE) in unescape(wrong.text)

        found = client.post(JOIN, {"code": as_typed(pledge.join_code, pupil)})
        if found.status_code != 302:
            refused.append(pupil)
            continue
        assert found["Location"] == pledge.get_join_url()
        assert 'name="display_name"' in client.get(found["Location"]).content.decode()
        sign = client.post(found["Location"], sign_form_data(pledge, pupil_name(pupil)))
        assert sign.status_code == 303
        signed += 1
    assert (told_to_wait, refused) == ([], []), (
        f"{len(told_to_wait)} of {CLASS_SIZE} pupils were told to wait after their typo, "
        f"{len(refused)} when they typed the right code"
    )
    assert signed == Signature.objects.filter(pledge=pledge).count() == CLASS_SIZE
    assert not GuessCounter.objects.exists()  # no typo counted against the school


def test_a_typo_in_the_address_bar_is_not_counted_either(pledge):
    client = pupil_client()
    for pupil in range(CLASS_SIZE):
        slip = codes.display(typo(pledge.join_code, pupil))
        assert client.get(reverse("pledges:join-code", args=[slip])).status_code == 404
    assert client.get(pledge.get_join_url()).status_code == 200
    assert not GuessCounter.objects.exists()


def test_a_typo_gets_exactly_the_answer_of_any_wrong_code(pledge):
    """A guesser must not learn that a real code is near."""
    slip = codes.display(typo(pledge.join_code, 1))
    far = next(code for code in random_codes(50, seed=7) if code != pledge.join_code)
    far = codes.display(far)
    near_answer = pupil_client().post(JOIN, {"code": slip})
    far_answer = pupil_client().post(JOIN, {"code": far})
    assert near_answer.status_code == far_answer.status_code == 200
    assert answer_without_echo(near_answer, slip) == answer_without_echo(far_answer, far)
    near_page = pupil_client().get(reverse("pledges:join-code", args=[slip]))
    far_page = pupil_client().get(reverse("pledges:join-code", args=[far]))
    assert near_page.status_code == far_page.status_code == 404
    assert answer_without_echo(near_page, slip) == answer_without_echo(far_page, far)


@pytest.mark.parametrize("status", [PledgeStatus.DRAFT, PledgeStatus.PAUSED, "past-closing"])
def test_a_typo_of_a_pledge_not_open_now_counts(classroom, status):
    if status == "past-closing":
        pledge = make_pledge(classroom, closes_at=timezone.now() - timedelta(minutes=1))
    else:
        pledge = make_pledge(classroom, status=status)
    pupil_client().post(JOIN, {"code": typo(pledge.join_code, 1)})
    assert GuessCounter.objects.get(key__startswith="join:address:").count == 1


def test_a_wrong_code_costs_three_queries_near_a_real_code_or_not(
    pledge, django_assert_num_queries
):
    client = pupil_client()
    with django_assert_num_queries(3):
        # 1. the address's and everyone's counters, 2. the typed code,
        # 3. open pledges whose code is one slip away (one IN list, join_code's index).
        client.post(JOIN, {"code": typo(pledge.join_code, 1)})
    first_guess, guess = random_codes(2, seed=3)
    client.post(JOIN, {"code": first_guess})  # makes this window's two counter rows
    with django_assert_num_queries(5):
        # The same three, then 4. UPDATE of this address's counter, 5. of everyone's.
        client.post(JOIN, {"code": guess})


def test_one_slip_away_is_every_substitution_and_neighbour_swap():
    slips = codes.one_slip_away("K7MQ4PXRT")
    assert len(slips) == 9 * 30 + 8
    assert "K7MQ4PXRA" in slips and "7KMQ4PXRT" in slips and "K7MQ4PXTR" in slips
    assert "K7MQ4PXRT" not in slips and "7KMQ4PXTR" not in slips  # two slips are a guess
    assert len(codes.one_slip_away("AAB")) == 3 * 30 + 1  # swapping "AA" is no slip
