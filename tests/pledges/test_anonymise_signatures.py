from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from pledges.models import Pledge
from pledges.retention import anonymise_closed_pledges
from tests.factories import make_pledge, make_signature

pytestmark = pytest.mark.django_db


def closed_days_ago(pledge, days):
    Pledge.objects.filter(pk=pledge.pk).update(
        status="closed", closed_at=timezone.now() - timedelta(days=days)
    )


def test_names_of_long_closed_pledges_are_replaced_and_counts_kept(classroom):
    old = make_pledge(classroom, title="Old")
    recent = make_pledge(classroom, title="Recent")
    for name in ("Sam K", "Ali B", "Jo C"):
        make_signature(old, name)
        make_signature(recent, name)
    closed_days_ago(old, 100)
    closed_days_ago(recent, 10)

    assert anonymise_closed_pledges(older_than_days=90) == (1, 3)
    assert sorted(old.signatures.values_list("display_name", flat=True)) == [
        "Student 1", "Student 2", "Student 3",
    ]  # fmt: skip
    assert old.count() == 3
    assert all(s.commitments.count() == 3 for s in old.signatures.all())
    assert "Sam K" in recent.signatures.values_list("display_name", flat=True)
    assert anonymise_closed_pledges(older_than_days=90) == (0, 0)  # idempotent


def test_open_pledges_are_never_anonymised(pledge):
    make_signature(pledge, "Sam K")
    assert anonymise_closed_pledges(older_than_days=0) == (0, 0)


def test_command_dry_run_changes_nothing(classroom, capsys):
    pledge = make_pledge(classroom)
    make_signature(pledge, "Sam K")
    closed_days_ago(pledge, 5)
    call_command("anonymise_signatures", "--older-than", "1", "--dry-run")
    assert "Would anonymise 1 signatures on 1 pledges." in capsys.readouterr().out
    assert pledge.signatures.get().display_name == "Sam K"
    call_command("anonymise_signatures", "--older-than", "1")
    assert pledge.signatures.get().display_name == "Student 1"


def test_command_refuses_negative_days():
    with pytest.raises(CommandError):
        call_command("anonymise_signatures", "--older-than", "-1")
