from django.core.management.base import BaseCommand, CommandError

from pledges import backup


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump -Fc on PostgreSQL, SQLite's online backup API on "
        "SQLite) to a new file, by default under BACKUP_DIR. Safe while the app serves."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", metavar="FILE", help="where to write the backup")

    def handle(self, *args, output, **options):
        try:
            path = backup.backup(output)
        except backup.BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Backed up to {path} ({path.stat().st_size} bytes).")
