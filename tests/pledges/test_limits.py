"""pledges.limits: every limit on repeated tries, and the one client address that these
limits and django-axes' log-in lock-outs both read.

Each limited page has its own tests (test_join, test_withdraw, test_reflect, test_school,
tests/security/test_teacher_accounts.py); this module tests what they share.
"""

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from axes.models import AccessAttempt
from django.db import IntegrityError
from django.db.models import QuerySet
from django.test import Client, RequestFactory
from django.urls import reverse

from pledges import limits
from pledges.models import GuessCounter, Signature
from tests.factories import sign_form_data
from tests.test_project import production_env, run_manage

pytestmark = pytest.mark.django_db

JOIN = reverse("pledges:join")
LOGIN = reverse("login")
WRONG = "ZZZ-ZZZ-ZZZ"
PROXY = "10.0.0.2"  # our reverse proxy: REMOTE_ADDR of every request behind it
PASSWORD = "a-long-teacher-pass-42"  # tests.factories.make_teacher's default
WRONG_PASSWORD = {"username": "teacher@riverside.example", "password": "not-my-password"}
RIGHT_PASSWORD = {"username": "teacher@riverside.example", "password": PASSWORD}


@pytest.fixture
def low_limits(settings):
    settings.WRONG_CODES_PER_ADDRESS = 3
    settings.WRONG_CODES_GLOBAL = 5
    settings.WRONG_CODE_WINDOW_SECONDS = 600
    return settings


def client_at(address, **extra):
    return Client(REMOTE_ADDR=address, **extra)


def through_proxy(client_address):
    """A browser at `client_address` behind our one proxy, which appends what it saw."""
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=client_address)


def request_from(address="203.0.113.7", forwarded=None):
    meta = {"REMOTE_ADDR": address}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


def guess_wrong(client, times):
    for _ in range(times):
        response = client.post(JOIN, {"code": WRONG})
        assert response.status_code == 200


def address_counters(scope="join"):
    return GuessCounter.objects.filter(key__startswith=f"{scope}:address:")


# Which address counts --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "198.51.100.1, 198.51.100.2", "203.0.113.7"),  # no proxy: the header is ignored
        (1, "198.51.100.1", "198.51.100.1"),
        (1, "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # the left one is the client's claim
        (1, "unknown, 198.51.100.1", "198.51.100.1"),  # so is anything it wrote there
        (1, " ::ffff:198.51.100.1 ", "198.51.100.1"),  # an IPv4 client on an IPv6 socket
        (1, "2001:db8::1", "2001:db8::1"),
        (2, "6.6.6.6, 198.51.100.1, 10.0.0.2", "198.51.100.1"),
        (2, "198.51.100.1", "203.0.113.7"),  # fewer hops than proxies: trust the peer only
        (1, "", "203.0.113.7"),
    ],
)
def test_behind_n_proxies_the_nth_forwarded_address_from_the_right_counts(
    settings, proxies, forwarded, expected
):
    settings.NUM_PROXIES = proxies
    assert limits.client_address(request_from("203.0.113.7", forwarded)) == expected


def test_behind_a_proxy_each_client_has_its_own_limit_and_forging_changes_nothing(
    low_limits, pledge
):
    low_limits.NUM_PROXIES = 1
    guess_wrong(through_proxy("198.51.100.1"), 3)
    # The guesser prepends made-up addresses: the proxy still appends the real one.
    forged = through_proxy("6.6.6.6, 198.51.100.1")
    assert forged.post(JOIN, {"code": pledge.join_code}).status_code == 429
    # Another school behind the same proxy is not held up by it.
    assert through_proxy("198.51.100.2").post(JOIN, {"code": pledge.join_code}).status_code == 302


def test_without_a_proxy_a_forged_forwarded_for_header_does_not_reset_the_limit(
    low_limits, pledge
):
    low_limits.NUM_PROXIES = 0
    for fake in ("1.1.1.1", "2.2.2.2", "3.3.3.3"):
        client_at("203.0.113.7", HTTP_X_FORWARDED_FOR=fake).post(JOIN, {"code": WRONG})
    forged = client_at("203.0.113.7", HTTP_X_FORWARDED_FOR="4.4.4.4")
    assert forged.post(JOIN, {"code": pledge.join_code}).status_code == 429


def test_behind_proxy_means_one_proxy_unless_num_proxies_says_otherwise():
    def num_proxies(**env):
        result = run_manage("diffsettings", env=production_env(**env))
        assert result.returncode == 0, result.stderr
        return re.search(r"^NUM_PROXIES = (\d+)", result.stdout, re.MULTILINE).group(1)

    assert num_proxies(BEHIND_PROXY="false", NUM_PROXIES="") == "0"
    assert num_proxies(BEHIND_PROXY="true", NUM_PROXIES="") == "1"
    assert num_proxies(BEHIND_PROXY="true", NUM_PROXIES="2") == "2"


# Log-ins (django-axes) read the same address ------------------------------------------------


def test_behind_a_proxy_wrong_passwords_lock_out_that_client_not_the_teacher(settings, teacher):
    """Before, axes saw only the proxy: five wrong passwords from anyone anywhere locked
    the teacher out for 15 minutes, again and again."""
    settings.NUM_PROXIES = 1
    guesser = through_proxy("198.51.100.66")
    statuses = [guesser.post(LOGIN, WRONG_PASSWORD).status_code for _ in range(5)]
    assert statuses == [200] * 4 + [429]
    assert guesser.post(LOGIN, RIGHT_PASSWORD).status_code == 429
    # axes counted the client's address, the same one the limits read.
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["198.51.100.66"]
    # Prepending made-up addresses does not get the guesser out of the lock-out.
    assert through_proxy("6.6.6.6, 198.51.100.66").post(LOGIN, RIGHT_PASSWORD).status_code == 429
    # The teacher, at school behind the same proxy, logs in.
    at_school = through_proxy("203.0.113.5")
    response = at_school.post(LOGIN, RIGHT_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("pledges:dashboard")


def test_without_a_proxy_a_forged_header_does_not_escape_a_log_in_lock_out(settings, teacher):
    settings.NUM_PROXIES = 0
    for number in range(5):
        client_at("203.0.113.7", HTTP_X_FORWARDED_FOR=f"198.51.100.{number}").post(
            LOGIN, WRONG_PASSWORD
        )
    forged = client_at("203.0.113.7", HTTP_X_FORWARDED_FOR="198.51.100.99")
    assert forged.post(LOGIN, RIGHT_PASSWORD).status_code == 429
    assert client_at("198.51.100.99").post(LOGIN, RIGHT_PASSWORD).status_code == 302


# Counting --------------------------------------------------------------------------------


def test_keys_hold_a_keyed_hash_of_the_address_never_the_address(low_limits):
    limits.record(request_from("203.0.113.7"), "join")
    keys = set(GuessCounter.objects.values_list("key", flat=True))
    assert len(keys) == 2
    address_key = next(key for key in keys if key.startswith("join:address:"))
    assert re.fullmatch(r"join:address:[0-9a-f]{32}:\d+", address_key)
    assert re.fullmatch(r"join:everyone:\d+", next(k for k in keys if ":everyone:" in k))
    assert not any("203.0.113.7" in key for key in keys)


def test_a_different_secret_key_gives_a_different_address_key(low_limits):
    limits.record(request_from(), "join")
    low_limits.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    limits.record(request_from(), "join")
    assert address_counters().count() == 2


def test_wrong_codes_count_per_address_and_overall(low_limits):
    limits.record(request_from("203.0.113.7"), "join")
    limits.record(request_from("203.0.113.7"), "join")
    limits.record(request_from("198.51.100.9"), "join")
    assert sorted(address_counters().values_list("count", flat=True)) == [1, 2]
    assert GuessCounter.objects.get(key__startswith="join:everyone:").count == 3


def test_each_scope_counts_apart(low_limits):
    request = request_from()
    for _ in range(3):
        limits.record(request, "return")
    assert limits.check(request, "return")
    assert limits.check(request, "join") == 0
    assert limits.check(request, "signup") == 0


def test_an_email_is_counted_however_it_is_written_and_an_empty_one_never(settings):
    settings.SIGNUPS_PER_EMAIL = 2
    for typed in ("Nia@School.example", " nia@school.example "):
        assert limits.attempt(request_from(), "signup-email", email=typed) == 0
    assert limits.attempt(request_from("198.51.100.9"), "signup-email", email="NIA@school.example")
    assert not any(
        "nia" in key.lower() for key in GuessCounter.objects.values_list("key", flat=True)
    )
    for _ in range(3):
        assert limits.attempt(request_from(), "signup-email", email="") == 0


def test_an_attempt_over_the_limit_is_not_counted_again(settings):
    settings.SIGNUPS_PER_ADDRESS = 2
    statuses = [limits.attempt(request_from(), "signup") > 0 for _ in range(4)]
    assert statuses == [False, False, True, True]
    assert address_counters("signup").get().count == 2


def test_check_is_zero_below_the_limit_and_the_rest_of_the_window_at_it(low_limits):
    now = datetime(2025, 3, 1, 9, 3, 20, tzinfo=UTC)  # 200 s into a 600 s window
    request = request_from()
    for _ in range(2):
        limits.record(request, "join", now=now)
    assert limits.check(request, "join", now=now) == 0
    limits.record(request, "join", now=now)
    assert limits.check(request, "join", now=now) == 400


def test_a_new_window_starts_afresh_and_old_windows_are_deleted(low_limits):
    start = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    request = request_from()
    for _ in range(3):
        limits.record(request, "join", now=start)
    assert limits.check(request, "join", now=start)
    assert limits.check(request, "join", now=start + timedelta(minutes=10)) == 0
    limits.record(request, "join", now=start + timedelta(minutes=10))
    assert GuessCounter.objects.count() == 4  # this window and the one before
    limits.record(request, "join", now=start + timedelta(minutes=20))
    windows = set(GuessCounter.objects.values_list("window_start", flat=True))
    assert windows == {start + timedelta(minutes=10), start + timedelta(minutes=20)}


def test_rows_of_a_scope_no_longer_counted_are_deleted_in_time(low_limits):
    """Keys written before the scopes had their names, say, or by a scope since retired."""
    start = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    GuessCounter.objects.create(key="addr:0123:1740819600", window_start=start, count=7)
    limits.record(request_from(), "join", now=start + timedelta(hours=1))
    assert GuessCounter.objects.filter(key__startswith="addr:").exists()  # one window on
    limits.record(request_from(), "join", now=start + timedelta(hours=2, minutes=10))
    assert not GuessCounter.objects.filter(key__startswith="addr:").exists()


def test_a_row_created_by_a_concurrent_request_is_counted_not_lost(low_limits, monkeypatch):
    """Our UPDATE found no row; before our INSERT, another process inserted it."""
    request = request_from()
    limits.record(request, "join")  # both rows now exist with count 1
    real_update = QuerySet.update
    calls = []

    def update_that_first_sees_no_row(queryset, **kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            return 0  # as if the other process had not committed its row yet
        return real_update(queryset, **kwargs)

    monkeypatch.setattr(QuerySet, "update", update_that_first_sees_no_row)
    limits.record(request, "join")
    assert sorted(GuessCounter.objects.values_list("count", flat=True)) == [2, 2]


def test_the_unique_key_really_refuses_a_second_row(low_limits):
    GuessCounter.objects.create(key="join:everyone:1", window_start=datetime.now(UTC))
    with pytest.raises(IntegrityError):
        GuessCounter.objects.create(key="join:everyone:1", window_start=datetime.now(UTC))


# Through the pages -----------------------------------------------------------------------


def test_after_too_many_wrong_codes_even_a_right_code_waits(low_limits, pledge):
    guesser = client_at("203.0.113.7")
    guess_wrong(guesser, 3)
    response = guesser.post(JOIN, {"code": pledge.join_code})
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 600
    assert guesser.get(pledge.get_join_url()).status_code == 429
    assert guesser.post(pledge.get_join_url(), sign_form_data(pledge)).status_code == 429
    assert not Signature.objects.exists()


def test_the_page_tells_a_student_how_long_to_wait_and_whom_to_ask(
    low_limits, pledge, monkeypatch
):
    now = datetime(2025, 3, 1, 9, 3, 20, tzinfo=UTC)  # 400 s before the window ends
    monkeypatch.setattr(limits.timezone, "now", lambda: now)
    guesser = client_at("203.0.113.7")
    guess_wrong(guesser, 3)
    response = guesser.post(JOIN, {"code": WRONG})
    assert response.status_code == 429
    assert response["Retry-After"] == "400"
    text = unescape(response.text)
    assert "<h1>Too many tries</h1>" in text
    assert "Too many tries. Wait 7 minutes, then try again." in text
    assert "You can still scan the QR code on the board. Stuck? Ask your teacher." in text
    assert reverse("login") not in text  # a child is not sent to the teachers' log-in


def test_another_address_still_joins_while_one_is_blocked(low_limits, pledge):
    guess_wrong(client_at("203.0.113.7"), 3)
    response = client_at("198.51.100.9").post(JOIN, {"code": pledge.join_code})
    assert response.status_code == 302


def test_the_qr_link_still_signs_from_a_blocked_address(low_limits, pledge):
    guesser = client_at("203.0.113.7")
    guess_wrong(guesser, 3)
    classmate = client_at("203.0.113.7")
    assert classmate.get(pledge.get_link_url()).status_code == 200
    response = classmate.post(pledge.get_link_url(), sign_form_data(pledge))
    assert response.status_code == 303
    assert Signature.objects.count() == 1
