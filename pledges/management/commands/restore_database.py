from django.core.management.base import BaseCommand, CommandError

from pledges import backup
from pledges.models import Pledge, School, Signature


class Command(BaseCommand):
    help = (
        "Replace the database's contents with a backup made by backup_database. Everything "
        "written since that backup is lost, so it asks first unless --yes is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="a backup file from backup_database")
        parser.add_argument("--yes", action="store_true", help="don't ask for confirmation")

    def handle(self, *args, file, yes, **options):
        if not yes:
            answer = input(f"Replace the database with {file}? Type 'yes' to go on: ")
            if answer.strip().lower() != "yes":
                raise CommandError("Nothing restored.")
        try:
            backup.restore(file)
        except backup.BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Restored {file}: {School.objects.count()} schools, {Pledge.objects.count()} "
            f"pledges, {Signature.objects.count()} signatures."
        )
