from django.core.management.base import BaseCommand

from pledges.models import Concern


class Command(BaseCommand):
    help = (
        "Email again about concerns whose first email failed (the mail server was away). "
        "Safe to run from cron every few minutes: a concern is emailed once it succeeds."
    )

    def handle(self, *args, **options):
        waiting = list(Concern.objects.filter(notified_at__isnull=True).order_by("created"))
        sent = sum(1 for concern in waiting if concern.notify())
        self.stdout.write(f"{sent} of {len(waiting)} concern notifications sent.")
        if sent < len(waiting):
            self.stderr.write(f"{len(waiting) - sent} could not be sent; they will be retried.")
