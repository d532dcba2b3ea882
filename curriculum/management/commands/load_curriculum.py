from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from curriculum.loader import (
    ContentError,
    check_units,
    content_kinds,
    load_content,
    read_content,
    teaching_order,
)


class Command(BaseCommand):
    help = (
        "Load the curriculum files (curriculum/content/) into the database. Safe to run "
        "again: unchanged files change nothing, and lessons edited in the admin since they "
        "were loaded are kept unless you pass --update."
    )

    def add_arguments(self, parser):
        parser.add_argument("--path", default=str(settings.CURRICULUM_DIR), help="content folder")
        parser.add_argument(
            "--update",
            action="store_true",
            help="overwrite rows edited in the admin with the files' text",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="validate the files, and check each age band's unit; load nothing",
        )
        parser.add_argument(
            "--strict",
            action="store_true",
            help="with --check: fail on the unit rules still being met, not only warn",
        )

    def handle(self, *args, path, update, check, strict, **options):
        try:
            if check:
                content = read_content(path, against_database=False)
                counts = [
                    f"{len(content.modules)} modules",
                    f"{len(content.lessons)} lessons",
                    *(f"{len(content.extra[kind.name])} {kind.label}" for kind in content_kinds()),
                ]
                self.stdout.write(f"OK: {', '.join(counts)} are valid.")
                self.check_units(content, strict)
                return
            report = load_content(path, update=update)
        except ContentError as error:
            for problem in error.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"{len(error.problems)} problem(s) in the curriculum files; nothing was loaded."
            ) from None
        for label in report.kept_admin_edits:
            self.stdout.write(
                self.style.WARNING(f"Kept admin edits to {label} (use --update to overwrite).")
            )
        self.stdout.write(
            f"Curriculum loaded: {len(report.created)} created, {len(report.updated)} updated, "
            f"{len(report.unchanged)} unchanged, {len(report.kept_admin_edits)} kept as edited."
        )

    def check_units(self, content, strict):
        for band, lessons in teaching_order(content).items():
            titles = "; ".join(lesson["title"] for lesson in lessons) or "none"
            self.stdout.write(f"{band}: {len(lessons)} published, in teaching order: {titles}")
        failures, warnings = check_units(content, strict=strict)
        for rule, problem in warnings:
            self.stdout.write(self.style.WARNING(f"not yet ready for a unit: {rule}: {problem}"))
        for rule, problem in failures:
            self.stderr.write(f"{rule}: {problem}")
        if failures:
            raise CommandError(f"{len(failures)} unit rule problem(s) in the curriculum files.")
