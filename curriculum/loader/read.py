"""Reading the curriculum files: every file under the content folder to validated records.

Each file is read as YAML with its pitfalls refused (yaml_text.py), put in shape by
pydantic (records.py), then held to the content rules (rules.py). Every problem in every
file is collected before `read_content` raises, so one run lists them all.
"""

from pathlib import Path

import yaml

from curriculum import units
from curriculum.loader import records, rules
from curriculum.loader.kinds import content_kinds
from curriculum.loader.problems import Content, ContentError, Problem
from curriculum.loader.records import validate
from curriculum.loader.yaml_text import (
    check_yaml_pitfalls,
    failing,
    read_yaml,
    split_front_matter,
    split_sections,
)
from curriculum.models import Lesson

MODULE_SECTIONS = (("big_idea", "Big idea"), ("family_note", "Family note"))
RECORD_FIELDS = ("key_vocabulary", "misconceptions", "content_guidance", "sources")


def _read_list(root, filename, shape, problems):
    """A YAML file holding a list of `shape` records, as dicts, or [] if there is none."""
    path = root / filename
    if not path.exists():
        return []
    data, ok = read_yaml(path, root, problems)
    entries = data or []
    if ok and not isinstance(entries, list):
        failing(filename, problems)("(file)", "must be a list of entries")
    if not ok or not isinstance(entries, list):
        return []
    found = []
    for index, entry in enumerate(entries):
        record = validate(shape, entry, filename, problems, at=(index,))
        if record is not None:
            found.append(record.model_dump())
    return found


def _read_age_bands(root, problems):
    bands = _read_list(root, "age_bands.yaml", records.AgeBand, problems)
    for index, band in enumerate(bands, start=1):
        for field, message in rules.age_band_rules(band):
            problems.append(Problem("age_bands.yaml", f"[{index}].{field}", message))
    return bands


def _read_support_services(root, problems):
    services = _read_list(root, "support_services.yaml", records.SupportService, problems)
    return [{**service, "order": index} for index, service in enumerate(services, start=1)]


def _read_module(path, root, problems):
    fail = failing(str(path.relative_to(root)), problems)
    front, body = split_front_matter(path.read_text(encoding="utf-8"), fail)
    if front is None:
        return None
    record = validate(records.Module, front, str(path.relative_to(root)), problems)
    sections = split_sections(body, MODULE_SECTIONS, fail)
    if record is None:
        return None
    module = {**record.model_dump(), **sections}
    for field, message in rules.module_rules(module):
        fail(field, message)
    return module


def _read_lesson(path, root, problems):
    name = str(path.relative_to(root))
    fail = failing(name, problems)
    start = len(problems)
    front, body = split_front_matter(path.read_text(encoding="utf-8"), fail)
    if front is None:
        return None
    record = validate(records.Lesson, front, name, problems)
    sections = split_sections(body, Lesson.MARKDOWN_SECTIONS, fail)
    if record is None:
        return None
    for field, message in rules.lesson_rules(record.model_dump(), path.parent.name):
        fail(field, message)
    lesson = record.model_dump(exclude={*RECORD_FIELDS, *rules.QUIZ_FIELDS})
    for field in RECORD_FIELDS:
        lesson[field] = [item.model_dump(exclude_unset=True) for item in getattr(record, field)]
    for field in rules.QUIZ_FIELDS:
        lesson[field] = stored_quiz(getattr(record, field))
    lesson.update(sections)
    return lesson if len(problems) == start else None


def stored_quiz(quiz):
    """A validated quiz in the shape it is stored and exported in: `correct` only on the
    right answer, a misconception on each other one."""
    return [
        {
            "question": question.question,
            "answers": [
                {"text": answer.text, "correct": True}
                if answer.correct
                else {"text": answer.text, "misconception": answer.misconception or ""}
                for answer in question.answers
            ],
        }
        for question in quiz
    ]


def parse_quiz(text, name):
    """A quiz typed as YAML (in the admin): (quiz, problems), with the files' rules."""
    problems = []
    fail = failing(name, problems)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        fail(name, f"is not valid YAML: {error}")
        return [], problems
    check_yaml_pitfalls(text, fail, first_line=1, path=name)
    quiz = validate(records.Quiz, data, name, problems, at=(name,))
    if quiz is None:
        return [], problems
    for field, message in rules.quiz_rules([question.model_dump() for question in quiz], name):
        fail(field, message)
    return stored_quiz(quiz), problems


def read_content(root, *, against_database=True):
    """Parse and validate every file under `root`; raise ContentError listing all problems.

    With `against_database=False` the files must be complete on their own, and no
    database is needed (`load_curriculum --check` on a fresh checkout)."""
    root = Path(root)
    problems = []
    content = Content(
        age_bands=_read_age_bands(root, problems),
        themes=_read_list(root, "themes.yaml", records.Theme, problems),
        support_services=_read_support_services(root, problems),
    )
    for kind, pattern, reader in (
        ("modules", "modules/*.md", _read_module),
        ("lessons", "lessons/*/*.md", _read_lesson),
    ):
        for path in sorted(root.glob(pattern)):
            try:
                item = reader(path, root, problems)
            except UnicodeDecodeError:
                problems.append(
                    Problem(str(path.relative_to(root)), "(file)", "is not UTF-8 text")
                )
                continue
            if item is not None:
                item["_path"] = str(path.relative_to(root))
                getattr(content, kind).append(item)
    problems.extend(rules.references(content, against_database=against_database))
    for kind in content_kinds():
        content.extra[kind.name] = kind.read(
            root, content, problems, against_database=against_database
        )
    content.units = units.read_units(root, content, problems)
    if problems:
        raise ContentError(problems)
    return content
