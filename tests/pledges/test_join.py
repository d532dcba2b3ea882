"""A student finds their class pledge: by typing its code, or by the QR code's link."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from pledges.models import GuessCounter, Signature
from tests.factories import make_pledge, sign_form_data

pytestmark = pytest.mark.django_db

JOIN = reverse("pledges:join")


def wrong_codes_counted():
    return GuessCounter.objects.filter(key__startswith="join:address:").values_list(
        "count", flat=True
    )


# The code form ---------------------------------------------------------------------------


def test_join_page_asks_for_the_class_code_in_one_big_box(anon_client):
    response = anon_client.get(JOIN)
    assert response.status_code == 200
    html = unescape(response.text)
    assert "Your class code" in html
    assert "It's on the board, like K7M-Q4P-XRT" in html
    field = re.search(r"<input[^>]*name=\"code\"[^>]*>", html).group(0)
    for attribute in ('autocomplete="off"', 'autocapitalize="characters"', 'inputmode="text"'):
        assert attribute in field
    assert 'id="id_code"' in field and 'for="id_code"' in html
    assert reverse("pledges:privacy") in html


@pytest.mark.parametrize("typed", ["{display}", "{lower}", "{plain}", " {spaced} "])
def test_a_typed_code_in_any_case_with_or_without_hyphens_opens_the_sign_page(
    anon_client, pledge, typed
):
    display = pledge.join_code_display()
    typed = typed.format(
        display=display,
        lower=display.lower(),
        plain=pledge.join_code,
        spaced=display.replace("-", " "),
    )
    response = anon_client.post(JOIN, {"code": typed})
    assert response.status_code == 302
    assert response["Location"] == pledge.get_join_url() == f"/join/{display}/"
    assert not GuessCounter.objects.exists()


@pytest.mark.parametrize("typed", ["K7M", "K7M-Q4P-XRTT", "K7M-Q4P-XR0", "<script>", "ü" * 9])
def test_a_malformed_code_is_explained_and_not_counted(anon_client, pledge, typed):
    response = anon_client.post(JOIN, {"code": typed})
    assert response.status_code == 200
    assert "Class codes are 9 letters and numbers, like K7M-Q4P-XRT." in unescape(response.text)
    assert 'aria-describedby="id_code_helptext id_code_error"' in response.text
    assert not GuessCounter.objects.exists()


def test_an_empty_code_asks_for_one_and_is_not_counted(anon_client):
    response = anon_client.post(JOIN, {"code": "  "})
    assert "Type the class code from the board." in unescape(response.text)
    assert not GuessCounter.objects.exists()


def test_a_well_formed_code_that_matches_nothing_is_a_counted_wrong_code(anon_client, pledge):
    response = anon_client.post(JOIN, {"code": "ZZZ-ZZZ-ZZZ"})
    assert response.status_code == 200
    assert "We couldn't find a pledge with that code. Check it with your teacher." in unescape(
        response.text
    )
    assert list(wrong_codes_counted()) == [1]
    assert GuessCounter.objects.get(key__startswith="join:everyone:").count == 1


def test_a_rotated_code_no_longer_works(anon_client, pledge):
    old = pledge.join_code
    pledge.rotate_join_code()
    response = anon_client.post(JOIN, {"code": old})
    assert "couldn't find a pledge" in unescape(response.text)


# The code in the address -----------------------------------------------------------------


def test_the_code_address_shows_the_sign_page(anon_client, pledge):
    response = anon_client.get(pledge.get_join_url())
    assert response.status_code == 200
    assert pledge.title in unescape(response.text)
    assert 'name="display_name"' in unescape(response.text)


def test_an_untidy_code_address_redirects_to_the_tidy_one(anon_client, pledge):
    response = anon_client.get(reverse("pledges:join-code", args=[pledge.join_code.lower()]))
    assert response.status_code == 302
    assert response["Location"] == pledge.get_join_url()


def test_a_malformed_code_address_is_a_404_that_links_to_the_code_box(anon_client, pledge):
    response = anon_client.get(reverse("pledges:join-code", args=["nope"]))
    assert response.status_code == 404
    assert "Class codes are 9 letters and numbers" in unescape(response.text)
    assert f'href="{JOIN}"' in unescape(response.text)
    assert not GuessCounter.objects.exists()


def test_an_unknown_code_address_is_a_404_and_counts_as_wrong(anon_client, pledge):
    response = anon_client.get(reverse("pledges:join-code", args=["ZZZ-ZZZ-ZZZ"]))
    assert response.status_code == 404
    assert "couldn't find a pledge with that code" in unescape(response.text)
    assert f'href="{JOIN}"' in unescape(response.text)
    assert list(wrong_codes_counted()) == [1]


# The QR code's link ----------------------------------------------------------------------


def test_the_link_shows_the_sign_page(anon_client, pledge):
    response = anon_client.get(pledge.get_link_url())
    assert response.status_code == 200
    assert pledge.title in unescape(response.text)


@pytest.mark.parametrize("token", ["unknown-token", "x" * 200])
def test_an_unknown_link_is_a_404_and_is_never_counted(anon_client, pledge, token):
    response = anon_client.get(reverse("pledges:join-link", args=[token]))
    assert response.status_code == 404
    assert f'href="{JOIN}"' in unescape(response.text)
    assert not GuessCounter.objects.exists()


def test_a_link_with_a_real_token_plus_more_is_unknown(anon_client, pledge):
    response = anon_client.get(reverse("pledges:join-link", args=[pledge.link_token + "x"]))
    assert response.status_code == 404


# Pledges that can't be signed now ---------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "message"),
    [
        ("draft", "This pledge hasn't opened yet"),
        ("paused", "Your teacher has paused this pledge for now"),
        ("closed", "This pledge has closed"),
    ],
)
@pytest.mark.parametrize("way", ["code", "link"])
def test_a_pledge_that_is_not_open_says_why_and_has_no_form(
    anon_client, classroom, status, message, way
):
    pledge = make_pledge(classroom, status=status)
    url = pledge.get_join_url() if way == "code" else pledge.get_link_url()
    response = anon_client.get(url)
    assert response.status_code == 200
    assert message in unescape(response.text)
    assert pledge.title in unescape(response.text)
    assert 'name="display_name"' not in unescape(response.text)
    response = anon_client.post(url, sign_form_data(pledge))
    assert message in unescape(response.text)
    assert not Signature.objects.exists()


def test_a_pledge_past_its_closing_time_has_closed(anon_client, classroom):
    pledge = make_pledge(classroom, closes_at=timezone.now() - timedelta(minutes=1))
    response = anon_client.get(pledge.get_link_url())
    assert "This pledge has closed" in unescape(response.text)
    anon_client.post(pledge.get_link_url(), sign_form_data(pledge))
    assert not Signature.objects.exists()


def test_a_pledge_before_its_closing_time_is_open(anon_client, classroom):
    pledge = make_pledge(classroom, closes_at=timezone.now() + timedelta(hours=1))
    response = anon_client.get(pledge.get_link_url())
    assert 'name="display_name"' in unescape(response.text)
