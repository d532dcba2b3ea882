"""Syncing the curriculum to the database: validated records (read.py) to rows, in one
transaction and only when every file is valid; and rows back to plain data.

A lesson or module remembers a hash of what it looked like when it was loaded. If the row
no longer matches that hash, someone edited it in the admin since, and the loader leaves
it alone unless told to `update`; so a reload never silently throws away a school's edits.
"""

import hashlib
import json

from django.db import transaction

from curriculum import units
from curriculum.loader.kinds import content_kinds
from curriculum.loader.problems import Report
from curriculum.loader.read import RECORD_FIELDS, read_content
from curriculum.loader.rules import QUIZ_FIELDS
from curriculum.models import Activity, AgeBand, Handout, Lesson, Module, SupportService, Theme

STRING_LIST_FIELDS = (
    "objectives",
    "key_learning_points",
    "materials",
    "exit_questions",
    "discussion_questions",
)
# Added after lessons were first loaded: left out of a lesson's data while empty, so a
# lesson loaded before they existed still matches its hash and is not taken for one
# edited in the admin.
LATER_FIELDS = ("supervision", "supervision_note", "starter_quiz", "exit_quiz")


def data_hash(data):
    encoded = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode()).hexdigest()


def _clean(value):
    """Strip strings recursively, so a file and the database compare equal."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, list):
        return [_clean(item) for item in value]
    if isinstance(value, dict):
        return {key: _clean(item) for key, item in value.items()}
    return value


def in_file_order(quiz):
    """A stored quiz with its keys in the order a person writes them: PostgreSQL's jsonb
    keeps keys sorted by length, which would put `answers` above `question`."""
    order = ("question", "answers", "text", "correct", "misconception")
    if isinstance(quiz, list):
        return [in_file_order(item) for item in quiz]
    if isinstance(quiz, dict):
        return {key: in_file_order(quiz[key]) for key in sorted(quiz, key=order.index)}
    return quiz


def module_data(module):
    return _clean(
        {
            "title": module.title,
            "slug": module.slug,
            "summary": module.summary,
            "order": module.order,
            "status": module.status,
            "big_idea": module.big_idea,
            "family_note": module.family_note,
        }
    )


def lesson_data(lesson):
    """A lesson as plain data: the file format, the export and the edit-detection hash."""
    data = {
        "title": lesson.title,
        "slug": lesson.slug,
        "module": lesson.module.slug,
        "status": lesson.status,
        "age_bands": sorted(band.slug for band in lesson.age_bands.all()),
        "themes": sorted(theme.slug for theme in lesson.themes.all()),
        "duration_minutes": lesson.duration_minutes,
        "summary": lesson.summary,
        "outcome": lesson.outcome,
        "starter_question": lesson.starter_question,
        "activities": [
            {
                "title": activity.title,
                "minutes": activity.minutes,
                "minutes_max": activity.minutes_max,
                "grouping": activity.grouping,
                "instructions": activity.instructions,
            }
            for activity in lesson.activities.order_by("order")
        ],
        "handouts": [
            {"title": handout.title, "slug": handout.slug, "body": handout.body}
            for handout in lesson.handouts.order_by("order")
        ],
    }
    for name in (*STRING_LIST_FIELDS, *RECORD_FIELDS):
        data[name] = getattr(lesson, name)
    for name, _heading in Lesson.MARKDOWN_SECTIONS:
        data[name] = getattr(lesson, name)
    for name in LATER_FIELDS:
        if getattr(lesson, name):
            data[name] = getattr(lesson, name)
    for name in QUIZ_FIELDS:
        if name in data:
            data[name] = in_file_order(data[name])
    return _clean(data)


def _file_lesson_data(lesson):
    data = {
        key: value
        for key, value in lesson.items()
        if not key.startswith("_") and (value or key not in LATER_FIELDS)
    }
    data["age_bands"] = sorted(data["age_bands"])
    data["themes"] = sorted(data["themes"])
    return _clean(data)


def _save_lesson(lesson, data, modules, bands, themes):
    for name in (
        "title", "status", "duration_minutes", "summary", "outcome", "starter_question",
        *STRING_LIST_FIELDS, *RECORD_FIELDS,
    ):  # fmt: skip
        setattr(lesson, name, data[name])
    for name, _heading in Lesson.MARKDOWN_SECTIONS:
        setattr(lesson, name, data[name])
    lesson.supervision = data.get("supervision", "")
    lesson.supervision_note = data.get("supervision_note", "")
    lesson.starter_quiz = data.get("starter_quiz", [])
    lesson.exit_quiz = data.get("exit_quiz", [])
    lesson.module = modules[data["module"]]
    lesson.save()
    lesson.age_bands.set([bands[slug] for slug in data["age_bands"]])
    lesson.themes.set([themes[slug] for slug in data["themes"]])
    lesson.activities.all().delete()
    for order, activity in enumerate(data["activities"], start=1):
        Activity(lesson=lesson, order=order, **activity).save()
    lesson.handouts.all().delete()
    for order, handout in enumerate(data["handouts"], start=1):
        Handout(lesson=lesson, order=order, **handout).save()
    lesson.content_hash = data_hash(lesson_data(lesson))
    lesson.save(update_fields=["content_hash", "html"])


def _sync(report, label, row, current, incoming, update, apply):
    """Shared rule for modules and lessons: create, update, keep edits, or leave alone."""
    if row is None:
        apply()
        report.created.append(label)
    elif data_hash(current) == data_hash(incoming):
        report.unchanged.append(label)
    elif row.content_hash and data_hash(current) != row.content_hash and not update:
        report.kept_admin_edits.append(label)
    else:
        apply()
        report.updated.append(label)


def _upsert_reference_data(content, update):
    for band in content.age_bands:
        defaults = {key: value for key, value in band.items() if key != "slug"}
        if update:
            AgeBand.objects.update_or_create(slug=band["slug"], defaults=defaults)
        else:
            AgeBand.objects.get_or_create(slug=band["slug"], defaults=defaults)
    for theme in content.themes:
        if update:
            Theme.objects.update_or_create(slug=theme["slug"], defaults={"name": theme["name"]})
        else:
            Theme.objects.get_or_create(slug=theme["slug"], defaults={"name": theme["name"]})
    for service in content.support_services:
        key = {"country": service["country"], "name": service["name"]}
        defaults = {k: v for k, v in service.items() if k not in key}
        if update:
            SupportService.objects.update_or_create(**key, defaults=defaults)
        else:
            SupportService.objects.get_or_create(**key, defaults=defaults)


def load_content(root, *, update=False):
    """Load every file under `root` in one transaction; return a Report.

    Raises ContentError (and loads nothing) when any file is invalid.
    """
    content = read_content(root)
    report = Report()
    with transaction.atomic():
        _upsert_reference_data(content, update)
        existing_modules = {module.slug: module for module in Module.objects.all()}
        for data in content.modules:
            row = existing_modules.get(data["slug"])
            incoming = _clean({k: v for k, v in data.items() if not k.startswith("_")})
            module = row or Module(slug=data["slug"])

            def apply(module=module, incoming=incoming):
                for key, value in incoming.items():
                    setattr(module, key, value)
                module.content_hash = data_hash(incoming)
                module.save()

            current = module_data(row) if row else None
            _sync(report, f"module {data['slug']}", row, current, incoming, update, apply)

        modules = {module.slug: module for module in Module.objects.all()}
        bands = {band.slug: band for band in AgeBand.objects.all()}
        themes = {theme.slug: theme for theme in Theme.objects.all()}
        existing = {
            lesson.slug: lesson
            for lesson in Lesson.objects.select_related("module").prefetch_related(
                "age_bands", "themes"
            )
        }
        for data in content.lessons:
            row = existing.get(data["slug"])
            incoming = _file_lesson_data(data)
            lesson = row or Lesson(slug=data["slug"])

            def apply(lesson=lesson, incoming=incoming):
                _save_lesson(lesson, incoming, modules, bands, themes)

            current = lesson_data(row) if row else None
            _sync(report, f"lesson {data['slug']}", row, current, incoming, update, apply)

        for kind in content_kinds():
            kind.load(content.extra[kind.name], report, update=update)
        units.load_units(content.units, report)
    return report
