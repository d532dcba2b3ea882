"""Fill a database with a school district's worth of data for the benchmark (make bench):

    .venv/bin/python bench/data.py --schools 20 --signatures 20000 [--json]


Rows are written in bulk: PostgreSQL's COPY in chunks of 50,000 rows, or batched INSERTs
elsewhere (SQLite, for the tests' small runs), with ids assigned here so signatures and
their ticked commitments can be written without reading anything back. Sequences are
moved past the new ids at the end, so the app's own inserts carry on normally.

Everything is deterministic for one --seed except the secrets (join codes, link tokens,
return secrets), which come from `secrets` as in the app.
"""

import argparse
import csv
import io
import json
import os
import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

if __name__ == "__main__":  # run as a script: the project's settings, before any model
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "allyship_site.settings")
    import django

    django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management.color import no_style  # noqa: E402
from django.db import connection, models, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from curriculum.models import Activity, Handout, Lesson  # noqa: E402
from pledges import codes, names  # noqa: E402
from pledges.models import (  # noqa: E402
    Classroom,
    Commitment,
    Membership,
    Pledge,
    PledgeStatus,
    Role,
    School,
    Signature,
)


class BenchDataError(Exception):
    """The data cannot be generated as asked; the message says why."""


BENCH_PASSWORD = "bench-teacher-password-not-secret"  # noqa: S105 (bench data only)
BIG_PLEDGE_TITLE = "Benchmark: the pledge with many signatures"
FIRST_NAMES = [
    "Amara", "Ben", "Chloe", "Dev", "Ella", "Finn", "Grace", "Hari", "Isla", "Jack",
    "Kofi", "Lena", "Maya", "Noah", "Omar", "Priya", "Quinn", "Ravi", "Sana", "Theo",
    "Uma", "Vik", "Wren", "Yara", "Zane", "Aisha", "Bilal", "Cora", "Dara", "Eli",
]  # fmt: skip
INITIALS = "ABCDEFGHJKMNPRSTWZ"
COMMITMENTS = (
    "I will tell a teacher when I see someone being picked on.",
    "I will not laugh along with unkind jokes.",
    "I will ask someone who is left out to join in.",
)
# Share of pledges in each state; most of a district's pledges are open or closed.
STATUS_WEIGHTS = (
    (PledgeStatus.OPEN, 60),
    (PledgeStatus.CLOSED, 25),
    (PledgeStatus.DRAFT, 10),
    (PledgeStatus.PAUSED, 5),
)
CHUNK = 50_000


def _base31(number, width):
    """A fixed-width code from a number: unique codes without a uniqueness check."""
    digits = []
    for _position in range(width):
        number, rest = divmod(number, len(codes.ALPHABET))
        digits.append(codes.ALPHABET[rest])
    return "".join(reversed(digits))


class _Writer:
    """Writes dict rows into a model's table, filling every other column's default."""

    def __init__(self, report):
        self.report = report
        self.models = []

    def next_id(self, model):
        return (model.objects.aggregate(top=models.Max("pk"))["top"] or 0) + 1

    def write(self, model, rows):
        fields = [f for f in model._meta.concrete_fields]
        columns = [f.column for f in fields]
        # Django's own default for each column: the field's default, "" or NULL.
        defaults = {f.attname: f.get_default() for f in fields}
        started = time.monotonic()
        total = 0
        batch = []
        postgres = connection.vendor == "postgresql"
        for row in rows:
            values = [row[f.attname] if f.attname in row else defaults[f.attname] for f in fields]
            if postgres:
                batch.append([_csv_value(value) for value in values])
            else:
                batch.append(
                    [
                        f.get_db_prep_save(v, connection)
                        for f, v in zip(fields, values, strict=True)
                    ]
                )
            if len(batch) >= CHUNK:
                self._flush(model, columns, batch)
                total += len(batch)
                batch = []
        if batch:
            self._flush(model, columns, batch)
            total += len(batch)
        self.models.append(model)
        self.report(model._meta.db_table, total, time.monotonic() - started)
        return total

    def _flush(self, model, columns, batch):
        table = connection.ops.quote_name(model._meta.db_table)
        quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                buffer = io.StringIO()
                csv.writer(buffer, lineterminator="\n").writerows(batch)
                buffer.seek(0)
                cursor.copy_expert(
                    f"COPY {table} ({quoted}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", buffer
                )
            else:
                marks = ", ".join(["%s"] * len(columns))
                # Table and column names come from the models, never from input.
                sql = f"INSERT INTO {table} ({quoted}) VALUES ({marks})"  # noqa: S608
                cursor.executemany(sql, batch)

    def reset_sequences(self):
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), self.models):
                cursor.execute(sql)


def _csv_value(value):
    """A value as PostgreSQL's COPY reads it in CSV with NULL written as \\N."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict | list):
        return json.dumps(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def generate(
    *,
    schools=500,
    classrooms_per_school=10,
    pledges_per_classroom=4,
    signatures=500_000,
    lessons=200,
    big_pledge_signatures=500,
    seed=9,
    report=None,
):
    """Write the dataset; returns counts and the big pledge (owned by the first teacher).

    Lessons are copies of the loaded curriculum's published lessons until there are
    `lessons` published ones, so run load_curriculum first.
    """
    report = report or (lambda table, rows, seconds: None)
    rng = random.Random(seed)
    writer = _Writer(report)
    now = timezone.now()
    with transaction.atomic():
        lesson_ids = _copy_lessons(writer, lessons)
        teacher_ids, school_ids = _schools_and_teachers(writer, schools, now)
        classroom_rows = _classrooms(writer, school_ids, teacher_ids, classrooms_per_school, now)
        pledges = _pledges(writer, classroom_rows, pledges_per_classroom, lesson_ids, rng, now)
        commitment_ids = _commitments(writer, pledges)
        signed = _signatures(
            writer, pledges, commitment_ids, signatures, big_pledge_signatures, rng, now
        )
        writer.reset_sequences()
    _analyse()
    return {
        "schools": len(school_ids),
        "teachers": len(teacher_ids),
        "classrooms": len(classroom_rows),
        "pledges": len(pledges),
        "signatures": signed,
        "lessons": Lesson.objects.published().count(),
        "big_pledge_id": pledges[0]["id"] if pledges else None,
        "teacher_username": _teacher_username(1),
        "teacher_password": BENCH_PASSWORD,
    }


def _copy_lessons(writer, wanted):
    sources = list(
        Lesson.objects.published().prefetch_related(
            "age_bands", "themes", "activities", "handouts"
        )
    )
    if not sources:
        raise BenchDataError("No published lessons to copy: run load_curriculum first.")
    missing = max(0, wanted - len(sources))
    lesson_id = writer.next_id(Lesson)
    activity_id = writer.next_id(Activity)
    handout_id = writer.next_id(Handout)
    skip = {"id", "slug", "title", "created", "updated"}
    copied = Lesson.objects.filter(slug__contains="-copy-").count()
    lessons, activities, handouts, bands, themes = [], [], [], [], []
    now = timezone.now()
    for number in range(missing):
        source = sources[number % len(sources)]
        serial = copied + number + 1
        row = {
            f.attname: getattr(source, f.attname)
            for f in Lesson._meta.concrete_fields
            if f.attname not in skip
        }
        row.update(
            id=lesson_id,
            slug=f"{source.slug}-copy-{serial}",
            title=f"{source.title} ({serial})",
            created=now,
            updated=now,
        )
        lessons.append(row)
        for band in source.age_bands.all():
            bands.append({"lesson_id": lesson_id, "ageband_id": band.pk})
        for theme in source.themes.all():
            themes.append({"lesson_id": lesson_id, "theme_id": theme.pk})
        for activity in source.activities.all():
            activities.append(
                {f.attname: getattr(activity, f.attname) for f in Activity._meta.concrete_fields}
                | {"id": activity_id, "lesson_id": lesson_id}
            )
            activity_id += 1
        for handout in source.handouts.all():
            handouts.append(
                {f.attname: getattr(handout, f.attname) for f in Handout._meta.concrete_fields}
                | {
                    "id": handout_id,
                    "lesson_id": lesson_id,
                    "slug": f"{handout.slug}-copy-{serial}",
                }
            )
            handout_id += 1
        lesson_id += 1
    writer.write(Lesson, lessons)
    writer.write(Lesson.age_bands.through, _with_ids(writer, Lesson.age_bands.through, bands))
    writer.write(Lesson.themes.through, _with_ids(writer, Lesson.themes.through, themes))
    writer.write(Activity, activities)
    writer.write(Handout, handouts)
    return list(Lesson.objects.published().values_list("pk", flat=True))


def _with_ids(writer, model, rows):
    first = writer.next_id(model)
    return [row | {"id": first + offset} for offset, row in enumerate(rows)]


def _teacher_username(number):
    return f"teacher{number}@bench.example"


def _schools_and_teachers(writer, schools, now):
    password = make_password(BENCH_PASSWORD)
    user_model = get_user_model()
    user_id = writer.next_id(user_model)
    school_id = writer.next_id(School)
    membership_id = writer.next_id(Membership)
    taken = set(School.objects.values_list("invite_code", flat=True))
    school_rows, user_rows, membership_rows = [], [], []
    teacher_ids = []
    teacher_number = user_model.objects.filter(username__endswith="@bench.example").count()
    for number in range(schools):
        code = codes.new_invite_code()
        while code in taken:
            code = codes.new_invite_code()
        taken.add(code)
        serial = school_id + number
        school_rows.append(
            {
                "id": serial,
                "name": f"Bench School {serial}",
                "slug": f"bench-school-{serial}",
                "invite_code": code,
                "created": now,
            }
        )
        for seat in range(5):
            teacher_number += 1
            user_rows.append(
                {
                    "id": user_id,
                    "username": _teacher_username(teacher_number),
                    "email": _teacher_username(teacher_number),
                    "password": password,
                    "first_name": FIRST_NAMES[teacher_number % len(FIRST_NAMES)],
                    "last_name": "Bench",
                    "is_active": True,
                    "date_joined": now,
                }
            )
            membership_rows.append(
                {
                    "id": membership_id,
                    "user_id": user_id,
                    "school_id": serial,
                    "role": Role.LEAD if seat == 0 else Role.TEACHER,
                    "created": now,
                }
            )
            teacher_ids.append((user_id, serial))
            user_id += 1
            membership_id += 1
    writer.write(School, school_rows)
    writer.write(user_model, user_rows)
    writer.write(Membership, membership_rows)
    return teacher_ids, [row["id"] for row in school_rows]


def _classrooms(writer, school_ids, teacher_ids, per_school, now):
    by_school = {}
    for user_id, school_id in teacher_ids:
        by_school.setdefault(school_id, []).append(user_id)
    classroom_id = writer.next_id(Classroom)
    rows = []
    for school_id in school_ids:
        teachers = by_school[school_id]
        for number in range(per_school):
            year = 7 + number % 6
            rows.append(
                {
                    "id": classroom_id,
                    "school_id": school_id,
                    "teacher_id": teachers[number % len(teachers)],
                    "name": f"{year}{'ABCDEFGH'[number // 6 % 8]}",
                    "year_group": f"Year {year}",
                    "created": now,
                }
            )
            classroom_id += 1
    writer.write(Classroom, rows)
    return rows


def _pledges(writer, classrooms, per_classroom, lesson_ids, rng, now):
    statuses = [status for status, weight in STATUS_WEIGHTS for _ in range(weight)]
    taken = set(Pledge.objects.values_list("join_code", flat=True))
    pledge_id = writer.next_id(Pledge)
    rows = []
    for classroom in classrooms:
        for number in range(per_classroom):
            # The first pledge (the big one the bench's teacher page shows) is open.
            status = PledgeStatus.OPEN if not rows else rng.choice(statuses)
            code = codes.new_join_code()
            while code in taken:
                code = codes.new_join_code()
            taken.add(code)
            created = now - timedelta(days=rng.randint(1, 330), minutes=rng.randint(0, 1440))
            opened = created + timedelta(hours=1) if status != PledgeStatus.DRAFT else None
            closed = opened + timedelta(days=14) if status == PledgeStatus.CLOSED else None
            rows.append(
                {
                    "id": pledge_id,
                    "classroom_id": classroom["id"],
                    "title": BIG_PLEDGE_TITLE
                    if not rows
                    else f"Class {classroom['name']} pledge {number + 1}",
                    "intro": "We agree to these things, and we will check in on how it goes.",
                    "status": status,
                    "join_code": code,
                    "link_token": codes.new_link_token(),
                    "show_names": number % 2 == 0,
                    "approve_first": number % 5 == 4,
                    "lesson_id": rng.choice(lesson_ids),
                    "created_by_id": classroom["teacher_id"],
                    "opened_at": opened,
                    "closed_at": closed,
                    "created": created,
                    "updated": created,
                }
            )
            pledge_id += 1
    writer.write(Pledge, rows)
    return rows


def _commitments(writer, pledges):
    commitment_id = writer.next_id(Commitment)
    rows, ids = [], {}
    for pledge in pledges:
        ids[pledge["id"]] = []
        for order, text in enumerate(COMMITMENTS, 1):
            rows.append(
                {"id": commitment_id, "pledge_id": pledge["id"], "order": order, "text": text}
            )
            ids[pledge["id"]].append(commitment_id)
            commitment_id += 1
    writer.write(Commitment, rows)
    return ids


def _signature_names():
    """Distinct (display name, name key) pairs, more than any one pledge needs."""
    pairs = []
    for initial in INITIALS:
        for first in FIRST_NAMES:
            display = f"{first} {initial}"
            pairs.append((display, names.key(display)))
    for first in FIRST_NAMES:  # two-letter initials for the big pledge's tail
        for one in INITIALS:
            for two in INITIALS:
                display = f"{first} {one}{two}"
                pairs.append((display, names.key(display)))
    return pairs


def _signatures(writer, pledges, commitment_ids, total, big, rng, now):
    signable = [p for p in pledges if p["status"] != PledgeStatus.DRAFT]
    if not signable or total <= 0:
        return 0
    big = min(big, total)
    rest = signable[1:]
    # Each other pledge gets an uneven share around the average (a class is 15-35).
    counts = {signable[0]["id"]: big}
    remaining = total - big
    if rest:
        average = remaining / len(rest)
        for pledge in rest:
            counts[pledge["id"]] = max(0, round(average * rng.uniform(0.6, 1.4)))
        # Make the shares add up to the total exactly.
        drift = remaining - sum(counts[p["id"]] for p in rest)
        step = 1 if drift > 0 else -1
        index = 0
        while drift:
            pledge_id = rest[index % len(rest)]["id"]
            if step > 0 or counts[pledge_id] > 0:
                counts[pledge_id] += step
                drift -= step
            index += 1
    else:
        counts[signable[0]["id"]] = total
    pairs = _signature_names()
    if max(counts.values()) > len(pairs):
        raise BenchDataError(f"At most {len(pairs)} signatures per pledge can be generated.")
    first_id = writer.next_id(Signature)
    through = Signature.commitments.through
    first_link = writer.next_id(through)
    code_offset = Signature.objects.count() + 31**6  # away from small test codes

    def signature_rows():
        signature_id = first_id
        for pledge in signable:
            opened = pledge["opened_at"] or now
            span = max(60, int(((pledge["closed_at"] or now) - opened).total_seconds()))
            for number in range(counts[pledge["id"]]):
                display, key = pairs[number]
                yield {
                    "id": signature_id,
                    "pledge_id": pledge["id"],
                    "display_name": display,
                    "name_key": key,
                    "hidden": number % 97 == 96,
                    "approved": not pledge["approve_first"] or number % 3 != 0,
                    "return_secret": codes.new_return_secret(),
                    "return_code": _base31(code_offset + signature_id, codes.RETURN_CODE_LENGTH),
                    "created": opened + timedelta(seconds=rng.randint(0, span)),
                }
                signature_id += 1

    def link_rows():
        link_id = first_link
        signature_id = first_id
        for pledge in signable:
            ids = commitment_ids[pledge["id"]]
            for number in range(counts[pledge["id"]]):
                ticked = ids if number % 3 == 0 else ids[: 1 + number % len(ids)]
                for commitment_id in ticked:
                    yield {
                        "id": link_id,
                        "signature_id": signature_id,
                        "commitment_id": commitment_id,
                    }
                    link_id += 1
                signature_id += 1

    written = writer.write(Signature, signature_rows())
    writer.write(through, link_rows())
    return written


def _analyse():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def may_fill(database_name):
    """Only databases meant for it: a bench database, or a test run's throwaway one."""
    base = Path(database_name).name
    return "bench" in base or base.startswith("test")


def main(argv=None, stdout=sys.stdout):
    """Parse the options, refuse a database not meant for it, generate, print a summary."""
    parser = argparse.ArgumentParser(
        description=(
            "Fill the database with a school district's worth of schools, classes, pledges "
            "and signatures for the benchmark (make bench), fast, with bulk writes. Refuses "
            "a database whose name does not contain 'bench' (unless --force), so it cannot "
            "fill production by mistake."
        )
    )
    parser.add_argument("--schools", type=int, default=500)
    parser.add_argument("--classrooms-per-school", type=int, default=10)
    parser.add_argument("--pledges-per-classroom", type=int, default=4)
    parser.add_argument("--signatures", type=int, default=500_000)
    parser.add_argument("--lessons", type=int, default=200)
    parser.add_argument("--big-pledge-signatures", type=int, default=500)
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--json", action="store_true", help="Print the summary as JSON.")
    parser.add_argument("--force", action="store_true", help="Fill any database.")
    options = parser.parse_args(argv)
    name = str(settings.DATABASES["default"]["NAME"])
    if not may_fill(name) and not options.force:
        raise BenchDataError(
            f"Refusing to fill {name!r}: use a database named *bench* (or --force)."
        )
    started = time.monotonic()

    def report(table, rows, seconds):
        if not options.json:
            stdout.write(f"  {table:<40} {rows:>9,} rows  {seconds:6.1f} s\n")

    summary = generate(
        schools=options.schools,
        classrooms_per_school=options.classrooms_per_school,
        pledges_per_classroom=options.pledges_per_classroom,
        signatures=options.signatures,
        lessons=options.lessons,
        big_pledge_signatures=options.big_pledge_signatures,
        seed=options.seed,
        report=report,
    )
    summary["seconds"] = round(time.monotonic() - started, 1)
    if options.json:
        stdout.write(json.dumps(summary) + "\n")
    else:
        stdout.write(
            f"Generated {summary['schools']:,} schools, {summary['classrooms']:,} "
            f"classrooms, {summary['pledges']:,} pledges, {summary['signatures']:,} "
            f"signatures and {summary['lessons']:,} published lessons in "
            f"{summary['seconds']} s.\n"
        )


if __name__ == "__main__":
    try:
        main()
    except BenchDataError as error:
        sys.exit(str(error))
