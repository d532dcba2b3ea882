from html import unescape

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from pledges import codes
from pledges.models import CheckIn, Classroom, Membership, Reflection, School
from tests.factories import make_classroom, make_pledge, make_signature, make_teacher

pytestmark = pytest.mark.django_db

SETUP = reverse("pledges:school-setup")
DETAIL = reverse("pledges:school-detail")
ROTATE = reverse("pledges:school-rotate-invite")


def remove_url(membership):
    return reverse("pledges:school-remove-teacher", args=[membership.pk])


@pytest.fixture
def newcomer(db):
    """A teacher who signed up but has no school yet."""
    return make_teacher("new@brookside.example", first_name="Nia")


@pytest.fixture
def newcomer_client(newcomer):
    client = Client()
    client.force_login(newcomer)
    return client


# Anonymous ----------------------------------------------------------------------------


def test_every_school_url_sends_anonymous_visitors_to_log_in(anon_client, colleague):
    responses = [
        anon_client.get(SETUP),
        anon_client.post(SETUP, {"action": "create", "name": "Sneaky School"}),
        anon_client.get(DETAIL),
        anon_client.post(ROTATE),
        anon_client.post(remove_url(colleague.membership)),
    ]
    for response in responses:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login") + "?next=/teach/school")
    assert Membership.objects.filter(user=colleague).exists()
    assert not School.objects.filter(name="Sneaky School").exists()


# Set-up: create or join -----------------------------------------------------------------


def test_setup_page_offers_to_join_or_create(newcomer_client):
    response = newcomer_client.get(SETUP)
    assert response.status_code == 200
    assert response.text.count("<h1") == 1
    assert "Invite code" in response.text and "School name" in response.text


def test_creating_a_school_makes_the_creator_its_lead(newcomer_client, newcomer):
    response = newcomer_client.post(SETUP, {"action": "create", "name": " Brookside  Primary "})
    assert response.status_code == 302 and response["Location"] == DETAIL
    school = School.objects.get(name="Brookside Primary")
    assert school.slug == "brookside-primary"
    assert len(school.invite_code) == codes.INVITE_CODE_LENGTH
    membership = Membership.objects.get(user=newcomer)
    assert (membership.school, membership.role) == (school, "lead")


def test_a_school_name_already_used_gets_a_numbered_slug(newcomer_client, school):
    assert school.slug == "riverside-school"
    newcomer_client.post(SETUP, {"action": "create", "name": "Riverside School"})
    other = make_teacher("third@example.org")
    client = Client()
    client.force_login(other)
    client.post(SETUP, {"action": "create", "name": "Riverside School"})
    slugs = sorted(School.objects.values_list("slug", flat=True))
    assert slugs == ["riverside-school", "riverside-school-2", "riverside-school-3"]


def test_a_school_without_a_name_is_refused(newcomer_client, newcomer):
    response = newcomer_client.post(SETUP, {"action": "create", "name": "   "})
    assert response.status_code == 200
    assert "is-invalid" in response.text
    assert not School.objects.exists()
    assert not Membership.objects.filter(user=newcomer).exists()


def test_joining_with_the_code_typed_in_lower_case_with_hyphens(newcomer_client, newcomer, school):
    typed = codes.display(school.invite_code).lower()  # e.g. "abcd-efgh-jk"
    assert "-" in typed
    response = newcomer_client.post(SETUP, {"action": "join", "invite_code": f" {typed} "})
    assert response.status_code == 302 and response["Location"] == DETAIL
    membership = Membership.objects.get(user=newcomer)
    assert (membership.school, membership.role) == (school, "teacher")
    assert newcomer_client.get(DETAIL).status_code == 200


def test_a_wrong_invite_code_is_refused_and_changes_nothing(newcomer_client, newcomer, school):
    response = newcomer_client.post(SETUP, {"action": "join", "invite_code": "ABCD-EFGH-JK"})
    assert response.status_code == 200
    assert "We don&#x27;t know that invite code" in response.text
    assert not Membership.objects.filter(user=newcomer).exists()
    assert School.objects.count() == 1


def test_wrong_invite_codes_are_limited_per_teacher(newcomer_client, newcomer, school, settings):
    settings.WRONG_INVITE_CODES_PER_TEACHER = 3
    for _try in range(3):
        response = newcomer_client.post(SETUP, {"action": "join", "invite_code": "ABCD-EFGH-JK"})
        assert response.status_code == 200
    # Even the right code is refused now: otherwise guessing could go on.
    response = newcomer_client.post(SETUP, {"action": "join", "invite_code": school.invite_code})
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= settings.ACCOUNT_LIMIT_WINDOW_SECONDS
    text = unescape(response.text)
    assert "Too many tries. Wait" in text
    assert "too many wrong invite codes for now. Ask your school lead" in text
    assert not Membership.objects.filter(user=newcomer).exists()
    # Creating a school of their own is not held up.
    newcomer_client.post(SETUP, {"action": "create", "name": "Brookside"})
    assert Membership.objects.filter(user=newcomer, school__name="Brookside").exists()
    # Another teacher is not affected.
    other = make_teacher("other-new@brookside.example")
    client = Client()
    client.force_login(other)
    client.post(SETUP, {"action": "join", "invite_code": school.invite_code})
    assert Membership.objects.filter(user=other, school=school).exists()


def test_a_teacher_with_a_school_is_sent_from_setup_to_the_school_page(teacher_client, teacher):
    assert teacher_client.get(SETUP)["Location"] == DETAIL
    response = teacher_client.post(SETUP, {"action": "create", "name": "Second School"})
    assert response["Location"] == DETAIL
    assert not School.objects.filter(name="Second School").exists()
    assert Membership.objects.get(user=teacher).role == "lead"


def test_a_teacher_without_a_school_is_sent_from_the_school_page_to_setup(newcomer_client):
    assert newcomer_client.get(DETAIL)["Location"] == SETUP


# The school page ------------------------------------------------------------------------


def test_school_page_shows_classes_teachers_pledges_and_counts_but_no_student_names(
    colleague_client, classroom, colleague
):
    pledge = make_pledge(classroom, title="We speak up")
    make_signature(pledge, "Zara Q")
    make_signature(pledge, "Yusuf P")
    make_signature(pledge, "Hidden H", hidden=True)
    make_pledge(make_classroom(colleague, name="9C"), title="Kind words", status="draft")
    response = colleague_client.get(DETAIL)
    assert response.status_code == 200
    text = response.text
    assert "Riverside School" in text
    assert "8B" in text and "9C" in text
    assert "Teacher: Tess" in text and "Teacher: Cal" in text
    assert "We speak up" in text and "Kind words" in text and "Draft" in text
    counts = {
        pledge.title: pledge.signature_count
        for classroom in response.context["classrooms"]
        for pledge in classroom.pledges.all()
    }
    assert counts == {"We speak up": 2, "Kind words": 0}
    assert "<strong>fewer than 5</strong>" in text
    for name in ("Zara", "Yusuf", "Hidden H"):
        assert name not in text


def test_school_total_is_exact_from_five(teacher_client, classroom):
    pledge = make_pledge(classroom)
    for name in ("Ann A", "Ben B", "Cat C", "Dev D", "Eve E", "Fay F"):
        make_signature(pledge, name)
    response = teacher_client.get(DETAIL)
    assert response.context["total"] == 6
    assert "<strong>6</strong>" in response.text
    assert "<strong>fewer than 5</strong>" not in response.text


def test_school_page_never_shows_another_schools_classes(teacher_client, other_teacher):
    make_pledge(make_classroom(other_teacher, name="Hill 7"), title="Hillside pledge")
    response = teacher_client.get(DETAIL)
    assert "Hill 7" not in response.text and "Hillside pledge" not in response.text
    assert "Hillside Academy" not in response.text


def test_school_page_query_count_is_constant(colleague_client, teacher, django_assert_num_queries):
    def build(count):
        for number in range(count):
            name = f"Class {Classroom.objects.count()}"
            pledge = make_pledge(make_classroom(teacher, name=name), title=f"P{number}")
            make_signature(pledge, "Sam K")

    build(1)
    # session, user, membership with school, classrooms with their teachers, their
    # pledges with counts, and the session saved (savepoint, update, release)
    with django_assert_num_queries(8):
        colleague_client.get(DETAIL)
    build(9)
    with django_assert_num_queries(8):
        colleague_client.get(DETAIL)


def test_lead_school_page_query_count_is_constant(
    teacher_client, teacher, django_assert_num_queries
):
    def build(count):
        for number in range(count):
            make_teacher(
                f"t{Membership.objects.count()}@riverside.example",
                school=teacher.membership.school,
            )
            name = f"Class {Classroom.objects.count()}"
            make_pledge(make_classroom(teacher, name=name), title=f"P{number}")

    build(1)
    # as above, plus the school's memberships with their users, and the follow-through
    # table: classrooms with counts, reflections per class, answers per class
    with django_assert_num_queries(12):
        teacher_client.get(DETAIL)
    build(9)
    with django_assert_num_queries(12):
        teacher_client.get(DETAIL)


def test_lead_sees_invite_code_and_teachers_with_remove_buttons(
    teacher_client, teacher, colleague
):
    response = teacher_client.get(DETAIL)
    school = teacher.membership.school
    assert school.invite_code_display() in response.text
    assert "New invite code" in response.text
    assert remove_url(colleague.membership) in response.text
    assert "colleague@riverside.example" in response.text
    assert remove_url(teacher.membership) not in response.text  # not themselves


def test_colleague_sees_no_lead_tools(colleague_client, teacher, colleague):
    response = colleague_client.get(DETAIL)
    assert response.status_code == 200
    assert teacher.membership.school.invite_code_display() not in response.text
    assert "New invite code" not in response.text
    assert ROTATE not in response.text
    assert "/remove/" not in response.text


# Lead: new invite code --------------------------------------------------------------------


def test_lead_rotates_the_invite_code_and_the_old_one_stops_working(
    teacher_client, teacher, newcomer_client, newcomer
):
    school = teacher.membership.school
    old = school.invite_code
    response = teacher_client.post(ROTATE)
    assert response.status_code == 302 and response["Location"] == DETAIL
    school.refresh_from_db()
    assert school.invite_code != old
    refused = newcomer_client.post(SETUP, {"action": "join", "invite_code": old})
    assert "We don&#x27;t know that invite code" in refused.text
    assert not Membership.objects.filter(user=newcomer).exists()
    newcomer_client.post(SETUP, {"action": "join", "invite_code": school.invite_code})
    assert Membership.objects.get(user=newcomer).school == school


def test_colleague_cannot_rotate_the_invite_code(colleague_client, school):
    old = school.invite_code
    assert colleague_client.post(ROTATE).status_code == 404
    school.refresh_from_db()
    assert school.invite_code == old


def test_rotating_needs_post(teacher_client, school):
    old = school.invite_code
    assert teacher_client.get(ROTATE).status_code == 405
    school.refresh_from_db()
    assert school.invite_code == old


# Lead: remove a teacher ---------------------------------------------------------------------


def test_lead_removes_a_colleague_who_loses_access(
    teacher_client, colleague_client, colleague, school, teacher
):
    classroom = make_classroom(colleague, name="9C")
    assert colleague_client.get(DETAIL).status_code == 200
    response = teacher_client.post(remove_url(colleague.membership))
    assert response.status_code == 302 and response["Location"] == DETAIL
    assert not Membership.objects.filter(user=colleague).exists()
    assert get_user_model().objects.filter(pk=colleague.pk).exists()  # the account stays
    classroom.refresh_from_db()
    assert classroom.teacher == teacher  # the class (and its pledges) pass to the lead
    assert colleague_client.get(DETAIL)["Location"] == SETUP
    edit = reverse("pledges:classroom-edit", args=[classroom.pk])
    assert colleague_client.get(edit).status_code != 200
    assert teacher_client.get(edit).status_code == 200


def test_colleague_cannot_remove_a_teacher(colleague_client, teacher):
    response = colleague_client.post(remove_url(teacher.membership))
    assert response.status_code == 404
    assert Membership.objects.filter(user=teacher).exists()


def test_lead_cannot_remove_a_teacher_of_another_school(teacher_client, other_teacher):
    response = teacher_client.post(remove_url(other_teacher.membership))
    assert response.status_code == 404
    assert Membership.objects.filter(user=other_teacher).exists()


def test_other_school_lead_cannot_remove_our_teachers(colleague):
    other_lead = make_teacher(
        "lead@hillside.example",
        school=School.objects.create(name="Hill", slug="hill"),
        role="lead",
    )
    client = Client()
    client.force_login(other_lead)
    assert client.post(remove_url(colleague.membership)).status_code == 404
    assert Membership.objects.filter(user=colleague).exists()


def test_lead_cannot_remove_themselves(teacher_client, teacher):
    response = teacher_client.post(remove_url(teacher.membership), follow=True)
    assert "You can&#x27;t remove yourself" in response.text or "can't remove yourself" in (
        response.text
    )
    assert Membership.objects.get(user=teacher).role == "lead"


def test_removing_needs_post(teacher_client, colleague):
    assert teacher_client.get(remove_url(colleague.membership)).status_code == 405
    assert Membership.objects.filter(user=colleague).exists()


@pytest.mark.parametrize(("signed", "shown"), [(4, "fewer than 5"), (5, 5)])
def test_the_small_number_cut_off_is_at_five(teacher_client, classroom, signed, shown):
    pledge = make_pledge(classroom)
    checkin = CheckIn.start(pledge=pledge)
    for name in ("Ann A", "Ben B", "Cat C", "Dev D", "Eve E")[:signed]:
        signature = make_signature(pledge, name)
        Reflection.record(
            signature=signature, checkin=checkin, progress={signature.commitments.first(): "done"}
        )
    response = teacher_client.get(DETAIL)
    assert response.context["total"] == shown
    row = response.context["outcome_rows"][0]
    assert (row["signatures"], row["reflections"]) == (shown, shown)
    assert row["share"] == (None if signed < 5 else 100)


def test_a_school_is_created_with_its_lead_once(db):
    first, second = make_teacher("a@x.example"), make_teacher("b@x.example")
    school = School.objects.create_with_lead(name="Oak Park", lead=first)
    assert first.membership.school == school and first.membership.is_lead()
    assert School.objects.create_with_lead(name="Oak Park", lead=first) is None  # resent
    other = School.objects.create_with_lead(name="Oak Park", lead=second)
    assert (school.slug, other.slug) == ("oak-park", "oak-park-2")
