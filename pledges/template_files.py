"""Pledge templates in the curriculum's content folder (pledge_templates/<slug>.yaml):
read, checked, loaded and exported with the curriculum by `load_curriculum` and
`export_curriculum`.

The curriculum names no pledges code: the project lists PLEDGE_TEMPLATES in the
CURRICULUM_CONTENT_KINDS setting, and the loader calls it after the lessons, in the same
transaction. A template file is YAML:

```yaml
title: Listen first, own it
slug: being-an-imperfect-ally-listen-first-own-it
module: being-an-imperfect-ally
lesson: reflect-acknowledge-listen-engage    # optional
age_bands: [ages-14-16]                      # optional
intro: One or two sentences the class reads first.
commitments:                                 # 1 to 10
  - "I will listen to the end, without interrupting, when …"
```
"""

from pathlib import Path

from curriculum.loader import ContentKind, Problem, dump_yaml, read_yaml, validate
from curriculum.loader.records import OptionalText, Record, RequiredTextList, Slug, Text, TextList
from curriculum.loader.rules import age_bands_exist, known_slugs, unique
from curriculum.models import AgeBand, Lesson, Module
from pledges.models import PledgeTemplate

FOLDER = "pledge_templates"
COMMITMENTS = (1, 10)


class TemplateFile(Record):
    title: Text
    slug: Slug
    module: Slug
    lesson: OptionalText = ""
    age_bands: TextList = []
    intro: Text
    commitments: RequiredTextList


def template_rules(template):
    low, high = COMMITMENTS
    if not low <= len(template["commitments"]) <= high:
        yield "commitments", f"must list between {low} and {high} commitments"


def read_templates(root, content, problems, *, against_database):
    """The template files under `root` as dicts (with `_path`), checked against the
    modules, lessons and age bands in `content` (and, when loading, the database)."""
    templates = []
    for path in sorted(Path(root).glob(f"{FOLDER}/*.yaml")):
        name = str(path.relative_to(root))
        data, ok = read_yaml(path, root, problems)
        record = validate(TemplateFile, data, name, problems) if ok else None
        if record is None:
            continue
        template = {**record.model_dump(), "_path": name}
        for field, message in template_rules(template):
            problems.append(Problem(name, field, message))
        templates.append(template)

    modules = known_slugs(content.modules, Module, against_database=against_database)
    lessons = known_slugs(content.lessons, Lesson, against_database=against_database)
    bands = known_slugs(content.age_bands, AgeBand, against_database=against_database)
    problems.extend(unique(templates, "slug", "pledge template"))
    for template in templates:
        if template["module"] not in modules:
            problems.append(
                Problem(template["_path"], "module", f"no module {template['module']!r}")
            )
        if template["lesson"] and template["lesson"] not in lessons:
            problems.append(
                Problem(template["_path"], "lesson", f"no lesson {template['lesson']!r}")
            )
        problems.extend(age_bands_exist(template, bands))
    return templates


def load_templates(templates, report, *, update):
    """Create each template not in the database; overwrite the others only on `update`
    (a template has no edit hash: without `update` the database's copy is kept)."""
    modules = {module.slug: module for module in Module.objects.all()}
    lessons = {lesson.slug: lesson for lesson in Lesson.objects.all()}
    for data in templates:
        label = f"pledge template {data['slug']}"
        values = {
            "title": data["title"],
            "module": modules[data["module"]],
            "lesson": lessons.get(data["lesson"]) if data["lesson"] else None,
            "intro": data["intro"],
            "commitments": data["commitments"],
        }
        row = PledgeTemplate.objects.filter(slug=data["slug"]).first()
        if row is None:
            row = PledgeTemplate.objects.create(slug=data["slug"], **values)
            report.created.append(label)
        elif update:
            for key, value in values.items():
                setattr(row, key, value)
            row.save()
            report.updated.append(label)
        else:
            report.unchanged.append(label)
        row.age_bands.set(AgeBand.objects.filter(slug__in=data["age_bands"]))


def export_templates(root):
    """Write every template to `root`/pledge_templates/; return the paths written."""
    written = []
    templates = PledgeTemplate.objects.select_related("module", "lesson").prefetch_related(
        "age_bands"
    )
    for template in templates:
        data = {
            "title": template.title,
            "slug": template.slug,
            "module": template.module.slug,
            "lesson": template.lesson.slug if template.lesson else None,
            "age_bands": sorted(band.slug for band in template.age_bands.all()),
            "intro": template.intro,
            "commitments": list(template.commitments),
        }
        data = {key: value for key, value in data.items() if value not in (None, [], "")}
        path = Path(root) / FOLDER / f"{template.slug}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dump_yaml(data), encoding="utf-8")
        written.append(path)
    return written


PLEDGE_TEMPLATES = ContentKind(
    name="pledge_templates",
    label="pledge templates",
    read=read_templates,
    load=load_templates,
    export=export_templates,
)
