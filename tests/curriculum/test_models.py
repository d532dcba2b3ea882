import pytest
from django.db import IntegrityError, transaction

from curriculum.models import Activity, Lesson, Status
from tests.factories import make_lesson, make_module

pytestmark = pytest.mark.django_db


def test_lesson_markdown_is_rendered_and_sanitised_on_save():
    lesson = make_lesson(safeguarding="## Tell\n\n**Now** <script>alert(1)</script>")
    html = lesson.html["safeguarding"]
    assert "<strong>Now</strong>" in html
    assert "<script>" not in html
    assert '<h3 id="tell">Tell</h3>' in html  # content headings sit under the page's own


def test_links_in_markdown_keep_only_safe_schemes():
    lesson = make_lesson(teacher_notes="[bad](javascript:alert(1)) [good](https://example.org)")
    assert 'href="javascript' not in lesson.html["teacher_notes"]
    assert 'href="https://example.org"' in lesson.html["teacher_notes"]


def test_lesson_slugs_are_unique():
    make_lesson("same-slug")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_lesson("same-slug")


def test_activity_order_is_unique_within_a_lesson():
    lesson = make_lesson()
    with pytest.raises(IntegrityError), transaction.atomic():
        Activity.objects.create(lesson=lesson, order=1, title="Again", minutes=5, instructions="x")


def test_lesson_duration_must_be_positive():
    with pytest.raises(IntegrityError), transaction.atomic():
        Lesson.objects.create(
            module=make_module(), slug="zero", title="Zero", summary="s", duration_minutes=0
        )


def test_activity_upper_bound_must_be_above_minutes():
    lesson = make_lesson()
    with pytest.raises(IntegrityError), transaction.atomic():
        Activity.objects.create(
            lesson=lesson, order=9, title="Odd", minutes=10, minutes_max=10, instructions="x"
        )


def test_timeline_gives_each_activity_its_start_minute():
    lesson = make_lesson(activities=[("A", 10, 15), ("B", 20, None), ("C", 15, None)])
    starts = [(start, activity.title) for start, activity in lesson.timeline()]
    assert starts == [(0, "A"), (10, "B"), (30, "C")]


def test_minutes_mismatch_is_reported_only_when_activities_do_not_fill_the_lesson():
    fits = make_lesson(duration_minutes=45)
    assert fits.minutes_mismatch_message() is None
    short = make_lesson(duration_minutes=60)
    assert "45 minutes but the lesson lasts 60" in short.minutes_mismatch_message()


def test_published_and_visible_to():
    from django.contrib.auth.models import AnonymousUser

    from tests.factories import make_staff

    published = make_lesson(status=Status.PUBLISHED)
    draft = make_lesson(status=Status.DRAFT)
    assert list(Lesson.objects.published()) == [published]
    assert set(Lesson.objects.visible_to(AnonymousUser())) == {published}
    assert set(Lesson.objects.visible_to(make_staff())) == {published, draft}


def test_str_and_absolute_urls():
    lesson = make_lesson("speak-up", title="Speak up")
    assert str(lesson) == "Speak up"
    assert lesson.get_absolute_url() == "/lessons/speak-up/"
    assert lesson.module.get_absolute_url() == "/modules/start-a-conversation/"
