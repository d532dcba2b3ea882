"""The curriculum files: the shipped content loads, reloads safely, round-trips through
export, and malformed files are refused with the file and field named."""

import re
import shutil
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command

from curriculum.loader import (
    NOT_YET_RULES,
    Content,
    ContentError,
    check_units,
    export_content,
    lesson_data,
    load_content,
    read_content,
)
from curriculum.models import Lesson, Module, Status, SupportService

pytestmark = pytest.mark.django_db

CONTENT = Path(settings.CURRICULUM_DIR)
LESSON_GLOB = "lessons/*/*.md"


@pytest.fixture
def content(tmp_path):
    """A private copy of the shipped content to break."""
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target)
    return target


def a_lesson_file(root):
    return sorted(root.glob(LESSON_GLOB))[0]


def snapshot():
    lessons = Lesson.objects.select_related("module").prefetch_related("age_bands", "themes")
    return {lesson.slug: lesson_data(lesson) for lesson in lessons}


def test_shipped_curriculum_loads():
    report = load_content(CONTENT)
    assert Module.objects.published().count() >= 3
    assert Lesson.objects.published().count() >= 3
    assert SupportService.objects.exists()
    assert not report.kept_admin_edits
    core = {"start-a-conversation", "stop-it-before-it-starts", "create-a-respectful-environment"}
    assert core <= set(Module.objects.values_list("slug", flat=True))


def test_loading_twice_changes_nothing():
    load_content(CONTENT)
    before = snapshot()
    report = load_content(CONTENT)
    assert report.created == [] and report.updated == []
    assert snapshot() == before


def test_round_trip_load_export_load_is_lossless(tmp_path, django_db_blocker):
    load_content(CONTENT)
    before = snapshot()
    export_content(tmp_path / "exported")
    Lesson.objects.all().delete()
    Module.objects.all().delete()
    load_content(tmp_path / "exported")
    assert snapshot() == before


def test_export_writes_one_file_per_lesson(tmp_path):
    load_content(CONTENT)
    export_content(tmp_path)
    assert len(list(tmp_path.glob(LESSON_GLOB))) == Lesson.objects.count()


def test_admin_edits_are_kept_unless_update(content):
    load_content(content)
    lesson = Lesson.objects.get(slug=read_content(content).lessons[0]["slug"])
    lesson.title = "Edited in the admin"
    lesson.save()
    path = next(p for p in content.glob(LESSON_GLOB) if f"slug: {lesson.slug}\n" in p.read_text())
    path.write_text(path.read_text().replace("summary:", "summary: Changed in the file.", 1))

    report = load_content(content)
    lesson.refresh_from_db()
    assert lesson.title == "Edited in the admin"
    assert f"lesson {lesson.slug}" in report.kept_admin_edits

    load_content(content, update=True)
    lesson.refresh_from_db()
    assert lesson.title != "Edited in the admin"


def test_a_changed_file_updates_an_unedited_lesson(content):
    load_content(content)
    path = a_lesson_file(content)
    slug = read_content(content).lessons[0]["slug"]
    text = path.read_text()
    path.write_text(text.replace("\nsummary:", "\nsummary: NEW SUMMARY.", 1))
    slug = next(
        item["slug"] for item in read_content(content).lessons if item["_path"].endswith(path.name)
    )
    report = load_content(content)
    assert f"lesson {slug}" in report.updated
    assert Lesson.objects.get(slug=slug).summary.startswith("NEW SUMMARY.")


@pytest.mark.parametrize(
    ("breakage", "field"),
    [
        (lambda text: text.replace("\nduration_minutes:", "\nduration_minutes: 1000 #", 1),
         "activities"),
        (lambda text: text.replace("\ntitle:", "\ntitel:", 1), "titel"),
        (lambda text: text.replace("\nmodule:", "\nmodule: no-such-module #", 1), "module"),
        (lambda text: text.replace("\nage_bands:", "\nage_bands: [ages-0-1] #", 1), "age_bands"),
        (lambda text: text.replace("\nstatus:", "\nstatus: maybe #", 1), "status"),
        (lambda text: text.replace("---\n", "---\n: : [\n", 1), "(front matter)"),
        (lambda text: text + "\n# Not a section\n\ntext\n", "# Not a section"),
    ],
)  # fmt: skip
def test_malformed_lesson_is_refused_naming_file_and_field(content, breakage, field):
    path = a_lesson_file(content)
    path.write_text(breakage(path.read_text()))
    with pytest.raises(ContentError) as error:
        load_content(content)
    problems = [p for p in error.value.problems if path.name in p.path]
    assert problems, error.value.problems
    assert any(p.field.startswith(field) for p in problems), problems
    assert Lesson.objects.count() == 0  # nothing was loaded


def test_command_reports_problems_and_loads_nothing(content, capsys):
    path = a_lesson_file(content)
    path.write_text(path.read_text().replace("\ntitle:", "\ntitel:", 1))
    with pytest.raises(CommandError, match="nothing was loaded"):
        call_command("load_curriculum", path=str(content))
    assert "titel" in capsys.readouterr().err
    assert Lesson.objects.count() == 0


def test_command_check_validates_without_loading(capsys):
    call_command("load_curriculum", check=True)
    assert "are valid" in capsys.readouterr().out
    assert Lesson.objects.count() == 0


def test_export_command_writes_files(tmp_path):
    load_content(CONTENT)
    call_command("export_curriculum", output=str(tmp_path))
    assert (tmp_path / "age_bands.yaml").exists()
    assert list(tmp_path.glob("modules/*.md"))


def test_draft_status_in_file_is_loaded_as_draft(content):
    path = a_lesson_file(content)
    path.write_text(path.read_text().replace("\nstatus: published", "\nstatus: draft", 1))
    load_content(content)
    assert Lesson.objects.filter(status=Status.DRAFT).count() == 1


def set_front_matter_line(path, key, line):
    """Replace a top-level key's whole value (its line and any lines indented under it)."""
    lines = path.read_text().split("\n")
    start = next(i for i, text in enumerate(lines) if text.startswith(f"{key}:"))
    end = start + 1
    while lines[end].startswith(" "):
        end += 1
    lines[start:end] = [line]
    path.write_text("\n".join(lines))


def line_of(path, text):
    return path.read_text().split("\n").index(text) + 1


def test_a_hash_that_would_cut_the_outcome_short_is_refused(content):
    path = a_lesson_file(content)
    outcome = "outcome: I can explain what the #MeToo movement was about."
    set_front_matter_line(path, "outcome", outcome)
    with pytest.raises(ContentError) as error:
        read_content(content)
    (problem,) = [p for p in error.value.problems if p.path.endswith(path.name)]
    assert problem.field == "outcome"
    assert problem.line == line_of(path, outcome)
    assert "#MeToo movement was about." in problem.message
    assert f"{path.name}:{problem.line}: outcome:" in str(problem)


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ("status: published  # or draft", "status"),
        ("themes: [consent]  # one theme", "themes"),
        ("outcome: #MeToo is what I can explain.", "outcome"),
    ],
)
def test_a_comment_after_a_value_is_refused(content, line, field):
    path = a_lesson_file(content)
    set_front_matter_line(path, line.split(":")[0], line)
    with pytest.raises(ContentError) as error:
        read_content(content)
    problems = [p for p in error.value.problems if p.path.endswith(path.name)]
    assert any(p.field == field and "comment" in p.message for p in problems), problems


@pytest.mark.parametrize(
    ("value", "read_as"), [("No", "true or false"), ("1.10", "a number"), ("2020-05-01", "a date")]
)
def test_an_unquoted_value_yaml_reads_as_not_text_is_refused(content, value, read_as):
    path = a_lesson_file(content)
    set_front_matter_line(path, "starter_question", f"starter_question: {value}")
    with pytest.raises(ContentError) as error:
        read_content(content)
    messages = [p.message for p in error.value.problems if p.field == "starter_question"]
    assert any(read_as in message and "double quotes" in message for message in messages)


def test_comments_that_change_nothing_are_allowed(content):
    path = a_lesson_file(content)
    text = path.read_text()
    text = text.replace(
        "\nactivities:\n", "\n# The lesson, in order.\nactivities:  # in order\n", 1
    )
    path.write_text(text.replace("\nstatus: published", '\nstatus: "published"', 1))
    read_content(content)  # no ContentError


def a_quiz(questions=6):
    return [
        {
            "question": f"Question {number}: which of these is right?",
            "answers": [
                {"text": "The right answer", "correct": True},
                {"text": "A wrong answer", "misconception": "A common mistake."},
                {"text": "Another wrong answer", "misconception": "Another mistake."},
            ],
        }
        for number in range(1, questions + 1)
    ]


def add_to_front_matter(path, data):
    """Write `data` as YAML keys just before the file's activities."""
    block = yaml.safe_dump(data, sort_keys=False, allow_unicode=True).rstrip("\n")
    text = path.read_text()
    assert "\nactivities:" in text
    path.write_text(text.replace("\nactivities:", f"\n{block}\nactivities:", 1))


def test_supervision_and_quizzes_load_and_export_in_the_same_shape(content, tmp_path):
    path = a_lesson_file(content)
    written = {
        "supervision": "adult-supervision-required",
        "supervision_note": "Students may disclose.",
        "starter_quiz": a_quiz(6),
        "exit_quiz": a_quiz(4),
    }
    add_to_front_matter(path, written)
    load_content(content)
    lesson = Lesson.objects.get(slug=path.stem)
    assert lesson.supervision == "adult-supervision-required"
    assert lesson.starter_quiz == written["starter_quiz"]

    export_content(tmp_path)
    exported = (tmp_path / path.relative_to(content)).read_text()
    front = yaml.safe_load(exported.split("---\n")[1])
    assert {key: front[key] for key in written} == written
    assert (
        "starter_quiz:\n- question: 'Question 1: which of these is right?'\n  answers:\n  - text: The right answer\n    correct: true\n"
        in exported
    )


def break_first_question(change):
    quiz = a_quiz(6)
    change(quiz, quiz[0]["answers"])
    return quiz


@pytest.mark.parametrize(
    ("quiz", "field", "words"),
    [
        (break_first_question(lambda q, a: a[0].update(correct=False, misconception="Hm.")),
         "starter_quiz[1].answers", "no right answer"),
        (break_first_question(lambda q, a: (a[1].pop("misconception"), a[1].update(correct=True))),
         "starter_quiz[1].answers", "2 right answers"),
        (break_first_question(lambda q, a: a[2].pop("misconception")),
         "starter_quiz[1].answers[3].misconception", "is required"),
        (break_first_question(lambda q, a: a.pop()),
         "starter_quiz[1].answers", "3 or 4 answers"),
        (break_first_question(lambda q, a: a[0].update(correct="yes")),
         "starter_quiz[1].answers[1].correct", "must be true"),
        (a_quiz(3), "starter_quiz", "has 3 questions"),
        (a_quiz(11), "starter_quiz", "has 11 questions"),
    ],
    ids=["no-right-answer", "two-right-answers", "distractor-without-misconception",
         "two-answers", "correct-not-true", "too-few-questions", "too-many-questions"],
)  # fmt: skip
def test_a_broken_quiz_is_refused_naming_file_and_field(content, quiz, field, words):
    path = a_lesson_file(content)
    add_to_front_matter(path, {"starter_quiz": quiz})
    with pytest.raises(ContentError) as error:
        load_content(content)
    problems = [p for p in error.value.problems if p.path.endswith(path.name)]
    assert any(p.field == field and words in p.message for p in problems), problems
    assert Lesson.objects.count() == 0


def test_an_unknown_supervision_level_is_refused(content):
    path = a_lesson_file(content)
    add_to_front_matter(path, {"supervision": "adult-supervision-optional"})
    with pytest.raises(ContentError) as error:
        read_content(content)
    (problem,) = [p for p in error.value.problems if p.path.endswith(path.name)]
    assert problem.field == "supervision"
    assert "adult-supervision-recommended" in problem.message


def test_a_lesson_loaded_before_supervision_existed_takes_it_from_its_file(content):
    load_content(content)
    path = a_lesson_file(content)
    add_to_front_matter(path, {"supervision": "adult-supervision-suggested"})
    report = load_content(content)
    assert report.updated == [f"lesson {path.stem}"] and not report.kept_admin_edits
    assert Lesson.objects.get(slug=path.stem).supervision == "adult-supervision-suggested"


@pytest.mark.parametrize("url", ["javascript:alert(document.cookie)", "data:text/html,hi"])
def test_a_source_url_that_is_not_a_web_address_is_refused(content, url):
    path = a_lesson_file(content)
    path.write_text(re.sub(r"\n    url: \S+", f'\n    url: "{url}"', path.read_text(), count=1))
    with pytest.raises(ContentError) as error:
        read_content(content)
    (problem,) = [p for p in error.value.problems if p.path.endswith(path.name)]
    assert problem.field == "sources[1].url"
    assert "not a web address" in problem.message


def test_a_support_service_url_that_is_not_a_web_address_is_refused(content):
    path = content / "support_services.yaml"
    text = re.sub(r"url: \S+", 'url: "javascript:alert(1)"', path.read_text(), count=1)
    path.write_text(text)
    with pytest.raises(ContentError) as error:
        read_content(content)
    (problem,) = error.value.problems
    assert (problem.path, problem.field) == ("support_services.yaml", "[1].url")
    assert "not a web address" in problem.message


def a_unit(band="ages-11-14", count=6):
    """Validated content for one age band's unit that meets every unit rule."""
    bands = [
        {"slug": "ages-7-11", "label": "Ages 7–11", "min_age": 7, "max_age": 11},
        {"slug": "ages-11-14", "label": "Ages 11–14", "min_age": 11, "max_age": 14},
    ]
    source = {"author": "Barnes-Smith, M.", "title": "No Going Back", "publisher": "EqualiTeach",
              "year": 2020, "url": "https://equaliteach.co.uk/"}  # fmt: skip
    lessons = [
        {
            "_path": f"lessons/m/lesson-{number}.md",
            "slug": f"lesson-{number}",
            "title": f"Lesson {number}",
            "module": "m",
            "status": "published",
            "age_bands": [band],
            "duration_minutes": 40 if band == "ages-7-11" else 55,
            "supervision": "adult-supervision-recommended",
            "starter_quiz": a_quiz(6),
            "exit_quiz": a_quiz(6),
            "sources": [dict(source)],
        }  # fmt: skip
        for number in range(1, count + 1)
    ]
    units = [{"age_band": band, "lessons": [{"lesson": lesson["slug"]} for lesson in lessons]}]
    return Content(age_bands=[b for b in bands if b["slug"] == band],
                   modules=[{"slug": "m", "order": 1, "title": "M"}], lessons=lessons,
                   units=units)  # fmt: skip


@pytest.mark.parametrize(("band", "minutes"), [("ages-7-11", 30), ("ages-7-11", 45),
                                               ("ages-11-14", 50), ("ages-11-14", 60)])  # fmt: skip
def test_a_complete_unit_meets_every_unit_rule(band, minutes):
    unit = a_unit(band)
    for lesson in unit.lessons:
        lesson["duration_minutes"] = minutes
    assert check_units(unit, strict=True) == ([], [])


def test_a_lesson_its_bands_unit_does_not_list_fails():
    unit = a_unit("ages-11-14")
    unit.units[0]["lessons"].pop()
    failures, _warnings = check_units(unit, strict=True)
    assert [(rule, problem.path) for rule, problem in failures] == [
        ("unit-lists-every-lesson", "lessons/m/lesson-6.md")
    ]


def set_first(key, value):
    return lambda unit: unit.lessons[0].update({key: value})


@pytest.mark.parametrize(
    ("rule", "band", "breakage", "where"),
    [
        ("lessons-per-band", "ages-11-14", lambda unit: unit.lessons.pop(),
         ("age_bands.yaml", "ages-11-14")),
        ("lessons-per-band", "ages-11-14", set_first("status", "draft"),
         ("age_bands.yaml", "ages-11-14")),
        ("minutes-fit-period", "ages-7-11", set_first("duration_minutes", 50),
         ("lessons/m/lesson-1.md", "duration_minutes")),
        ("minutes-fit-period", "ages-11-14", set_first("duration_minutes", 45),
         ("lessons/m/lesson-1.md", "duration_minutes")),
        ("minutes-fit-period", "ages-11-14", set_first("duration_minutes", 75),
         ("lessons/m/lesson-1.md", "duration_minutes")),
        ("both-quizzes", "ages-11-14", set_first("exit_quiz", []),
         ("lessons/m/lesson-1.md", "exit_quiz")),
        ("supervision-set", "ages-11-14", set_first("supervision", ""),
         ("lessons/m/lesson-1.md", "supervision")),
        ("sources-complete", "ages-11-14", set_first("sources", []),
         ("lessons/m/lesson-1.md", "sources")),
        ("sources-complete", "ages-11-14", lambda unit: unit.lessons[0]["sources"][0].pop("year"),
         ("lessons/m/lesson-1.md", "sources[1]")),
        ("sources-complete", "ages-11-14",
         lambda unit: unit.lessons[0]["sources"][0].update(year="c. 2020"),
         ("lessons/m/lesson-1.md", "sources[1].year")),
    ],
)  # fmt: skip
def test_each_unit_rule_names_what_breaks_it(rule, band, breakage, where):
    unit = a_unit(band)
    breakage(unit)
    failures, warnings = check_units(unit, strict=True)
    assert warnings == []
    assert [(name, problem.path, problem.field) for name, problem in failures] == [(rule, *where)]


def test_every_unit_rule_fails_now_that_the_content_meets_them():
    """The shipped content meets every rule, so none is a mere warning any more."""
    assert frozenset() == NOT_YET_RULES
    unit = a_unit(count=5)
    unit.lessons[0]["supervision"] = ""
    failures, warnings = check_units(unit)
    assert [name for name, _problem in failures] == ["lessons-per-band", "supervision-set"]
    assert warnings == []


def test_check_command_lists_each_band_and_fails_a_unit_rule(content, capsys):
    for path in content.glob(LESSON_GLOB):  # no published lessons: no band has a unit
        path.write_text(path.read_text().replace("\nstatus: published", "\nstatus: draft"))
    with pytest.raises(CommandError, match="unit rule problem"):
        call_command("load_curriculum", path=str(content), check=True)
    captured = capsys.readouterr()
    assert "ages-11-14: 0 published, in teaching order: none" in captured.out
    assert "lessons-per-band: age_bands.yaml: ages-11-14:" in captured.err
