"""A student's "talk to a teacher" message reaches someone the same day (issue 19).

It becomes a concern: the class teacher and every designated safeguarding lead (DSL) are
emailed at once with the school, class and pledge but never the child's name or words;
the DSL sees every concern of the school, the teacher their classes'; someone marks it
handled, with a note; who opened and handled it is on record. Each view is tried as
anonymous, as another school's teacher, as a colleague who is not a DSL, and as the DSL."""

import re
from html import unescape

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from pledges.models import (
    CONCERN_MAX_LENGTH,
    CheckIn,
    Concern,
    ConcernEvent,
    ConcernState,
    Membership,
    Signature,
)
from tests import factories

pytestmark = pytest.mark.django_db

WORDS = "Someone in my class keeps sending me messages about my body"


@pytest.fixture
def dsl(school):
    user = factories.make_teacher("dsl@riverside.example", school=school, first_name="Dee")
    Membership.objects.filter(user=user).update(is_dsl=True)
    return user


@pytest.fixture
def dsl_client(dsl, client):
    client.force_login(dsl)
    return client


@pytest.fixture
def checkin(pledge):
    return CheckIn.objects.create(pledge=pledge, number=1, prompt="How did it go?")


def reflect(phone, pledge, talk="", **extra):
    signature = Signature.objects.get(pledge=pledge)
    data = {f"progress-{c.pk}": "done" for c in signature.commitments.all()}
    data.update(note="", talk_request=talk, **extra)
    return phone.post(reverse("pledges:reflect", args=[pledge.link_token]), data)


@pytest.fixture
def concern(signed_phone, pledge, checkin, dsl, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert reflect(signed_phone, pledge, WORDS).status_code == 303
    return Concern.objects.get()


def test_a_talk_message_emails_the_teacher_and_every_dsl_without_the_childs_words(
    concern, teacher, dsl, colleague
):
    [message] = mail.outbox
    assert sorted(message.to) == sorted([teacher.email, dsl.email])
    assert colleague.email not in message.to
    text = message.subject + message.body
    assert "Riverside School" in text and "8B" in text and concern.pledge_title in text
    assert "http://127.0.0.1:8000" + concern.get_absolute_url() in message.body
    for private in ("messages about my body", "Sam K", "Sam"):
        assert private not in text
    assert concern.state == ConcernState.NEW and concern.notified_at is not None


def test_the_dsl_reads_it_marks_it_handled_and_the_dashboard_stops_flagging_it(
    concern, dsl_client, teacher_client, dsl
):
    flag = "waiting to talk to someone"
    assert flag in teacher_client.get(reverse("pledges:dashboard")).text
    assert flag in dsl_client.get(reverse("pledges:dashboard")).text
    listing = dsl_client.get(reverse("pledges:concern-list"))
    assert concern.get_absolute_url() in listing.text
    assert WORDS not in listing.text  # the list names no child and quotes nothing

    page = dsl_client.get(concern.get_absolute_url())
    assert WORDS in unescape(page.text) and "Sam K" in page.text
    assert "Seen, not yet handled" in dsl_client.get(reverse("pledges:concern-list")).text

    empty = dsl_client.post(reverse("pledges:concern-handle", args=[concern.pk]), {"note": " "})
    assert "Write what was done" in unescape(empty.text)
    concern.refresh_from_db()
    assert concern.state == ConcernState.NEW

    done = dsl_client.post(
        reverse("pledges:concern-handle", args=[concern.pk]),
        {"note": "Spoke to Sam with their teacher; logged on CPOMS."},
    )
    assert done.status_code == 302
    concern.refresh_from_db()
    assert (concern.state, concern.handled_by) == (ConcernState.HANDLED, dsl)
    assert flag not in teacher_client.get(reverse("pledges:dashboard")).text
    assert flag not in dsl_client.get(reverse("pledges:dashboard")).text
    actions = list(concern.events.values_list("action", "user"))
    assert (ConcernEvent.Action.OPENED, dsl.pk) in actions
    assert (ConcernEvent.Action.HANDLED, dsl.pk) in actions


def test_the_record_for_the_schools_system_carries_the_words_and_who_was_told(concern, dsl_client):
    page = unescape(dsl_client.get(concern.get_absolute_url()).text)
    record = re.search(r'<textarea id="concern-record-text"[^>]*>(.*?)</textarea>', page, re.S)
    record = record.group(1)
    for part in (
        "Riverside School",
        "8B",
        concern.pledge_title,
        "Sam K",
        WORDS,
        "class teacher and safeguarding leads emailed",
        "Opened",
    ):
        assert part in record
    dsl_client.post(reverse("pledges:concern-record", args=[concern.pk]))
    concern.refresh_from_db()
    assert concern.state == ConcernState.RECORDED and not concern.is_open()


def test_a_teacher_who_is_not_a_dsl_cannot_mark_it_recorded(concern, teacher_client):
    response = teacher_client.post(reverse("pledges:concern-record", args=[concern.pk]))
    assert response.status_code == 404
    concern.refresh_from_db()
    assert concern.state == ConcernState.NEW


def test_a_colleague_who_is_not_a_dsl_sees_nothing_of_another_class(concern, colleague_client):
    assert colleague_client.get(concern.get_absolute_url()).status_code == 404
    assert (
        colleague_client.post(
            reverse("pledges:concern-handle", args=[concern.pk]), {"note": "x"}
        ).status_code
        == 404
    )
    assert (
        concern.get_absolute_url()
        not in colleague_client.get(reverse("pledges:concern-list")).text
    )
    concern.refresh_from_db()
    assert (
        concern.state == ConcernState.NEW
        and not concern.events.filter(action=ConcernEvent.Action.OPENED).exists()
    )


def test_another_schools_teacher_and_anonymous_get_nothing(concern, other_client, client):
    for url in (concern.get_absolute_url(), reverse("pledges:concern-list")):
        assert client.get(url)["Location"].startswith(reverse("login"))
    assert other_client.get(concern.get_absolute_url()).status_code == 404
    assert (
        other_client.post(reverse("pledges:concern-handle", args=[concern.pk]), {"note": "x"})
    ).status_code == 404
    assert concern.get_absolute_url() not in other_client.get(reverse("pledges:concern-list")).text


def test_a_concern_survives_hiding_or_holding_the_signature(concern, teacher_client):
    Signature.objects.update(hidden=True, approved=False)
    assert concern.get_absolute_url() in teacher_client.get(reverse("pledges:concern-list")).text
    assert "waiting to talk to someone" in teacher_client.get(reverse("pledges:dashboard")).text


def test_new_words_on_a_handled_concern_start_a_new_one_and_email_again(
    concern, signed_phone, pledge, dsl, django_capture_on_commit_callbacks
):
    concern.handle(dsl, "Talked to them.")
    with django_capture_on_commit_callbacks(execute=True):
        reflect(signed_phone, pledge, "It happened again today")
    newest = Concern.objects.order_by("-pk").first()
    assert newest.pk != concern.pk and newest.message == "It happened again today"
    assert len(mail.outbox) == 2


def test_more_words_on_an_open_concern_are_added_to_it(
    concern, signed_phone, pledge, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        reflect(signed_phone, pledge, "And on the bus")
    concern.refresh_from_db()
    assert concern.message == f"{WORDS}\n\nAnd on the bus"
    assert Concern.objects.count() == 1


def test_a_message_has_a_total_length_limit_however_often_it_is_added_to(
    concern, signed_phone, pledge
):
    for number in range(3):  # 60 + 3 × (2 + 498) characters: 1,560 of 2,000
        assert reflect(signed_phone, pledge, "x" * 497 + str(number)).status_code == 303
    refused = reflect(signed_phone, pledge, "y" * 499)
    assert refused.status_code == 200
    assert "won't fit" in unescape(refused.text)
    concern.refresh_from_db()
    assert len(concern.message) <= CONCERN_MAX_LENGTH
    assert "yyy" not in concern.message


def test_a_talk_request_typed_in_from_paper_is_a_concern_too(
    teacher_client, pledge, checkin, signed_phone, dsl, django_capture_on_commit_callbacks
):
    signature = Signature.objects.get()
    data = {"signature": signature.pk, "note": "", "talk_request": "Please can we talk"}
    data.update({f"commitment_{c.pk}": "tried" for c in signature.commitments.all()})
    with django_capture_on_commit_callbacks(execute=True):
        teacher_client.post(reverse("pledges:reflection-paper", args=[pledge.pk, 1]), data)
    concern = Concern.objects.get()
    assert concern.message == "Please can we talk"
    assert concern.typed_in_by.email == "teacher@riverside.example"
    assert len(mail.outbox) == 1


def test_when_mail_fails_the_concern_is_kept_shown_and_retried_later(
    signed_phone,
    pledge,
    checkin,
    dsl,
    settings,
    caplog,
    teacher_client,
    django_capture_on_commit_callbacks,
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    with django_capture_on_commit_callbacks(execute=True):
        assert reflect(signed_phone, pledge, WORDS).status_code == 303
    concern = Concern.objects.get()
    assert concern.notified_at is None
    assert "waiting to talk to someone" in teacher_client.get(reverse("pledges:dashboard")).text
    assert "Could not email concern" in caplog.text
    assert "my body" not in caplog.text and "Sam K" not in caplog.text

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("send_concern_notifications")
    concern.refresh_from_db()
    assert concern.notified_at is not None and len(mail.outbox) == 1
    call_command("send_concern_notifications")
    assert len(mail.outbox) == 1  # sent once


def test_the_lead_names_a_dsl_and_only_the_lead_can(teacher_client, colleague_client, colleague):
    membership = Membership.objects.get(user=colleague)
    url = reverse("pledges:school-set-dsl", args=[membership.pk])
    assert colleague_client.post(url, {"is_dsl": "on"}).status_code == 404
    membership.refresh_from_db()
    assert not membership.is_dsl
    bad = teacher_client.post(url, {"is_dsl": "maybe"}, follow=True)
    assert "Choose whether" in unescape(bad.text)
    teacher_client.post(url, {"is_dsl": "on"})
    membership.refresh_from_db()
    assert membership.is_dsl
    page = teacher_client.get(reverse("pledges:school-detail")).text
    assert "Safeguarding lead" in page


def test_the_lead_can_name_themselves_dsl(teacher_client, teacher):
    membership = Membership.objects.get(user=teacher)
    teacher_client.post(reverse("pledges:school-set-dsl", args=[membership.pk]), {"is_dsl": "on"})
    membership.refresh_from_db()
    assert membership.is_dsl and membership.is_lead()


def test_the_concern_list_costs_the_same_queries_for_one_or_many(
    dsl_client, concern, django_assert_num_queries
):
    def load():
        return dsl_client.get(reverse("pledges:concern-list"))

    load()
    # session, user, membership with school, the page count, the page of concerns, and
    # the session saved (savepoint, update, release: one UPDATE outside a test)
    with django_assert_num_queries(8) as one:
        load()
    for _n in range(5):
        Concern.objects.create(
            school=concern.school,
            classroom=concern.classroom,
            class_name="8B",
            pledge_title="P",
            student_name="A",
            message="m",
        )
    with django_assert_num_queries(len(one.captured_queries)):
        load()


# The school's country: which helplines its pages show -------------------------------------


def test_a_new_school_chooses_its_country(client):
    user = factories.make_teacher("new@brookside.example")
    client.force_login(user)
    client.post(
        reverse("pledges:school-setup"), {"action": "create", "name": "Brookside", "country": "US"}
    )
    assert Membership.objects.get(user=user).school.country == "US"


def test_only_the_lead_sets_the_country_and_a_bad_one_changes_nothing(
    teacher_client, colleague_client, school
):
    url = reverse("pledges:school-set-country")
    assert colleague_client.post(url, {"country": "US"}).status_code == 404
    bad = teacher_client.post(url, {"country": "XX"}, follow=True)
    assert "Choose the country your school is in." in unescape(bad.text)
    school.refresh_from_db()
    assert school.country == "GB"
    teacher_client.post(url, {"country": "US"})
    school.refresh_from_db()
    assert school.country == "US"


def test_lesson_safeguarding_panels_show_the_teachers_country_and_both_to_anyone_else(
    teacher_client, anon_client, school
):
    from curriculum.models import SupportService

    lesson = factories.make_lesson("speaking-up")
    SupportService.objects.create(
        name="Childline", helps_with="x", contact="0800 1111", country="GB"
    )
    SupportService.objects.create(name="Childhelp", helps_with="x", contact="1-800", country="US")
    page = lesson.get_absolute_url()
    both = anon_client.get(page).text
    assert "Childline" in both and "Childhelp" in both
    mine = teacher_client.get(page).text
    assert "Childline" in mine and "Childhelp" not in mine
    school.country = "US"
    school.save()
    mine = teacher_client.get(page).text
    assert "Childhelp" in mine and "Childline" not in mine


def test_a_child_can_tell_a_teacher_the_words_they_were_called(signed_phone, pledge, checkin):
    """'Leave out rude words' must never turn a disclosure away (found merging issue 18)."""
    words = "Two boys keep calling me a slag and a retard on the bus"
    assert reflect(signed_phone, pledge, words).status_code == 303
    assert Concern.objects.get().message == words
