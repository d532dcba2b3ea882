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

from typing import Annotated

from curriculum.loader.problems import Problem
from curriculum.loader.records import OptionalText, Record, Text, a_list, validate
from curriculum.loader.yaml_text import read_yaml
from curriculum.models import AgeBand, Lesson, Unit, UnitLesson


class Step(Record):
    lesson: Text
    builds_on: OptionalText = ""


class UnitFile(Record):
    age_band: Text
    title: Text
    summary: Text
    baseline_task: Text
    lessons: Annotated[list[Step], a_list("must list at least one lesson", at_least_one=True)]


def unit_rules(unit, filename, bands, lessons):
    """(field, message) for each way `unit` does not fit the age bands and lessons read."""
    band = unit["age_band"]
    if band not in bands:
        yield "age_band", f"no age band {band!r}"
    elif filename.removesuffix(".yaml") != band:
        yield "age_band", f"is {band!r} but the file is {filename}"
    seen = set()
    for number, step in enumerate(unit["lessons"], start=1):
        slug = step["lesson"]
        if slug not in lessons:
            yield f"lessons[{number}].lesson", f"no lesson {slug!r}"
        elif band not in lessons[slug]["age_bands"]:
            yield f"lessons[{number}].lesson", f"{slug!r} is not for {band!r}"
        if slug in seen:
            yield f"lessons[{number}].lesson", f"{slug!r} is already in this unit"
        seen.add(slug)


def read_units(root, content, problems):
    """The unit files under `root` as dicts, checked against `content`'s age bands and
    lessons; each problem is appended to `problems`."""
    units = []
    bands = {band["slug"] for band in content.age_bands}
    lessons = {lesson["slug"]: lesson for lesson in content.lessons}
    for path in sorted(root.glob("units/*.yaml")):
        where = str(path.relative_to(root))
        data, ok = read_yaml(path, root, problems)
        record = validate(UnitFile, data, where, problems) if ok else None
        if record is None:
            continue
        unit = {**record.model_dump(), "_path": where}
        for field, message in unit_rules(unit, path.name, bands, lessons):
            problems.append(Problem(where, field, message))
        units.append(unit)
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
