"""How long students' names are kept: replaced once a pledge has been closed a while."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from pledges.models import Pledge, PledgeStatus, Signature

ANONYMOUS_PREFIX = "Student "


def anonymise_closed_pledges(*, older_than_days, dry_run=False):
    """Replace display names on pledges closed more than `older_than_days` ago.

    Counts and ticked commitments stay; names become "Student 1", "Student 2"… in
    signing order. Already-anonymised pledges are skipped. Returns (pledges, signatures).
    """
    cutoff = timezone.now() - timedelta(days=older_than_days)
    pledges = Pledge.objects.filter(status=PledgeStatus.CLOSED, closed_at__lte=cutoff)
    pledge_count = signature_count = 0
    for pledge in pledges.iterator():
        signatures = list(
            pledge.signatures.exclude(name_key__startswith="student-").order_by("created", "pk")
        )
        if not signatures:
            continue
        pledge_count += 1
        signature_count += len(signatures)
        if dry_run:
            continue
        with transaction.atomic():
            for number, signature in enumerate(signatures, start=1):
                signature.display_name = f"{ANONYMOUS_PREFIX}{number}"
                # A key no typed name can produce (names can't contain digits), unique
                # per pledge, so the constraint still holds.
                signature.name_key = f"student-{signature.pk}"
            Signature.objects.bulk_update(signatures, ["display_name", "name_key"])
    return pledge_count, signature_count
