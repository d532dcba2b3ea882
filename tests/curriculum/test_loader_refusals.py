"""Every way the loader refuses a curriculum file, one broken file each: the problem names
the file and the field, in words a content writer can act on, and nothing loads.

(tests/curriculum/test_loader.py has the YAML pitfalls, the quizzes and the unit rules;
tests/pledges/test_template_files.py the pledge templates.)"""

import re
import shutil
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from curriculum.loader import ContentError, load_content
from curriculum.models import Lesson

pytestmark = pytest.mark.django_db

CONTENT = Path(settings.CURRICULUM_DIR)
UNIT = "units/ages-11-14.yaml"


@pytest.fixture
def content(tmp_path):
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target)
    return target


def first(root, pattern):
    return sorted(root.glob(pattern))[0]


def set_key(path, key, block):
    """Make a front matter key's whole value `block` (`key: value` and any lines indented
    under it), adding the key after `title:` if the file has none."""
    lines = path.read_text().split("\n")
    end_of_front = lines.index("---", 1)
    found = [i for i in range(1, end_of_front) if lines[i].startswith(f"{key}:")]
    if found:
        start = end = found[0]
        end += 1
        while lines[end].startswith(" ") or (
            not lines[end] and lines[end + 1].startswith(" ")  # a blank line in a block
        ):
            end += 1
        lines[start:end] = block.split("\n")
    else:
        at = next(i for i in range(1, end_of_front) if lines[i].startswith("title:")) + 1
        lines[at:at] = block.split("\n")
    path.write_text("\n".join(lines))


def lesson(change):
    def breakage(root):
        path = first(root, "lessons/*/*.md")
        change(path)
        return path

    return breakage


def lesson_key(key, block):
    return lesson(lambda path: set_key(path, key, block))


def one_activity(**fields):
    """A lesson whose one activity is `fields`, its minutes matching the duration."""
    activity = {"title": "Talk", "minutes": 50, "grouping": "pairs", "instructions": "Talk."}
    activity.update(fields)
    block = "activities:\n" + "\n".join(
        f"  {'-' if i == 0 else ' '} {key}: {value}"
        for i, (key, value) in enumerate(activity.items())
    )

    def change(path):
        set_key(path, "duration_minutes", "duration_minutes: 50")
        set_key(path, "activities", block)

    return lesson(change)


def module_file(change):
    def breakage(root):
        path = first(root, "modules/*.md")
        change(path)
        return path

    return breakage


def list_file(name, change):
    def breakage(root):
        path = root / name
        path.write_text(change(path.read_text()))
        return path

    return breakage


def copied(pattern):
    """A second file with the same slug as the first file matching `pattern`."""

    def breakage(root):
        path = first(root, pattern)
        copy = path.with_name(f"zz-{path.name}")
        shutil.copy(path, copy)
        return copy

    return breakage


def in_another_folder(root):
    path = first(root, "lessons/*/*.md")
    other = next(
        folder for folder in sorted((root / "lessons").iterdir()) if folder != path.parent
    )
    return path.rename(other / path.name)


def quiz_key(change):
    """A lesson whose starter quiz is six good questions, the first changed by `change`."""
    quiz = [
        {
            "question": f"Question {number}?",
            "answers": [
                {"text": "Right", "correct": True},
                {"text": "Wrong", "misconception": "A mistake."},
                {"text": "Also wrong", "misconception": "Another mistake."},
            ],
        }
        for number in range(1, 7)
    ]
    change(quiz[0]["answers"])
    block = yaml.safe_dump({"starter_quiz": quiz}, sort_keys=False).rstrip("\n")
    return lesson_key("starter_quiz", block)


def a_heading_twice(path):
    text = path.read_text()
    heading = re.search(r"^# .+$", text, re.MULTILINE).group(0)
    path.write_text(f"{text}\n{heading}\n\nAgain.\n")


def a_handout_slug_twice(root):
    paths = sorted(root.glob("lessons/*/*.md"))[:2]
    for path in paths:
        set_key(
            path, "handouts", "handouts:\n  - title: Card\n    slug: the-card\n    body: Text."
        )
    return paths[1]


# (id, breakage, field, words): the breakage edits the copied content and returns the
# file the problem must name.
CASES = [
    # Lesson files: the front matter block and the Markdown sections
    ("no-front-matter", lesson(lambda p: p.write_text("# Safeguarding\n\nText.\n")),
     "(front matter)", "must start with a YAML block"),
    ("front-matter-a-list", lesson(lambda p: p.write_text("---\n- a\n- b\n---\n")),
     "(front matter)", "must be a mapping of keys to values"),
    ("missing-required", lesson(lambda p: set_key(p, "summary", "")), "summary", "is required"),
    ("empty-required", lesson_key("summary", 'summary: ""'), "summary", "is required"),
    ("title-not-text", lesson_key("title", "title: [a, b]"), "title", "must be text"),
    ("not-a-slug", lesson_key("slug", "slug: Not_A_Slug"), "slug", "is not a slug"),
    ("duration-zero", lesson_key("duration_minutes", "duration_minutes: 0"),
     "duration_minutes", "must be a whole number above zero"),
    ("empty-list-item", lesson_key("objectives", 'objectives: ["", "Explain."]'),
     "objectives", "must be a list of non-empty text items"),
    ("age-bands-empty", lesson_key("age_bands", "age_bands: []"), "age_bands", "is required"),
    ("records-not-a-list", lesson_key("key_vocabulary", 'key_vocabulary: "words"'),
     "key_vocabulary", "must be a list"),
    ("record-not-a-mapping", lesson_key("key_vocabulary", 'key_vocabulary: ["a word"]'),
     "key_vocabulary[1]", "expected a mapping of keys to values"),
    ("record-unknown-key", lesson_key(
        "key_vocabulary", "key_vocabulary:\n  - term: Ally\n    definition: A friend.\n    note: x"),
     "key_vocabulary[1].note", "is not a known field"),
    ("record-missing-key", lesson_key("key_vocabulary", "key_vocabulary:\n  - term: Ally"),
     "key_vocabulary[1].definition", "is required"),
    ("guidance-area", lesson_key(
        "content_guidance", "content_guidance:\n  - area: violence\n    guidance: Care."),
     "content_guidance[1].area", "is not one of"),
    ("no-activities", lesson_key("activities", "activities: []"),
     "activities", "must be a list of at least one activity"),
    ("activity-grouping", one_activity(grouping="everyone"),
     "activities[1].grouping", "is not one of"),
    ("activity-minutes-max", one_activity(minutes_max=40),
     "activities[1].minutes_max", "must be more than minutes"),
    ("activity-unknown-key", one_activity(notes="x"),
     "activities[1].notes", "is not a known field"),
    ("activity-minutes-sum", lesson_key("duration_minutes", "duration_minutes: 999"),
     "activities", "minutes add up to"),
    ("wrong-folder", in_another_folder, "module", "but the file is in"),
    ("handouts-not-a-list", lesson_key("handouts", 'handouts: "cards"'),
     "handouts", "must be a list"),
    ("handout-slug", lesson_key(
        "handouts", "handouts:\n  - title: Card\n    slug: The Card\n    body: Text."),
     "handouts[1].slug", "is not a slug"),
    ("quiz-not-a-list", lesson_key("starter_quiz", 'starter_quiz: "none"'),
     "starter_quiz", "must be a list of questions"),
    ("quiz-answer-not-a-mapping", lesson_key(
        "starter_quiz", "starter_quiz:\n  - question: Which?\n    answers: [a, b, c]"),
     "starter_quiz[1].answers[1]", "expected a mapping of keys to values"),
    ("quiz-three-answers-or-four", quiz_key(lambda answers: answers.pop()),
     "starter_quiz[1].answers", "must list 3 or 4 answers"),
    ("right-answer-misconception", quiz_key(lambda answers: answers[0].update(misconception="Hm.")),
     "starter_quiz[1].answers[1].misconception", "the right answer tests no misconception"),
    ("unknown-theme", lesson_key("themes", "themes: [no-such-theme]"), "themes", "no theme"),
    ("text-before-first-heading",
     lesson(lambda p: p.write_text(p.read_text().replace("\n---\n", "\n---\nLost words.\n", 1))),
     "(body)", "text before the first # heading would be lost"),
    ("section-twice", lesson(a_heading_twice), "# ", "appears twice"),
    ("not-utf-8", lesson(lambda p: p.write_bytes(b"---\ntitle: \xff\n---\n")),
     "(file)", "is not UTF-8 text"),
    ("lesson-slug-twice", copied("lessons/*/*.md"), "slug", "is also in"),
    ("handout-slug-twice", a_handout_slug_twice, "slug", "handout 'the-card' is also in"),
    # Module files
    ("module-status", module_file(lambda p: set_key(p, "status", "status: maybe")),
     "status", "is not one of: draft, published"),
    ("module-order", module_file(lambda p: set_key(p, "order", "order: -1")),
     "order", "must be a whole number"),
    ("module-unknown-key", module_file(lambda p: set_key(p, "colour", "colour: red")),
     "colour", "is not a known field"),
    ("module-big-idea", module_file(lambda p: p.write_text(
        re.sub(r"# Big idea\n.*?(?=\n# |\Z)", "", p.read_text(), flags=re.DOTALL))),
     "# Big idea", "is required"),
    ("module-slug-twice", copied("modules/*.md"), "slug", "module"),
    # The list files
    ("age-band-ages", list_file("age_bands.yaml", lambda t: t.replace("min_age: 7", "min_age: 12", 1)),
     "[1].min_age", "is above max_age"),
    ("age-bands-not-a-list", list_file("age_bands.yaml", lambda t: "slug: x\n"),
     "(file)", "must be a list of entries"),
    ("age-bands-not-yaml", list_file("age_bands.yaml", lambda t: "- [\n"),
     "(file)", "is not valid YAML"),
    ("age-band-not-a-mapping", list_file("age_bands.yaml", lambda t: '- "ages 7 to 11"\n' + t),
     "[1]", "expected a mapping of keys to values"),
    ("theme-unknown-key", list_file("themes.yaml", lambda t: t.replace("  name:", "  nmae:", 1)),
     "[1].nmae", "is not a known field"),
    ("service-country", list_file(
        "support_services.yaml", lambda t: re.sub(r"country: [A-Z]{2}", "country: gb", t, count=1)),
     "[1].country", "must be a two-letter country code such as GB"),
    # Unit files (tests/curriculum/test_unit_detail.py has the lessons they list)
    ("unit-not-yaml", list_file(UNIT, lambda t: "lessons: [\n"), "(file)", "is not valid YAML"),
    ("unit-not-a-mapping", list_file(UNIT, lambda t: "- ages-11-14\n"),
     "(file)", "expected a mapping of keys to values"),
    ("unit-unknown-key", list_file(UNIT, lambda t: t + "colour: red\n"),
     "colour", "is not a known field"),
    ("unit-title-not-text", list_file(UNIT, lambda t: re.sub(r"(?m)^title: .*$", "title: [a]", t)),
     "title", "must be text"),
    ("unit-no-lessons", list_file(UNIT, lambda t: t.split("\nlessons:")[0] + "\nlessons: []\n"),
     "lessons", "must list at least one lesson"),
    ("unit-step-not-a-mapping", list_file(
        UNIT, lambda t: t.replace("\nlessons:\n", "\nlessons:\n  - just-a-slug\n", 1)),
     "lessons[1]", "expected a mapping of keys to values"),
    ("unit-step-unknown-key", list_file(
        UNIT, lambda t: re.sub(r"\n  - lesson: (\S+)", r"\n  - lesson: \1\n    note: x", t, count=1)),
     "lessons[1].note", "is not a known field"),
    ("unit-no-age-band", list_file(
        UNIT, lambda t: re.sub(r"(?m)^age_band: .*$", "age_band: ages-0-1", t)),
     "age_band", "no age band 'ages-0-1'"),
    ("unit-comment-in-value", list_file(
        UNIT, lambda t: re.sub(r"(?m)^title: .*$", "title: Speaking up #IWill", t)),
     "title", "as a comment"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("breakage", "field", "words"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_a_broken_file_is_refused_naming_file_and_field(content, breakage, field, words):
    path = breakage(content)
    with pytest.raises(ContentError) as error:
        load_content(content)
    name = str(path.relative_to(content))
    problems = [p for p in error.value.problems if p.path == name]
    assert any(p.field.startswith(field) and words in p.message for p in problems), (
        name,
        error.value.problems,
    )
    assert f"{name}" in str(error.value)
    assert Lesson.objects.count() == 0
