"""The curriculum files (curriculum/content/, see its README.md) to the database and back.

`read_content()` parses and validates every file, collecting every problem with the file
and field it is in. `load_content()` writes to the database in one transaction and only
when every file is valid. `export_content()` writes the database back in the same format.

A lesson or module remembers a hash of what it looked like when it was loaded. If the row
no longer matches that hash, someone edited it in the admin since, and the loader leaves
it alone unless told to `update`; so a reload never silently throws away a school's edits.
"""

import bisect
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction

from curriculum import units
from curriculum.models import (
    Activity,
    AgeBand,
    ContentArea,
    Grouping,
    Handout,
    Lesson,
    Module,
    Status,
    Supervision,
    SupportService,
    Theme,
    web_url_validator,
)

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
FRONT_MATTER_RE = re.compile(r"\A---\n(.*?)\n---\n?(.*)\Z", re.DOTALL)

MODULE_SECTIONS = (("big_idea", "Big idea"), ("family_note", "Family note"))

# Lists of records inside a lesson: key -> (required keys, optional keys).
RECORD_FIELDS = {
    "key_vocabulary": (("term", "definition"), ()),
    "misconceptions": (("misconception", "response"), ()),
    "content_guidance": (("area", "guidance"), ()),
    "sources": (("author", "title", "year"), ("publisher", "url")),
}
STRING_LIST_FIELDS = (
    "objectives",
    "key_learning_points",
    "materials",
    "exit_questions",
    "discussion_questions",
)
LESSON_REQUIRED = ("title", "slug", "module", "age_bands", "duration_minutes", "summary")
LESSON_OPTIONAL_TEXT = ("outcome", "starter_question")
# Added after lessons were first loaded: left out of a lesson's data while empty, so a
# lesson loaded before they existed still matches its hash and is not taken for one
# edited in the admin.
LATER_FIELDS = ("supervision", "supervision_note", "starter_quiz", "exit_quiz")
QUIZ_FIELDS = ("starter_quiz", "exit_quiz")
QUIZ_QUESTIONS = (4, 10)  # about six; fewer is no check, more is no starter
QUIZ_ANSWERS = (3, 4)
LESSON_KEYS = (
    set(LESSON_REQUIRED)
    | set(LESSON_OPTIONAL_TEXT)
    | set(STRING_LIST_FIELDS)
    | set(RECORD_FIELDS)
    | set(LATER_FIELDS)
    | {"status", "themes", "activities", "handouts"}
)
ACTIVITY_KEYS = ({"title", "minutes", "grouping", "instructions"}, {"minutes_max"})
HANDOUT_KEYS = ({"title", "slug", "body"}, set())
TEMPLATE_KEYS = ({"title", "slug", "module", "intro", "commitments"}, {"lesson", "age_bands"})


class ContentError(Exception):
    """Raised with every problem found; nothing was loaded."""

    def __init__(self, problems):
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


@dataclass(frozen=True)
class Problem:
    path: str
    field: str
    message: str
    line: int | None = None

    def __str__(self):
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.field}: {self.message}"


@dataclass
class Content:
    """Everything read from the files, validated and normalised."""

    age_bands: list = field(default_factory=list)
    themes: list = field(default_factory=list)
    support_services: list = field(default_factory=list)
    modules: list = field(default_factory=list)
    lessons: list = field(default_factory=list)
    pledge_templates: list = field(default_factory=list)
    units: list = field(default_factory=list)


@dataclass
class Report:
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    kept_admin_edits: list = field(default_factory=list)


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


class _Checker:
    """Collects problems for one file so that every problem is reported at once."""

    def __init__(self, path, problems):
        self.path = path
        self.problems = problems

    def fail(self, field_name, message, line=None):
        self.problems.append(Problem(self.path, field_name, message, line))

    def keys(self, data, required, optional=(), where=""):
        if not isinstance(data, dict):
            self.fail(where or "(file)", "expected a mapping of keys to values")
            return False
        ok = True
        for key in required:
            if key not in data or data[key] in (None, "", []):
                self.fail(f"{where}{key}", "is required")
                ok = False
        for key in data:
            if key not in set(required) | set(optional):
                self.fail(f"{where}{key}", "is not a known field (a typo?)")
                ok = False
        return ok

    def text(self, data, key, where="", required=True):
        value = data.get(key)
        if value is None or value == "":
            if required:
                self.fail(f"{where}{key}", "is required")
            return ""
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            self.fail(f"{where}{key}", "must be text")
            return ""
        return str(value).strip()

    def slug(self, data, key, where=""):
        value = self.text(data, key, where)
        if value and not SLUG_RE.match(value):
            self.fail(f"{where}{key}", f"{value!r} is not a slug (lowercase, digits, hyphens)")
        return value

    def positive_int(self, data, key, where="", required=True):
        value = data.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            self.fail(f"{where}{key}", "must be a whole number above zero")
            return None
        return value

    def string_list(self, data, key, where=""):
        value = data.get(key, [])
        if value is None:
            return []
        if not isinstance(value, list) or not all(
            isinstance(item, str) and item.strip() for item in value
        ):
            self.fail(f"{where}{key}", "must be a list of non-empty text items")
            return []
        return [item.strip() for item in value]

    def records(self, data, key, required, optional):
        value = data.get(key, [])
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(key, "must be a list")
            return []
        cleaned = []
        for index, item in enumerate(value, start=1):
            where = f"{key}[{index}]."
            if self.keys(item, required, optional, where):
                cleaned.append(
                    {
                        name: self.text(item, name, where)
                        for name in (*required, *optional)
                        if name in item
                    }  # fmt: skip
                )
        return cleaned

    def web_url(self, value, field_name):
        """Only http(s) addresses become links; `javascript:` and friends are refused."""
        if not value:
            return
        try:
            web_url_validator(value)
        except ValidationError:
            self.fail(field_name, f"{value!r} is not a web address starting with https://")

    def choice(self, value, choices, field_name):
        if value not in choices:
            self.fail(field_name, f"{value!r} is not one of: {', '.join(choices)}")


# Keys whose unquoted values are meant to be read as numbers or as true/false. Anywhere
# else a plain value that YAML reads as anything but text is refused (see below).
TYPED_KEYS = {
    "tag:yaml.org,2002:int": {
        "duration_minutes", "minutes", "minutes_max", "year", "order", "min_age", "max_age",
    },
    "tag:yaml.org,2002:bool": {"correct"},
}  # fmt: skip
READ_AS = {
    "tag:yaml.org,2002:bool": "true or false",
    "tag:yaml.org,2002:int": "a number",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:null": "nothing (null)",
    "tag:yaml.org,2002:timestamp": "a date",
}
BLOCK_STARTS = (yaml.BlockMappingStartToken, yaml.BlockSequenceStartToken, yaml.BlockEntryToken)


def _check_yaml_pitfalls(text, checker, first_line, path=""):
    """Refuse YAML whose meaning hangs on a comment or on a guess about an unquoted value.

    Both are valid YAML, which is why they went unnoticed: a `#` after a space starts a
    comment, so `outcome: I can explain the #MeToo movement` loads as "I can explain the";
    and unquoted `no`, `1.10` or `2020-05-01` load as false, 1.1 or a date. Only the
    parser's own tokens and node marks show them, so this reads those. A comment on a line
    of its own changes nothing and is allowed, as is one after a key whose value is a list
    or mapping on the lines below (`activities:  # in order`)."""
    try:
        tokens = list(yaml.scan(text, Loader=yaml.SafeLoader))
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return  # not valid YAML at all: yaml.safe_load reports that
    if root is None:
        return  # an empty document: nothing to lose
    fields = []
    _check_plain_values(root, path, fields, checker, first_line)
    fields.sort()
    starts = [index for index, _name in fields]

    def refuse_comment(index, line):
        position = bisect.bisect_right(starts, index) - 1
        name = fields[position][1] if position >= 0 else (path or "(front matter)")
        lost = text[index:].split("\n", 1)[0].strip()
        checker.fail(
            name,
            f"YAML reads {lost[:40]!r} as a comment and drops it from the value; put the "
            "whole value in double quotes, or move a comment to a line of its own",
            line=line + first_line,
        )

    # Text between two tokens is only spaces, line breaks and comments; a `#` in it
    # before the first line break is a comment on the same line as the token before.
    real = [i for i, token in enumerate(tokens) if token.start_mark.index < token.end_mark.index]
    for here, after in zip(real, [*real[1:], len(tokens)], strict=True):
        token = tokens[here]
        end = tokens[after].start_mark.index if after < len(tokens) else len(text)
        same_line = text[token.end_mark.index : end].split("\n", 1)[0]
        if "#" in same_line and not (
            isinstance(token, yaml.ValueToken)
            and any(isinstance(t, BLOCK_STARTS) for t in tokens[here + 1 : after + 1])
        ):
            refuse_comment(token.end_mark.index + same_line.index("#"), token.end_mark.line)
        if isinstance(token, yaml.ScalarToken) and token.style in ("|", ">"):
            header = text[token.start_mark.index :].split("\n", 1)[0]
            if "#" in header:
                refuse_comment(token.start_mark.index + header.index("#"), token.start_mark.line)


def _check_plain_values(node, path, fields, checker, first_line):
    """Refuse unquoted values YAML reads as other than text where text is meant; collect
    where each field starts, to name the field a comment is in."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            name = f"{path}.{key.value}" if path else str(key.value)
            fields.append((key.start_mark.index, name))
            _check_plain_values(value, name, fields, checker, first_line)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value, start=1):
            if not node.flow_style:  # a comment after `[a, b]` is about the whole list
                fields.append((item.start_mark.index, f"{path}[{index}]"))
            _check_plain_values(item, f"{path}[{index}]", fields, checker, first_line)
    elif node.style is None and node.value and node.tag in READ_AS:
        key = re.sub(r"(\[\d+\])+$", "", path).rsplit(".", 1)[-1]
        if key not in TYPED_KEYS.get(node.tag, ()):
            checker.fail(
                path,
                f"YAML reads the unquoted {node.value!r} as {READ_AS[node.tag]}, not as "
                "text; put it in double quotes",
                line=node.start_mark.line + first_line,
            )


def _split_front_matter(text, checker):
    match = FRONT_MATTER_RE.match(text.replace("\r\n", "\n"))
    if not match:
        checker.fail("(front matter)", "the file must start with a YAML block between --- lines")
        return None, ""
    try:
        front = yaml.safe_load(match.group(1))
    except yaml.YAMLError as error:
        checker.fail("(front matter)", f"is not valid YAML: {error}")
        return None, ""
    _check_yaml_pitfalls(match.group(1), checker, first_line=2)
    if not isinstance(front, dict):
        checker.fail("(front matter)", "must be a mapping of keys to values")
        return None, ""
    return front, match.group(2)


def _split_sections(body, sections, checker):
    """Split a Markdown body on level-one headings named in `sections`."""
    by_heading = {heading: name for name, heading in sections}
    found = {}
    current = None
    lines = []
    in_fence = False
    for line in body.split("\n"):
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        if not in_fence and line.startswith("# "):
            if current is not None:
                found[current] = "\n".join(lines).strip()
            heading = line[2:].strip()
            current = by_heading.get(heading)
            lines = []
            if current is None:
                checker.fail(
                    f"# {heading}",
                    "is not a known section; use one of: " + ", ".join(h for _n, h in sections),
                )
            elif current in found:
                checker.fail(f"# {heading}", "appears twice")
            continue
        if current is None and line.strip() and not found:
            checker.fail("(body)", "text before the first # heading would be lost")
            return {}
        lines.append(line)
    if current is not None:
        found[current] = "\n".join(lines).strip()
    return {name: found.get(name, "") for name, _heading in sections}


def _read_yaml_list(path, problems, root):
    checker = _Checker(str(path.relative_to(root)), problems)
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text) or []
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        checker.fail("(file)", f"is not valid YAML: {error}")
        return checker, []
    _check_yaml_pitfalls(text, checker, first_line=1)
    if not isinstance(data, list):
        checker.fail("(file)", "must be a list of entries")
        return checker, []
    return checker, data


def _read_age_bands(root, problems):
    path = root / "age_bands.yaml"
    if not path.exists():
        return []
    checker, entries = _read_yaml_list(path, problems, root)
    bands = []
    for index, entry in enumerate(entries, start=1):
        where = f"[{index}]."
        required = ("slug", "label", "min_age", "max_age")
        if not checker.keys(entry, required, ("uk_stage", "us_grades"), where):
            continue
        band = {
            "slug": checker.slug(entry, "slug", where),
            "label": checker.text(entry, "label", where),
            "min_age": checker.positive_int(entry, "min_age", where),
            "max_age": checker.positive_int(entry, "max_age", where),
            "uk_stage": checker.text(entry, "uk_stage", where, required=False),
            "us_grades": checker.text(entry, "us_grades", where, required=False),
        }
        if band["min_age"] and band["max_age"] and band["min_age"] > band["max_age"]:
            checker.fail(f"{where}min_age", "is above max_age")
        bands.append(band)
    return bands


def _read_themes(root, problems):
    path = root / "themes.yaml"
    if not path.exists():
        return []
    checker, entries = _read_yaml_list(path, problems, root)
    themes = []
    for index, entry in enumerate(entries, start=1):
        where = f"[{index}]."
        if checker.keys(entry, ("slug", "name"), (), where):
            themes.append(
                {
                    "slug": checker.slug(entry, "slug", where),
                    "name": checker.text(entry, "name", where),
                }
            )
    return themes


def _read_support_services(root, problems):
    path = root / "support_services.yaml"
    if not path.exists():
        return []
    checker, entries = _read_yaml_list(path, problems, root)
    services = []
    for index, entry in enumerate(entries, start=1):
        where = f"[{index}]."
        if not checker.keys(entry, ("name", "helps_with", "contact", "country"), ("url",), where):
            continue
        country = checker.text(entry, "country", where)
        checker.web_url(checker.text(entry, "url", where, required=False), f"{where}url")
        if not re.fullmatch(r"[A-Z]{2}", country):
            checker.fail(f"{where}country", "must be a two-letter country code such as GB")
        services.append(
            {
                "name": checker.text(entry, "name", where),
                "helps_with": checker.text(entry, "helps_with", where),
                "contact": checker.text(entry, "contact", where),
                "url": checker.text(entry, "url", where, required=False),
                "country": country,
                "order": index,
            }
        )
    return services


def _read_module(path, root, problems):
    checker = _Checker(str(path.relative_to(root)), problems)
    front, body = _split_front_matter(path.read_text(encoding="utf-8"), checker)
    if front is None:
        return None
    if not checker.keys(front, ("title", "slug", "summary"), ("order", "status")):
        return None
    status = front.get("status", Status.DRAFT)
    checker.choice(status, Status.values, "status")
    order = front.get("order", 0)
    if not isinstance(order, int) or isinstance(order, bool) or order < 0:
        checker.fail("order", "must be a whole number")
    module = {
        "title": checker.text(front, "title"),
        "slug": checker.slug(front, "slug"),
        "summary": checker.text(front, "summary"),
        "order": order,
        "status": status,
        **_split_sections(body, MODULE_SECTIONS, checker),
    }
    if not module["big_idea"]:
        checker.fail("# Big idea", "is required")
    return module


def _read_lesson(path, root, problems):
    checker = _Checker(str(path.relative_to(root)), problems)
    start = len(problems)
    front, body = _split_front_matter(path.read_text(encoding="utf-8"), checker)
    if front is None:
        return None
    checker.keys(front, LESSON_REQUIRED, LESSON_KEYS - set(LESSON_REQUIRED))
    status = front.get("status", Status.DRAFT)
    checker.choice(status, Status.values, "status")
    lesson = {
        "title": checker.text(front, "title"),
        "slug": checker.slug(front, "slug"),
        "module": checker.slug(front, "module"),
        "status": status,
        "age_bands": checker.string_list(front, "age_bands"),
        "themes": checker.string_list(front, "themes"),
        "duration_minutes": checker.positive_int(front, "duration_minutes"),
        "summary": checker.text(front, "summary"),
        "outcome": checker.text(front, "outcome", required=False),
        "starter_question": checker.text(front, "starter_question", required=False),
    }
    for name in STRING_LIST_FIELDS:
        lesson[name] = checker.string_list(front, name)
    for name, (required, optional) in RECORD_FIELDS.items():
        lesson[name] = checker.records(front, name, required, optional)
    for index, entry in enumerate(lesson["content_guidance"], start=1):
        checker.choice(entry["area"], ContentArea.values, f"content_guidance[{index}].area")
    for index, source in enumerate(lesson["sources"], start=1):
        checker.web_url(source.get("url"), f"sources[{index}].url")
    supervision = front.get("supervision")
    if supervision is not None:
        checker.choice(supervision, Supervision.values, "supervision")
    lesson["supervision"] = supervision or ""
    lesson["supervision_note"] = checker.text(front, "supervision_note", required=False)
    for name in QUIZ_FIELDS:
        lesson[name] = read_quiz(front.get(name), name, checker)
    lesson["activities"] = _read_activities(front.get("activities"), checker)
    lesson["handouts"] = _read_handouts(front.get("handouts"), checker)
    lesson.update(_split_sections(body, Lesson.MARKDOWN_SECTIONS, checker))
    total = sum(activity["minutes"] or 0 for activity in lesson["activities"])
    if lesson["activities"] and lesson["duration_minutes"] and total != lesson["duration_minutes"]:
        checker.fail(
            "activities",
            f"minutes add up to {total} but duration_minutes is {lesson['duration_minutes']}",
        )
    if lesson["module"] and path.parent.name != lesson["module"]:
        checker.fail("module", f"is {lesson['module']!r} but the file is in {path.parent.name}/")
    return lesson if len(problems) == start else None


def _read_activities(value, checker):
    if not isinstance(value, list) or not value:
        checker.fail("activities", "must be a list of at least one activity")
        return []
    activities = []
    for index, entry in enumerate(value, start=1):
        where = f"activities[{index}]."
        if not checker.keys(entry, *ACTIVITY_KEYS, where):
            continue
        activity = {
            "title": checker.text(entry, "title", where),
            "minutes": checker.positive_int(entry, "minutes", where),
            "minutes_max": checker.positive_int(entry, "minutes_max", where, required=False),
            "grouping": entry.get("grouping"),
            "instructions": checker.text(entry, "instructions", where),
        }
        checker.choice(activity["grouping"], Grouping.values, f"{where}grouping")
        low, high = activity["minutes"], activity["minutes_max"]
        if low and high and high <= low:
            checker.fail(f"{where}minutes_max", "must be more than minutes")
        activities.append(activity)
    return activities


def read_quiz(value, key, checker):
    """A quiz as the file gives it, validated: 4–10 questions of 3–4 answers, exactly one
    `correct: true`, and a `misconception` on every other answer (the wrong answer is
    there to show a misunderstanding the teacher can then address). Returns the quiz in
    the shape it is stored and exported in, with `correct` only on the right answer."""
    if value is None:
        return []
    if not isinstance(value, list):
        checker.fail(key, "must be a list of questions")
        return []
    low, high = QUIZ_QUESTIONS
    if not low <= len(value) <= high:
        checker.fail(key, f"has {len(value)} questions; give about six ({low} to {high})")
    quiz = []
    for number, entry in enumerate(value, start=1):
        where = f"{key}[{number}]."
        if not checker.keys(entry, ("question", "answers"), (), where):
            continue
        answers = entry["answers"]
        low, high = QUIZ_ANSWERS
        if not isinstance(answers, list) or not low <= len(answers) <= high:
            checker.fail(f"{where}answers", f"must list {low} or {high} answers")
            continue
        cleaned = []
        for index, answer in enumerate(answers, start=1):
            at = f"{where}answers[{index}]."
            if not checker.keys(answer, ("text",), ("correct", "misconception"), at):
                continue
            correct = answer.get("correct", False)
            if not isinstance(correct, bool):
                checker.fail(f"{at}correct", "must be true (or left out on a wrong answer)")
            item = {"text": checker.text(answer, "text", at)}
            if correct is True:
                item["correct"] = True
                if "misconception" in answer:
                    checker.fail(f"{at}misconception", "the right answer tests no misconception")
            else:
                item["misconception"] = checker.text(answer, "misconception", at)
            cleaned.append(item)
        right = sum(1 for item in cleaned if item.get("correct"))
        if right == 0:
            checker.fail(f"{where}answers", "has no right answer; mark one `correct: true`")
        elif right > 1:
            checker.fail(f"{where}answers", f"has {right} right answers; mark exactly one")
        quiz.append({"question": checker.text(entry, "question", where), "answers": cleaned})
    return quiz


def parse_quiz(text, name):
    """A quiz typed as YAML (in the admin): (quiz, problems), with the files' rules."""
    problems = []
    checker = _Checker(name, problems)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        checker.fail(name, f"is not valid YAML: {error}")
        return [], problems
    _check_yaml_pitfalls(text, checker, first_line=1, path=name)
    return read_quiz(data, name, checker), problems


def quiz_as_yaml(quiz):
    """A quiz as the YAML a lesson file holds (for editing in the admin)."""
    return _dump_yaml(_in_file_order(quiz)) if quiz else ""


def _in_file_order(quiz):
    """A stored quiz with its keys in the order a person writes them: PostgreSQL's jsonb
    keeps keys sorted by length, which would put `answers` above `question`."""
    order = ("question", "answers", "text", "correct", "misconception")
    if isinstance(quiz, list):
        return [_in_file_order(item) for item in quiz]
    if isinstance(quiz, dict):
        return {key: _in_file_order(quiz[key]) for key in sorted(quiz, key=order.index)}
    return quiz


def _read_handouts(value, checker):
    if value is None:
        return []
    if not isinstance(value, list):
        checker.fail("handouts", "must be a list")
        return []
    handouts = []
    for index, entry in enumerate(value, start=1):
        where = f"handouts[{index}]."
        if checker.keys(entry, *HANDOUT_KEYS, where):
            handouts.append(
                {
                    "title": checker.text(entry, "title", where),
                    "slug": checker.slug(entry, "slug", where),
                    "body": checker.text(entry, "body", where),
                }
            )
    return handouts


def _read_pledge_template(path, root, problems):
    checker = _Checker(str(path.relative_to(root)), problems)
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        checker.fail("(file)", f"is not valid YAML: {error}")
        return None
    _check_yaml_pitfalls(text, checker, first_line=1)
    if not checker.keys(data, *TEMPLATE_KEYS):
        return None
    template = {
        "title": checker.text(data, "title"),
        "slug": checker.slug(data, "slug"),
        "module": checker.slug(data, "module"),
        "lesson": checker.text(data, "lesson", required=False),
        "age_bands": checker.string_list(data, "age_bands"),
        "intro": checker.text(data, "intro"),
        "commitments": checker.string_list(data, "commitments"),
    }
    if not 1 <= len(template["commitments"]) <= 10:
        checker.fail("commitments", "must list between 1 and 10 commitments")
    return template


def _check_references(content, problems, against_database):
    """Slugs are unique and everything a file names exists, in the files or (when
    loading) already in the database."""

    def known(items, model):
        slugs = {item["slug"] for item in items}
        if against_database:
            slugs |= set(model.objects.values_list("slug", flat=True))
        return slugs

    band_slugs = known(content.age_bands, AgeBand)
    theme_slugs = known(content.themes, Theme)
    module_slugs = known(content.modules, Module)
    lesson_slugs = known(content.lessons, Lesson)

    def unique(items, key, label):
        seen = {}
        for item in items:
            if item[key] in seen:
                problems.append(
                    Problem(
                        item["_path"], key, f"{label} {item[key]!r} is also in {seen[item[key]]}"
                    )
                )
            seen.setdefault(item[key], item["_path"])

    unique(content.modules, "slug", "module")
    unique(content.lessons, "slug", "lesson")
    unique(content.pledge_templates, "slug", "pledge template")
    handouts = [
        {**handout, "_path": lesson["_path"]}
        for lesson in content.lessons
        for handout in lesson["handouts"]
    ]
    unique(handouts, "slug", "handout")

    for item in [*content.lessons, *content.pledge_templates]:
        if item["module"] not in module_slugs:
            problems.append(Problem(item["_path"], "module", f"no module {item['module']!r}"))
        for slug in item["age_bands"]:
            if slug not in band_slugs:
                problems.append(Problem(item["_path"], "age_bands", f"no age band {slug!r}"))
    for lesson in content.lessons:
        for slug in lesson["themes"]:
            if slug not in theme_slugs:
                problems.append(Problem(lesson["_path"], "themes", f"no theme {slug!r}"))
    for template in content.pledge_templates:
        if template["lesson"] and template["lesson"] not in lesson_slugs:
            problems.append(
                Problem(template["_path"], "lesson", f"no lesson {template['lesson']!r}")
            )


def read_content(root, *, against_database=True):
    """Parse and validate every file under `root`; raise ContentError listing all problems.

    With `against_database=False` the files must be complete on their own, and no
    database is needed (`load_curriculum --check` on a fresh checkout)."""
    root = Path(root)
    problems = []
    content = Content(
        age_bands=_read_age_bands(root, problems),
        themes=_read_themes(root, problems),
        support_services=_read_support_services(root, problems),
    )
    for kind, pattern, reader in (
        ("modules", "modules/*.md", _read_module),
        ("lessons", "lessons/*/*.md", _read_lesson),
        ("pledge_templates", "pledge_templates/*.yaml", _read_pledge_template),
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
    _check_references(content, problems, against_database)
    content.units = units.read_units(root, content, problems)
    if problems:
        raise ContentError(problems)
    return content


# Unit readiness ------------------------------------------------------------------------
#
# A module's lessons for one age band form a unit. `load_curriculum --check` runs these
# named rules over the files. The shipped content is still being written to meet those in
# NOT_YET_RULES, so they are warnings ("not yet ready for a unit") unless --strict is
# given; take a rule out of NOT_YET_RULES once the content meets it, and it fails (and
# tests/curriculum/test_content.py enforces it) like every other rule.

UNIT_MIN_LESSONS = 6
NOT_YET_RULES = frozenset()
SOURCE_PARTS = ("author", "title", "publisher", "year", "url")


def period_minutes(band):
    """The shortest and longest lesson that fits a school period for an age band: primary
    lessons are shorter (30–45 minutes to age 11), secondary periods 50–60."""
    return (30, 45) if band["max_age"] <= 11 else (50, 60)


def _published(content):
    return [lesson for lesson in content.lessons if lesson["status"] == Status.PUBLISHED]


def teaching_order(content):
    """Each age band's published lessons in teaching order: the order of its unit file
    (units/<band>.yaml); lessons the unit doesn't list come after, by module and title
    (and the unit-lists-every-lesson rule names them)."""
    modules = {module["slug"]: module["order"] for module in content.modules}
    in_unit = {
        unit["age_band"]: [step["lesson"] for step in unit["lessons"]] for unit in content.units
    }

    def place(band, lesson):
        steps = in_unit.get(band, [])
        slug = lesson.get("slug")
        position = steps.index(slug) if slug in steps else len(steps)
        return (position, modules.get(lesson["module"], 0), lesson["title"])

    return {
        band["slug"]: sorted(
            (lesson for lesson in _published(content) if band["slug"] in lesson["age_bands"]),
            key=lambda lesson, band=band["slug"]: place(band, lesson),
        )
        for band in content.age_bands
    }


def _unit_lists_every_lesson(content):
    """Every published lesson of a band has its place in the band's unit."""
    in_unit = {
        unit["age_band"]: {step["lesson"] for step in unit["lessons"]} for unit in content.units
    }
    for slug, lessons in teaching_order(content).items():
        for lesson in lessons:
            if lesson.get("slug") not in in_unit.get(slug, set()):
                yield Problem(
                    lesson["_path"],
                    "age_bands",
                    f"is for {slug}, but units/{slug}.yaml doesn't list it",
                )


def _lessons_per_band(content):
    for slug, lessons in teaching_order(content).items():
        if len(lessons) < UNIT_MIN_LESSONS:
            yield Problem(
                "age_bands.yaml",
                slug,
                f"has {len(lessons)} published lessons; a unit needs {UNIT_MIN_LESSONS}",
            )


def _minutes_fit_period(content):
    bands = {band["slug"]: band for band in content.age_bands}
    for lesson in _published(content):
        for slug in lesson["age_bands"]:
            low, high = period_minutes(bands[slug])
            if not low <= lesson["duration_minutes"] <= high:
                yield Problem(
                    lesson["_path"],
                    "duration_minutes",
                    f"is {lesson['duration_minutes']}; a lesson for {slug} fits a "
                    f"{low}–{high} minute period",
                )


def _both_quizzes(content):
    """Present, that is: the loader has already refused a quiz without exactly one right
    answer per question."""
    for lesson in _published(content):
        missing = [name for name in QUIZ_FIELDS if not lesson[name]]
        if missing:
            yield Problem(
                lesson["_path"],
                " and ".join(missing),
                "missing; every lesson needs a starter and an exit quiz",
            )


def _supervision_set(content):
    for lesson in _published(content):
        if not lesson["supervision"]:
            yield Problem(
                lesson["_path"], "supervision", f"is not set; use one of {', '.join(Supervision)}"
            )


def _sources_complete(content):
    for lesson in _published(content):
        if not lesson["sources"]:
            yield Problem(lesson["_path"], "sources", "lists none; cite what the lesson draws on")
        for index, source in enumerate(lesson["sources"], start=1):
            missing = [part for part in SOURCE_PARTS if not source.get(part)]
            if missing:
                yield Problem(lesson["_path"], f"sources[{index}]", f"has no {', '.join(missing)}")
            elif not re.fullmatch(r"\d{4}", str(source["year"])):
                yield Problem(lesson["_path"], f"sources[{index}].year", "is not a year")
            elif not source["url"].startswith("https://"):
                yield Problem(lesson["_path"], f"sources[{index}].url", "does not use https://")


UNIT_RULES = {
    "lessons-per-band": _lessons_per_band,
    "unit-lists-every-lesson": _unit_lists_every_lesson,
    "minutes-fit-period": _minutes_fit_period,
    "both-quizzes": _both_quizzes,
    "supervision-set": _supervision_set,
    "sources-complete": _sources_complete,
}


def check_units(content, *, strict=False):
    """Run every unit rule over validated content; return (failures, warnings), each a
    list of (rule name, Problem). Rules in NOT_YET_RULES warn unless `strict`."""
    failures, warnings = [], []
    for name, rule in UNIT_RULES.items():
        found = failures if strict or name not in NOT_YET_RULES else warnings
        found.extend((name, problem) for problem in rule(content))
    return failures, warnings


# Database <-> data ---------------------------------------------------------------------


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
            data[name] = _in_file_order(data[name])
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

        _load_pledge_templates(content, report, update, modules)
        units.load_units(content.units, report)
    return report


def _load_pledge_templates(content, report, update, modules):
    """Pledge templates live in the pledges app; load them when it has the model."""
    try:
        template_model = apps.get_model("pledges", "PledgeTemplate")
    except LookupError:
        return
    lessons = {lesson.slug: lesson for lesson in Lesson.objects.all()}
    for data in content.pledge_templates:
        defaults = {
            "title": data["title"],
            "module": modules[data["module"]],
            "lesson": lessons.get(data["lesson"]) if data["lesson"] else None,
            "intro": data["intro"],
            "commitments": data["commitments"],
        }
        row = template_model.objects.filter(slug=data["slug"]).first()
        if row is None:
            row = template_model.objects.create(slug=data["slug"], **defaults)
            report.created.append(f"pledge template {data['slug']}")
        elif update:
            for key, value in defaults.items():
                setattr(row, key, value)
            row.save()
            report.updated.append(f"pledge template {data['slug']}")
        else:
            report.unchanged.append(f"pledge template {data['slug']}")
        bands = AgeBand.objects.filter(slug__in=data["age_bands"])
        row.age_bands.set(bands)


# Export ---------------------------------------------------------------------------------


class _BlockDumper(yaml.SafeDumper):
    """YAML that a person can read and diff: multi-line text as literal blocks."""


def _represent_str(dumper, value):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _represent_str)


def _dump_yaml(data):
    return yaml.dump(data, Dumper=_BlockDumper, sort_keys=False, allow_unicode=True, width=88)


def _front_matter_file(front, sections):
    parts = ["---\n", _dump_yaml(front), "---\n"]
    for heading, text in sections:
        if text:
            parts.append(f"\n# {heading}\n\n{text}\n")
    return "".join(parts)


def export_content(root):
    """Write the database's curriculum under `root`; return the paths written."""
    root = Path(root)
    written = []

    def write(relative, text):
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)

    bands = [
        {
            "slug": band.slug,
            "label": band.label,
            "min_age": band.min_age,
            "max_age": band.max_age,
            "uk_stage": band.uk_stage,
            "us_grades": band.us_grades,
        }
        for band in AgeBand.objects.order_by("min_age", "max_age")
    ]
    write("age_bands.yaml", _dump_yaml(bands))
    write(
        "themes.yaml",
        _dump_yaml([{"slug": t.slug, "name": t.name} for t in Theme.objects.order_by("name")]),
    )
    services = [
        {
            key: value
            for key, value in {
                "name": s.name,
                "helps_with": s.helps_with,
                "contact": s.contact,
                "url": s.url,
                "country": s.country,
            }.items()
            if value
        }  # fmt: skip
        for s in SupportService.objects.order_by("country", "order", "name")
    ]
    write("support_services.yaml", _dump_yaml(services))

    for module in Module.objects.all():
        data = module_data(module)
        front = {key: data[key] for key in ("title", "slug", "order", "status", "summary")}
        sections = [(heading, data[name]) for name, heading in MODULE_SECTIONS]
        write(f"modules/{module.slug}.md", _front_matter_file(front, sections))

    lessons = Lesson.objects.select_related("module").prefetch_related("age_bands", "themes")
    for lesson in lessons:
        data = lesson_data(lesson)
        for activity in data["activities"]:
            if activity["minutes_max"] is None:
                del activity["minutes_max"]
        front_keys = [
            "title", "slug", "module", "status", "age_bands", "duration_minutes", "themes",
            "summary", "outcome", "supervision", "supervision_note", "objectives",
            "key_learning_points", "key_vocabulary", "misconceptions", "materials",
            "content_guidance", "starter_question", "exit_questions", "discussion_questions",
            "sources", "starter_quiz", "exit_quiz", "activities", "handouts",
        ]  # fmt: skip
        front = {key: data[key] for key in front_keys if data.get(key) not in ("", [], None)}
        sections = [(heading, data[name]) for name, heading in Lesson.MARKDOWN_SECTIONS]
        write(
            f"lessons/{lesson.module.slug}/{lesson.slug}.md", _front_matter_file(front, sections)
        )

    try:
        template_model = apps.get_model("pledges", "PledgeTemplate")
    except LookupError:
        return written
    templates = template_model.objects.select_related("module", "lesson").prefetch_related(
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
        write(f"pledge_templates/{template.slug}.yaml", _dump_yaml(data))
    return written
