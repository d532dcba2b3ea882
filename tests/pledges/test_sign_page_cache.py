"""The public pledge page kept once rendered (pledges/page_cache.py): what a class opens
thirty times in a minute costs one query, shows every change at once, and each student
still gets a CSRF token of their own that signs."""

import re
from html import unescape

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from allyship_site.prepared import PreparedQuery
from curriculum import page_cache as curriculum_cache
from pledges import page_cache
from pledges.models import CheckIn, Pledge
from tests.factories import make_lesson, make_pledge, make_signature, sign_form_data

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def page_caching(settings):
    """Off with DEBUG (as in the tests): on here, with nothing kept from earlier tests.
    The curriculum version is read once a minute, as a process does between requests
    (a curriculum save in this process moves it on at once)."""
    settings.PAGE_CACHE = True
    settings.PAGE_CACHE_VERSION_MS = 60_000
    caches[settings.PAGE_CACHE_ALIAS].clear()
    yield
    caches[settings.PAGE_CACHE_ALIAS].clear()


@pytest.fixture
def open_pledge(classroom):
    return make_pledge(classroom, show_names=True)


def visit(client, pledge):
    """The page as text, and how many queries it took."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(pledge.get_link_url())
    assert response.status_code == 200
    return unescape(response.text), len(queries.captured_queries)


def shown(text):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))


def test_the_second_student_gets_the_kept_page_for_one_query(open_pledge):
    make_signature(open_pledge, "Amara B")
    first, first_queries = visit(Client(), open_pledge)
    second, second_queries = visit(Client(), open_pledge)
    assert second_queries == 1  # the pledge, with its count and state
    assert first_queries > second_queries
    assert TOKEN.sub("", first) == TOKEN.sub("", second)
    assert "Amara B" in second and "1 person has signed" in shown(second)


@pytest.mark.parametrize("kept", [False, True], ids=["rendered", "kept"])
def test_the_token_on_a_page_signs_whether_rendered_or_kept(open_pledge, kept):
    if kept:
        visit(Client(), open_pledge)  # someone else's visit fills the cache
    phone = Client(enforce_csrf_checks=True)
    text, queries = visit(phone, open_pledge)
    assert (queries == 1) is kept
    token = TOKEN.search(text)[1]
    assert token != page_cache.CSRF_PLACEHOLDER
    assert "csrftoken" in phone.cookies  # the cookie the token pairs with was sent
    response = phone.post(
        open_pledge.get_link_url(),
        {**sign_form_data(open_pledge, "Jo P"), "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 303
    assert open_pledge.signatures.filter(display_name="Jo P").exists()


def test_two_students_never_share_a_token(open_pledge):
    tokens = {TOKEN.search(visit(Client(), open_pledge)[0])[1] for _ in range(3)}
    assert len(tokens) == 3


def test_what_is_kept_holds_no_real_token(open_pledge):
    visit(Client(), open_pledge)
    local = caches["pages"]
    kept = [local.get(key.split(":", 2)[-1]) for key in local._cache]  # noqa: SLF001
    kept = [html for html in kept if html and "<h1>" in html]
    assert kept, "the page was not kept"
    assert all(TOKEN.findall(html) == [page_cache.CSRF_PLACEHOLDER] for html in kept)


def test_the_kept_page_follows_every_change(open_pledge, teacher_client):
    """Signing, withdrawing, moderating, editing, pausing and a check-in all show on the
    very next visit, though nothing is ever deleted from the cache."""
    student = Client()
    sam = make_signature(open_pledge, "Max R")
    kim = make_signature(open_pledge, "Kim T", hidden=True)
    assert "1 person has signed" in shown(visit(student, open_pledge)[0])

    student.post(open_pledge.get_link_url(), sign_form_data(open_pledge, "Jo P"))
    student = Client()
    text = shown(visit(student, open_pledge)[0])
    assert "2 people have signed" in text and "Jo P" in text

    make_signature(open_pledge, "Ali B")
    open_pledge.signatures.get(display_name="Jo P").delete()  # withdrawn
    text = shown(visit(student, open_pledge)[0])
    assert "2 people have signed" in text and "Jo P" not in text and "Max R" in text

    # Hide one name and show another: the same count and newest name as before.
    for signature, action in ((sam, "hide"), (kim, "unhide")):
        moderate = reverse("pledges:signature-moderate", args=[open_pledge.pk, signature.pk])
        teacher_client.post(moderate, {"action": action})
    text = shown(visit(student, open_pledge)[0])
    assert "Kim T" in text and "Max R" not in text and "2 people have signed" in text

    pledge = Pledge.objects.get(pk=open_pledge.pk)
    pledge.title = "Kinder corridors"  # e.g. in the admin
    pledge.save()
    assert "<h1>Kinder corridors</h1>" in visit(student, pledge)[0]

    CheckIn.start(pledge=pledge)
    assert "Add your reflection" in visit(student, pledge)[0]
    pledge.pause()
    text = visit(student, pledge)[0]
    assert "paused signing" in text and "Sign the pledge" not in text
    pledge.open()
    assert "Sign the pledge" in visit(student, pledge)[0]


def test_a_new_exit_question_shows_at_once(classroom):
    lesson = make_lesson(exit_questions=["What will you do first?"])
    pledge = make_pledge(classroom, lesson=lesson, ask_exit_question=True)
    assert "What will you do first?" in visit(Client(), pledge)[0]
    lesson.exit_questions = ["Who will you tell?"]
    lesson.save()  # a curriculum save: the curriculum version moves on
    assert curriculum_cache.version()
    assert "Who will you tell?" in visit(Client(), pledge)[0]


def test_a_teacher_or_a_waiting_message_gets_a_fresh_page(pledge, teacher_client, signed_phone):
    visit(Client(), pledge)  # kept
    # Drawn afresh for the teacher: a kept page renders no template.
    drawn = teacher_client.get(pledge.get_link_url())
    assert "pledges/sign.html" in [template.name for template in drawn.templates]

    signed_phone.post(reverse("pledges:withdraw", args=[pledge.link_token]), {"confirm": "1"})
    text = visit(signed_phone, pledge)[0]
    assert "taken your name off" in text
    assert "taken your name off" not in visit(Client(), pledge)[0]


def test_a_prepared_query_runs_its_sql_again_with_new_values(classroom):
    first, second = make_pledge(classroom, title="First"), make_pledge(classroom, title="Second")
    titles = PreparedQuery(
        lambda pk, teacher: Pledge.objects.filter(pk=pk, classroom__teacher_id=teacher)
        .values_list("title", flat=True),
        "pk", "teacher",
    )  # fmt: skip
    teacher = classroom.teacher_id
    with CaptureQueriesContext(connection) as queries:
        assert titles.first(pk=first.pk, teacher=teacher) == ("First",)
        assert titles.first(pk=second.pk, teacher=teacher) == ("Second",)
        assert titles.first(pk=second.pk, teacher=teacher + 1) is None
    sql = [captured["sql"] for captured in queries.captured_queries]
    if connection.vendor == "postgresql":  # prepared once (allyship_site.postgresql)
        assert sql[0].startswith("PREPARE ") and sql[0].split()[2] == "AS"
        sql = sql[1:]
        assert all(statement.startswith("EXECUTE ") for statement in sql)
    assert len(sql) == 3  # one query each, nothing else


def test_a_prepared_query_refuses_a_value_it_cannot_place(classroom):
    unused = PreparedQuery(lambda pk: Pledge.objects.values_list("pk"), "pk")
    with pytest.raises(ValueError, match="'pk' is 0 parameters"):
        unused.first(pk=1)


def test_a_prepared_query_makes_the_instance_the_orm_would(classroom):
    """What the sign page and signing read the pledge with: the same fields, converted
    values (dates as dates) and annotations as the queryset itself gives."""
    pledge = make_pledge(classroom, title="Be kind")
    make_signature(pledge, display_name="Ada")
    by_token = PreparedQuery(
        lambda value: Pledge.objects.for_sign_page().filter(link_token=value), "value"
    )
    made = by_token.object(value=pledge.link_token)
    expected = Pledge.objects.for_sign_page().get(pk=pledge.pk)
    for field in Pledge._meta.concrete_fields:
        assert getattr(made, field.attname) == getattr(expected, field.attname), field.name
    assert (made.signature_count, made.newest_visible_id) == (1, expected.newest_visible_id)
    assert made.updated.tzinfo is not None and not made._state.adding
    assert by_token.object(value="no-such-token") is None


def test_a_prepared_query_makes_the_related_instances_too(classroom):
    pledge = make_pledge(classroom, title="Be kind")
    with_class = PreparedQuery(
        lambda pk: Pledge.objects.select_related("classroom__school").filter(pk=pk), "pk"
    )
    made = with_class.object(pk=pledge.pk)
    with CaptureQueriesContext(connection) as queries:
        assert made.classroom.name == classroom.name
        assert made.classroom.school.name == classroom.school.name
    assert not queries.captured_queries  # they came with the pledge


@pytest.mark.parametrize("show_names", [True, False], ids=["names shown", "count only"])
def test_no_students_name_reaches_the_shared_cache(classroom, show_names):
    """Redis may write its memory to disk and would keep a name after the teacher hid
    it or retention anonymised it: pages with names stay in the app process's memory."""
    from django.core.cache import cache as shared_cache

    shared_cache.clear()
    pledge = make_pledge(classroom, show_names=show_names)
    make_signature(pledge, "Amara B")
    visit(Client(), pledge)
    keys = [key for key in caches["pages"]._cache if "sign-page" in key]  # noqa: SLF001
    assert keys, "the page was not kept"
    shared = [shared_cache.get(key.split(":", 2)[-1]) for key in keys]
    if show_names:
        assert shared == [None] * len(keys)
        assert "Amara B" in visit(Client(), pledge)[0]  # still kept, in process memory
    else:
        assert all(html and "1 person has signed" in shown(html) for html in shared)


def test_a_page_kept_by_another_version_of_the_code_is_not_served(classroom, monkeypatch):
    """After an upgrade the shared cache still holds pages the old code drew (old markup,
    links to static files the new collectstatic may not have): they are never served."""
    from django.core.cache import cache as shared_cache

    shared_cache.clear()
    pledge = make_pledge(classroom)  # count only: kept in the shared cache too
    visit(Client(), pledge)
    caches["pages"].clear()  # a new process: only the shared cache remembers
    _text, from_shared_cache = visit(Client(), pledge)  # the pledge, and the kept page
    caches["pages"].clear()
    monkeypatch.setattr(page_cache.build, "version", lambda: "the next release")
    _text, drawn_again = visit(Client(), pledge)
    assert drawn_again > from_shared_cache
