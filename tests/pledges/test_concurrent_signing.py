"""Many phones sign at the same moment: the unique (pledge, name_key) constraint decides.

Only meaningful on PostgreSQL, where requests really run in parallel; SQLite takes one
writer at a time, so there is no race to test there.
"""

import threading
from html import unescape

import pytest
from django.db import connection
from django.test import Client

from pledges.models import Signature
from tests.factories import make_classroom, make_pledge, make_school, make_teacher

THREADS = 20

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def open_pledge():
    teacher = make_teacher(school=make_school(), role="lead")
    return make_pledge(make_classroom(teacher))


def sign_all_at_once(pledge, names):
    """POST one signature per name, each from its own thread and phone, all released
    together by a barrier. Returns (status, page text or error) per thread."""
    barrier = threading.Barrier(len(names))
    commitment = pledge.commitments.first().pk
    results = [None] * len(names)

    def phone(index, name):
        try:
            client = Client(raise_request_exception=False)
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
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_twenty_phones_signing_the_same_name_make_exactly_one_signature(open_pledge):
    results = sign_all_at_once(open_pledge, ["Sam K"] * THREADS)
    statuses = [status for status, _text in results]
    assert all(status in (200, 303) for status in statuses), results
    assert statuses.count(303) == 1
    for status, text in results:
        if status == 200:
            assert "You've already signed this pledge." in text
    assert Signature.objects.filter(pledge=open_pledge).count() == 1


def test_twenty_phones_signing_different_names_all_succeed(open_pledge):
    names = [f"Student {chr(ord('A') + i)}" for i in range(THREADS)]
    results = sign_all_at_once(open_pledge, names)
    assert [status for status, _text in results] == [303] * THREADS, results
    assert Signature.objects.filter(pledge=open_pledge).count() == THREADS
    assert open_pledge.count() == THREADS


def test_signing_outside_a_transaction_is_one_statement_with_its_ticks(open_pledge):
    """On PostgreSQL, signing outside any transaction inserts the signature and its ticks
    in one statement, which commits by itself; a clash inserts nothing at all. The
    statement is prepared once per connection (allyship_site.postgresql)."""
    from django.test.utils import CaptureQueriesContext

    from pledges.models import AlreadySigned

    commitments = list(open_pledge.commitments.all())
    with CaptureQueriesContext(connection) as queries:
        signature = Signature.sign(
            pledge=open_pledge, display_name="Sam K", name_key="sam k",
            commitments=commitments, exit_answer="Ask first",
        )  # fmt: skip
        Signature.sign(pledge=open_pledge, display_name="Ana B", name_key="ana b",
                       commitments=commitments[:1])  # fmt: skip
    prepare, *executes = [captured["sql"] for captured in queries]
    name = prepare.split()[1]
    assert prepare.startswith(f"PREPARE {name} AS WITH new AS (INSERT"), prepare
    assert [sql.split("(")[0] for sql in executes] == [f"EXECUTE {name}"] * 2, executes
    stored = Signature.objects.get(pk=signature.pk)
    assert (stored.display_name, stored.exit_answer, stored.approved) == (
        "Sam K",
        "Ask first",
        True,
    )
    assert set(stored.commitments.all()) == set(commitments)
    assert stored.created is not None and stored.return_code == signature.return_code

    with pytest.raises(AlreadySigned) as clash:
        Signature.sign(
            pledge=open_pledge, display_name="SAM K", name_key="sam k", commitments=commitments
        )
    assert clash.value.signature.pk == signature.pk
    assert Signature.objects.count() == 2
    assert Signature.commitments.through.objects.count() == len(commitments) + 1


def test_a_clashing_return_code_is_drawn_again(open_pledge, monkeypatch):
    from pledges import codes

    commitments = list(open_pledge.commitments.all())
    first = Signature.sign(
        pledge=open_pledge, display_name="Sam K", name_key="sam k", commitments=commitments
    )
    drawn = iter([first.return_code, "ZZZZZZZZ"])
    monkeypatch.setattr(codes, "new_return_code", lambda: next(drawn))
    second = Signature.sign(
        pledge=open_pledge, display_name="Ali B", name_key="ali b", commitments=commitments
    )
    assert second.return_code == "ZZZZZZZZ"
    assert Signature.objects.filter(pledge=open_pledge).count() == 2
    assert Signature.commitments.through.objects.count() == 2 * len(commitments)
