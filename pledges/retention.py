"""How long students' words are kept: cleared once a pledge has been closed a while.

Names become "Student 1", "Student 2"…; every free text a student wrote (exit answers,
reflection notes, messages for a teacher) is emptied, and the concerns someone handled go.
A pledge with a concern nobody has handled yet is held back whole, and its school's
safeguarding leads are told: a child's unanswered words are never cleared unread.
"""

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from pledges.models import (
    Concern,
    ConcernState,
    Membership,
    Pledge,
    PledgeStatus,
    Reflection,
    Signature,
)

ANONYMOUS_PREFIX = "Student "

logger = logging.getLogger(__name__)


@dataclass
class Cleared:
    pledges: int = 0
    signatures: int = 0
    held: list = field(default_factory=list)  # pledges kept for an unhandled concern


def anonymise_closed_pledges(*, older_than_days, dry_run=False):
    """Clear students' names and words on pledges closed more than `older_than_days` ago.

    Counts and ticked commitments stay. Pledges with nothing left to clear are skipped,
    so running it again changes nothing."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    due = Pledge.objects.filter(status=PledgeStatus.CLOSED, closed_at__lte=cutoff)
    result = Cleared()
    result.held = list(
        due.filter(concerns__state=ConcernState.NEW).distinct().select_related("classroom")
    )
    for pledge in due.exclude(pk__in=[p.pk for p in result.held]).iterator():
        signatures = list(
            pledge.signatures.exclude(name_key__startswith="student-").order_by("created", "pk")
        )
        words = _words_left(pledge)
        if not signatures and not words:
            continue
        result.pledges += 1
        result.signatures += len(signatures)
        if dry_run:
            continue
        with transaction.atomic():
            for number, signature in enumerate(signatures, start=1):
                signature.display_name = f"{ANONYMOUS_PREFIX}{number}"
                # A key no typed name can produce (names can't contain digits), unique
                # per pledge, so the constraint still holds.
                signature.name_key = f"student-{signature.pk}"
            Signature.objects.bulk_update(signatures, ["display_name", "name_key"])
            Signature.objects.filter(pledge=pledge).update(exit_answer="")
            Reflection.objects.filter(signature__pledge=pledge).update(
                note="", talk_request="", exit_answer=""
            )
            Concern.objects.filter(pledge=pledge).exclude(state=ConcernState.NEW).delete()
    if result.held and not dry_run:
        _tell_safeguarding_leads(result.held)
    return result


def _words_left(pledge):
    """Whether any free text a student wrote is still kept on `pledge`."""
    return (
        Signature.objects.filter(pledge=pledge).exclude(exit_answer="").exists()
        or Reflection.objects.filter(signature__pledge=pledge)
        .filter(~Q(note="") | ~Q(talk_request="") | ~Q(exit_answer=""))
        .exists()
        or Concern.objects.filter(pledge=pledge).exists()
    )


def _tell_safeguarding_leads(held):
    """One email per school: which closed pledges wait on an unhandled concern."""
    by_school = {}
    for pledge in held:
        by_school.setdefault(pledge.classroom.school_id, []).append(pledge)
    for school_id, pledges in by_school.items():
        leads = Membership.objects.filter(school_id=school_id, is_dsl=True).select_related("user")
        emails = [m.user.email for m in leads if m.user.email and m.user.is_active]
        if not emails:
            logger.warning("School %s has unhandled concerns and no safeguarding lead.", school_id)
            continue
        context = {
            "pledges": pledges,
            "link": settings.SITE_URL + reverse("pledges:concern-list"),
        }
        try:
            send_mail(
                render_to_string("pledges/concern_held_email_subject.txt", context).strip(),
                render_to_string("pledges/concern_held_email.txt", context),
                None,
                emails,
            )
        except Exception:  # noqa: BLE001 - the next daily run tells them again
            logger.exception("Could not email the safeguarding leads of school %s.", school_id)
