"""A lesson's quizzes in a real browser: axe finds no WCAG failures, the teacher's answers
open from the keyboard, and printing leaves them out but adds the answer key."""

import pytest

from curriculum.models import Supervision
from tests.browser.conftest import axe_violations, new_page, screenshot
from tests.factories import make_lesson

pytestmark = pytest.mark.browser

QUIZ = [
    {
        "question": f"Question {number}: which of these is an example of consent?",
        "answers": [
            {
                "text": "Hugging someone who didn't say no",
                "misconception": "Not saying no is the same as saying yes.",
            },
            {"text": "Asking 'Can I hug you?' and waiting for a yes", "correct": True},
            {
                "text": "Hugging someone because they hugged you last week",
                "misconception": "Saying yes once means yes every time.",
            },
        ],
    }
    for number in range(1, 7)
]


@pytest.fixture
def lesson(server):
    return make_lesson(
        "speaking-up",
        supervision=Supervision.REQUIRED,
        supervision_note="Students may disclose harassment.",
        starter_quiz=QUIZ,
        exit_quiz=QUIZ[:4],
    )


@pytest.mark.parametrize("phone", [False, True], ids=["laptop", "phone"])
def test_quizzes_pass_axe_and_open_from_the_keyboard(browser, server, lesson, phone):
    context, page = new_page(browser, phone=phone, bypass_csp=True)
    page.goto(f"{server}{lesson.get_absolute_url()}")
    answers = page.locator("#starter-quiz ~ details .quiz-key").first
    assert not answers.is_visible()
    page.get_by_text("Answers and misconceptions (for the teacher)").first.focus()
    page.keyboard.press("Enter")
    assert answers.is_visible()
    assert "tests the misconception" in answers.inner_text()
    assert axe_violations(page) == []
    screenshot(page, f"lesson-quiz-{'phone' if phone else 'laptop'}")
    context.close()


def test_printing_the_lesson_leaves_out_the_teachers_answers(page, server, lesson):
    page.goto(f"{server}{lesson.get_absolute_url()}print/?handouts=1")
    page.emulate_media(media="print")
    assert page.locator(".quiz-teacher").first.is_hidden()
    assert page.get_by_role("heading", name="Quiz answer key (for the teacher)").is_visible()
    break_before = page.locator("section.quiz").first.evaluate(
        "node => getComputedStyle(node).breakBefore"
    )
    assert break_before == "page"
