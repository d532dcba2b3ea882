from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

DEMO_STAFF = ("staff", "staff@example.org", "allyship-staff-demo")


class Command(BaseCommand):
    help = (
        "Create demo logins for trying the app locally (make run). Refuses to run with "
        "DEBUG off, because the demo passwords are public."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo only runs with DEBUG=true: its passwords are public.")
        username, email, password = DEMO_STAFF
        user, created = get_user_model().objects.get_or_create(
            username=username, defaults={"email": email, "is_staff": True, "is_superuser": True}
        )
        if created:
            user.set_password(password)
            user.save()
        self.stdout.write(
            self.style.SUCCESS("Demo ready. Open http://127.0.0.1:8000/\n")
            + f"  Staff (curate lessons at /admin/): {username} / {password}\n"
        )
