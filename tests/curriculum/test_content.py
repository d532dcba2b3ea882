"""The shipped curriculum is complete, safe for its ages and readable by its students.

Each check names the file and field that fails, so a content author can fix it without
reading this code. Readability is the Flesch–Kincaid grade (textstat) of the student-facing
text: handouts, vocabulary definitions and exit questions. The bound per band is the
youngest age's school grade plus two, a generous "can read it" line for a mixed class:
  ages 7–11: grade 5; ages 11–14: grade 7; ages 14–16: grade 9; ages 16–18: grade 11.
"""

import re
from functools import cache
from pathlib import Path

import pytest
import textstat
import yaml
from django.conf import settings

from curriculum.loader import NOT_YET_RULES, UNIT_RULES, read_content
from curriculum.markdown import render

GRADE_BOUND = {"ages-7-11": 5, "ages-11-14": 7, "ages-14-16": 9, "ages-16-18": 11}
CORE_MODULES = ("start-a-conversation", "stop-it-before-it-starts",
                "create-a-respectful-environment")  # fmt: skip
# Topics kept for older students: none of these stems may appear in a 7–11 lesson.
# Not "consent": at 7–11 it is body autonomy (asking before touching, "my body belongs
# to me"), which the 2025 RSHE guidance asks primary schools to teach (issue 17).
OLDER_TOPICS = ("sex", "rape", "assault", "harass", "metoo", "weinstein", "porn",
                "abuse", "grope", "hashtag")  # fmt: skip
REQUIRED_TEXT = ("title", "summary", "outcome", "starter_question", "safeguarding",
                 "adaptations_send", "adaptations_eal", "adaptations_mixed_age", "extension",
                 "teacher_notes")  # fmt: skip
REQUIRED_LISTS = ("objectives", "key_learning_points", "key_vocabulary", "misconceptions",
                  "materials", "content_guidance", "exit_questions", "discussion_questions",
                  "sources", "activities", "handouts", "themes", "age_bands")  # fmt: skip


@cache
def content():
    return read_content(settings.CURRICULUM_DIR, against_database=False)


def published_lessons():
    return [lesson for lesson in content().lessons if lesson["status"] == "published"]


def lesson_id(lesson):
    return lesson["_path"]


def plain(markdown_text):
    return re.sub(r"<[^>]+>", " ", render(markdown_text)).replace("&amp;", "&")


def everything_in(lesson):
    """All the text of a lesson, for the age check."""
    parts = []

    def walk(value):
        if isinstance(value, str):
            parts.append(value)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)

    walk({key: value for key, value in lesson.items() if not key.startswith("_")})
    return "\n".join(parts)


def test_library_size_and_spread():
    lessons = published_lessons()
    modules = {lesson["module"] for lesson in lessons}
    bands = {band for lesson in lessons for band in lesson["age_bands"]}
    assert len(lessons) >= 16
    assert len(modules) >= 5
    assert bands == set(GRADE_BOUND)
    for module in CORE_MODULES:
        covered = {
            b for lesson in lessons if lesson["module"] == module for b in lesson["age_bands"]
        }
        assert covered == set(GRADE_BOUND), (
            f"{module} lacks a lesson for {set(GRADE_BOUND) - covered}"
        )
    for module in modules - set(CORE_MODULES):
        count = sum(1 for lesson in lessons if lesson["module"] == module)
        assert count >= 2, f"module {module} has {count} lesson(s); it needs at least two"


@pytest.mark.parametrize("lesson", published_lessons(), ids=lesson_id)
def test_every_field_is_filled(lesson):
    missing = [name for name in (*REQUIRED_TEXT, *REQUIRED_LISTS) if not lesson.get(name)]
    assert not missing, f"{lesson['_path']}: empty fields: {', '.join(missing)}"
    assert 2 <= len(lesson["objectives"]) <= 4, f"{lesson['_path']}: objectives: want 2–4"
    bad = [o for o in lesson["objectives"] if not o.startswith("Students can ")]
    assert not bad, f"{lesson['_path']}: objectives: start each with 'Students can ': {bad}"


@pytest.mark.parametrize("lesson", published_lessons(), ids=lesson_id)
def test_activity_minutes_add_up(lesson):
    total = sum(activity["minutes"] for activity in lesson["activities"])
    assert total == lesson["duration_minutes"], (
        f"{lesson['_path']}: activities: {total} minutes, duration_minutes {lesson['duration_minutes']}"
    )
    assert len(lesson["activities"]) >= 3, (
        f"{lesson['_path']}: activities: want starter, main, plenary"
    )


@pytest.mark.parametrize("rule", sorted(set(UNIT_RULES) - NOT_YET_RULES))
def test_the_content_meets_every_unit_rule_in_force(rule):
    """Supervision set, sources complete with a year; and, once the content meets them and
    they leave NOT_YET_RULES, lessons per band, minutes per period and both quizzes."""
    problems = [str(problem) for problem in UNIT_RULES[rule](content())]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lesson", published_lessons(), ids=lesson_id)
def test_module_has_a_pledge_template(lesson):
    templated = {template["module"] for template in content().extra["pledge_templates"]}
    assert lesson["module"] in templated, f"{lesson['_path']}: module: no pledge template"


@pytest.mark.parametrize(
    "lesson",
    [lesson for lesson in published_lessons() if "ages-7-11" in lesson["age_bands"]],
    ids=lesson_id,
)
def test_youngest_lessons_keep_older_topics_out(lesson):
    text = everything_in(lesson).casefold()
    found = sorted({stem for stem in OLDER_TOPICS if stem in text})
    assert not found, f"{lesson['_path']}: uses topics kept for 11+: {found}"


def student_texts(lesson):
    yield "key_vocabulary", " ".join(entry["definition"] for entry in lesson["key_vocabulary"])
    yield "exit_questions", " ".join(lesson["exit_questions"])
    for handout in lesson["handouts"]:
        yield f"handouts[{handout['slug']}]", plain(handout["body"])


@pytest.mark.parametrize("lesson", published_lessons(), ids=lesson_id)
def test_student_text_reads_at_the_bands_level(lesson):
    bound = min(GRADE_BOUND[band] for band in lesson["age_bands"])
    for field, text in student_texts(lesson):
        grade = textstat.flesch_kincaid_grade(text)
        assert grade <= bound, f"{lesson['_path']}: {field}: grade {grade:.1f}, bound {bound}"


def test_pledge_templates_are_concrete_and_age_safe():
    for template in content().extra["pledge_templates"]:
        where = template["_path"]
        assert 3 <= len(template["commitments"]) <= 6, f"{where}: commitments: want 3–6"
        for commitment in template["commitments"]:
            assert commitment.startswith("I will "), f"{where}: commitments: {commitment!r}"
        assert template["lesson"], f"{where}: lesson: link the lesson that leads into it"
        if "ages-7-11" in template["age_bands"]:
            text = " ".join([template["intro"], *template["commitments"]]).casefold()
            assert not [s for s in OLDER_TOPICS if s in text], f"{where}: topics kept for 11+"


def test_every_module_has_a_family_note():
    for module in content().modules:
        assert module["family_note"], f"{module['_path']}: # Family note is empty"


def front_matter(path):
    """The YAML between the first two --- lines of a lesson file, as written."""
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n"), f"{path}: no front matter"
    return text[4 : text.index("\n---\n", 4) + 1]


def scalar_nodes(node, path=()):
    """Every value of a composed YAML document, with its path of keys and indexes: each
    scalar, and each one-line list such as `[a, b]` as a whole."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield from scalar_nodes(value, (*path, key.value))
    elif isinstance(node, yaml.SequenceNode) and not node.flow_style:
        for index, item in enumerate(node.value):
            yield from scalar_nodes(item, (*path, index))
    else:
        yield path, node


def written_text(source, node):
    """The source a value occupies: from where it starts to the end of its last line.

    Whatever YAML left out of the value on those lines (a comment, the rest of a
    sentence) is still in here, so a value cut short no longer matches it."""
    end = node.end_mark
    stop = end.index if end.column == 0 else source.find("\n", end.index)
    return source[node.start_mark.index : stop if stop != -1 else len(source)]


def words(value):
    if isinstance(value, list):
        return [word for item in value for word in words(item)]
    return re.findall(r"\w+", str(value).casefold())


@pytest.mark.parametrize("lesson", content().lessons, ids=lesson_id)
def test_every_loaded_value_holds_all_the_text_written_in_the_file(lesson):
    path = Path(settings.CURRICULUM_DIR) / lesson["_path"]
    source = front_matter(path)
    shortened = []
    for keys, node in scalar_nodes(yaml.compose(source, Loader=yaml.SafeLoader)):
        if keys[-1] == "correct":
            continue  # true or false, not text (the loader keeps only `correct: true`)
        loaded = lesson
        for key in keys:
            loaded = loaded[key]
        if words(written_text(source, node)) != words(loaded):
            field = ".".join(str(key) for key in keys)
            shortened.append(f"line {node.start_mark.line + 2}: {field}: loaded {loaded!r}")
    assert not shortened, f"{lesson['_path']}: text lost:\n" + "\n".join(shortened)
