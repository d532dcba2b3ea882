"""Units: `units/<age-band-slug>.yaml`, one a band, read and checked with the rest of the
curriculum files and loaded after the lessons (curriculum/loader/read.py and sync.py call these).

```yaml
age_band: ages-11-14
title: Speaking up, ages 11–14
summary: One or two sentences.
baseline_task: |
  Markdown: a "What would you do if…" scenario and a 1–5 confidence-to-act scale.
lessons:                       # in teaching order
  - lesson: talking-about-just-banter
    builds_on: What the class already knows.
```

A unit is always made to match its file: units hold no teaching text an admin edit
would lose, so there is nothing to keep.
"""

import yaml

from curriculum.loader.problems import Problem
from curriculum.models import AgeBand, Lesson, Unit, UnitLesson

UNIT_KEYS = {"age_band", "title", "summary", "baseline_task", "lessons"}
STEP_KEYS = {"lesson"}
STEP_OPTIONAL = {"builds_on"}


def _text(value):
    return value.strip() if isinstance(value, str) else None


def read_units(root, content, problems):
    """The unit files under `root` as dicts, checked against `content`'s age bands and
    lessons; each problem is appended to `problems`."""
    units = []
    bands = {band["slug"] for band in content.age_bands}
    lessons = {lesson["slug"]: lesson for lesson in content.lessons}
    for path in sorted(root.glob("units/*.yaml")):
        where = str(path.relative_to(root))

        def fail(field, message, where=where):
            problems.append(Problem(where, field, message))

        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as error:
            fail("(file)", f"is not valid YAML: {error}")
            continue
        if not isinstance(data, dict):
            fail("(file)", "must be a mapping of age_band, title, summary, baseline_task, lessons")
            continue
        for key in sorted(UNIT_KEYS - set(data)):
            fail(key, "is required")
        for key in sorted(set(data) - UNIT_KEYS):
            fail(key, "is not a unit field")
        unit = {name: _text(data.get(name)) for name in ("title", "summary", "baseline_task")}
        for name, value in unit.items():
            if name in data and not value:
                fail(name, "must be text")
        band = data.get("age_band")
        if band not in bands:
            fail("age_band", f"no age band {band!r}")
        elif path.stem != band:
            fail("age_band", f"is {band!r} but the file is {path.name}")
        steps = []
        for number, step in enumerate(data.get("lessons") or [], start=1):
            field = f"lessons[{number}]"
            if (
                not isinstance(step, dict)
                or not STEP_KEYS <= set(step) <= STEP_KEYS | STEP_OPTIONAL
            ):
                fail(field, "needs lesson (a slug) and may have builds_on")
                continue
            slug = step["lesson"]
            if slug not in lessons:
                fail(f"{field}.lesson", f"no lesson {slug!r}")
            elif band not in lessons[slug]["age_bands"]:
                fail(f"{field}.lesson", f"{slug!r} is not for {band!r}")
            if slug in [seen["lesson"] for seen in steps]:
                fail(f"{field}.lesson", f"{slug!r} is already in this unit")
            steps.append({"lesson": slug, "builds_on": _text(step.get("builds_on")) or ""})
        if "lessons" in data and not steps:
            fail("lessons", "must list at least one lesson")
        units.append({**unit, "age_band": band, "lessons": steps, "_path": where})
    return units


def load_units(units, report):
    """Make each unit (and its steps) match its file."""
    bands = {band.slug: band for band in AgeBand.objects.all()}
    lessons = {lesson.slug: lesson for lesson in Lesson.objects.all()}
    for data in units:
        row = Unit.objects.filter(age_band=bands[data["age_band"]]).first()
        label = f"unit {data['age_band']}"
        if row is not None and _unit_data(row) == _unit_data_from(data):
            report.unchanged.append(label)
            continue
        (report.updated if row else report.created).append(label)
        row = row or Unit(age_band=bands[data["age_band"]])
        for name in ("title", "summary", "baseline_task"):
            setattr(row, name, data[name])
        row.save()
        row.steps.all().delete()
        UnitLesson.objects.bulk_create(
            UnitLesson(unit=row, order=order, lesson=lessons[step["lesson"]],
                       builds_on=step["builds_on"])
            for order, step in enumerate(data["lessons"], start=1)
        )  # fmt: skip


def _unit_data(unit):
    return {
        "title": unit.title,
        "summary": unit.summary,
        "baseline_task": unit.baseline_task,
        "lessons": [
            {"lesson": step.lesson.slug, "builds_on": step.builds_on}
            for step in unit.steps.select_related("lesson").order_by("order")
        ],
    }


def _unit_data_from(data):
    return {key: data[key] for key in ("title", "summary", "baseline_task", "lessons")}
