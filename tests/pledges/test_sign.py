"""A student signs a class pledge from a phone: a name and at least one commitment."""

import logging
import re
from html import unescape

import pytest
from django.db import IntegrityError
from django.test import Client, RequestFactory
from django.urls import reverse

from pledges.models import Pledge, PledgeGone, Signature
from tests.factories import make_lesson, make_pledge, make_signature, sign_form_data

pytestmark = pytest.mark.django_db

NAME_HELP = "Your first name and the first letter of your last name, like Sam K."


def text_of(response):
    return unescape(response.text)


# The sign page ---------------------------------------------------------------------------


def test_sign_page_shows_the_pledge_with_every_commitment_unticked(anon_client, pledge):
    response = anon_client.get(pledge.get_link_url())
    html = text_of(response)
    assert response.status_code == 200
    assert html.count("<h1") == 1 and f"<h1>{pledge.title}</h1>" in html
    assert pledge.intro in html
    boxes = re.findall(r'<input type="checkbox"[^>]*name="commitments"[^>]*>', html)
    assert len(boxes) == 3 and not any("checked" in box for box in boxes)
    for commitment in pledge.commitments.all():
        assert commitment.text in html
    assert NAME_HELP in html
    assert 'autocomplete="off"' in re.search(r'<input[^>]*name="display_name"[^>]*>', html)[0]
    assert reverse("pledges:privacy") in html
    assert "0 people have signed" in re.sub(r"<[^>]+>", "", html)


def test_sign_page_counts_only_visible_signatures_and_hides_names_by_default(anon_client, pledge):
    make_signature(pledge, "Amara B")
    make_signature(pledge, "Hidden H", hidden=True)
    make_signature(pledge, "Waiting W", approved=False)
    html = re.sub(r"<[^>]+>", "", text_of(anon_client.get(pledge.get_link_url())))
    assert "1 person has signed" in html
    for name in ("Amara B", "Hidden H", "Waiting W"):
        assert name not in html


def test_names_show_only_when_the_teacher_turned_them_on_and_never_hidden_ones(
    anon_client, classroom
):
    pledge = make_pledge(classroom, show_names=True)
    make_signature(pledge, "Amara B")
    make_signature(pledge, "Jo P")
    make_signature(pledge, "Hidden H", hidden=True)
    make_signature(pledge, "Waiting W", approved=False)
    html = text_of(anon_client.get(pledge.get_link_url()))
    assert "Amara B" in html and "Jo P" in html
    assert "Hidden H" not in html and "Waiting W" not in html
    assert "2 people have signed" in re.sub(r"<[^>]+>", "", html)


def test_the_goal_is_shown_when_there_is_one(anon_client, classroom):
    pledge = make_pledge(classroom, goal=30)
    assert "Our goal is 30." in text_of(anon_client.get(pledge.get_link_url()))


def _names(count):
    """`count` different valid names: Name Ab, Name Bb, ..."""
    return [f"Name {chr(65 + n % 26)}{chr(98 + n // 26)}" for n in range(count)]


@pytest.mark.parametrize("show_names", [False, True])
def test_the_sign_page_runs_the_same_queries_for_one_signature_as_for_many(
    anon_client, classroom, show_names, django_assert_num_queries
):
    pledge = make_pledge(classroom, show_names=show_names)
    first, *rest = _names(60)
    make_signature(pledge, first)
    # The pledge, its commitments for the form, whether a check-in is open, and the
    # count, or the names when the teacher shows them (their number is the count).
    expected = 4
    with django_assert_num_queries(expected):
        anon_client.get(pledge.get_link_url())
    for name in rest:
        make_signature(pledge, name)
    with django_assert_num_queries(expected):
        response = anon_client.get(pledge.get_link_url())
    assert "60 people have signed" in re.sub(r"<[^>]+>", "", text_of(response))


# Signing ---------------------------------------------------------------------------------


@pytest.mark.parametrize("way", ["link", "code"])
def test_signing_saves_the_name_and_ticks_and_redirects_to_thanks(anon_client, pledge, way):
    url = pledge.get_link_url() if way == "link" else pledge.get_join_url()
    chosen = list(pledge.commitments.order_by("order"))[:2]
    response = anon_client.post(url, sign_form_data(pledge, "  Sam   K. ", commitments=chosen))
    assert response.status_code == 303
    assert response["Location"] == reverse("pledges:thanks", args=[pledge.link_token])
    signature = Signature.objects.get()
    assert signature.pledge == pledge
    assert signature.display_name == "Sam K."
    assert signature.name_key == "sam k"
    assert list(signature.commitments.order_by("order")) == chosen
    assert signature.approved and not signature.hidden


def test_signing_sets_a_signed_httponly_lax_cookie_with_the_return_secret(
    anon_client, pledge, settings
):
    settings.SESSION_COOKIE_SECURE = True
    response = anon_client.post(pledge.get_link_url(), sign_form_data(pledge))
    signature = Signature.objects.get()
    cookie = response.cookies[f"pledge_{pledge.pk}"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["secure"] is True
    assert int(cookie["max-age"]) == 180 * 24 * 60 * 60
    assert cookie.value != signature.return_secret  # signed, not bare
    request = RequestFactory().get("/", HTTP_COOKIE=f"{cookie.key}={cookie.value}")
    unsigned = request.get_signed_cookie(cookie.key, salt="pledges.return")
    assert unsigned == signature.return_secret
    assert signature.display_name not in cookie.value


def test_the_signed_name_never_appears_in_the_redirect_address(anon_client, pledge):
    response = anon_client.post(pledge.get_link_url(), sign_form_data(pledge, "Zebedee Q"))
    assert "Zebedee" not in response["Location"] and "zebedee" not in response["Location"]


@pytest.mark.parametrize(
    "second", ["sam k.", "Sam K", "SAM  K", "Ｓam K", "Sam\u00a0K", "\u202eSam K"]
)
def test_the_same_name_written_differently_is_already_signed(anon_client, pledge, second):
    pledge.show_names = True  # names are public: saying so tells nobody anything new
    pledge.save()
    make_signature(pledge, "Sam K")
    response = anon_client.post(pledge.get_link_url(), sign_form_data(pledge, second))
    assert response.status_code == 200
    assert "You've already signed this pledge." in text_of(response)
    assert Signature.objects.count() == 1
    assert f"pledge_{pledge.pk}" not in response.cookies  # knowing a name gives nothing


def test_a_zero_width_space_is_dropped_so_sam_zwsp_k_is_samk_a_different_signer(
    anon_client, pledge
):
    """names.clean() removes invisible characters: "Sam\u200bK" is "SamK", key "samk",
    which is not "sam k". Documented so a change to names.py is a decision, not a surprise."""
    make_signature(pledge, "Sam K")
    response = anon_client.post(pledge.get_link_url(), sign_form_data(pledge, "Sam\u200bK"))
    assert response.status_code == 303
    assert sorted(Signature.objects.values_list("name_key", flat=True)) == ["sam k", "samk"]
    assert Signature.objects.get(name_key="samk").display_name == "SamK"


def test_signing_twice_from_the_same_phone_is_already_signed_with_the_way_back(
    anon_client, pledge
):
    anon_client.post(pledge.get_link_url(), sign_form_data(pledge))
    response = anon_client.post(pledge.get_link_url(), sign_form_data(pledge))
    assert "You've already signed this pledge." in text_of(response)
    assert reverse("pledges:thanks", args=[pledge.link_token]) in response.text
    assert Signature.objects.count() == 1


def test_another_phone_with_the_same_name_gets_no_way_to_the_signature(anon_client, pledge):
    pledge.show_names = True
    pledge.save()
    make_signature(pledge, "Sam K")
    response = anon_client.post(pledge.get_link_url(), sign_form_data(pledge))
    assert "add more of your last name" in text_of(response)
    assert reverse("pledges:thanks", args=[pledge.link_token]) not in response.text


# While names are private, a name that signed already gets the answer a new name gets
# (pledges.decoys): "already signed" would tell a stranger that this child signed.


def _thanks_text(client, pledge):
    """The thanks page as a student reads it, with the return code blanked out."""
    page = text_of(client.get(reverse("pledges:thanks", args=[pledge.link_token])))
    code = re.search(r'return-code-value">([^<]+)<', page)[1]
    main = page[page.index("<main") : page.index("</main>")]
    return re.sub(r"csrfmiddlewaretoken\" value=\"[^\"]+", "", main.replace(code, "CODE")), code


def test_with_private_names_a_taken_name_is_answered_as_a_new_one_and_changes_nothing(pledge):
    sam = make_signature(pledge, "Sam K")
    before = list(Signature.objects.values())
    stranger, newcomer = Client(), Client()
    probed = stranger.post(pledge.get_link_url(), sign_form_data(pledge, "sam k"))
    fresh = newcomer.post(pledge.get_link_url(), sign_form_data(pledge, "Ali B"))
    # The same answer: a 303 to the same page and a return cookie that looks the same.
    assert probed.status_code == fresh.status_code == 303
    assert probed["Location"] == fresh["Location"]
    cookie, real = probed.cookies[f"pledge_{pledge.pk}"], fresh.cookies[f"pledge_{pledge.pk}"]
    assert len(cookie.value) == len(real.value)
    assert cookie["max-age"] == real["max-age"] and cookie["httponly"] == real["httponly"]
    # The same thanks page, but for the return code; and Sam's code is not handed over.
    probed_page, probed_code = _thanks_text(stranger, pledge)
    fresh_page, _code = _thanks_text(newcomer, pledge)
    assert probed_page == fresh_page
    assert probed_code != sam.return_code_display()
    # Nothing changed but the newcomer's own signature.
    assert list(Signature.objects.exclude(name_key="ali b").values()) == before
    assert pledge.count() == 2


def test_with_private_names_the_probing_phone_is_told_already_signed_like_a_real_signer(pledge):
    make_signature(pledge, "Sam K")
    stranger, sam_again = Client(), Client()
    stranger.post(pledge.get_link_url(), sign_form_data(pledge, "Sam K"))
    sam_again.post(pledge.get_link_url(), sign_form_data(pledge, "Jo P"))
    # Each phone sends its name a second time: the same "already signed, here's the way back".
    answers = [
        client.post(pledge.get_link_url(), sign_form_data(pledge, name))
        for client, name in ((stranger, "Sam K"), (sam_again, "Jo P"))
    ]
    for answer in answers:
        assert answer.status_code == 200
        assert "You've already signed this pledge." in text_of(answer)
        assert reverse("pledges:thanks", args=[pledge.link_token]) in answer.text
    # A third name from the probing phone is a new signature as usual.
    assert stranger.post(pledge.get_link_url(), sign_form_data(pledge, "Kit M")).status_code == 303
    assert sorted(pledge.signatures.values_list("name_key", flat=True)) == [
        "jo p", "kit m", "sam k",
    ]  # fmt: skip


def test_with_private_names_taking_the_probed_name_off_removes_nothing(pledge):
    sam = make_signature(pledge, "Sam K")
    stranger = Client()
    stranger.post(pledge.get_link_url(), sign_form_data(pledge, "Sam K"))
    withdraw = reverse("pledges:withdraw", args=[pledge.link_token])
    confirm = stranger.post(withdraw, {})
    assert "Yes, take my name off" in text_of(confirm)  # the same second step
    done = stranger.post(withdraw, {"confirm": "1"}, follow=True)
    assert "We've taken your name off this pledge." in text_of(done)
    assert Signature.objects.get() == sam
    assert (
        f"pledge_{pledge.pk}" not in stranger.cookies
        or not stranger.cookies[f"pledge_{pledge.pk}"].value
    )


def test_with_private_names_the_sign_form_asks_for_more_of_a_shared_name(anon_client, pledge):
    assert "Add more letters, like Sam Ko." in text_of(anon_client.get(pledge.get_link_url()))
    pledge.show_names = True
    pledge.save()
    assert "Add more letters" not in text_of(anon_client.get(pledge.get_link_url()))


def test_a_made_up_cookie_is_neither_a_signature_nor_a_decoy(anon_client, pledge):
    from pledges import decoys

    assert decoys.read(pledge, "A" * 32) is None
    assert decoys.read(pledge, "not base64 at all!") is None
    other = make_pledge(pledge.classroom, title="Another")
    secret = decoys.make(pledge, "sam k", [1])
    assert decoys.read(pledge, secret).commitment_orders == {1}
    assert decoys.read(other, secret) is None  # bound to its pledge


def test_thirty_five_students_behind_one_address_all_sign_by_the_link(pledge):
    for number in range(35):
        phone = Client(REMOTE_ADDR="203.0.113.7")
        name = f"Student {chr(ord('A') + number % 26)}{'a' * (number // 26)}"
        response = phone.post(pledge.get_link_url(), sign_form_data(pledge, name))
        assert response.status_code == 303, name
    assert pledge.visible_signatures().count() == 35


def test_signing_runs_the_same_queries_whatever_the_pledge_holds(
    anon_client, pledge, django_assert_num_queries
):
    def sign(name):
        data = sign_form_data(pledge, name)
        with django_assert_num_queries(7):
            response = anon_client.post(pledge.get_link_url(), data)
        assert response.status_code == 303

    # The pledge, its commitments, the signing cap's count (not the page's count: a
    # signature answers with a redirect), then in one transaction (a savepoint pair in
    # the tests) the signature and its ticks.
    sign("Name Aa")
    for name in _names(60)[1:]:
        make_signature(pledge, name)
    sign("Zed Q")


# Bad input changes nothing ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Please type your name"),
        ("   ", "Please type your name"),
        ("a" * 41, "Names can be at most 40 characters; yours has 41."),
        ("Shit Head", "Please use your real first name and initial."),
        ("Sam <b>", "Names can use letters, spaces, hyphens and apostrophes only."),
    ],
)
def test_a_bad_name_is_refused_with_a_clear_message(anon_client, pledge, name, message):
    response = anon_client.post(pledge.get_link_url(), sign_form_data(pledge, name))
    assert response.status_code == 200
    assert message in text_of(response)
    assert 'aria-describedby="id_display_name_helptext id_display_name_error"' in response.text
    assert not Signature.objects.exists()


def test_no_commitment_ticked_is_refused(anon_client, pledge):
    response = anon_client.post(pledge.get_link_url(), sign_form_data(pledge, commitments=[]))
    assert "Tick at least one thing you will do." in text_of(response)
    assert not Signature.objects.exists()


def test_a_commitment_of_another_pledge_is_refused(anon_client, pledge, classroom):
    other = make_pledge(classroom, title="Another pledge")
    data = sign_form_data(pledge, commitments=[other.commitments.first()])
    response = anon_client.post(pledge.get_link_url(), data)
    assert "Tick only things from this pledge's list." in text_of(response)
    assert not Signature.objects.exists()


@pytest.mark.parametrize("garbage", ["abc", "-1", "99999999", "1.5", "", "' OR 1=1 --", "¹", "٣"])
def test_a_garbage_commitment_id_is_refused(anon_client, pledge, garbage):
    data = {"display_name": "Sam K", "commitments": [garbage]}
    response = anon_client.post(pledge.get_link_url(), data)
    assert response.status_code == 200
    assert "Tick" in text_of(response)
    assert not Signature.objects.exists()


def test_a_mix_of_own_and_foreign_commitments_saves_nothing(anon_client, pledge, classroom):
    other = make_pledge(classroom, title="Another pledge")
    ids = [pledge.commitments.first().pk, other.commitments.first().pk]
    response = anon_client.post(
        pledge.get_link_url(), {"display_name": "Sam K", "commitments": ids}
    )
    assert response.status_code == 200
    assert not Signature.objects.exists()


def _sign_with_a_tick_sent_twice(client, pledge):
    first = pledge.commitments.order_by("order").first()
    data = sign_form_data(pledge)
    data["commitments"] = [str(first.pk), str(first.pk)]  # only a hand-made form does this
    response = client.post(pledge.get_link_url(), data)
    assert response.status_code == 303
    assert list(Signature.objects.get().commitments.all()) == [first]


def test_a_commitment_sent_twice_is_ticked_once(anon_client, pledge):
    _sign_with_a_tick_sent_twice(anon_client, pledge)


@pytest.mark.django_db(transaction=True)  # autocommit: PostgreSQL's one-statement insert
def test_a_commitment_sent_twice_is_ticked_once_outside_a_transaction(anon_client, pledge):
    _sign_with_a_tick_sent_twice(anon_client, pledge)


def test_a_taken_return_code_is_drawn_again(pledge, monkeypatch):
    taken = make_signature(pledge, "Sam K").return_code
    drawn = iter([taken, "QRST2345"])
    monkeypatch.setattr("pledges.codes.new_return_code", lambda: next(drawn))
    signature = Signature.sign(
        pledge=pledge,
        display_name="Ali B",
        name_key="ali b",
        commitments=list(pledge.commitments.all()),
    )
    assert signature.return_code == "QRST2345"
    assert Signature.objects.count() == 2


def test_signing_gives_up_when_every_return_code_drawn_is_taken(pledge, monkeypatch):
    taken = make_signature(pledge, "Sam K").return_code
    monkeypatch.setattr("pledges.codes.new_return_code", lambda: taken)
    with pytest.raises(IntegrityError, match="No free return code"):
        Signature.sign(
            pledge=pledge,
            display_name="Ali B",
            name_key="ali b",
            commitments=list(pledge.commitments.all()),
        )
    assert Signature.objects.count() == 1


@pytest.mark.django_db(transaction=True)  # the foreign keys are checked at the commit
def test_signing_a_pledge_its_teacher_just_deleted_says_it_is_gone(pledge):
    commitments = list(pledge.commitments.all())
    Pledge.objects.filter(pk=pledge.pk).delete()  # in the moment after the page looked
    with pytest.raises(PledgeGone):
        Signature.sign(
            pledge=pledge, display_name="Ali B", name_key="ali b", commitments=commitments
        )
    assert not Signature.objects.exists()


def test_a_post_without_the_csrf_token_is_refused(pledge):
    phone = Client(enforce_csrf_checks=True)
    response = phone.post(pledge.get_link_url(), sign_form_data(pledge))
    assert response.status_code == 403
    assert not Signature.objects.exists()


def test_a_post_with_the_csrf_token_from_the_page_is_accepted(pledge):
    phone = Client(enforce_csrf_checks=True)
    html = phone.get(pledge.get_link_url()).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]
    data = {**sign_form_data(pledge), "csrfmiddlewaretoken": token}
    assert phone.post(pledge.get_link_url(), data).status_code == 303


# The lesson's exit question ----------------------------------------------------------------

EXIT_QUESTION = "What could you say to a friend who laughs at an unkind joke?"


@pytest.fixture
def exit_pledge(classroom):
    lesson = make_lesson(exit_questions=[EXIT_QUESTION, "A second question."])
    return make_pledge(classroom, lesson=lesson, ask_exit_question=True)


def test_the_exit_question_is_asked_when_the_teacher_turned_it_on(anon_client, exit_pledge):
    html = text_of(anon_client.get(exit_pledge.get_link_url()))
    assert EXIT_QUESTION in html and "A second question." not in html
    assert re.search(r'<textarea[^>]*name="exit_answer"', html)
    assert "Optional. Only your teacher reads your answer." in html


@pytest.mark.parametrize("setup", ["turned off", "no lesson", "lesson without one"])
def test_the_exit_question_is_left_out_otherwise_and_an_answer_is_not_stored(
    anon_client, classroom, setup
):
    lesson = make_lesson(exit_questions=[] if setup == "lesson without one" else [EXIT_QUESTION])
    pledge = make_pledge(
        classroom,
        lesson=None if setup == "no lesson" else lesson,
        ask_exit_question=setup != "turned off",
    )
    html = text_of(anon_client.get(pledge.get_link_url()))
    assert 'name="exit_answer"' not in html and EXIT_QUESTION not in html
    data = {**sign_form_data(pledge), "exit_answer": "Sneaked in"}
    assert anon_client.post(pledge.get_link_url(), data).status_code == 303
    assert Signature.objects.get().exit_answer == ""


@pytest.mark.parametrize("way", ["link", "code"])
def test_the_exit_answer_is_stored_with_the_signature(anon_client, exit_pledge, way):
    url = exit_pledge.get_link_url() if way == "link" else exit_pledge.get_join_url()
    data = {**sign_form_data(exit_pledge), "exit_answer": "  That's not\u00a0funny.\r\nStop. "}
    assert anon_client.post(url, data).status_code == 303
    assert Signature.objects.get().exit_answer == "That's not funny.\nStop."


def test_the_exit_answer_is_optional(anon_client, exit_pledge):
    data = {**sign_form_data(exit_pledge), "exit_answer": ""}
    assert anon_client.post(exit_pledge.get_link_url(), data).status_code == 303
    assert Signature.objects.get().exit_answer == ""


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("a" * 501, "Please keep this to 500 characters; it has 501."),
        ("That's crap", "Please leave out rude words."),
        ("Hi\x00", "Something odd got into what you typed."),
    ],
)
def test_a_bad_exit_answer_is_refused_and_nothing_is_signed(
    anon_client, exit_pledge, answer, message
):
    data = {**sign_form_data(exit_pledge), "exit_answer": answer}
    response = anon_client.post(exit_pledge.get_link_url(), data)
    assert response.status_code == 200
    assert message in text_of(response)
    assert 'aria-describedby="id_exit_answer_helptext id_exit_answer_error"' in response.text
    assert not Signature.objects.exists()


def test_a_second_signing_with_the_same_name_keeps_the_first_exit_answer(anon_client, exit_pledge):
    anon_client.post(
        exit_pledge.get_link_url(), {**sign_form_data(exit_pledge), "exit_answer": "One"}
    )
    Client().post(
        exit_pledge.get_link_url(), {**sign_form_data(exit_pledge), "exit_answer": "Two"}
    )
    assert Signature.objects.get().exit_answer == "One"


# Moderation and floods -------------------------------------------------------------------


def test_with_approve_first_a_signature_waits_and_is_not_counted(anon_client, classroom):
    pledge = make_pledge(classroom, approve_first=True, show_names=True)
    page = text_of(anon_client.get(pledge.get_link_url()))
    assert "Your teacher will check names before they appear." in page
    response = anon_client.post(pledge.get_link_url(), sign_form_data(pledge, "Jo P"))
    assert response.status_code == 303
    signature = Signature.objects.get()
    assert signature.approved is False
    assert pledge.count() == 0
    thanks = text_of(anon_client.get(response["Location"]))
    assert "Your teacher will check names before they appear." in thanks
    page = re.sub(r"<[^>]+>", "", text_of(anon_client.get(pledge.get_link_url())))
    assert "0 people have signed" in page and "Jo P" not in page


def test_over_the_signing_cap_students_are_asked_to_wait(anon_client, pledge, settings):
    settings.PLEDGE_SIGNATURES_PER_MINUTE = 2
    make_signature(pledge, "Amara B")
    make_signature(pledge, "Jo P")
    response = anon_client.post(pledge.get_link_url(), sign_form_data(pledge, "Li N"))
    assert response.status_code == 429
    assert "Lots of people are signing right now. Wait a minute and try again." in text_of(
        response
    )
    assert Signature.objects.count() == 2


# Children's names stay out of logs and error reports --------------------------------------


def test_the_sign_views_mark_the_name_as_sensitive(anon_client, pledge):
    for url in (pledge.get_link_url(), pledge.get_join_url()):
        response = anon_client.post(url, sign_form_data(pledge, "Zebedee Q", commitments=[]))
        assert response.wsgi_request.sensitive_post_parameters == ("display_name", "exit_answer")


def test_signing_logs_no_names(anon_client, pledge, caplog):
    caplog.set_level(logging.DEBUG)
    anon_client.post(pledge.get_link_url(), sign_form_data(pledge, "Zebedee Q"))
    anon_client.post(pledge.get_link_url(), sign_form_data(pledge, "Zebedee Q"))
    anon_client.post(pledge.get_link_url(), sign_form_data(pledge, "Shit Zebedee"))
    anon_client.post(reverse("pledges:join-link", args=["nope"]), sign_form_data(pledge))
    assert "zebedee" not in caplog.text.casefold()
