from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from pledges.models import CheckIn, Pledge
from tests.factories import make_pledge

pytestmark = pytest.mark.django_db


def opened_weeks_ago(pledge, weeks):
    Pledge.objects.filter(pk=pledge.pk).update(opened_at=timezone.now() - timedelta(weeks=weeks))


def test_teachers_get_one_digest_of_due_check_ins(classroom, teacher, capsys):
    due = make_pledge(classroom, title="Due one")
    opened_weeks_ago(due, 3)
    fresh = make_pledge(classroom, title="Too soon")
    opened_weeks_ago(fresh, 1)
    done = make_pledge(classroom, title="Already checked")
    opened_weeks_ago(done, 3)
    CheckIn.start(pledge=done)
    make_pledge(classroom, title="Draft", status="draft")

    call_command("checkin_reminders", "--base-url", "https://allyship.example.org/")
    assert "Emailed 1 teacher(s) about 1 pledge(s)" in capsys.readouterr().out
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [teacher.email]
    assert "Due one" in message.body and "Too soon" not in message.body
    assert f"https://allyship.example.org/teach/pledges/{due.pk}/follow-through/" in message.body


def test_six_weeks_brings_the_second_reminder(classroom):
    pledge = make_pledge(classroom)
    opened_weeks_ago(pledge, 7)
    pledge.refresh_from_db()
    CheckIn.start(pledge=pledge)
    assert pledge.is_checkin_due()
    CheckIn.start(pledge=pledge)
    assert not pledge.is_checkin_due()


def test_custom_schedule_and_dry_run(classroom, capsys):
    pledge = make_pledge(classroom, checkin_weeks="1")
    opened_weeks_ago(pledge, 1)
    call_command("checkin_reminders", "--dry-run")
    assert "Would email 1 teacher(s)" in capsys.readouterr().out
    assert mail.outbox == []
