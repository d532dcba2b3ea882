from django.conf import settings
from django.core.management.base import BaseCommand

from pledges.reminders import send_digests


class Command(BaseCommand):
    help = (
        "Email each teacher a digest of pledges due for a check-in (by default 2 and 6 "
        "weeks after opening). Students are never contacted. Run it daily from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--base-url",
            default=getattr(settings, "SITE_URL", "http://127.0.0.1:8000"),
            help="the site's address, for links in the email (default: SITE_URL)",
        )
        parser.add_argument("--dry-run", action="store_true", help="count, send nothing")

    def handle(self, *args, base_url, dry_run, **options):
        teachers, pledges = send_digests(base_url=base_url.rstrip("/"), dry_run=dry_run)
        verb = "Would email" if dry_run else "Emailed"
        self.stdout.write(
            f"{verb} {teachers} teacher(s) about {pledges} pledge(s) due a check-in."
        )
