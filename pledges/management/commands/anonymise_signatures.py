from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from pledges.retention import anonymise_closed_pledges


class Command(BaseCommand):
    help = (
        "Replace students' names with 'Student 1', 'Student 2', … and clear what they wrote "
        "on pledges closed more than DAYS ago, keeping counts and ticked commitments. A "
        "pledge with an unhandled concern is held back and its safeguarding leads told. "
        "Run it daily from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            default=settings.RETENTION_DAYS_AFTER_CLOSE,
            metavar="DAYS",
            help="days since the pledge closed (default: RETENTION_DAYS_AFTER_CLOSE)",
        )
        parser.add_argument("--dry-run", action="store_true", help="count, change nothing")

    def handle(self, *args, older_than, dry_run, **options):
        if older_than < 0:
            raise CommandError("--older-than must be 0 or more days.")
        result = anonymise_closed_pledges(older_than_days=older_than, dry_run=dry_run)
        verb = "Would anonymise" if dry_run else "Anonymised"
        self.stdout.write(f"{verb} {result.signatures} signatures on {result.pledges} pledges.")
        if result.held:
            self.stdout.write(
                f"Held back {len(result.held)} pledges with an unhandled concern "
                f"(ids {', '.join(str(p.pk) for p in result.held)}); their safeguarding leads "
                "were emailed."
            )
