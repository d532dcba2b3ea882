"""A lesson's supervision level and its quizzes on the lesson page and the print view."""

import re

import pytest

from curriculum.models import Supervision
from tests.factories import make_lesson

pytestmark = pytest.mark.django_db


def question(number):
    return {
        "question": f"Question {number}: which is an example of consent?",
        "answers": [
            {
                "text": f"Hugging someone who didn't say no ({number})",
                "misconception": f"Not saying no is the same as saying yes ({number}).",
            },
            {"text": f"Asking and waiting for a yes ({number})", "correct": True},
            {
                "text": f"Hugging because they hugged you last week ({number})",
                "misconception": f"Yes once means yes every time ({number}).",
            },
        ],
    }


@pytest.fixture
def lesson():
    return make_lesson(
        "speaking-up",
        supervision=Supervision.REQUIRED,
        supervision_note="Students may disclose harassment.",
        starter_quiz=[question(n) for n in range(1, 5)],
        exit_quiz=[question(n) for n in range(5, 9)],
    )


def without_teacher_parts(html):
    return re.sub(r"<details.*?</details>", "", html, flags=re.DOTALL)


def test_lesson_page_shows_supervision_beside_the_content_guidance(anon_client, lesson):
    text = anon_client.get(lesson.get_absolute_url()).text
    panel = text[text.index('id="before-you-teach"') : text.index("</section>")]
    assert "Adult supervision required." in panel
    assert "Students may disclose harassment." in panel


def test_lesson_page_shows_questions_to_all_and_answers_in_the_teachers_part(anon_client, lesson):
    text = anon_client.get(lesson.get_absolute_url()).text
    assert "Starter quiz" in text and "Exit quiz" in text
    for number in range(1, 9):
        assert f"Question {number}: which is an example of consent?" in text
        assert f"A. Hugging someone who didn&#x27;t say no ({number})" in text
    assert text.count("Answers and misconceptions (for the teacher)") == 2
    open_part = without_teacher_parts(text)
    assert "Right answer" not in open_part
    assert "Not saying no is the same as saying yes" not in open_part
    assert "Right answer: B. Asking and waiting for a yes (1)" in text
    assert "tests the misconception “Not saying no is the same as saying yes (1).”" in text


def test_the_plan_names_its_quizzes_and_prints_them_with_the_handouts(anon_client, lesson):
    """The plan fits six A4 pages (issue 20): its quizzes are student sheets, so they
    print with the handouts, like the handouts."""
    plan = anon_client.get(f"{lesson.get_absolute_url()}print/").text
    assert "Starter quiz: 4 questions. They print with the handouts." in plan
    assert "Exit quiz: 4 questions. They print with the handouts." in plan
    assert 'id="quiz-answer-key"' not in plan and "Question 1:" not in plan


def test_print_view_has_student_sheets_then_an_answer_key(anon_client, lesson):
    text = anon_client.get(f"{lesson.get_absolute_url()}print/?handouts=1").text
    sheets, key = text.split('id="quiz-answer-key"')
    printed_sheets = without_teacher_parts(sheets)  # <details> is screen-only (no-print)
    assert 'class="quiz-teacher no-print"' in sheets
    assert "Question 1: which is an example of consent?" in printed_sheets
    assert "Question 8: which is an example of consent?" in printed_sheets
    assert "Right answer" not in printed_sheets and "misconception" not in printed_sheets
    for number in range(1, 9):
        assert f"Right answer: B. Asking and waiting for a yes ({number})" in key
        assert f"Yes once means yes every time ({number})." in key


def test_a_lesson_without_quizzes_or_supervision_shows_no_empty_parts(anon_client):
    lesson = make_lesson("speaking-up")
    for url in (lesson.get_absolute_url(), f"{lesson.get_absolute_url()}print/"):
        text = anon_client.get(url).text
        assert "Starter quiz" not in text and "Exit quiz" not in text and "answer key" not in text
        assert "Supervision" not in text


def test_lesson_page_with_quizzes_keeps_its_query_count(
    anon_client, lesson, django_assert_num_queries
):
    # lesson, bands, themes, activities, handouts, support services, its place in units
    with django_assert_num_queries(7):
        assert anon_client.get(lesson.get_absolute_url()).status_code == 200
    # the print view too: the first and last lessons of a unit print its baseline task
    with django_assert_num_queries(7):
        assert anon_client.get(f"{lesson.get_absolute_url()}print/?handouts=1").status_code == 200
