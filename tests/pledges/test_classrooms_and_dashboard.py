import pytest
from django.urls import reverse

from pledges.models import Classroom
from tests.factories import make_classroom, make_pledge, make_signature

pytestmark = pytest.mark.django_db


def test_dashboard_lists_own_classes_pledges_and_counts(teacher_client, classroom, colleague):
    pledge = make_pledge(classroom)
    make_signature(pledge, "Sam K")
    make_signature(pledge, "Ali B", hidden=True)
    # A name with a space: "9C" alone turned up inside a random CSRF token now and then.
    make_pledge(make_classroom(colleague, name="Year 9 Kestrels"), title="Colleague's pledge")
    response = teacher_client.get(reverse("pledges:dashboard"))
    assert response.status_code == 200
    assert pledge.title in response.text and "8B" in response.text
    assert "Colleague&#x27;s pledge" not in response.text
    assert "Year 9 Kestrels" not in response.text
    assert response.context["classrooms"][0].pledges.all()[0].signature_count == 1


def test_dashboard_query_count_is_constant(teacher_client, teacher, django_assert_num_queries):
    def build(count):
        for number in range(count):
            classroom = make_classroom(teacher, name=f"Class {len(Classroom.objects.all())}")
            pledge = make_pledge(classroom, title=f"P{number}")
            make_signature(pledge, "Sam K")

    build(1)
    # session, user, membership with school, classrooms, their pledges with counts, the
    # unhandled concerns' count, and the session saved with its new expiry (savepoint,
    # update, release)
    with django_assert_num_queries(9):
        teacher_client.get(reverse("pledges:dashboard"))
    build(10)
    with django_assert_num_queries(9):
        teacher_client.get(reverse("pledges:dashboard"))


def test_create_classroom(teacher_client, teacher):
    response = teacher_client.post(
        reverse("pledges:classroom-create"), {"name": " 7A ", "year_group": "Year 7"}
    )
    assert response.status_code == 302
    classroom = Classroom.objects.get()
    assert (classroom.name, classroom.teacher, classroom.school) == (
        "7A",
        teacher,
        teacher.membership.school,
    )


def test_classroom_without_a_name_is_refused(teacher_client):
    response = teacher_client.post(reverse("pledges:classroom-create"), {"name": "   "})
    assert response.status_code == 200
    assert "Give the class a name" in response.text or "This field is required" in response.text
    assert not Classroom.objects.exists()


def test_edit_classroom(teacher_client, classroom):
    target = reverse("pledges:classroom-edit", args=[classroom.pk])
    teacher_client.post(target, {"name": "8B Tutor", "year_group": ""})
    classroom.refresh_from_db()
    assert classroom.name == "8B Tutor"


def test_classroom_pages_need_login(anon_client):
    for name in ("pledges:classroom-create", "pledges:dashboard"):
        response = anon_client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
