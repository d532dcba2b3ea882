from django.conf import settings
from django.core.management.base import BaseCommand

from curriculum.loader import export_content


class Command(BaseCommand):
    help = (
        "Write the database's curriculum back to files in the format load_curriculum "
        "reads, so edits made in the admin can be reviewed and shared. Files are "
        "overwritten; none are deleted."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            default=str(settings.CURRICULUM_DIR),
            help="folder to write to (default: the shipped content folder)",
        )

    def handle(self, *args, output, **options):
        written = export_content(output)
        self.stdout.write(f"Wrote {len(written)} files under {output}.")
