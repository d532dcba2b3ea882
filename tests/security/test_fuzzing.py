"""Arbitrary input to every form: never a 500, and a refused submission changes no row.

Each form gets ~50 generated submissions (hypothesis): random text plus the nasty cases
(NUL bytes, 100 KB strings, right-to-left and zero-width characters, emoji, lone
surrogates sent as the invalid UTF-8 a broken client would send), lists where one value
is expected, and missing fields. Bodies are encoded by hand so even bytes that aren't
UTF-8 reach the server.
"""

import itertools
import os
from html import unescape
from urllib.parse import quote

import pytest
from django.core.signing import get_cookie_signer
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pledges import names as pledge_names
from pledges.forms.student import PROGRESS_PREFIX
from pledges.models import Signature
from pledges.views.student import RETURN_COOKIE_SALT, return_cookie_name
from tests import factories
from tests.security.conftest import row_counts

pytestmark = pytest.mark.django_db

NASTY = [
    "",
    " ",
    "\x00",
    "Sam\x00K",
    "x" * 100_000,
    "é" * 50_000,
    "\u202eK maS",  # right-to-left override
    "\u200b\u200c\u200d\ufeff",  # zero-width
    "An\u200bna",
    "Ａnna",
    "🙂🏳️‍🌈👩🏽‍🏫",
    "\ud800",  # a lone surrogate
    "Sam \udfff K",
    '=HYPERLINK("http://evil")',
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../etc/passwd",
    "%00",
    "\r\n\r\nSet-Cookie: x=1",
    "K7M-Q4P-XRT",
    "ZZZ-ZZZ-ZZZ",
    "-1",
    "0",
    "99999999999999999999999",
    "1e309",
    "2026-02-30T25:61",
    "true",
]
text = st.one_of(st.sampled_from(NASTY), st.text(max_size=300))
# A field is missing, one value, or several (a list where one value is expected).
value = st.one_of(st.none(), text, st.lists(text, min_size=2, max_size=4))
FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "50")),  # more for a deeper hunt
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
ADDRESSES = (f"10.77.{n // 250}.{n % 250}" for n in itertools.count())
TRIED = {}


def encode(fields):
    """application/x-www-form-urlencoded, lone surrogates passed through as bytes."""
    pairs = []
    for name, raw in fields.items():
        for item in raw if isinstance(raw, list) else [raw]:
            encoded = quote(item.encode("utf-8", "surrogatepass"), safe="")
            pairs.append(f"{quote(name)}={encoded}")
    return "&".join(pairs)


def submit(client, path, fields, *, method="post"):
    fields = {name: raw for name, raw in fields.items() if raw is not None}
    TRIED[path] = TRIED.get(path, 0) + 1
    body = encode(fields)
    address = next(ADDRESSES)  # a fresh address: the rate limits stay out of the way
    if method == "get":
        return client.get(f"{path}?{body}", REMOTE_ADDR=address)
    return client.post(
        path, body, content_type="application/x-www-form-urlencoded", REMOTE_ADDR=address
    )


def assert_safe(client, path, fields, *, method="post", accepted=(302, 303)):
    before = row_counts()
    response = submit(client, path, fields, method=method)
    assert response.status_code < 500, (path, fields)
    if response.status_code not in accepted:
        assert row_counts() == before, (path, fields, response.status_code)
    return response


@pytest.fixture
def anyone():
    return Client(raise_request_exception=True)


@pytest.fixture
def owner_client(world):
    client = Client(raise_request_exception=True)
    client.force_login(world.owner)
    return client


@pytest.fixture
def newcomer_client(db):
    """A teacher with an account but no school yet: the school set-up form."""
    client = Client(raise_request_exception=True)
    client.force_login(factories.make_teacher("new@brookside.example"))
    return client


@FUZZ
@given(code=value)
def test_join_form(anyone, world, code):
    assert_safe(anyone, reverse("pledges:join"), {"code": code})


# Boxes of the pledge's own list by position, some ticked twice as only a hand-made form can.
own_ticks = st.lists(st.integers(min_value=0, max_value=9), min_size=1, max_size=5)
# Names the form takes, so that the rest of what is sent gets as far as the database.
good_name = st.from_regex(r"[A-Z][a-z]{2,9} [A-Z]", fullmatch=True)


@FUZZ
@given(
    name=st.one_of(value, good_name),
    commitments=st.one_of(value, own_ticks),
    exit_answer=st.one_of(st.just(""), value),
)
def test_sign_form(anyone, world, name, commitments, exit_answer):
    anyone.cookies.clear()
    if isinstance(commitments, list) and commitments and isinstance(commitments[0], int):
        ids = list(world.pledge.commitments.values_list("pk", flat=True))
        commitments = [str(ids[place % len(ids)]) for place in commitments]
    fields = {"display_name": name, "commitments": commitments, "exit_answer": exit_answer}
    assert_safe(anyone, world.pledge.get_link_url(), fields, accepted=(303,))


# A step of the reflection form: the pledge's answers, or anything at all.
progress = st.one_of(st.sampled_from(["done", "tried", "not_yet"]), value)


@FUZZ
@given(
    answers=st.lists(progress, min_size=3, max_size=3),
    foreign=st.one_of(st.none(), progress),
    note=value,
    talk_request=value,
    exit_answer=value,
)
def test_reflection_form(anyone, world, answers, foreign, note, talk_request, exit_answer):
    """A student comes back to say how it went, from the phone that signed."""
    name = return_cookie_name(world.pledge)
    signer = get_cookie_signer(salt=name + RETURN_COOKIE_SALT)
    anyone.cookies[name] = signer.sign(world.signature.return_secret)
    fields = {
        f"{PROGRESS_PREFIX}{commitment.pk}": answer
        for commitment, answer in zip(
            world.signature.commitments.order_by("order"), answers, strict=False
        )
    }
    fields[f"{PROGRESS_PREFIX}999999"] = foreign  # another pledge's box, when sent
    fields.update(note=note, talk_request=talk_request, exit_answer=exit_answer)
    path = reverse("pledges:reflect", args=[world.pledge.link_token])
    response = assert_safe(anyone, path, fields)
    if response.status_code in (302, 303):
        assert foreign is None  # a box that isn't the student's never saves


@FUZZ
@given(code=value)
def test_withdraw_form(anyone, world, code):
    path = reverse("pledges:withdraw", args=[world.pledge.link_token])
    assert_safe(anyone, path, {"return_code": code}, accepted=(303,))


@FUZZ
@given(q=value, age=value, module=value, theme=value, duration=value, page=value)
def test_lesson_search_and_filters(anyone, world, q, age, module, theme, duration, page):
    fields = {
        "q": q,
        "age": age,
        "module": module,
        "theme": theme,
        "duration": duration,
        "page": page,
    }
    response = assert_safe(anyone, reverse("curriculum:lesson-list"), fields, method="get")
    assert response.status_code in (200, 404)


@FUZZ
@given(first=value, last=value, email=value)
def test_signup_form(anyone, db, first, last, email):
    anyone.logout()
    fields = {"first_name": first, "last_name": last, "email": email}
    assert_safe(anyone, reverse("pledges:signup"), fields)


@FUZZ
@given(username=value, password=value)
def test_login_form(anyone, world, username, password):
    assert_safe(anyone, reverse("login"), {"username": username, "password": password})
    anyone.logout()


@FUZZ
@given(email=value)
def test_password_reset_form(anyone, world, email):
    assert_safe(anyone, reverse("password_reset"), {"email": email})


@FUZZ
@given(action=st.one_of(st.sampled_from(["create", "join"]), value), name=value, code=value)
def test_school_setup_form(newcomer_client, action, name, code):
    fields = {"action": action, "name": name, "invite_code": code}
    assert_safe(newcomer_client, reverse("pledges:school-setup"), fields)


@FUZZ
@given(name=value, year_group=value)
def test_classroom_form(owner_client, world, name, year_group):
    fields = {"name": name, "year_group": year_group}
    assert_safe(owner_client, reverse("pledges:classroom-create"), fields)
    assert_safe(owner_client, reverse("pledges:classroom-edit", args=[world.classroom.pk]), fields)


@FUZZ
@given(
    title=value,
    intro=value,
    goal=value,
    closes_at=value,
    commitments=value,
    weeks=value,
    flags=st.lists(st.sampled_from(["show_names", "approve_first", "ask_exit_question"])),
    classroom=st.one_of(value, st.just("1")),
)
def test_pledge_form(
    owner_client, world, title, intro, goal, closes_at, commitments, weeks, flags, classroom
):
    fields = {
        "classroom": classroom,
        "title": title,
        "intro": intro,
        "goal": goal,
        "closes_at": closes_at,
        "commitments": commitments,
        "checkin_weeks": weeks,
        **{flag: "on" for flag in flags},
    }
    assert_safe(owner_client, reverse("pledges:pledge-create"), fields)


@FUZZ
@given(lines=value)
def test_paper_signatures_form(owner_client, world, lines):
    path = reverse("pledges:pledge-paper", args=[world.pledge.pk])
    assert_safe(owner_client, path, {"lines": lines})


@FUZZ
@given(prompt=value)
def test_checkin_form(owner_client, world, prompt):
    path = reverse("pledges:checkin-create", args=[world.pledge.pk])
    assert_safe(owner_client, path, {"prompt": prompt})


@FUZZ
@given(action=value, show=value, page=value)
def test_signature_moderation(owner_client, world, action, show, page):
    path = reverse("pledges:signature-moderate", args=[world.pledge.pk, world.signature.pk])
    assert_safe(owner_client, path, {"action": action, "show": show, "page": page})


@FUZZ
@given(
    action=st.one_of(value, st.sampled_from(["approve-waiting", "hide-ticked"])),
    listed=st.lists(st.one_of(text, st.just("mine")), max_size=3),
    ticked=st.lists(st.one_of(text, st.just("mine")), max_size=3),
    show=value,
)  # fmt: skip
def test_moderating_many_signatures(owner_client, world, action, listed, ticked, show):
    mine = str(world.signature.pk)
    fields = {"action": action, "show": show,
              "listed": [mine if v == "mine" else v for v in listed],
              "ticked": [mine if v == "mine" else v for v in ticked]}  # fmt: skip
    assert_safe(
        owner_client, reverse("pledges:signatures-moderate", args=[world.pledge.pk]), fields
    )


@FUZZ
@given(checks=st.lists(st.sampled_from(["show_names", "approve_first", "junk"]), max_size=3),
       value_sent=value)  # fmt: skip
def test_pledge_checking_form(owner_client, world, checks, value_sent):
    fields = {name: value_sent for name in checks}
    assert_safe(owner_client, reverse("pledges:pledge-checking", args=[world.pledge.pk]), fields)


@FUZZ
@given(action=value)
def test_reflection_moderation(owner_client, world, action):
    path = reverse("pledges:reflection-moderate", args=[world.pledge.pk, world.reflection.pk])
    assert_safe(owner_client, path, {"action": action})


@FUZZ
@given(
    student=st.one_of(value, st.just("mine")),
    answers=st.lists(progress, min_size=3, max_size=3),
    note=value,
    talk_request=value,
)
def test_paper_reflection_form(owner_client, world, student, answers, note, talk_request):
    fields = {
        f"commitment_{commitment.pk}": answer
        for commitment, answer in zip(
            world.pledge.commitments.order_by("order"), answers, strict=False
        )
    }
    fields.update(
        signature=str(world.signature.pk) if student == "mine" else student,
        note=note,
        talk_request=talk_request,
    )
    path = reverse("pledges:reflection-paper", args=[world.pledge.pk, world.checkin.number])
    assert_safe(owner_client, path, fields)


@FUZZ
@given(show=value, page=value, live=value)
def test_teacher_pledge_page_parameters(owner_client, world, show, page, live):
    path = reverse("pledges:pledge-detail", args=[world.pledge.pk])
    fields = {"show": show, "page": page, "live": live}
    assert_safe(owner_client, path, fields, method="get", accepted=())


@FUZZ
@given(round_number=value)
def test_follow_through_round_parameter(owner_client, world, round_number):
    path = reverse("pledges:pledge-follow-through", args=[world.pledge.pk])
    assert_safe(owner_client, path, {"round": round_number}, method="get", accepted=())


@FUZZ
@given(name=value)
def test_school_delete_form_deletes_nothing_unless_the_name_is_typed(owner_client, world, name):
    response = assert_safe(owner_client, reverse("pledges:school-delete"), {"name": name})
    if response.status_code == 302:  # deleted: only ever for the school's own name
        assert pledge_names.key(pledge_names.clean(name)) == pledge_names.key(
            pledge_names.clean(world.school.name)
        )


@pytest.fixture(scope="module", autouse=True)
def _every_form_got_its_share_of_inputs():
    """After the module's tests (all or some): each form fuzzed took at least 40 inputs."""
    yield
    print("fuzzed inputs:", sum(TRIED.values()), TRIED)
    assert all(count >= 40 for count in TRIED.values()), TRIED


# Display names: the sign view treats look-alike spellings as one signer -----------------


def test_look_alike_names_are_one_signer_through_the_sign_view(world):
    url = world.pledge.get_link_url()
    commitment = world.pledge.commitments.first().pk
    results = []
    for typed in ["Ａnna", "anna ", "an\u200bna", "\u202eanna", "ANNA", "  Anna  "]:
        phone = Client()
        response = phone.post(url, {"display_name": typed, "commitments": [commitment]})
        results.append(response.status_code)
    # Names are private on this pledge: every spelling gets the answer a new name gets
    # (pledges.decoys), and only the first made a signature.
    assert not world.pledge.show_names
    assert results == [303] * 6
    signature = Signature.objects.get(pledge=world.pledge, name_key="anna")
    assert signature.display_name == "Anna"


def test_an_id_too_big_for_the_database_is_a_form_error_not_a_500(world):
    """Found by the fuzzer: SQLite raised OverflowError on a 23-digit commitment id."""
    response = Client(raise_request_exception=False).post(
        world.pledge.get_link_url(),
        {"display_name": "Sam K", "commitments": ["99999999999999999999999"]},
    )
    assert response.status_code == 200
    assert "Tick only things from this pledge" in response.content.decode()


def test_an_overlong_login_name_is_the_usual_error_not_a_500(world):
    """Found by the fuzzer: a 100 KB "email" reached django-axes' 255-character column
    (a 500 on PostgreSQL)."""
    response = Client(raise_request_exception=False).post(
        reverse("login"), {"username": "x" * 100_000, "password": "secret"}
    )
    assert response.status_code == 200
    assert "That email and password don't match an account." in unescape(response.text)
