"""Lesson search: the words a lesson is found by, and the correction of a misspelt search.

One code path on SQLite and PostgreSQL, so both find the same lessons in the same order.
Each lesson keeps three plain-text documents (`Lesson.save` refreshes them): its title,
its lead (summary, outcome, themes, vocabulary terms, key learning points) and its whole
text (those plus objectives, vocabulary definitions, activities, questions, handouts and
the teacher's sections; not the sources). A document is the text's words, case-folded,
without accents or apostrophes, each with a space before and after, so that the ORM's
`contains` finds a word's beginning: " bystander" finds "bystanders", not "non-bystander".

A search word is cut to a rough stem ("bystanders" -> "bystander", "intervening" ->
"interven"), and every word must begin a word of the lesson's text. Lessons rank by how
many search words are in the title, then in the lead, then by how often they occur.
"""

import difflib
import re
import unicodedata

MAX_WORDS = 10
# Endings cut from a search word, longest first, if at least MIN_STEM letters remain.
SUFFIXES = ("ing", "es", "ed", "s")
MIN_STEM = 4
# A misspelt word is corrected to a word of the lessons at least this close (difflib).
CORRECTION_CUTOFF = 0.75

_APOSTROPHES = re.compile(r"['’‘`]")
_WORD = re.compile(r"\w+")


def words(text):
    """The words of a text, case-folded, with accents and apostrophes dropped."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _WORD.findall(_APOSTROPHES.sub("", text))


def document(*texts):
    """The searchable form of some texts: " word word … " (empty if they have no words)."""
    found = [word for text in texts for word in words(text)]
    return f" {' '.join(found)} " if found else ""


def stem(word):
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM:
            if suffix == "ed" and word.endswith("eed"):
                continue  # "need", "speed": not a past tense
            return word[: -len(suffix)]
    return word


def query_words(text):
    """The distinct words of a search, in order, at most MAX_WORDS."""
    return list(dict.fromkeys(words(text)))[:MAX_WORDS]


def needles(text):
    """What each search word is looked for as in a document: " stem"."""
    return [f" {stem(word)}" for word in query_words(text)]


def _records(items, *keys):
    return [str(item.get(key, "")) for item in items for key in keys if isinstance(item, dict)]


def _quiz_text(quiz):
    """A quiz's questions, answers and the misconceptions they test: all on the page."""
    for question in quiz or []:
        yield str(question.get("question", ""))
        for answer in question.get("answers", []):
            yield str(answer.get("text", ""))
            yield str(answer.get("misconception", ""))


def lesson_documents(lesson):
    """The three search documents of a lesson: {"search_title", "search_lead",
    "search_text"}. Reads its activities, themes and handouts once it has been saved.

    Takes any object with a lesson's fields, so a migration's historical model works too.
    """
    themes, activities, handouts = [], [], []
    if lesson.pk:
        themes = [theme.name for theme in lesson.themes.all()]
        activities = [
            text
            for activity in lesson.activities.all()
            for text in (activity.title, activity.instructions)
        ]
        handouts = [
            text for handout in lesson.handouts.all() for text in (handout.title, handout.body)
        ]
    lead = [
        lesson.summary,
        lesson.outcome,
        *themes,
        *_records(lesson.key_vocabulary, "term"),
        *[str(point) for point in lesson.key_learning_points],
    ]
    body = [
        *[str(text) for text in lesson.objectives],
        *_records(lesson.key_vocabulary, "definition"),
        *_records(lesson.misconceptions, "misconception", "response"),
        *_records(lesson.content_guidance, "guidance"),
        lesson.starter_question,
        *[str(text) for text in (*lesson.discussion_questions, *lesson.exit_questions)],
        *[str(text) for text in lesson.materials],
        *activities,
        *handouts,
        *_quiz_text(getattr(lesson, "starter_quiz", None)),
        *_quiz_text(getattr(lesson, "exit_quiz", None)),
        *[
            getattr(lesson, name)
            for name in (
                "safeguarding",
                "adaptations_send",
                "adaptations_eal",
                "adaptations_mixed_age",
                "extension",
                "teacher_notes",
            )
        ],
    ]
    return {
        "search_title": document(lesson.title),
        "search_lead": document(*lead),
        "search_text": document(lesson.title, *lead, *body),
    }


def correction(text, documents):
    """The search with each word that begins no word of `documents` replaced by the
    closest word that does, or None when nothing needs or can be corrected."""
    vocabulary = {word for doc in documents for word in doc.split() if word.isalpha()}
    corrected, changed = [], False
    for word in query_words(text):
        start = stem(word)
        if any(known.startswith(start) for known in vocabulary):
            corrected.append(word)
            continue
        close = difflib.get_close_matches(word, vocabulary, n=1, cutoff=CORRECTION_CUTOFF)
        if not close:
            return None
        corrected.append(close[0])
        changed = True
    return " ".join(corrected) if changed else None
