"""Signing outside a transaction, as a request does: one transaction with two INSERTs
(the signature, then its ticks in bulk), where the unique (pledge, name_key) constraint
decides between phones. The same code path on SQLite and PostgreSQL.

Many phones at once, on both databases: tests/security/test_concurrency.py.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pledges import codes
from pledges.models import AlreadySigned, Signature
from tests.factories import make_classroom, make_pledge, make_school, make_teacher

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def open_pledge():
    teacher = make_teacher(school=make_school(), role="lead")
    return make_pledge(make_classroom(teacher))


def test_signing_inserts_the_signature_and_its_ticks_and_a_clash_inserts_nothing(open_pledge):
    commitments = list(open_pledge.commitments.all())
    with CaptureQueriesContext(connection) as queries:
        signature = Signature.sign(
            pledge=open_pledge,
            display_name="Sam K",
            name_key="sam k",
            commitments=commitments,
            exit_answer="Ask first",
        )
        Signature.sign(
            pledge=open_pledge, display_name="Ana B", name_key="ana b", commitments=commitments[:1]
        )
    inserts = [q["sql"].split("(")[0].split() for q in queries if q["sql"].startswith("INSERT")]
    assert [words[2].strip('"`') for words in inserts] == [
        "pledges_signature",
        "pledges_signature_commitments",
    ] * 2
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
