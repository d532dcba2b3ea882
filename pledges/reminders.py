"""Reminding teachers of check-ins that are due. Students are never contacted."""

from collections import defaultdict

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from pledges.models import Pledge, PledgeStatus


def due_pledges(now=None):
    """Pledges whose scheduled check-in date has passed without a round, by teacher."""
    now = now or timezone.now()
    pledges = (
        Pledge.objects.exclude(status=PledgeStatus.DRAFT)
        .filter(opened_at__isnull=False, classroom__teacher__is_active=True)
        .select_related("classroom__teacher")
        .annotate(checkin_count=Count("checkins"))
    )
    by_teacher = defaultdict(list)
    for pledge in pledges.iterator():
        if pledge.is_checkin_due(now):
            by_teacher[pledge.classroom.teacher].append(pledge)
    return by_teacher


def send_digests(*, base_url, dry_run=False, now=None):
    """Email each teacher one digest of their due check-ins; return (teachers, pledges)."""
    by_teacher = due_pledges(now)
    for teacher, pledges in by_teacher.items():
        if dry_run or not teacher.email:
            continue
        lines = [
            f"- {pledge.title} ({pledge.classroom.name}): "
            f"{base_url}{reverse('pledges:pledge-follow-through', args=[pledge.pk])}"
            for pledge in pledges
        ]
        body = "\n".join(
            [
                _("Hello %(name)s,") % {"name": teacher.first_name or teacher.get_username()},
                "",
                _("It's time to ask your class how their pledge is going:"),
                "",
                *lines,
                "",
                _("Open a check-in on each page; students reflect with the same code."),
                _("Allyship Classroom never contacts students."),
            ]
        )
        send_mail(
            _("Check-ins due: %(count)d pledge(s)") % {"count": len(pledges)},
            body,
            settings.DEFAULT_FROM_EMAIL,
            [teacher.email],
        )
    return len(by_teacher), sum(len(pledges) for pledges in by_teacher.values())
