import pytest
from django.urls import reverse

from tests.factories import make_signature

pytestmark = pytest.mark.django_db

MODELS = [
    "school",
    "membership",
    "classroom",
    "pledgetemplate",
    "pledge",
    "signature",
    "guesscounter",
]


@pytest.mark.parametrize("model", MODELS)
def test_pledges_admin_pages_load(staff_client, pledge, model):
    make_signature(pledge, "Sam K")
    response = staff_client.get(reverse(f"admin:pledges_{model}_changelist"))
    assert response.status_code == 200


def test_pledge_admin_shows_commitments_and_signatures_inline(staff_client, pledge):
    make_signature(pledge, "Sam K")
    response = staff_client.get(reverse("admin:pledges_pledge_change", args=[pledge.pk]))
    assert response.status_code == 200
    assert "commitments-TOTAL_FORMS" in response.text and "Sam K" in response.text
    assert pledge.link_token in response.text  # read-only, shown for support


def test_signature_admin_never_shows_the_return_secret(staff_client, pledge):
    signature = make_signature(pledge, "Sam K")
    response = staff_client.get(reverse("admin:pledges_signature_change", args=[signature.pk]))
    assert response.status_code == 200
    assert signature.return_secret not in response.text


def test_teachers_cannot_reach_the_admin(teacher_client):
    assert teacher_client.get(reverse("admin:pledges_pledge_changelist")).status_code == 302


def _change_form_data(response):
    """What the admin's change form would post back, as the browser has it."""
    import re
    from html import unescape

    data = {}
    for tag in re.findall(r"<(?:input|textarea|select)[^>]*>", response.text):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or 'type="checkbox"' in tag and "checked" not in tag:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        data[name[1]] = unescape(value[1]) if value else ""
    for name, text in re.findall(
        r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', response.text, re.S
    ):
        data[name] = unescape(text).strip()
    for name, options in re.findall(
        r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', response.text, re.S
    ):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', options)
        data[name] = chosen[1] if chosen else ""
    return data


def test_an_open_pledges_commitments_are_read_only_in_the_admin(staff_client, pledge, client):
    """Decided: refused. Students signed these words; the inline shows them read-only,
    and an edit posted anyway changes nothing, so the sign page shows what they signed."""
    commitment = pledge.commitments.order_by("order").first()
    url = reverse("admin:pledges_pledge_change", args=[pledge.pk])
    page = staff_client.get(url)
    assert commitment.text in page.text
    assert 'name="commitments-0-text"' not in page.text
    data = _change_form_data(page)
    data["commitments-0-text"] = "I will do something else entirely."
    staff_client.post(url, data)
    commitment.refresh_from_db()
    assert commitment.text != "I will do something else entirely."
    assert "something else entirely" not in client.get(pledge.get_link_url()).text


def test_a_drafts_commitment_edited_in_the_admin_is_what_the_next_student_sees(
    staff_client, classroom, client
):
    from tests.factories import make_pledge

    draft = make_pledge(classroom, status="draft")
    page = staff_client.get(reverse("admin:pledges_pledge_change", args=[draft.pk]))
    assert 'name="commitments-0-text"' in page.text
    data = _change_form_data(page)
    data["commitments-0-text"] = "I will sit with someone new at lunch."
    response = staff_client.post(reverse("admin:pledges_pledge_change", args=[draft.pk]), data)
    assert response.status_code == 302
    draft.open()
    assert "I will sit with someone new at lunch." in client.get(draft.get_link_url()).text


def test_a_commitment_of_an_open_pledge_is_refused_with_a_clear_message(pledge):
    from django.core.exceptions import ValidationError

    commitment = pledge.commitments.first()
    commitment.text = "Changed"
    with pytest.raises(ValidationError, match="only a draft's commitments can change"):
        commitment.full_clean()


def test_staff_change_status_through_the_pledge_and_its_rules(staff_client, classroom):
    from pledges.models import Pledge
    from tests.factories import make_pledge

    empty = make_pledge(classroom, status="draft", commitments=())
    changelist = reverse("admin:pledges_pledge_changelist")
    response = staff_client.post(
        changelist, {"action": "open_pledges", "_selected_action": [empty.pk]}, follow=True
    )
    assert "Add at least one commitment before opening the pledge." in response.text
    assert Pledge.objects.get(pk=empty.pk).status == "draft"
    ready = make_pledge(classroom, status="draft", title="Ready")
    staff_client.post(changelist, {"action": "open_pledges", "_selected_action": [ready.pk]})
    assert Pledge.objects.get(pk=ready.pk).status == "open"
