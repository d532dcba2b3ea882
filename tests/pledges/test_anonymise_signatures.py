from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from pledges.models import (
    CheckIn,
    Concern,
    ConcernEvent,
    Membership,
    Pledge,
    Reflection,
    Signature,
)
from pledges.retention import Cleared, anonymise_closed_pledges
from tests.factories import make_pledge, make_signature

pytestmark = pytest.mark.django_db


@pytest.fixture
def dsl(teacher):
    Membership.objects.filter(user=teacher).update(is_dsl=True)
    return teacher


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

    assert anonymise_closed_pledges(older_than_days=90) == Cleared(1, 3)
    assert sorted(old.signatures.values_list("display_name", flat=True)) == [
        "Student 1",
        "Student 2",
        "Student 3",
    ]
    assert old.count() == 3
    assert all(s.commitments.count() == 3 for s in old.signatures.all())
    assert "Sam K" in recent.signatures.values_list("display_name", flat=True)
    assert anonymise_closed_pledges(older_than_days=90) == Cleared(0, 0)  # idempotent


def test_open_pledges_are_never_anonymised(pledge):
    make_signature(pledge, "Sam K")
    assert anonymise_closed_pledges(older_than_days=0) == Cleared(0, 0)


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


OTHER_CHILD = "Priya R"  # a classmate a student names in what they write


def test_everything_a_student_wrote_goes_and_nothing_of_a_named_classmate_survives(classroom, dsl):
    pledge = make_pledge(classroom)
    sam = make_signature(pledge, "Sam K", exit_answer=f"I stuck up for {OTHER_CHILD}")
    checkin = CheckIn.objects.create(pledge=pledge, number=1)
    reflection = Reflection.objects.create(
        signature=sam,
        checkin=checkin,
        note=f"{OTHER_CHILD} was left out at lunch",
        talk_request=f"{OTHER_CHILD} keeps being mean",
        exit_answer=f"Told {OTHER_CHILD}",
    )
    concern = Concern.raise_for(reflection, f"{OTHER_CHILD} keeps being mean")
    concern.handle(dsl, f"Spoke to Sam and {OTHER_CHILD}'s parents")
    closed_days_ago(pledge, 100)

    assert anonymise_closed_pledges(older_than_days=90) == Cleared(1, 1)
    for model in (Signature, Reflection, Concern, ConcernEvent):
        for row in model.objects.values():
            assert OTHER_CHILD not in repr(row) and "Sam K" not in repr(row), model
    assert pledge.count() == 1
    assert anonymise_closed_pledges(older_than_days=90) == Cleared(0, 0)


def test_a_pledge_with_an_unhandled_concern_is_held_back_and_the_dsl_told(classroom, dsl):
    pledge = make_pledge(classroom, title="Kind words")
    sam = make_signature(pledge, "Sam K")
    checkin = CheckIn.objects.create(pledge=pledge, number=1)
    words = "Owlish worry about the bus"
    reflection = Reflection.objects.create(signature=sam, checkin=checkin, talk_request=words)
    Concern.raise_for(reflection, words)
    closed_days_ago(pledge, 100)

    result = anonymise_closed_pledges(older_than_days=90)
    assert (result.pledges, result.signatures, result.held) == (0, 0, [pledge])
    assert Signature.objects.get().display_name == "Sam K"
    assert Concern.objects.get().message == words
    [message] = mail.outbox
    assert message.to == [dsl.email] and "Kind words" in message.body
    assert "Owlish" not in message.body and "Sam" not in message.body

    Concern.objects.get().handle(dsl, "Talked.")
    assert anonymise_closed_pledges(older_than_days=90) == Cleared(1, 1)
    assert not Concern.objects.exists()
