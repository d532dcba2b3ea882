"""Guessing class codes: stopped after a few tries, while real classes keep signing.

The 10,000-guess run is PostgreSQL-only (CI's database) to keep the suite fast: on each
backend the counters are the same atomic UPDATE.
"""

import math
import random
import re
import time
from html import unescape
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from pledges import codes
from pledges.models import GuessCounter, Signature
from tests.factories import make_classroom, make_pledge, make_school, make_teacher
from tests.security import servers
from tests.security.names import student_name

JOIN = reverse("pledges:join")
SCHOOL_A = "203.0.113.50"  # the guesser and class A share this school address
SCHOOL_B = "198.51.100.20"
README = Path(settings.BASE_DIR, "README.md").read_text()
TOO_MANY = re.compile(r"Too many tries\. Wait (\d+) minutes?, then try again")


def wrong_codes(seed=8):
    """Well-formed codes that match nothing (a real pledge's code is astronomically
    unlikely; checked anyway)."""
    rng = random.Random(seed)
    while True:
        yield "".join(rng.choice(codes.ALPHABET) for _ in range(codes.JOIN_CODE_LENGTH))


def sign(client, url, pledge, name, **extra):
    commitment = pledge.commitments.order_by("order").first().pk
    return client.post(url, {"display_name": name, "commitments": [commitment]}, **extra)


class Devices:
    """Many phones through one test client (a new Client loads every middleware again):
    each `as_new()` forgets the cookies, as a different device would have none."""

    def __init__(self, address):
        self.client = Client(REMOTE_ADDR=address)

    def as_new(self):
        self.client.cookies.clear()
        return self.client


@pytest.fixture
def two_classes(db):
    teacher_a = make_teacher("a@riverside.example", school=make_school(), role="lead")
    teacher_b = make_teacher("b@hillside.example", school=make_school("Hillside"), role="lead")
    return make_pledge(make_classroom(teacher_a)), make_pledge(make_classroom(teacher_b))


# The 10,000 guesses take ~20 s on CI's machine; they must all fall in one window.
RUN_MARGIN_SECONDS = 90


def current_window():
    return int(time.time()) // settings.WRONG_CODE_WINDOW_SECONDS


def start_in_a_fresh_window(*, margin):
    """Wait for the next counting window when less than `margin` seconds are left in this
    one (at most `margin` seconds), so a run can't straddle two; return the window."""
    seconds = settings.WRONG_CODE_WINDOW_SECONDS
    left = seconds - time.time() % seconds
    if left < margin:
        time.sleep(left + 0.1)
    return current_window()


@pytest.mark.postgres_only
@pytest.mark.django_db
def test_ten_thousand_wrong_codes_are_stopped_while_two_classes_sign(two_classes):
    """Marked postgres_only to run once (CI's database is PostgreSQL), not twice."""
    pledge_a, pledge_b = two_classes
    guesser = Client(REMOTE_ADDR=SCHOOL_A)
    class_a, class_b = Devices(SCHOOL_A), Devices(SCHOOL_B)
    statuses, first_blocked, minutes = [], None, set()
    signed_a = signed_b = 0
    window = start_in_a_fresh_window(margin=RUN_MARGIN_SECONDS)
    started = time.monotonic()
    guesses = wrong_codes()
    for attempt in range(1, 10_001):
        code = next(guesses)
        assert code not in (pledge_a.join_code, pledge_b.join_code)
        response = guesser.post(JOIN, {"code": code})
        statuses.append(response.status_code)
        if response.status_code == 429:
            first_blocked = first_blocked or attempt
            if attempt % 1000 == 0:
                minutes.add(int(TOO_MANY.search(unescape(response.text))[1]))
                assert int(response["Retry-After"]) > 0
        if attempt % 285 == 0 and signed_a < 35:
            # Class A, behind the guesser's address, signs by the QR code's link.
            student = class_a.as_new()
            reply = sign(student, pledge_a.get_link_url(), pledge_a, student_name(signed_a, "Ana"))
            assert reply.status_code == 303, reply.content[:500]
            signed_a += 1
            # Class B, elsewhere, types the code; every third student mistypes it first.
            student = class_b.as_new()
            if signed_b % 3 == 0:
                typo = pledge_b.join_code[:-1] + ("2" if pledge_b.join_code[-1] != "2" else "3")
                assert student.post(JOIN, {"code": typo}).status_code == 200
            found = student.post(JOIN, {"code": pledge_b.join_code_display().lower()})
            assert found.status_code == 302
            reply = sign(student, found["Location"], pledge_b, student_name(signed_b, "Bo"))
            assert reply.status_code == 303, reply.content[:500]
            signed_b += 1
    elapsed = time.monotonic() - started
    # The counts start again each window: the run must have stayed inside one.
    assert current_window() == window, f"took {elapsed:.0f}s, over {RUN_MARGIN_SECONDS}s"
    allowed = settings.WRONG_CODES_PER_ADDRESS
    assert first_blocked == allowed + 1
    assert statuses[:allowed] == [200] * allowed
    assert statuses.count(429) == 10_000 - allowed
    assert minutes and all(1 <= m <= 10 for m in minutes)
    assert (signed_a, signed_b) == (35, 35)
    assert Signature.objects.filter(pledge=pledge_a).count() == 35
    assert Signature.objects.filter(pledge=pledge_b).count() == 35
    # All 35 of class A signed inside one minute of each other.
    times = Signature.objects.filter(pledge=pledge_a).values_list("created", flat=True)
    assert (max(times) - min(times)).total_seconds() < 60
    print(f"10,000 guesses in {elapsed:.0f}s: {statuses.count(429)} blocked after "
          f"{allowed}; 70 students signed")  # fmt: skip


@pytest.mark.django_db
def test_wrong_codes_from_many_addresses_hit_the_global_limit(two_classes):
    pledge, _other = two_classes
    guesses = wrong_codes(seed=9)
    guessers = Client()
    for number in range(settings.WRONG_CODES_GLOBAL):
        address = f"10.{number // 250}.{number % 250}.1"
        reply = guessers.post(JOIN, {"code": next(guesses)}, REMOTE_ADDR=address)
        assert reply.status_code == 200
    newcomer = Client(REMOTE_ADDR="192.0.2.99")
    assert newcomer.post(JOIN, {"code": next(guesses)}).status_code == 429
    # Typed codes wait out the window, even right ones; the QR link never does.
    assert newcomer.post(JOIN, {"code": pledge.join_code}).status_code == 429
    assert sign(newcomer, pledge.get_link_url(), pledge, "Quin Q").status_code == 303


@pytest.mark.django_db
def test_a_leaked_code_is_capped_per_minute_and_the_teachers_pause_stops_it(two_classes):
    pledge, _other = two_classes
    url = pledge.get_join_url()
    outcomes, bots = [], Client()
    for number in range(500):
        address = f"10.9.{number // 250}.{number % 250}"
        bots.cookies.clear()
        reply = sign(bots, url, pledge, student_name(number, "Bot"), REMOTE_ADDR=address)
        outcomes.append(reply.status_code)
    cap = settings.PLEDGE_SIGNATURES_PER_MINUTE
    assert outcomes.count(303) == cap
    assert outcomes.count(429) == 500 - cap
    assert Signature.objects.filter(pledge=pledge).count() == cap
    # The teacher pauses: nobody signs, by code or by link, whatever the cap says.
    teacher = Client()
    teacher.force_login(pledge.classroom.teacher)
    teacher.post(reverse("pledges:pledge-status", args=[pledge.pk]), {"action": "pause"})
    Signature.objects.filter(pledge=pledge).update(created=pledge.created)  # a minute later
    for number in range(500, 520):
        reply = sign(bots, url, pledge, student_name(number, "Bot"), REMOTE_ADDR="10.8.0.1")
        assert "paused this pledge" in unescape(reply.text)
    assert Signature.objects.filter(pledge=pledge).count() == cap
    print(f"leaked code: 500 bot signatures, {cap} kept by the cap, then 0 after pause")


@pytest.mark.django_db(transaction=True)
def test_the_limits_hold_across_two_app_processes_and_ignore_forged_forwarding(
    two_classes, tmp_path
):
    pledge, _other = two_classes
    first = servers.start("runserver", tmp_path)
    second = servers.start("runserver", tmp_path)
    try:
        guesser = {s.port: servers.Device(s.base, address="127.0.0.3") for s in (first, second)}
        statuses = []
        guesses = wrong_codes(seed=10)
        for attempt in range(60):
            server = (first, second)[attempt % 2]
            forged = f"198.51.100.{attempt}, 203.0.113.{attempt}"
            reply = guesser[server.port].request(
                f"/join/{codes.display(next(guesses))}/", headers={"X-Forwarded-For": forged}
            )
            statuses.append(reply.status)
        allowed = settings.WRONG_CODES_PER_ADDRESS
        assert statuses[:allowed] == [404] * allowed  # "we couldn't find that pledge"
        assert statuses[allowed:] == [429] * (60 - allowed), statuses
        assert GuessCounter.objects.filter(key__startswith="join:address:").count() == 1
        # Classmates on that address still sign by the QR link, on either process.
        for number, server in enumerate((first, second, first, second)):
            phone = servers.Device(server.base, address="127.0.0.3")
            page = phone.request(pledge.get_link_url())
            ids = servers.commitment_ids(page.text)
            reply = phone.post_form(
                pledge.get_link_url(), {"display_name": student_name(number), "commitments": ids}
            )
            assert reply.status == 303, reply.text[:300]
        assert Signature.objects.filter(pledge=pledge).count() == 4
    finally:
        first.stop()
        second.stop()
    # runserver's request lines (django.server) name the path, never the client.
    for server in (first, second):
        log = server.log()
        assert '"GET /join/' in log
        assert "127.0.0.3" not in log and "198.51.100." not in log and "TestPhone" not in log


def test_readme_states_the_expected_time_to_guess_correctly():
    space = len(codes.ALPHABET) ** codes.JOIN_CODE_LENGTH
    assert len(codes.ALPHABET) == 31 and codes.JOIN_CODE_LENGTH == 9
    assert "31⁹ ≈ 2.6 × 10¹³" in README and f"{space:.1e}" == "2.6e+13"
    assert f"{math.log2(space):.1f} bits" in README  # 44.6 bits
    open_pledges = 10_000
    p_hit = open_pledges / space
    assert "3.8 × 10⁻¹⁰" in README and f"{p_hit:.1e}" == "3.8e-10"
    assert "2.6 × 10⁹ guesses" in README and f"{1 / p_hit:.1e}" == "2.6e+09"  # no slip rule
    # A slip of an open code is not counted, and a guesser can tell: each code and its
    # slips are a target.
    slips = len(codes.one_slip_away("K7MQ4PXRT"))
    assert slips == 9 * 30 + 8 == 278 and "9 × 30 + 8 = 278 slips" in README
    p_target = open_pledges * (slips + 1) / space
    assert "10,000 × 279 / 31⁹ ≈\n1.06 × 10⁻⁷" in README and f"{p_target:.2e}" == "1.06e-07"
    guesses_needed = 1 / p_target
    assert "about 9.5 × 10⁶ guesses" in README and f"{guesses_needed:.1e}" == "9.5e+06"
    windows_per_day = 24 * 3600 / settings.WRONG_CODE_WINDOW_SECONDS
    per_day = settings.WRONG_CODES_GLOBAL * windows_per_day
    assert per_day == 72_000 and "72,000 a day" in README
    days = guesses_needed / per_day
    assert "≈ **130 days**" in README and round(days, -1) == 130  # 131.6
    assert "about 100 years" in README and abs(1 / p_hit / per_day / 365.25 - 100) < 1
    per_address_factor = settings.WRONG_CODES_GLOBAL / settings.WRONG_CODES_PER_ADDRESS
    assert per_address_factor == 25 and "25 times\nlonger, about 9 years" in README
    assert round(days * per_address_factor / 365.25) == 9
