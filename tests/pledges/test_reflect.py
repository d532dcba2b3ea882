"""Weeks after signing, a student comes back to say how it went.

A reflection is reached only through the signature's return secret: the signed cookie on
the device that signed, or the return code the student wrote down (which then puts the
cookie on this device). Never by name: a classmate who knows your name and the class
code reaches nothing, and no page says whether a name has signed."""

import logging
import re
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from curriculum.models import SupportService
from pledges.models import (
    CheckIn,
    GuessCounter,
    Reflection,
    ReflectionItem,
    School,
    Signature,
)
from tests.factories import make_lesson, make_pledge, make_signature, sign_form_data

pytestmark = pytest.mark.django_db

PROMPT = "What did you do when you saw someone left out?"
NOT_YET = "Your teacher hasn't asked for reflections yet."
DANGER_NOW = "If you are in danger now, tell an adult you trust straight away or call 999."
THANKS = "Thanks: your teacher will read this."
EXIT_QUESTION = "What could you say to a friend who laughs at an unkind joke?"


def text_of(response):
    return unescape(response.text)


def words_of(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text_of(response)))


def reflect_url(pledge):
    return reverse("pledges:reflect", args=[pledge.link_token])


def open_checkin(pledge, number=1, prompt=PROMPT, **overrides):
    return CheckIn.objects.create(pledge=pledge, number=number, prompt=prompt, **overrides)


def reflection_data(signature, progress="done", **extra):
    """What the reflection form posts: an answer for every commitment the student signed."""
    data = {f"progress-{c.pk}": progress for c in signature.commitments.all()}
    return {"note": "", "talk_request": "", **data, **extra}


def snapshot():
    """Everything a reflection post could change, to show that bad input changed nothing."""
    return (
        list(
            Reflection.objects.values_list("pk", "note", "talk_request", "exit_answer", "updated")
        ),
        sorted(ReflectionItem.objects.values_list("reflection", "commitment", "progress")),
        list(Signature.objects.values_list("pk", "exit_answer", "return_secret")),
    )


def progress_boxes(response):
    return re.findall(r'<input type="radio"[^>]*name="progress-(\d+)"[^>]*>', response.text)


@pytest.fixture
def checkin(pledge):
    return open_checkin(pledge)


@pytest.fixture
def signature(signed_phone):
    return Signature.objects.get()


# The way in, from the pledge page ----------------------------------------------------------


@pytest.mark.parametrize("way", ["link", "code"])
def test_the_pledge_page_offers_a_reflection_while_a_checkin_is_open(
    anon_client, pledge, checkin, way
):
    url = pledge.get_link_url() if way == "link" else pledge.get_join_url()
    response = anon_client.get(url)
    assert response.status_code == 200
    assert "Add your reflection" in text_of(response)
    assert reflect_url(pledge) in response.text
    assert 'name="display_name"' in response.text  # still open for signing


def test_the_pledge_page_offers_no_reflection_without_an_open_checkin(anon_client, pledge):
    open_checkin(pledge, is_open=False)
    response = anon_client.get(pledge.get_link_url())
    assert "Add your reflection" not in text_of(response)
    assert reflect_url(pledge) not in response.text


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("close", "This pledge has closed. Thank you to everyone who signed."),
        ("pause", "Your teacher has paused signing for now."),
    ],
)
def test_a_closed_or_paused_pledge_with_an_open_checkin_shows_the_way_to_reflect(
    anon_client, pledge, checkin, change, message
):
    getattr(pledge, change)()
    for url in (pledge.get_link_url(), pledge.get_join_url()):
        response = anon_client.get(url)
        html = text_of(response)
        assert response.status_code == 200
        assert message in html
        assert "Add your reflection" in html and reflect_url(pledge) in response.text
        assert 'name="display_name"' not in html and "Sign the pledge" not in html


def test_posting_a_signature_to_a_closed_pledge_with_an_open_checkin_signs_nothing(
    anon_client, pledge, checkin
):
    pledge.close()
    response = anon_client.post(pledge.get_link_url(), sign_form_data(pledge))
    assert response.status_code == 200
    assert "Add your reflection" in text_of(response)
    assert not Signature.objects.exists()


def test_a_closed_pledge_without_an_open_checkin_is_just_closed(anon_client, pledge):
    open_checkin(pledge, is_open=False)
    pledge.close()
    html = text_of(anon_client.get(pledge.get_link_url()))
    assert "This pledge has closed" in html and "Add your reflection" not in html


def test_the_phone_that_signed_is_told_it_can_add_its_reflection(signed_phone, pledge, checkin):
    html = text_of(signed_phone.get(pledge.get_link_url()))
    assert "Your teacher wants to know how your pledge is going." in html
    thanks = text_of(signed_phone.get(reverse("pledges:thanks", args=[pledge.link_token])))
    assert "Add your reflection" in thanks and reflect_url(pledge) in thanks


# This phone: straight to its own form -------------------------------------------------------


def test_the_phone_that_signed_goes_straight_to_its_own_reflection_form(
    signed_phone, signature, pledge, checkin
):
    response = signed_phone.get(reflect_url(pledge))
    html = text_of(response)
    assert response.status_code == 200
    assert html.count("<h1") == 1
    assert PROMPT in html
    first, second, third = pledge.commitments.order_by("order")
    assert sorted(set(progress_boxes(response))) == sorted([str(first.pk), str(third.pk)])
    assert len(progress_boxes(response)) == 6  # three answers for each
    assert first.text in html and third.text in html and second.text not in html
    legends = [text.strip() for text in re.findall(r"<legend[^>]*>(.*?)<", html, re.S)]
    assert legends == [first.text, third.text]
    for answer in ("I did this", "I tried", "Not yet"):
        assert answer in html
    assert "What happened?" in html
    assert 'name="return_code"' not in html
    assert signature.display_name not in html


def test_the_talk_box_says_who_reads_it_and_what_to_do_in_danger(signed_phone, pledge, checkin):
    SupportService.objects.create(
        name="Childline", helps_with="Anything.", contact="Call 0800 1111", country="GB"
    )
    SupportService.objects.create(
        name="Childhelp", helps_with="Anything.", contact="Call 1-800-422-4453", country="US"
    )
    html = text_of(signed_phone.get(reflect_url(pledge)))
    assert "Something I'd like to talk to a teacher about" in html
    assert "Your teacher reads this, and so does the person at school whose job is" in html
    assert DANGER_NOW in html
    # The school is in the UK (the default): its helplines, not another country's.
    assert "Childline" in html and "In the UK" in html
    assert "Childhelp" not in html and "911" not in html
    box = html.index('name="talk_request"')
    assert box < html.index(DANGER_NOW) < html.index("Childline")
    School.objects.update(country="US")
    html = text_of(signed_phone.get(reflect_url(pledge)))
    assert "Childhelp" in html and "call 911" in html
    assert "Childline" not in html and "999" not in html
    assert "the same day" not in html  # the lesson's safeguarding text is for teachers


def test_the_prompt_is_left_out_when_the_teacher_wrote_none(signed_phone, pledge):
    open_checkin(pledge, prompt="")
    html = text_of(signed_phone.get(reflect_url(pledge)))
    assert "Your teacher asks:" not in html


def test_the_latest_open_checkin_is_the_one_answered(signed_phone, signature, pledge):
    open_checkin(pledge, number=1, prompt="First round")
    latest = open_checkin(pledge, number=2, prompt="Second round")
    open_checkin(pledge, number=3, prompt="Closed round", is_open=False)
    assert "Second round" in text_of(signed_phone.get(reflect_url(pledge)))
    signed_phone.post(reflect_url(pledge), reflection_data(signature))
    assert Reflection.objects.get().checkin == latest


def test_without_an_open_checkin_the_page_says_not_yet(signed_phone, pledge):
    for page in (signed_phone.get(reflect_url(pledge)), Client().get(reflect_url(pledge))):
        assert page.status_code == 200
        assert NOT_YET in text_of(page)
        assert 'name="return_code"' not in page.text and "progress-" not in page.text
    open_checkin(pledge, is_open=False)
    assert NOT_YET in text_of(signed_phone.get(reflect_url(pledge)))


def test_without_an_open_checkin_a_post_saves_nothing(signed_phone, signature, pledge):
    open_checkin(pledge, is_open=False)
    response = signed_phone.post(reflect_url(pledge), reflection_data(signature))
    assert NOT_YET in text_of(response)
    assert not Reflection.objects.exists()


def test_an_unknown_pledge_is_404(anon_client):
    assert anon_client.get(reverse("pledges:reflect", args=["nope"])).status_code == 404
    assert anon_client.get(reverse("pledges:reflect", args=["x" * 300])).status_code == 404


# Another device: the return code ------------------------------------------------------------


@pytest.mark.parametrize("written", ["{code}", "{lower}", "{plain}", " {code} "])
def test_another_device_with_the_return_code_reaches_the_form_and_keeps_the_cookie(
    signature, pledge, checkin, written
):
    laptop = Client()
    page = laptop.get(reflect_url(pledge))
    assert 'name="return_code"' in page.text and not progress_boxes(page)
    code = signature.return_code_display()
    typed = written.format(code=code, lower=code.lower(), plain=signature.return_code)
    response = laptop.post(reflect_url(pledge), {"return_code": typed})
    assert response.status_code == 303
    assert response["Location"] == reflect_url(pledge)
    cookie = response.cookies[f"pledge_{pledge.pk}"]
    assert cookie["httponly"] is True and cookie["samesite"] == "Lax"
    assert cookie.value != signature.return_secret  # signed, not bare
    form = laptop.get(reflect_url(pledge))
    assert len(progress_boxes(form)) == 6
    assert laptop.post(reflect_url(pledge), reflection_data(signature)).status_code == 303
    assert Reflection.objects.get().signature == signature


def test_on_a_shared_laptop_the_next_student_uses_their_own_return_code(
    signed_phone, signature, pledge, checkin
):
    other = make_signature(pledge, "Amara B", commitments=[pledge.commitments.get(order=2)])
    page = signed_phone.get(reflect_url(pledge) + "?code")
    assert 'name="return_code"' in page.text and not progress_boxes(page)
    response = signed_phone.post(reflect_url(pledge), {"return_code": other.return_code})
    assert response.status_code == 303
    form = signed_phone.get(reflect_url(pledge))
    assert progress_boxes(form) == [str(pledge.commitments.get(order=2).pk)] * 3


def test_a_classmate_who_knows_the_code_and_the_name_reaches_nothing(signature, pledge, checkin):
    classmate = Client()
    for query in ("", "?name=Sam+K", "?display_name=Sam+K", "?saved", "?code=Sam+K"):
        page = classmate.get(reflect_url(pledge) + query)
        assert page.status_code == 200
        assert 'name="return_code"' in page.text
        assert not progress_boxes(page) and THANKS not in text_of(page)
        assert signature.return_code_display() not in page.text
    attempts = [
        {"return_code": "Sam K"},
        {"return_code": signature.display_name},
        {"display_name": "Sam K"},
        {"display_name": "Sam K", **reflection_data(signature)},
        {"name": "Sam K", "return_code": ""},
        reflection_data(signature),
    ]
    for data in attempts:
        response = classmate.post(reflect_url(pledge), data)
        assert response.status_code == 200
        assert not progress_boxes(response)
        assert f"pledge_{pledge.pk}" not in response.cookies
        assert signature.return_code_display() not in response.text
    assert not Reflection.objects.exists()
    assert f"pledge_{pledge.pk}" not in classmate.cookies


def test_the_return_code_page_is_the_same_whether_or_not_a_name_has_signed(
    pledge, classroom, checkin
):
    """Nothing on it depends on who signed: a name can't be tested against it."""
    before = words_of(Client().get(reflect_url(pledge)))
    make_signature(pledge, "Sam K")
    after = words_of(Client().get(reflect_url(pledge)))
    strip = re.compile(r'value="[^"]*"')
    assert strip.sub("", before) == strip.sub("", after)


def test_a_wrong_return_code_is_counted_apart_from_class_codes(signature, pledge, checkin):
    wrong = "2222-2222" if signature.return_code != "22222222" else "3333-3333"
    response = Client().post(reflect_url(pledge), {"return_code": wrong})
    assert response.status_code == 200
    assert "That return code doesn't match a signature on this pledge." in text_of(response)
    assert 'aria-describedby="id_return_code_helptext id_return_code_error"' in response.text
    assert GuessCounter.objects.get(key__startswith="return:address:").count == 1
    assert not GuessCounter.objects.filter(key__startswith="join:").exists()
    assert f"pledge_{pledge.pk}" not in response.cookies


def test_a_malformed_or_empty_return_code_is_explained_and_not_counted(signature, pledge, checkin):
    response = Client().post(reflect_url(pledge), {"return_code": "Sam K"})
    assert "Return codes are 8 letters and numbers, like ABCD-EFGH." in text_of(response)
    response = Client().post(reflect_url(pledge), {"return_code": ""})
    assert "Type the return code you wrote down after signing." in text_of(response)
    assert not GuessCounter.objects.exists()


def test_too_many_wrong_return_codes_wait_even_for_the_right_one(
    signed_phone, signature, pledge, checkin, settings
):
    settings.WRONG_CODES_PER_ADDRESS = 3
    guesser = Client(REMOTE_ADDR="203.0.113.7")
    for wrong in ("2222-2223", "2222-2224", "2222-2225"):
        assert guesser.post(reflect_url(pledge), {"return_code": wrong}).status_code == 200
    response = guesser.post(reflect_url(pledge), {"return_code": signature.return_code})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert f"pledge_{pledge.pk}" not in response.cookies
    # The phone that signed still goes straight to its form and sends it.
    assert len(progress_boxes(signed_phone.get(reflect_url(pledge)))) == 6
    assert signed_phone.post(reflect_url(pledge), reflection_data(signature)).status_code == 303


def test_a_return_code_of_another_pledge_opens_nothing(pledge, classroom, checkin):
    other = make_pledge(classroom, title="Another pledge")
    open_checkin(other)
    theirs = make_signature(other, "Amara B")
    make_signature(pledge, "Sam K")
    response = Client().post(reflect_url(pledge), {"return_code": theirs.return_code})
    assert response.status_code == 200
    assert "That return code doesn't match" in text_of(response)
    assert not [name for name in response.cookies if name.startswith("pledge_")]


def test_the_cookie_of_another_pledge_opens_nothing(signed_phone, signature, pledge, classroom):
    other = make_pledge(classroom, title="Another pledge")
    open_checkin(other)
    make_signature(other, "Sam K")
    page = signed_phone.get(reflect_url(other))
    assert 'name="return_code"' in page.text and not progress_boxes(page)
    # Even with this pledge's signed cookie copied under the other pledge's name.
    stolen = signed_phone.cookies[f"pledge_{pledge.pk}"].value
    signed_phone.cookies[f"pledge_{other.pk}"] = stolen
    page = signed_phone.get(reflect_url(other))
    assert not progress_boxes(page)
    response = signed_phone.post(reflect_url(other), reflection_data(signature))
    assert response.status_code == 200
    assert not Reflection.objects.exists()


def test_a_forged_cookie_opens_nothing(signature, pledge, checkin):
    phone = Client()
    phone.cookies[f"pledge_{pledge.pk}"] = signature.return_secret  # unsigned
    assert not progress_boxes(phone.get(reflect_url(pledge)))
    phone.post(reflect_url(pledge), reflection_data(signature))
    assert not Reflection.objects.exists()


# Sending a reflection ----------------------------------------------------------------------


def test_sending_saves_one_reflection_with_an_answer_for_each_commitment(
    signed_phone, signature, pledge, checkin
):
    first, _second, third = pledge.commitments.order_by("order")
    data = {
        f"progress-{first.pk}": "done",
        f"progress-{third.pk}": "not_yet",
        "note": "  I asked   Jo to play.\r\nShe said yes. ",
        "talk_request": "",
    }
    response = signed_phone.post(reflect_url(pledge), data)
    assert response.status_code == 303
    assert response["Location"] == reflect_url(pledge) + "?saved"
    reflection = Reflection.objects.get()
    assert (reflection.signature, reflection.checkin) == (signature, checkin)
    assert reflection.note == "I asked Jo to play.\nShe said yes."
    assert reflection.talk_request == "" and reflection.exit_answer == ""
    assert not reflection.note_hidden
    items = dict(reflection.items.values_list("commitment", "progress"))
    assert items == {first.pk: "done", third.pk: "not_yet"}
    page = signed_phone.get(response["Location"])
    assert THANKS in text_of(page) and DANGER_NOW not in text_of(page)


def test_the_thank_you_page_repeats_who_reads_a_talk_request_and_the_danger_line(
    signed_phone, signature, pledge, checkin
):
    data = reflection_data(signature, talk_request="Someone keeps messaging me.")
    response = signed_phone.post(reflect_url(pledge), data, follow=True)
    html = text_of(response)
    assert THANKS in html
    assert "Your teacher and the school's safeguarding lead" in html
    assert DANGER_NOW in html
    assert "Someone keeps messaging me." not in html
    assert Reflection.objects.get().talk_request == "Someone keeps messaging me."


def test_the_thank_you_page_without_the_cookie_shows_nothing(signed_phone, signature, pledge):
    open_checkin(pledge)
    signed_phone.post(reflect_url(pledge), reflection_data(signature, talk_request="Help."))
    page = Client().get(reflect_url(pledge) + "?saved")
    assert THANKS not in text_of(page) and 'name="return_code"' in page.text


def test_sending_again_edits_the_same_reflection_and_replaces_its_answers(
    signed_phone, signature, pledge, checkin
):
    first, _second, third = pledge.commitments.order_by("order")
    signed_phone.post(reflect_url(pledge), reflection_data(signature, "tried", note="Hard."))
    form = signed_phone.get(reflect_url(pledge))
    html = text_of(form)
    assert "You've sent your reflection already." in html
    assert "Hard." in html
    checked = re.findall(r'<input type="radio"[^>]*value="(\w+)"[^>]*checked', form.text)
    assert checked == ["tried", "tried"]
    data = {f"progress-{first.pk}": "done", f"progress-{third.pk}": "not_yet", "note": "Easier."}
    assert signed_phone.post(reflect_url(pledge), data).status_code == 303
    reflection = Reflection.objects.get()
    assert reflection.note == "Easier."
    assert ReflectionItem.objects.count() == 2
    assert dict(reflection.items.values_list("commitment", "progress")) == {
        first.pk: "done",
        third.pk: "not_yet",
    }


def test_a_message_for_the_teacher_is_never_shown_again_or_lost_by_sending_again(
    signed_phone, signature, pledge, checkin
):
    first = "Someone keeps messaging me."
    signed_phone.post(reflect_url(pledge), reflection_data(signature, talk_request=first))
    form = text_of(signed_phone.get(reflect_url(pledge)))
    assert first not in form  # the next student on a shared laptop must not read it
    assert "You've already written to your teacher about something." in form
    signed_phone.post(reflect_url(pledge), reflection_data(signature, talk_request=""))
    assert Reflection.objects.get().talk_request == first
    signed_phone.post(
        reflect_url(pledge), reflection_data(signature, talk_request="It got worse.")
    )
    assert Reflection.objects.get().talk_request == f"{first}\n\nIt got worse."
    signed_phone.post(
        reflect_url(pledge), reflection_data(signature, talk_request="It got worse.")
    )
    assert Reflection.objects.get().talk_request.count("It got worse.") == 2  # said again


def test_a_new_round_gets_a_new_reflection(signed_phone, signature, pledge, checkin):
    signed_phone.post(reflect_url(pledge), reflection_data(signature, "tried"))
    CheckIn.objects.filter(pk=checkin.pk).update(is_open=False)
    second = open_checkin(pledge, number=2)
    form = signed_phone.get(reflect_url(pledge))
    assert "You've sent your reflection already." not in text_of(form)
    signed_phone.post(reflect_url(pledge), reflection_data(signature, "done"))
    assert Reflection.objects.count() == 2
    assert Reflection.objects.get(checkin=second).items.filter(progress="done").count() == 2


def test_a_hidden_signature_can_still_reflect(signed_phone, signature, pledge, checkin):
    Signature.objects.filter(pk=signature.pk).update(hidden=True, approved=False)
    assert len(progress_boxes(signed_phone.get(reflect_url(pledge)))) == 6
    assert signed_phone.post(reflect_url(pledge), reflection_data(signature)).status_code == 303
    assert Reflection.objects.get().signature == signature


def test_a_closed_pledge_with_an_open_checkin_still_takes_reflections(
    signed_phone, signature, pledge, checkin
):
    pledge.close()
    response = signed_phone.post(reflect_url(pledge), reflection_data(signature))
    assert response.status_code == 303
    assert Reflection.objects.count() == 1


# Bad input changes nothing -----------------------------------------------------------------


def _bad_inputs(pledge, signature, other_pledge):
    first, second, third = pledge.commitments.order_by("order")
    good = reflection_data(signature)
    without_third = {k: v for k, v in good.items() if k != f"progress-{third.pk}"}
    return {
        "missing progress": (without_third, "Choose one: I did this, I tried or Not yet."),
        "bad progress": ({**good, f"progress-{first.pk}": "maybe"}, "Choose one:"),
        "nul in progress": ({**good, f"progress-{first.pk}": "done\x00"}, "Choose one:"),
        "unsigned commitment": (
            {**good, f"progress-{second.pk}": "done"},
            "Answer only for the things you signed up to.",
        ),
        "another pledge's commitment": (
            {**good, f"progress-{other_pledge.commitments.first().pk}": "done"},
            "Answer only for the things you signed up to.",
        ),
        "garbage commitment id": (
            {**good, "progress-abc": "done"},
            "Answer only for the things you signed up to.",
        ),
        "501-character note": (
            {**good, "note": "a" * 501},
            "Please keep this to 500 characters; it has 501.",
        ),
        "501-character talk box": (
            {**good, "talk_request": "b" * 501},
            "Please keep this to 500 characters; it has 501.",
        ),
        "blocked word in note": ({**good, "note": "It was shit."}, "Please leave out rude words."),
        "nul in note": ({**good, "note": "Hello\x00there"}, "Something odd got into"),
        "nul in talk box": ({**good, "talk_request": "\x00"}, "Something odd got into"),
    }


BAD_INPUTS = [
    "missing progress",
    "bad progress",
    "nul in progress",
    "unsigned commitment",
    "another pledge's commitment",
    "garbage commitment id",
    "501-character note",
    "501-character talk box",
    "blocked word in note",
    "nul in note",
    "nul in talk box",
]


@pytest.mark.parametrize("first_time", [True, False], ids=["new", "editing"])
@pytest.mark.parametrize("case", BAD_INPUTS)
def test_bad_input_is_refused_with_a_clear_message_and_changes_nothing(
    signed_phone, signature, pledge, classroom, checkin, case, first_time
):
    other = make_pledge(classroom, title="Another pledge")
    if not first_time:
        earlier = reflection_data(signature, "tried", note="Before.", talk_request="Earlier.")
        signed_phone.post(reflect_url(pledge), earlier)
    before = snapshot()
    data, message = _bad_inputs(pledge, signature, other)[case]
    response = signed_phone.post(reflect_url(pledge), data)
    assert response.status_code == 200
    assert message in text_of(response)
    assert snapshot() == before


def test_a_field_error_is_tied_to_its_field(signed_phone, signature, pledge, checkin):
    response = signed_phone.post(
        reflect_url(pledge), {**reflection_data(signature), "note": "shit"}
    )
    assert 'aria-describedby="id_note_helptext id_note_error"' in response.text
    first = pledge.commitments.get(order=1)
    response = signed_phone.post(reflect_url(pledge), {"note": ""})
    assert f'<fieldset aria-describedby="id_progress-{first.pk}_error">' in response.text


def test_a_note_is_tidied_like_a_name(signed_phone, signature, pledge, checkin):
    data = reflection_data(signature, note="Ｉ\u200b helped\u202e  Jo", talk_request="   ")
    signed_phone.post(reflect_url(pledge), data)
    reflection = Reflection.objects.get()
    assert reflection.note == "I helped Jo"
    assert reflection.talk_request == ""


# The exit question ----------------------------------------------------------------------


@pytest.fixture
def exit_pledge(classroom):
    lesson = make_lesson(exit_questions=[EXIT_QUESTION, "A second question."])
    return make_pledge(classroom, lesson=lesson, ask_exit_question=True)


def test_the_exit_question_is_asked_and_its_answer_stored(exit_pledge):
    open_checkin(exit_pledge)
    phone = Client()
    phone.post(exit_pledge.get_link_url(), sign_form_data(exit_pledge))
    signature = Signature.objects.get()
    form = phone.get(reflect_url(exit_pledge))
    assert EXIT_QUESTION in text_of(form) and "A second question." not in text_of(form)
    assert 'name="exit_answer"' in form.text
    data = reflection_data(signature, exit_answer="  I'd say that's not funny. ")
    assert phone.post(reflect_url(exit_pledge), data).status_code == 303
    assert Reflection.objects.get().exit_answer == "I'd say that's not funny."
    form = text_of(phone.get(reflect_url(exit_pledge)))
    assert "I'd say that's not funny." in form  # shown again to change it


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("a" * 501, "Please keep this to 500 characters; it has 501."),
        ("That's crap", "Please leave out rude words."),
        ("\x00", "Something odd got into"),
    ],
)
def test_a_bad_exit_answer_is_refused(exit_pledge, answer, message):
    open_checkin(exit_pledge)
    phone = Client()
    phone.post(exit_pledge.get_link_url(), sign_form_data(exit_pledge))
    signature = Signature.objects.get()
    response = phone.post(reflect_url(exit_pledge), reflection_data(signature, exit_answer=answer))
    assert message in text_of(response)
    assert not Reflection.objects.exists()


@pytest.mark.parametrize("setup", ["turned off", "no lesson", "lesson without one"])
def test_the_exit_question_is_left_out_unless_turned_on_and_the_lesson_has_one(classroom, setup):
    lesson = make_lesson(exit_questions=[] if setup == "lesson without one" else [EXIT_QUESTION])
    pledge = make_pledge(
        classroom,
        lesson=None if setup == "no lesson" else lesson,
        ask_exit_question=setup != "turned off",
    )
    open_checkin(pledge)
    phone = Client()
    phone.post(pledge.get_link_url(), sign_form_data(pledge))
    signature = Signature.objects.get()
    form = phone.get(reflect_url(pledge))
    assert 'name="exit_answer"' not in form.text and EXIT_QUESTION not in text_of(form)
    phone.post(reflect_url(pledge), reflection_data(signature, exit_answer="Sneaked in"))
    assert Reflection.objects.get().exit_answer == ""


# Safety nets -------------------------------------------------------------------------------


def test_posts_without_the_csrf_token_are_refused(signed_phone, signature, pledge, checkin):
    phone = Client(enforce_csrf_checks=True)
    phone.cookies[f"pledge_{pledge.pk}"] = signed_phone.cookies[f"pledge_{pledge.pk}"].value
    assert len(progress_boxes(phone.get(reflect_url(pledge)))) == 6  # the cookie works
    response = phone.post(reflect_url(pledge), reflection_data(signature))
    assert response.status_code == 403
    response = Client(enforce_csrf_checks=True).post(
        reflect_url(pledge), {"return_code": signature.return_code}
    )
    assert response.status_code == 403
    assert not [name for name in response.cookies if name.startswith("pledge_")]
    assert not Reflection.objects.exists()


def test_a_post_with_the_csrf_token_from_the_page_is_accepted(signed_phone, signature, pledge):
    open_checkin(pledge)
    phone = Client(enforce_csrf_checks=True)
    phone.cookies[f"pledge_{pledge.pk}"] = signed_phone.cookies[f"pledge_{pledge.pk}"].value
    html = phone.get(reflect_url(pledge)).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]
    data = {**reflection_data(signature), "csrfmiddlewaretoken": token}
    assert phone.post(reflect_url(pledge), data).status_code == 303


def test_the_reflect_view_marks_childrens_words_as_sensitive(
    signed_phone, signature, pledge, checkin
):
    for data in (reflection_data(signature, note="Zebedee"), {"return_code": "2222-2222"}):
        response = signed_phone.post(reflect_url(pledge), data)
        assert response.wsgi_request.sensitive_post_parameters == (
            "note",
            "talk_request",
            "exit_answer",
            "return_code",
        )


def test_the_reflect_page_is_never_cached(signed_phone, pledge, checkin):
    response = signed_phone.get(reflect_url(pledge))
    assert "no-store" in response["Cache-Control"]


def test_reflecting_logs_no_words(signed_phone, signature, pledge, checkin, caplog):
    caplog.set_level(logging.DEBUG)
    signed_phone.post(reflect_url(pledge), reflection_data(signature, note="Zebedee helped"))
    signed_phone.post(reflect_url(pledge), reflection_data(signature, talk_request="shit Zebedee"))
    Client().post(reflect_url(pledge), {"return_code": "Zebedee"})
    assert "zebedee" not in caplog.text.casefold()


def test_only_get_and_post_are_allowed(signed_phone, pledge, checkin):
    assert signed_phone.put(reflect_url(pledge)).status_code == 405
    assert signed_phone.delete(reflect_url(pledge)).status_code == 405
