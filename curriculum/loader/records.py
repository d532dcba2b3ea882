"""The shape of every record in the curriculum files, checked by pydantic.

Each file's YAML is validated against one of these models: which keys it may have, which
are required, their types and their allowed values. pydantic reports every mismatch at
once; `validate()` turns each into a Problem that names the file and the field in plain
words (`activities[2].minutes: must be a whole number above zero`). Rules that need more
than one field or more than one file are in rules.py.

The types below keep the files' conventions: text is stripped, and a number written where
text is meant (`year: 2020`) is read as text; an empty value counts as a missing one.
"""

import functools
import re
from typing import Annotated

from django.core.exceptions import ValidationError as DjangoValidationError
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter, ValidationError
from pydantic_core import PydanticCustomError

from curriculum.loader.problems import Problem
from curriculum.models import ContentArea, Grouping, Status, Supervision, web_url_validator

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
QUIZ_ANSWERS = (3, 4)

# pydantic's own error types, in the files' words; our validators raise "content" errors
# whose message is already in those words.
MESSAGES = {
    "missing": "is required",
    "extra_forbidden": "is not a known field (a typo?)",
    "model_type": "expected a mapping of keys to values",
    "dict_type": "expected a mapping of keys to values",
    "model_attributes_type": "expected a mapping of keys to values",
}


def refuse(message):
    return PydanticCustomError("content", "{message}", {"message": message})


def _text(value):
    if value is None or value == "":
        raise refuse("is required")
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise refuse("must be text")
    return str(value).strip()


def _optional_text(value):
    return "" if value is None or value == "" else _text(value)


def _slug(value):
    value = _text(value)
    if not SLUG_RE.match(value):
        raise refuse(f"{value!r} is not a slug (lowercase, digits, hyphens)")
    return value


def _positive_int(value):
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise refuse("must be a whole number above zero")
    return value


def _optional_positive_int(value):
    return None if value is None else _positive_int(value)


def _order(value):
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise refuse("must be a whole number")
    return value


def _text_list(value):
    if value is None:
        return []
    if not isinstance(value, list) or not all(
        isinstance(item, str) and item.strip() for item in value
    ):
        raise refuse("must be a list of non-empty text items")
    return [item.strip() for item in value]


def _required_text_list(value):
    if value is None or value == []:
        raise refuse("is required")
    return _text_list(value)


def _web_url(value):
    """Only http(s) addresses become links; `javascript:` and friends are refused."""
    value = _optional_text(value)
    if value:
        try:
            web_url_validator(value)
        except DjangoValidationError:
            raise refuse(f"{value!r} is not a web address starting with https://") from None
    return value


def _content_area(value):
    return _choose(_text(value), ContentArea.values)


def _source_url(value):
    return _web_url(_text(value))


def _country(value):
    value = _text(value)
    if not re.fullmatch(r"[A-Z]{2}", value):
        raise refuse("must be a two-letter country code such as GB")
    return value


def _choose(value, choices):
    if value not in choices:
        raise refuse(f"{value!r} is not one of: {', '.join(choices)}")
    return value


def choice(choices, *, optional=False):
    """One of `choices` (a TextChoices' values); with `optional`, None reads as ""."""
    return BeforeValidator(
        lambda value: "" if optional and value is None else _choose(value, choices)
    )


def a_list(message, *, at_least_one=False):
    """A list (None reads as empty), or `message`."""

    def check(value):
        if value is None:
            value = []
        if not isinstance(value, list) or (at_least_one and not value):
            raise refuse(message)
        return value

    return BeforeValidator(check)


def _answers(value):
    low, high = QUIZ_ANSWERS
    if not isinstance(value, list) or not low <= len(value) <= high:
        raise refuse(f"must list {low} or {high} answers")
    return value


def _correct(value):
    if not isinstance(value, bool):
        raise refuse("must be true (or left out on a wrong answer)")
    return value


Text = Annotated[str, BeforeValidator(_text)]
OptionalText = Annotated[str, BeforeValidator(_optional_text)]
# A key that may be left out, but not left empty (the sub-records' optional keys).
TextIfGiven = Annotated[str | None, BeforeValidator(_text)]
Slug = Annotated[str, BeforeValidator(_slug)]
PositiveInt = Annotated[int, BeforeValidator(_positive_int)]
TextList = Annotated[list[str], BeforeValidator(_text_list)]
RequiredTextList = Annotated[list[str], BeforeValidator(_required_text_list)]
WebUrl = Annotated[str, BeforeValidator(_web_url)]


class Record(BaseModel):
    """A mapping from a file: unknown keys are refused, as they are usually typos."""

    model_config = ConfigDict(extra="forbid")


class AgeBand(Record):
    slug: Slug
    label: Text
    min_age: PositiveInt
    max_age: PositiveInt
    uk_stage: OptionalText = ""
    us_grades: OptionalText = ""


class Theme(Record):
    slug: Slug
    name: Text


class SupportService(Record):
    name: Text
    helps_with: Text
    contact: Text
    url: WebUrl = ""
    country: Annotated[str, BeforeValidator(_country)]


class Module(Record):
    title: Text
    slug: Slug
    summary: Text
    order: Annotated[int, BeforeValidator(_order)] = 0
    status: Annotated[str, choice(Status.values)] = Status.DRAFT


class Vocabulary(Record):
    term: Text
    definition: Text


class Misconception(Record):
    misconception: Text
    response: Text


class Guidance(Record):
    area: Annotated[str, BeforeValidator(_content_area)]
    guidance: Text


class Source(Record):
    author: Text
    title: Text
    year: Text
    publisher: TextIfGiven = None
    url: Annotated[str | None, BeforeValidator(_source_url)] = None


class Answer(Record):
    text: Text
    correct: Annotated[bool, BeforeValidator(_correct)] = False
    misconception: TextIfGiven = None


class Question(Record):
    question: Text
    answers: Annotated[list[Answer], BeforeValidator(_answers)]


Quiz = Annotated[list[Question], a_list("must be a list of questions")]


class Activity(Record):
    title: Text
    minutes: PositiveInt
    minutes_max: Annotated[int | None, BeforeValidator(_optional_positive_int)] = None
    grouping: Annotated[str, choice(Grouping.values)]
    instructions: Text


class Handout(Record):
    title: Text
    slug: Slug
    body: Text


class Lesson(Record):
    """A lesson file's front matter (its Markdown sections are read apart)."""

    title: Text
    slug: Slug
    module: Slug
    status: Annotated[str, choice(Status.values)] = Status.DRAFT
    age_bands: RequiredTextList
    themes: TextList = []
    duration_minutes: PositiveInt
    summary: Text
    outcome: OptionalText = ""
    starter_question: OptionalText = ""
    objectives: TextList = []
    key_learning_points: TextList = []
    materials: TextList = []
    exit_questions: TextList = []
    discussion_questions: TextList = []
    key_vocabulary: Annotated[list[Vocabulary], a_list("must be a list")] = []
    misconceptions: Annotated[list[Misconception], a_list("must be a list")] = []
    content_guidance: Annotated[list[Guidance], a_list("must be a list")] = []
    sources: Annotated[list[Source], a_list("must be a list")] = []
    supervision: Annotated[str, choice(Supervision.values, optional=True)] = ""
    supervision_note: OptionalText = ""
    starter_quiz: Quiz = []
    exit_quiz: Quiz = []
    activities: Annotated[
        list[Activity], a_list("must be a list of at least one activity", at_least_one=True)
    ] = Field(default=None, validate_default=True)
    handouts: Annotated[list[Handout], a_list("must be a list")] = []


def field_name(location):
    """pydantic's error location as the file spells it: ("sources", 0, "url") is
    `sources[1].url`."""
    name = ""
    for part in location:
        if isinstance(part, int):
            name += f"[{part + 1}]"
        else:
            name += f".{part}" if name else str(part)
    return name


@functools.cache
def _adapter(shape):
    return TypeAdapter(shape)


def validate(shape, data, path, problems, *, at=()):
    """`data` checked against `shape` (a records model or type), or None with a Problem
    naming the file and the field for each mismatch. `at` is where in the file `data` is:
    `(0,)` for a list file's first entry, `("starter_quiz",)` for a quiz."""
    try:
        return _adapter(shape).validate_python(data)
    except ValidationError as error:
        for detail in error.errors(include_url=False):
            where = field_name((*at, *detail["loc"])) or "(file)"
            message = MESSAGES.get(detail["type"], detail["msg"])
            problems.append(Problem(path, where, message))
        return None
