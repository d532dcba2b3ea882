"""The benchmark's data generator, and pledge pages whose query count must not grow with
the data it generates (the district-scale numbers are in docs/performance.md)."""

import json
from io import StringIO

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from bench.data import BIG_PLEDGE_TITLE, BenchDataError, generate, main, may_fill
from curriculum.models import Lesson
from pledges import names
from pledges.models import Classroom, Pledge, School, Signature
from tests.factories import make_lesson, make_signature

pytestmark = pytest.mark.django_db

SMALL = {
    "schools": 2,
    "classrooms_per_school": 2,
    "pledges_per_classroom": 2,
    "signatures": 60,
    "lessons": 5,
}


@pytest.fixture
def curriculum():
    return [
        make_lesson("speaking-up", handouts=[("speaking-up-cards", "Cards")]),
        make_lesson("listening-first"),
    ]


def test_generates_the_requested_rows(curriculum):
    summary = generate(**SMALL, big_pledge_signatures=20)
    assert summary["schools"] == School.objects.count() == 2
    assert Classroom.objects.count() == 4
    assert Pledge.objects.count() == 8
    assert Signature.objects.count() == summary["signatures"] == 60
    assert Lesson.objects.published().count() == 5
    big = Pledge.objects.get(pk=summary["big_pledge_id"])
    assert big.title == BIG_PLEDGE_TITLE
    assert big.signatures.count() == 20
    assert big.classroom.teacher.username == summary["teacher_username"]
    assert big.classroom.teacher.check_password(summary["teacher_password"])


def test_generated_signatures_respect_the_constraints(curriculum):
    generate(**SMALL, big_pledge_signatures=20)
    for signature in Signature.objects.all():
        assert names.validate(signature.display_name) == (
            signature.display_name,
            signature.name_key,
        )
        assert signature.commitments.exists()
        assert {c.pledge_id for c in signature.commitments.all()} == {signature.pledge_id}
    twice = Signature.objects.values("pledge", "name_key").annotate(n=Count("id"))
    assert not twice.filter(n__gt=1).exists()


def test_the_app_carries_on_after_bulk_ids(curriculum):
    generate(**SMALL, big_pledge_signatures=20)
    pledge = Pledge.objects.filter(status="open").first()
    signature = make_signature(pledge, "Zed Q")  # the sequence moved past the new ids
    assert signature.pk > Signature.objects.exclude(pk=signature.pk).order_by("-pk")[0].pk


def test_running_twice_adds_a_second_district(curriculum):
    generate(**SMALL, big_pledge_signatures=20)
    generate(**SMALL, big_pledge_signatures=20)
    assert School.objects.count() == 4
    assert Signature.objects.count() == 120
    assert Lesson.objects.published().count() == 5  # already enough lessons


def test_command_prints_a_summary(curriculum):
    out = StringIO()
    main(["--schools", "1", "--classrooms-per-school", "1", "--pledges-per-classroom", "2",
          "--signatures", "10", "--lessons", "3", "--big-pledge-signatures", "4", "--json"],
         stdout=out)  # fmt: skip
    summary = json.loads(out.getvalue())
    assert summary["signatures"] == 10
    assert summary["seconds"] >= 0


@pytest.mark.parametrize(
    ("name", "allowed"),
    [
        ("allyship_bench", True),
        ("test_allyship", True),
        ("/srv/var/test-12.sqlite3", True),
        ("allyship", False),
        ("/srv/allyship/var/allyship.sqlite3", False),
    ],
)
def test_only_bench_and_test_databases_are_filled_without_force(name, allowed):
    assert may_fill(name) is allowed


def test_command_needs_a_curriculum():
    with pytest.raises(BenchDataError, match="load_curriculum"):
        main(["--schools", "1"], stdout=StringIO())


# Query counts at two sizes of generated data --------------------------------------------


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def test_public_pledge_page_queries_do_not_grow_with_signatures(anon_client, curriculum):
    # The pledge by its link token, its open check-in (if any), the commitments for the
    # form, the count, the names (this pledge shows them): the same for 5 or 150.
    small = Pledge.objects.get(pk=generate(**SMALL, big_pledge_signatures=5)["big_pledge_id"])
    large = Pledge.objects.get(
        pk=generate(**{**SMALL, "signatures": 400}, big_pledge_signatures=150)["big_pledge_id"]
    )
    assert small.show_names and large.show_names
    assert small.signatures.count() == 5 and large.signatures.count() == 150
    assert count_queries(anon_client, large.get_link_url()) == count_queries(
        anon_client, small.get_link_url()
    )


def test_teacher_pledge_page_queries_do_not_grow_with_signatures(client, curriculum):
    # Session, user, membership; the pledge with counts; commitments with counts; the
    # signatures and their commitments: the same for 5 or 150.
    small = Pledge.objects.get(pk=generate(**SMALL, big_pledge_signatures=5)["big_pledge_id"])
    large = Pledge.objects.get(
        pk=generate(**{**SMALL, "signatures": 400}, big_pledge_signatures=150)["big_pledge_id"]
    )
    client.force_login(small.classroom.teacher)
    small_count = count_queries(client, small.get_absolute_url())
    client.force_login(large.classroom.teacher)
    assert count_queries(client, large.get_absolute_url()) == small_count
