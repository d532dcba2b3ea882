"""Wrong class codes are limited per address and overall; the QR link never is."""

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from django.db import IntegrityError
from django.db.models import QuerySet
from django.test import Client, RequestFactory
from django.urls import reverse

from pledges import limits
from pledges.models import GuessCounter, Signature
from tests.factories import sign_form_data

pytestmark = pytest.mark.django_db

JOIN = reverse("pledges:join")
WRONG = "ZZZ-ZZZ-ZZZ"
BLOCKED_TEXT = (
    "Too many tries. Wait {} minutes, then try again — or scan the QR code on the board."
)


@pytest.fixture
def low_limits(settings):
    settings.WRONG_CODES_PER_ADDRESS = 3
    settings.WRONG_CODES_GLOBAL = 5
    settings.WRONG_CODE_WINDOW_SECONDS = 600
    return settings


def client_at(address, **extra):
    return Client(REMOTE_ADDR=address, **extra)


def request_from(address="203.0.113.7", forwarded=None):
    meta = {"REMOTE_ADDR": address}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


def guess_wrong(client, times):
    for _ in range(times):
        response = client.post(JOIN, {"code": WRONG})
        assert response.status_code == 200


# Which address counts ---------------------------------------------------------------------


def test_without_proxies_only_the_connecting_address_counts(settings):
    settings.NUM_PROXIES = 0
    request = request_from("203.0.113.7", forwarded="198.51.100.1, 198.51.100.2")
    assert limits.client_address(request) == "203.0.113.7"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (1, "198.51.100.1", "198.51.100.1"),
        (1, "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # the left one is the client's claim
        (2, "6.6.6.6, 198.51.100.1, 10.0.0.2", "198.51.100.1"),
        (2, "198.51.100.1", "203.0.113.7"),  # fewer hops than proxies: trust the peer only
        (1, "", "203.0.113.7"),
    ],
)
def test_behind_proxies_the_nth_forwarded_address_from_the_right_counts(
    settings, proxies, forwarded, expected
):
    settings.NUM_PROXIES = proxies
    assert limits.client_address(request_from("203.0.113.7", forwarded)) == expected


def test_keys_hold_a_keyed_hash_of_the_address_never_the_address(low_limits):
    limits.record_wrong(request_from("203.0.113.7"))
    keys = set(GuessCounter.objects.values_list("key", flat=True))
    assert len(keys) == 2
    address_key = next(key for key in keys if key.startswith("addr:"))
    assert re.fullmatch(r"addr:[0-9a-f]{32}:\d+", address_key)
    assert re.fullmatch(r"global:\d+", next(key for key in keys if key.startswith("global:")))
    assert not any("203.0.113.7" in key for key in keys)


def test_a_different_secret_key_gives_a_different_address_key(low_limits):
    limits.record_wrong(request_from())
    low_limits.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    limits.record_wrong(request_from())
    assert GuessCounter.objects.filter(key__startswith="addr:").count() == 2


# Counting --------------------------------------------------------------------------------


def test_wrong_codes_count_per_address_and_overall(low_limits):
    limits.record_wrong(request_from("203.0.113.7"))
    limits.record_wrong(request_from("203.0.113.7"))
    limits.record_wrong(request_from("198.51.100.9"))
    counts = sorted(GuessCounter.objects.filter(key__startswith="addr:").values_list("count"))
    assert counts == [(1,), (2,)]
    assert GuessCounter.objects.get(key__startswith="global:").count == 3


def test_check_is_zero_below_the_limit_and_the_rest_of_the_window_at_it(low_limits):
    now = datetime(2025, 3, 1, 9, 3, 20, tzinfo=UTC)  # 200 s into a 600 s window
    request = request_from()
    for _ in range(2):
        limits.record_wrong(request, now=now)
    assert limits.check(request, now=now) == 0
    limits.record_wrong(request, now=now)
    assert limits.check(request, now=now) == 400


def test_a_new_window_starts_afresh_and_old_windows_are_deleted(low_limits):
    start = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    request = request_from()
    for _ in range(3):
        limits.record_wrong(request, now=start)
    assert limits.check(request, now=start)
    assert limits.check(request, now=start + timedelta(minutes=10)) == 0
    limits.record_wrong(request, now=start + timedelta(minutes=10))
    assert GuessCounter.objects.count() == 4  # this window and the one before
    limits.record_wrong(request, now=start + timedelta(minutes=20))
    windows = set(GuessCounter.objects.values_list("window_start", flat=True))
    assert windows == {start + timedelta(minutes=10), start + timedelta(minutes=20)}


def test_a_row_created_by_a_concurrent_request_is_counted_not_lost(low_limits, monkeypatch):
    """Our UPDATE found no row; before our INSERT, another process inserted it."""
    request = request_from()
    limits.record_wrong(request)  # both rows now exist with count 1
    real_update = QuerySet.update
    calls = []

    def update_that_first_sees_no_row(queryset, **kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            return 0  # as if the other process had not committed its row yet
        return real_update(queryset, **kwargs)

    monkeypatch.setattr(QuerySet, "update", update_that_first_sees_no_row)
    limits.record_wrong(request)
    assert sorted(GuessCounter.objects.values_list("count", flat=True)) == [2, 2]


def test_the_unique_key_really_refuses_a_second_row(low_limits):
    GuessCounter.objects.create(key="global:1", window_start=datetime.now(UTC))
    with pytest.raises(IntegrityError):
        GuessCounter.objects.create(key="global:1", window_start=datetime.now(UTC))


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


def test_the_blocked_page_says_how_long_to_wait(low_limits, pledge, monkeypatch):
    now = datetime(2025, 3, 1, 9, 3, 20, tzinfo=UTC)  # 400 s before the window ends
    monkeypatch.setattr(limits.timezone, "now", lambda: now)
    guesser = client_at("203.0.113.7")
    guess_wrong(guesser, 3)
    response = guesser.post(JOIN, {"code": WRONG})
    assert response.status_code == 429
    assert response["Retry-After"] == "400"
    assert BLOCKED_TEXT.format(7) in unescape(response.text)
    assert "<h1>Too many tries</h1>" in response.text


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


def test_a_forged_forwarded_for_header_does_not_reset_the_limit(low_limits, pledge):
    for fake in ("1.1.1.1", "2.2.2.2", "3.3.3.3"):
        client_at("203.0.113.7", HTTP_X_FORWARDED_FOR=fake).post(JOIN, {"code": WRONG})
    forged = client_at("203.0.113.7", HTTP_X_FORWARDED_FOR="4.4.4.4")
    assert forged.post(JOIN, {"code": pledge.join_code}).status_code == 429


def test_wrong_codes_from_many_addresses_add_up_to_the_global_limit(low_limits, pledge):
    for number in range(5):
        client_at(f"198.51.100.{number}").post(JOIN, {"code": WRONG})
    newcomer = client_at("192.0.2.44")
    assert newcomer.post(JOIN, {"code": pledge.join_code}).status_code == 429
    assert newcomer.post(pledge.get_link_url(), sign_form_data(pledge)).status_code == 303


def test_malformed_codes_never_block(low_limits, pledge):
    typist = client_at("203.0.113.7")
    for _ in range(10):
        typist.post(JOIN, {"code": "oops"})
    assert typist.post(JOIN, {"code": pledge.join_code}).status_code == 302


def test_a_whole_class_typing_the_right_code_is_never_slowed(low_limits, pledge):
    school = client_at("203.0.113.7")
    for _ in range(40):
        assert school.post(JOIN, {"code": pledge.join_code}).status_code == 302
    assert not GuessCounter.objects.exists()


def test_wrong_return_codes_are_counted_apart_from_join_codes(low_limits, pledge):
    guesser = client_at("203.0.113.7")
    for _ in range(3):
        guesser.post(
            reverse("pledges:withdraw", args=[pledge.link_token]), {"return_code": "ABCD-EFGH"}
        )
    assert guesser.post(JOIN, {"code": pledge.join_code}).status_code == 302
    assert GuessCounter.objects.filter(key__startswith="return:addr:").get().count == 3
