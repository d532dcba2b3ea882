"""Staff editing a lesson in the admin: supervision, quizzes and source links obey the
same rules as the lesson files."""

import pytest
from django.urls import reverse
from hypothesis import example, given, settings
from hypothesis import strategies as st

from curriculum.loader import parse_quiz, quiz_as_yaml
from curriculum.models import Supervision
from tests.curriculum.test_admin import lesson_form
from tests.factories import make_lesson

pytestmark = pytest.mark.django_db

QUIZ = [
    {
        "question": f"Question {number}: which is an example of consent?",
        "answers": [
            {"text": "Asking and waiting for a yes", "correct": True},
            {
                "text": "Hugging someone who didn't say no",
                "misconception": "Not saying no is the same as saying yes.",
            },
            {
                "text": "Hugging because they did last week",
                "misconception": "Yes once means yes every time.",
            },
        ],
    }
    for number in range(1, 7)
]


@pytest.fixture
def lesson():
    return make_lesson(activities=[])


def post(staff_client, lesson, **changes):
    url = reverse("admin:curriculum_lesson_change", args=[lesson.pk])
    return staff_client.post(url, lesson_form(lesson, **changes))


def test_staff_set_supervision_and_quizzes(staff_client, lesson):
    response = post(
        staff_client,
        lesson,
        supervision=Supervision.REQUIRED,
        supervision_note="Disclosures are likely.",
        starter_quiz=quiz_as_yaml(QUIZ),
        exit_quiz=quiz_as_yaml(QUIZ[:4]),
    )
    assert response.status_code == 302
    lesson.refresh_from_db()
    assert lesson.supervision == Supervision.REQUIRED
    assert lesson.supervision_note == "Disclosures are likely."
    assert lesson.starter_quiz == QUIZ and lesson.exit_quiz == QUIZ[:4]


def test_the_change_page_shows_a_quiz_as_editable_yaml(staff_client):
    lesson = make_lesson(starter_quiz=QUIZ)
    response = staff_client.get(reverse("admin:curriculum_lesson_change", args=[lesson.pk]))
    assert "- question: &#x27;Question 1: which is an example of consent?&#x27;" in response.text
    assert "correct: true" in response.text


def test_a_quiz_without_a_right_answer_is_refused_and_nothing_changes(staff_client, lesson):
    broken = quiz_as_yaml(QUIZ).replace("correct: true", "misconception: Oops.", 1)
    response = post(staff_client, lesson, starter_quiz=broken)
    assert response.status_code == 200
    assert "starter_quiz[1].answers: has no right answer" in response.text
    lesson.refresh_from_db()
    assert lesson.starter_quiz == []


def test_a_quiz_text_cut_by_a_comment_is_refused(staff_client, lesson):
    cut = quiz_as_yaml(QUIZ).replace("Asking and waiting", "Asking #first and waiting", 1)
    response = post(staff_client, lesson, starter_quiz=cut)
    assert response.status_code == 200
    assert "as a comment" in response.text
    lesson.refresh_from_db()
    assert lesson.starter_quiz == []


def test_an_unknown_supervision_level_is_refused(staff_client, lesson):
    response = post(staff_client, lesson, supervision="adult-supervision-optional")
    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    lesson.refresh_from_db()
    assert lesson.supervision == ""


@pytest.mark.parametrize(
    "url", ["javascript:alert(document.cookie)", "data:text/html,hi", "ftp://example.org/x"]
)
def test_a_source_url_that_is_not_a_web_address_is_refused(staff_client, lesson, url):
    sources = f"Barnes-Smith, M. | No Going Back | 2020 | EqualiTeach | {url}"
    response = post(staff_client, lesson, sources=sources)
    assert response.status_code == 200
    assert "is not a web address; start it with https://" in response.text
    lesson.refresh_from_db()
    assert lesson.sources[0]["url"] == "https://equaliteach.co.uk/"


def test_an_https_source_url_is_saved(staff_client, lesson):
    sources = "Barnes-Smith, M. | No Going Back | 2020 | EqualiTeach | https://example.org/a"
    assert post(staff_client, lesson, sources=sources).status_code == 302
    lesson.refresh_from_db()
    assert lesson.sources[0]["url"] == "https://example.org/a"


YAMLISH = st.text(alphabet=st.sampled_from(list("-:#'\"[]{}|>!&*?\n  abcyesno01.")), max_size=80)


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(st.text(max_size=80), YAMLISH))
@example(text="a #b")
@example(text="- question: yes\n  answers: {a: [1, 2]}  # c")
@example(text="- !!python/object:os.system {}")
@example(text="- question: x\n  answers:\n  - text: 1.10\n    correct: maybe")
def test_any_text_in_a_quiz_box_gives_a_quiz_or_problems_never_an_error(text):
    quiz, problems = parse_quiz(text, "starter_quiz")
    assert isinstance(quiz, list)
    assert all(problem.field.startswith("starter_quiz") for problem in problems)
