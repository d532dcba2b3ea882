from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from pledges import names
from pledges.models import (
    CheckIn,
    Classroom,
    Commitment,
    Membership,
    Pledge,
    PledgeTemplate,
    Progress,
    Reflection,
    Role,
    School,
    Signature,
)

DEMO_STAFF = ("staff", "staff@example.org", "allyship-staff-demo")
DEMO_TEACHER = ("teacher@example.org", "allyship-teacher-demo")
DEMO_DSL = ("dsl@example.org", "allyship-dsl-demo")
DEMO_TEMPLATE = "stop-it-before-it-starts-active-bystanders"
DEMO_STUDENTS = ("Amira K", "Ben T", "Chloe W", "Dev P", "Ella M", "Finn O", "Grace L", "Harry S")
# Each demo student's answer for their commitments, in turn: the follow-through page
# then has a mix of "did", "tried" and "not yet" to look at.
DEMO_PROGRESS = (Progress.DONE, Progress.TRIED, Progress.DONE, Progress.NOT_YET)


class Command(BaseCommand):
    help = (
        "Create demo logins, a demo school with a class and an open pledge, for trying the "
        "app locally (make run). Safe to run again. Refuses to run with DEBUG off, because "
        "the demo passwords are public."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo only runs with DEBUG=true: its passwords are public.")
        with transaction.atomic():
            staff = self._user(
                DEMO_STAFF[0], DEMO_STAFF[1], DEMO_STAFF[2], is_staff=True, is_superuser=True
            )
            teacher = self._user(
                DEMO_TEACHER[0],
                DEMO_TEACHER[0],
                DEMO_TEACHER[1],
                first_name="Demo",
                last_name="Teacher",
            )
            school, _created = School.objects.get_or_create(
                slug="demo-school", defaults={"name": "Demo School"}
            )
            Membership.objects.get_or_create(
                user=teacher, defaults={"school": school, "role": Role.LEAD}
            )
            # The school's designated safeguarding lead: told at once of every concern.
            dsl = self._user(
                DEMO_DSL[0],
                DEMO_DSL[0],
                DEMO_DSL[1],
                first_name="Demo",
                last_name="Safeguarding Lead",
            )
            Membership.objects.get_or_create(
                user=dsl, defaults={"school": school, "role": Role.TEACHER, "is_dsl": True}
            )
            classroom, _created = Classroom.objects.get_or_create(
                school=school, teacher=teacher, name="8B", defaults={"year_group": "Year 8"}
            )
            pledge = Pledge.objects.filter(classroom=classroom).order_by("created").first()
            if pledge is None:
                pledge = self._pledge(classroom, teacher)
                self._signatures_and_reflections(pledge, teacher)
        self.stdout.write(
            self.style.SUCCESS("Demo ready. Open http://127.0.0.1:8000/\n")
            + f"  Teacher:  {DEMO_TEACHER[0]} / {DEMO_TEACHER[1]}  (log in at /accounts/login/)\n"
            + f"  DSL:      {DEMO_DSL[0]} / {DEMO_DSL[1]}  (the school's safeguarding lead)\n"
            + f"  Staff:    {staff.username} / {DEMO_STAFF[2]}  (curate lessons at /admin/)\n"
            + f"  Demo pledge ({pledge.signatures.count()} signatures, a check-in with "
            + f"reflections) join code: {pledge.join_code_display()}  "
            + f"(students open http://127.0.0.1:8000{pledge.get_join_url()})\n"
        )

    def _signatures_and_reflections(self, pledge, teacher):
        """Demo students sign, and most of them reflect in a first check-in round."""
        commitments = list(pledge.commitments.order_by("order"))
        checkin = CheckIn.start(
            pledge=pledge, prompt="How did the last two weeks go?", user=teacher
        )
        for index, student in enumerate(DEMO_STUDENTS):
            display_name, name_key = names.validate(student)
            chosen = commitments[index % 2 :: 2] or commitments
            signature = Signature.sign(
                pledge=pledge, display_name=display_name, name_key=name_key, commitments=chosen
            )
            if index == len(DEMO_STUDENTS) - 1:
                continue  # one student hasn't reflected yet
            progress = {
                c: DEMO_PROGRESS[(index + n) % len(DEMO_PROGRESS)] for n, c in enumerate(chosen)
            }
            Reflection.record(
                signature=signature,
                checkin=checkin,
                progress=progress,
                note="I stood next to someone who was being laughed at." if index == 0 else "",
            )

    def _user(self, username, email, password, **fields):
        user, created = get_user_model().objects.get_or_create(
            username=username, defaults={"email": email, **fields}
        )
        if created:
            user.set_password(password)
            user.save()
        return user

    def _pledge(self, classroom, teacher):
        template = PledgeTemplate.objects.filter(slug=DEMO_TEMPLATE).first()
        commitments = (
            template.commitments
            if template
            else [
                "I will tell a teacher when I see someone being picked on.",
                "I will not laugh along with unkind jokes.",
            ]
        )
        pledge = Pledge.objects.create(
            classroom=classroom,
            title=template.title if template else "We stand up for each other",
            intro=template.intro if template else "",
            template=template,
            lesson=template.lesson if template else None,
            created_by=teacher,
        )
        Commitment.objects.bulk_create(
            Commitment(pledge=pledge, order=order, text=text)
            for order, text in enumerate(commitments, start=1)
        )
        pledge.open()
        return pledge
