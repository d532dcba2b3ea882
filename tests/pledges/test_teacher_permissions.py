"""Every teacher URL of a pledge or classroom, as each persona: anonymous is sent to log
in, a teacher of another school and a colleague at the same school get 404, the owner
gets the page."""

import pytest
from django.urls import reverse

from pledges.models import Pledge
from tests.factories import make_signature

pytestmark = pytest.mark.django_db

GET_PAGES = [
    "pledges:pledge-detail",
    "pledges:pledge-edit",
    "pledges:pledge-delete",
    "pledges:pledge-present",
    "pledges:pledge-poster",
    "pledges:pledge-sheet",
    "pledges:pledge-paper",
    "pledges:pledge-csv",
    "pledges:pledge-qr",
    "pledges:pledge-count",
]
POSTS = [
    ("pledges:pledge-status", {"action": "pause"}),
    ("pledges:pledge-new-code", {"new_link": "1"}),
    ("pledges:pledge-checking", {"approve_first": "on", "show_names": "on"}),
    ("pledges:pledge-delete", {}),
    ("pledges:pledge-paper", {"lines": "New Name"}),
]


@pytest.fixture
def draft(classroom):
    from tests.factories import make_pledge

    return make_pledge(classroom, status="draft")


def url(name, pledge):
    return reverse(name, args=[pledge.pk])


@pytest.mark.parametrize("name", GET_PAGES)
def test_anonymous_is_sent_to_log_in(anon_client, pledge, name):
    response = anon_client.get(url(name, pledge))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", GET_PAGES)
def test_other_school_and_colleague_get_404(other_client, colleague_client, pledge, name):
    make_signature(pledge, "Sam K")
    assert other_client.get(url(name, pledge)).status_code == 404
    assert colleague_client.get(url(name, pledge)).status_code == 404


@pytest.mark.parametrize("name", GET_PAGES)
def test_owner_gets_the_page(teacher_client, pledge, draft, name):
    target = draft if name == "pledges:pledge-edit" else pledge
    assert teacher_client.get(url(name, target)).status_code == 200


@pytest.mark.parametrize(("name", "data"), POSTS)
def test_posts_by_others_change_nothing(other_client, colleague_client, pledge, name, data):
    make_signature(pledge, "Sam K")
    before = Pledge.objects.values().get(pk=pledge.pk)
    for client in (other_client, colleague_client):
        assert client.post(url(name, pledge), data).status_code == 404
    assert Pledge.objects.values().get(pk=pledge.pk) == before
    assert pledge.signatures.count() == 1


def test_moderation_by_others_is_404(other_client, colleague_client, anon_client, pledge):
    signature = make_signature(pledge, "Sam K")
    target = reverse("pledges:signature-moderate", args=[pledge.pk, signature.pk])
    for client in (other_client, colleague_client):
        assert client.post(target, {"action": "hide"}).status_code == 404
    assert anon_client.post(target, {"action": "hide"}).status_code == 302
    signature.refresh_from_db()
    assert signature.hidden is False


def test_moderating_many_by_others_is_404(other_client, colleague_client, anon_client, pledge):
    signature = make_signature(pledge, "Sam K")
    target = url("pledges:signatures-moderate", pledge)
    data = {"action": "hide-ticked", "ticked": [signature.pk], "listed": [signature.pk]}
    for client in (other_client, colleague_client):
        assert client.post(target, data).status_code == 404
    assert anon_client.post(target, data).status_code == 302
    signature.refresh_from_db()
    assert signature.hidden is False


def test_signature_of_another_pledge_is_404_even_for_its_owner(teacher_client, classroom, pledge):
    from tests.factories import make_pledge

    other_pledge = make_pledge(classroom, title="Second")
    signature = make_signature(other_pledge, "Sam K")
    target = reverse("pledges:signature-moderate", args=[pledge.pk, signature.pk])
    assert teacher_client.post(target, {"action": "hide"}).status_code == 404


def test_classroom_edit_is_owner_only(teacher_client, colleague_client, other_client, classroom):
    target = reverse("pledges:classroom-edit", args=[classroom.pk])
    assert teacher_client.get(target).status_code == 200
    assert colleague_client.get(target).status_code == 404
    assert other_client.get(target).status_code == 404


def test_unknown_ids_are_404(teacher_client):
    assert teacher_client.get(reverse("pledges:pledge-detail", args=[999999])).status_code == 404


def test_changes_refuse_get(teacher_client, pledge):
    assert teacher_client.get(url("pledges:pledge-status", pledge)).status_code == 405
    assert teacher_client.get(url("pledges:pledge-new-code", pledge)).status_code == 405


def test_teacher_without_a_school_is_sent_to_set_one_up(client, django_user_model):
    user = django_user_model.objects.create_user("new@example.org", password="a-long-pass-123")
    client.force_login(user)
    response = client.get(reverse("pledges:dashboard"))
    assert response.status_code == 302
    assert response["Location"] == reverse("pledges:school-setup")
