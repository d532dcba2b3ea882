import pytest
from django.urls import reverse

from tests.factories import make_signature

pytestmark = pytest.mark.django_db

MODELS = ["school", "membership", "classroom", "pledgetemplate", "pledge", "signature",
          "guesscounter"]  # fmt: skip


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
