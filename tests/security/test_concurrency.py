"""Fifty phones sign at the same instant, on SQLite and on PostgreSQL: nothing is lost,
nothing is doubled, and every phone gets a success or a clear message, never a 500.

Each phone is a thread with its own database connection (Django's are per thread), all
released together by a barrier. The per-pledge cap is raised: this is about races.
"""

import threading
import time
from html import unescape

import pytest
from django.db import connection
from django.test import Client

from pledges.models import Signature
from tests.factories import make_classroom, make_pledge, make_school, make_teacher
from tests.security.names import student_name

PHONES = 50
ALREADY = "You've already signed this pledge."

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def open_pledge(settings):
    settings.PLEDGE_SIGNATURES_PER_MINUTE = 1000
    teacher = make_teacher(school=make_school(), role="lead")
    # Names public, so a name that signed already is told so (with private names it gets
    # the answer a new name gets: tests/pledges/test_sign.py).
    return make_pledge(make_classroom(teacher), show_names=True)


def sign_all_at_once(pledge, names):
    shared = Client(raise_request_exception=False)
    shared.get("/healthz")  # loads the middleware once for every phone
    barrier = threading.Barrier(len(names))
    commitment = pledge.commitments.first().pk
    results = [None] * len(names)

    def phone(index, name):
        try:
            client = Client(raise_request_exception=False)
            client.handler = shared.handler
            barrier.wait(timeout=30)
            response = client.post(
                pledge.get_link_url(), {"display_name": name, "commitments": [commitment]}
            )
            results[index] = (response.status_code, unescape(response.content.decode()))
        except Exception as error:  # reported by the assertions, never a hang
            results[index] = (None, repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=phone, args=(i, n)) for i, n in enumerate(names)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    print(f"{connection.vendor}: {len(names)} phones in {time.monotonic() - started:.1f}s")
    return results


def test_fifty_phones_signing_one_name_make_one_signature(open_pledge):
    results = sign_all_at_once(open_pledge, ["Sam K"] * PHONES)
    statuses = [status for status, _text in results]
    assert statuses.count(303) == 1, results
    assert statuses.count(200) == PHONES - 1, statuses
    assert all(ALREADY in text for status, text in results if status == 200)
    assert Signature.objects.filter(pledge=open_pledge).count() == 1


def test_fifty_phones_signing_different_names_all_succeed(open_pledge):
    names = [student_name(number) for number in range(PHONES)]
    results = sign_all_at_once(open_pledge, names)
    assert [status for status, _text in results] == [303] * PHONES, results
    assert Signature.objects.filter(pledge=open_pledge).count() == PHONES
    assert sorted(Signature.objects.values_list("display_name", flat=True)) == sorted(names)
