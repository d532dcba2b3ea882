"""After signing: the thanks page with the return code, and taking a signature off.

A signature is found again only by this device's cookie or by the return code the
student wrote down, never by name."""

import re
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from pledges.models import GuessCounter, Signature
from tests.factories import make_pledge, make_signature, sign_form_data

pytestmark = pytest.mark.django_db

WRITE_IT_DOWN = "Write this down: with it you can come back later, even on another device."


def text_of(response):
    return unescape(response.text)


def thanks_url(pledge):
    return reverse("pledges:thanks", args=[pledge.link_token])


def withdraw_url(pledge):
    return reverse("pledges:withdraw", args=[pledge.link_token])


CONFIRM = {"confirm": "1"}  # the second step: "Yes, take my name off"


# Thanks ----------------------------------------------------------------------------------


def test_thanks_shows_what_this_phone_signed_and_its_return_code(signed_phone, pledge):
    signature = Signature.objects.get()
    response = signed_phone.get(thanks_url(pledge))
    html = text_of(response)
    assert response.status_code == 200
    assert html.count("<h1") == 1
    assert pledge.title in html
    first, second, third = pledge.commitments.order_by("order")
    assert first.text in html and third.text in html and second.text not in html
    assert signature.return_code_display() in html
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", signature.return_code_display())
    assert WRITE_IT_DOWN in html
    assert "Take my name off this pledge" in html


def test_thanks_without_the_cookie_is_neutral(signed_phone, pledge):
    signature = Signature.objects.get()
    response = Client().get(thanks_url(pledge))
    html = text_of(response)
    assert response.status_code == 200
    assert "Thanks for signing" in html
    assert signature.return_code_display() not in html
    assert signature.display_name not in html
    assert WRITE_IT_DOWN not in html
    assert pledge.commitments.first().text not in html


def test_a_tampered_cookie_shows_nothing(signed_phone, pledge):
    signature = Signature.objects.get()
    phone = Client()
    phone.cookies[f"pledge_{pledge.pk}"] = signature.return_secret  # unsigned: forged
    assert signature.return_code_display() not in phone.get(thanks_url(pledge)).text


def test_the_cookie_of_one_pledge_does_not_open_another(signed_phone, pledge, classroom):
    other = make_pledge(classroom, title="Another pledge")
    make_signature(other, "Sam K")
    html = text_of(signed_phone.get(thanks_url(other)))
    assert WRITE_IT_DOWN not in html


def test_thanks_for_an_unknown_pledge_is_404(anon_client):
    assert anon_client.get(reverse("pledges:thanks", args=["nope"])).status_code == 404


def test_thanks_of_a_closed_pledge_offers_no_withdrawal(signed_phone, pledge):
    pledge.close()
    html = text_of(signed_phone.get(thanks_url(pledge)))
    assert "Take my name off this pledge" not in html
    assert WRITE_IT_DOWN in html


# Withdraw by cookie ----------------------------------------------------------------------


def test_withdrawing_by_cookie_removes_the_signature_and_the_cookie(signed_phone, pledge):
    response = signed_phone.post(withdraw_url(pledge), CONFIRM)
    assert response.status_code == 303
    assert response["Location"] == pledge.get_link_url()
    assert not Signature.objects.exists()
    assert response.cookies[f"pledge_{pledge.pk}"].value == ""
    page = signed_phone.get(response["Location"])
    assert "We've taken your name off this pledge." in text_of(page)


def test_after_withdrawing_the_student_can_sign_again(signed_phone, pledge):
    signed_phone.post(withdraw_url(pledge), CONFIRM)
    response = signed_phone.post(pledge.get_link_url(), sign_form_data(pledge))
    assert response.status_code == 303
    assert Signature.objects.count() == 1


def test_withdraw_only_removes_this_phones_signature(signed_phone, pledge):
    make_signature(pledge, "Amara B")
    signed_phone.post(withdraw_url(pledge), CONFIRM)
    assert list(Signature.objects.values_list("display_name", flat=True)) == ["Amara B"]


def test_taking_a_name_off_asks_first_and_deletes_nothing_until_confirmed(signed_phone, pledge):
    response = signed_phone.post(withdraw_url(pledge))
    assert response.status_code == 200
    html = text_of(response)
    assert "Take your name off?" in html
    assert '<input type="hidden" name="confirm" value="1">' in html
    assert "No, keep my name on" in html
    assert Signature.objects.count() == 1
    assert f"pledge_{pledge.pk}" not in response.cookies  # the device still remembers

    confirmed = signed_phone.post(withdraw_url(pledge), CONFIRM)
    assert confirmed.status_code == 303
    assert not Signature.objects.exists()


def test_the_confirm_step_carries_the_typed_return_code(signed_phone, pledge):
    signature = Signature.objects.get()
    laptop = Client()
    response = laptop.post(withdraw_url(pledge), {"return_code": signature.return_code_display()})
    assert "Take your name off?" in text_of(response)
    assert f'name="return_code" value="{signature.return_code}"' in response.text
    assert Signature.objects.count() == 1
    laptop.post(withdraw_url(pledge), {"return_code": signature.return_code, **CONFIRM})
    assert not Signature.objects.exists()


def test_a_wrong_return_code_never_reaches_the_confirm_step(signed_phone, pledge):
    signature = Signature.objects.get()
    wrong = "2222-2222" if signature.return_code != "22222222" else "3333-3333"
    response = Client().post(withdraw_url(pledge), {"return_code": wrong, **CONFIRM})
    assert "Take your name off?" not in text_of(response)
    assert Signature.objects.count() == 1


def test_withdraw_is_post_only(signed_phone, pledge):
    assert signed_phone.get(withdraw_url(pledge)).status_code == 405
    assert Signature.objects.count() == 1


# Withdraw by return code -----------------------------------------------------------------


@pytest.mark.parametrize("written", ["{code}", "{lower}", "{plain}"])
def test_withdrawing_by_return_code_works_from_another_device(signed_phone, pledge, written):
    signature = Signature.objects.get()
    code = signature.return_code_display()
    typed = written.format(code=code, lower=code.lower(), plain=signature.return_code)
    response = Client().post(withdraw_url(pledge), {"return_code": typed, **CONFIRM})
    assert response.status_code == 303
    assert not Signature.objects.exists()


def test_a_wrong_return_code_changes_nothing_and_is_counted(signed_phone, pledge):
    signature = Signature.objects.get()
    wrong = "2222-2222" if signature.return_code != "22222222" else "3333-3333"
    response = Client().post(withdraw_url(pledge), {"return_code": wrong})
    assert response.status_code == 200
    assert "That return code doesn't match a signature on this pledge." in text_of(response)
    assert Signature.objects.count() == 1
    assert GuessCounter.objects.get(key__startswith="return:address:").count == 1
    assert not GuessCounter.objects.filter(key__startswith="join:").exists()


def test_a_malformed_return_code_is_explained_and_not_counted(signed_phone, pledge):
    response = Client().post(withdraw_url(pledge), {"return_code": "Sam K"})
    assert "Return codes are 8 letters and numbers, like ABCD-EFGH." in text_of(response)
    assert Signature.objects.count() == 1
    assert not GuessCounter.objects.exists()


def test_a_return_code_from_another_pledge_does_not_work_here(pledge, classroom):
    other = make_pledge(classroom, title="Another pledge")
    theirs = make_signature(other, "Amara B")
    make_signature(pledge, "Sam K")
    response = Client().post(withdraw_url(pledge), {"return_code": theirs.return_code})
    assert response.status_code == 200
    assert Signature.objects.count() == 2


def test_a_name_is_never_enough_to_withdraw(signed_phone, pledge):
    response = Client().post(withdraw_url(pledge), {"display_name": "Sam K"})
    assert response.status_code == 200
    assert "Type the return code you wrote down after signing." in text_of(response)
    response = Client().post(withdraw_url(pledge), {"return_code": "Sam K"})
    assert Signature.objects.count() == 1


def test_too_many_wrong_return_codes_wait_even_for_the_right_one(signed_phone, pledge, settings):
    settings.WRONG_CODES_PER_ADDRESS = 3
    signature = Signature.objects.get()
    guesser = Client(REMOTE_ADDR="203.0.113.7")
    for wrong in ("2222-2223", "2222-2224", "2222-2225"):
        guesser.post(withdraw_url(pledge), {"return_code": wrong})
    response = guesser.post(withdraw_url(pledge), {"return_code": signature.return_code})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert Signature.objects.count() == 1
    # The phone that signed still withdraws with its cookie.
    assert signed_phone.post(withdraw_url(pledge), CONFIRM).status_code == 303


def test_the_withdraw_view_marks_the_return_code_as_sensitive(signed_phone, pledge):
    response = signed_phone.post(withdraw_url(pledge), {"return_code": "2222-2222"})
    assert response.wsgi_request.sensitive_post_parameters == ("return_code",)


# Only while the pledge is open -------------------------------------------------------------


@pytest.mark.parametrize("change", ["close", "pause"])
def test_a_pledge_that_is_not_open_keeps_its_signatures(signed_phone, pledge, change):
    getattr(pledge, change)()
    response = signed_phone.post(withdraw_url(pledge))
    assert response.status_code == 200
    assert "Talk to your teacher" in text_of(response)
    assert Signature.objects.count() == 1


def test_withdraw_from_an_unknown_pledge_is_404(anon_client):
    response = anon_client.post(reverse("pledges:withdraw", args=["nope"]))
    assert response.status_code == 404


def test_withdraw_without_the_csrf_token_is_refused(pledge):
    phone = Client(enforce_csrf_checks=True)
    make_signature(pledge, "Sam K")
    response = phone.post(withdraw_url(pledge), {"return_code": "2222-2222"})
    assert response.status_code == 403


# A shared laptop -------------------------------------------------------------------------


def forget_url(pledge):
    return reverse("pledges:forget-device", args=[pledge.link_token])


def test_a_shared_laptop_forgets_the_student_who_signed(signed_phone, pledge):
    signature = Signature.objects.get()
    thanks = text_of(signed_phone.get(thanks_url(pledge)))
    assert "Forget me on this device" in thanks

    response = signed_phone.post(forget_url(pledge), follow=True)
    assert response.redirect_chain == [(pledge.get_link_url(), 303)]
    assert "This device has forgotten you." in text_of(response)
    # The next student on the laptop sees neither the code nor a one-click take-off.
    after = text_of(signed_phone.get(thanks_url(pledge)))
    assert signature.return_code_display() not in after
    refused = signed_phone.post(withdraw_url(pledge), {"return_code": ""})
    assert "Type the return code you wrote down after signing." in text_of(refused)
    assert Signature.objects.filter(pk=signature.pk).exists()  # the signature stays


def test_forgetting_is_a_post_with_a_token_for_a_real_pledge(pledge):
    assert Client().get(forget_url(pledge)).status_code == 405
    missing = reverse("pledges:forget-device", args=["no-such-token"])
    assert Client().post(missing).status_code == 404
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(forget_url(pledge)).status_code == 403


# A name the teacher hid stays hidden --------------------------------------------------------


def test_a_hidden_name_cannot_be_taken_off_and_signed_again_to_show_it(pledge):
    phone = Client()
    phone.post(pledge.get_link_url(), sign_form_data(pledge, "Rude Name"))
    signature = Signature.objects.get()
    signature.hide()  # the teacher, from the pledge page
    thanks = text_of(phone.get(thanks_url(pledge)))
    assert "Your teacher has hidden this name" in thanks
    assert "Take my name off this pledge" not in thanks
    refused = phone.post(withdraw_url(pledge), {"confirm": "1"})
    assert refused.status_code == 200
    assert "Your teacher has hidden this name" in text_of(refused)
    again = phone.post(pledge.get_link_url(), sign_form_data(pledge, "Rude Name"))
    assert "You've already signed this pledge." in text_of(again)
    signature.refresh_from_db()
    assert signature.hidden and Signature.objects.count() == 1
    assert pledge.count() == 0


def test_a_hidden_name_cannot_be_taken_off_with_its_return_code_either(pledge):
    signature = make_signature(pledge, "Rude Name", hidden=True)
    other_phone = Client()
    response = other_phone.post(
        withdraw_url(pledge), {"return_code": signature.return_code_display(), "confirm": "1"}
    )
    assert response.status_code == 200
    assert "Your teacher has hidden this name" in text_of(response)
    assert Signature.objects.filter(pk=signature.pk, hidden=True).exists()
    assert not GuessCounter.objects.exists()  # a right code is not a wrong guess
