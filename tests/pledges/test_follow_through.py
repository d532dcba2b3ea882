"""Teachers open check-in rounds and see, per commitment, what the class did."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from pledges.models import CheckIn, Pledge, Progress, Reflection
from tests.factories import make_lesson, make_pledge, make_signature

pytestmark = pytest.mark.django_db


def reflect(signature, checkin, progress, **text):
    commitments = list(signature.commitments.order_by("order"))
    return Reflection.record(
        signature=signature,
        checkin=checkin,
        progress={c: p for c, p in zip(commitments, progress, strict=False)},
        **text,
    )


def follow_url(pledge, **query):
    url = reverse("pledges:pledge-follow-through", args=[pledge.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_teacher_opens_rounds_and_earlier_rounds_close(teacher_client, pledge):
    target = reverse("pledges:checkin-create", args=[pledge.pk])
    teacher_client.post(target, {"prompt": "How did it go?"})
    teacher_client.post(target, {"prompt": ""})
    first, second = CheckIn.objects.order_by("number")
    assert (first.number, first.is_open, first.prompt) == (1, False, "How did it go?")
    assert (second.number, second.is_open) == (2, True)


def test_a_draft_cannot_have_a_check_in(teacher_client, classroom):
    draft = make_pledge(classroom, status="draft")
    teacher_client.post(reverse("pledges:checkin-create", args=[draft.pk]))
    assert not CheckIn.objects.exists()


def test_a_prompt_with_rude_words_or_too_long_is_refused(teacher_client, pledge):
    target = reverse("pledges:checkin-create", args=[pledge.pk])
    response = teacher_client.post(target, {"prompt": "x" * 501}, follow=True)
    assert "Please keep this to 500 characters" in response.text
    assert not CheckIn.objects.exists()


def test_numbers_per_commitment_equal_the_rows(teacher_client, pledge):
    checkin = CheckIn.start(pledge=pledge)
    answers = [
        ("Ann A", ["done", "done", "tried"]),
        ("Ben B", ["done", "not_yet", "not_yet"]),
        ("Cat C", ["tried", "done", "done"]),
        ("Dan D", ["not_yet", "tried", "done"]),
    ]
    for name, progress in answers:
        reflect(make_signature(pledge, name), checkin, progress)
    hidden = make_signature(pledge, "Hid H", hidden=True)
    reflect(hidden, checkin, ["done", "done", "done"])
    make_signature(pledge, "Eve E")  # signed, didn't reflect

    response = teacher_client.get(follow_url(pledge))
    assert response.status_code == 200
    rows = response.context["rows"]
    for index, row in enumerate(rows):
        expected = {value: 0 for value in Progress.values}
        for _name, progress in answers:
            expected[progress[index]] += 1
        assert {value: count for value, _label, count in row.selected_counts} == expected
        assert row.signed == 5  # hidden signature excluded
        assert row.selected_answered == 4


def test_talk_requests_come_first_and_notes_can_be_hidden(teacher_client, pledge):
    checkin = CheckIn.start(pledge=pledge)
    quiet = reflect(make_signature(pledge, "Ann A"), checkin, ["done"], note="I spoke up.")
    reflect(make_signature(pledge, "Zed Z"), checkin, ["tried"], talk_request="Can we talk?")
    response = teacher_client.get(follow_url(pledge))
    assert [r.signature.display_name for r in response.context["reflections"]] == [
        "Zed Z",
        "Ann A",
    ]
    assert "1 student would like to talk to you" in response.text
    target = reverse("pledges:reflection-moderate", args=[pledge.pk, quiet.pk])
    teacher_client.post(target, {"action": "hide"})
    quiet.refresh_from_db()
    assert quiet.note_hidden
    response = teacher_client.post(target, {"action": "explode"}, follow=True)
    assert "Choose hide or show." in response.text


def test_rounds_are_compared(teacher_client, pledge):
    signature = make_signature(pledge, "Ann A")
    first = CheckIn.start(pledge=pledge)
    reflect(signature, first, ["not_yet", "not_yet", "not_yet"])
    second = CheckIn.start(pledge=pledge)
    reflect(signature, second, ["done", "tried", "not_yet"])
    response = teacher_client.get(follow_url(pledge, round=1))
    assert response.context["selected"] == first
    assert "Rounds compared" in response.text
    row = response.context["rows"][0]
    assert [[count for _v, _l, count in counts] for counts in row.per_round] == [
        [0, 0, 1],
        [1, 0, 0],
    ]


def test_bad_round_numbers_show_the_latest(teacher_client, pledge):
    CheckIn.start(pledge=pledge)
    for value in ("abc", "999", "-1"):
        response = teacher_client.get(follow_url(pledge, round=value))
        assert response.status_code == 200 and response.context["selected"].number == 1


def test_reflections_csv_is_spreadsheet_safe(teacher_client, pledge):
    checkin = CheckIn.start(pledge=pledge)
    reflect(
        make_signature(pledge, "Ann A"),
        checkin,
        ["done", "tried", "not_yet"],
        note="=cmd|' /C calc'!A0",
    )
    response = teacher_client.get(reverse("pledges:reflections-csv", args=[pledge.pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1][:6] == ["1", "Ann A", "", "I did this", "I tried", "Not yet"]
    assert rows[1][6].startswith("'=")


def test_commitment_texts_heading_csv_columns_are_spreadsheet_safe_too(teacher_client, pledge):
    """A commitment heads a column of the reflections and signatures CSVs: a formula
    there would run in Excel as surely as one in a cell (issue 19)."""
    first = pledge.commitments.order_by("order").first()
    pledge.commitments.filter(pk=first.pk).update(text='=HYPERLINK("http://evil.example","Hi")')
    CheckIn.start(pledge=pledge)
    for name in ("pledges:reflections-csv", "pledges:pledge-csv"):
        response = teacher_client.get(reverse(name, args=[pledge.pk]))
        header = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert all(not cell.startswith("=") for cell in header), (name, header)
        assert any("=HYPERLINK" in cell for cell in header), header


def test_paper_sheets_print_and_can_be_typed_in(teacher_client, pledge):
    checkin = CheckIn.start(pledge=pledge)
    signature = make_signature(pledge, "Ann A", commitments=list(pledge.commitments.all()[:2]))
    sheet = teacher_client.get(reverse("pledges:reflection-sheet", args=[pledge.pk, 1]))
    assert sheet.status_code == 200 and "Ann A" in sheet.text and "<nav" not in sheet.text
    first, second, third = pledge.commitments.order_by("order")
    target = reverse("pledges:reflection-paper", args=[pledge.pk, 1])
    data = {
        "signature": signature.pk,
        f"commitment_{first.pk}": "done",
        f"commitment_{second.pk}": "tried",
        "note": "Helped Sam.",
    }
    teacher_client.post(target, data)
    reflection = Reflection.objects.get(signature=signature, checkin=checkin)
    assert {i.commitment_id: i.progress for i in reflection.items.all()} == {
        first.pk: "done",
        second.pk: "tried",
    }
    # A commitment the student didn't sign is refused, and nothing changes.
    response = teacher_client.post(target, {**data, f"commitment_{third.pk}": "done"})
    assert "didn&#x27;t sign this one" in response.text
    assert reflection.items.count() == 2


def test_dashboard_flags_talk_requests_and_due_check_ins(teacher_client, pledge):
    Pledge.objects.filter(pk=pledge.pk).update(opened_at=timezone.now() - timedelta(weeks=3))
    response = teacher_client.get(reverse("pledges:dashboard"))
    assert "Check-in due" in response.text
    checkin = CheckIn.start(pledge=pledge)
    reflect(make_signature(pledge, "Ann A"), checkin, ["done"], talk_request="Please")
    response = teacher_client.get(reverse("pledges:dashboard"))
    assert "Check-in due" not in response.text  # the 2-week round happened
    assert "1 wants to talk" in response.text


@pytest.mark.parametrize(
    "name",
    ["pledges:pledge-follow-through", "pledges:reflections-csv"],
)
def test_follow_through_pages_are_owner_only(
    anon_client, other_client, colleague_client, teacher_client, pledge, name
):
    url = reverse(name, args=[pledge.pk])
    assert anon_client.get(url).status_code == 302
    assert other_client.get(url).status_code == 404
    assert colleague_client.get(url).status_code == 404
    assert teacher_client.get(url).status_code == 200


def test_round_pages_and_posts_are_owner_only(other_client, colleague_client, pledge):
    checkin = CheckIn.start(pledge=pledge)
    reflection = reflect(make_signature(pledge, "Ann A"), checkin, ["done"], note="x")
    for client in (other_client, colleague_client):
        for name in ("pledges:reflection-sheet", "pledges:reflection-paper"):
            assert client.get(reverse(name, args=[pledge.pk, 1])).status_code == 404
        assert client.post(reverse("pledges:checkin-create", args=[pledge.pk])).status_code == 404
        moderate = reverse("pledges:reflection-moderate", args=[pledge.pk, reflection.pk])
        assert client.post(moderate, {"action": "hide"}).status_code == 404
    assert CheckIn.objects.count() == 1
    reflection.refresh_from_db()
    assert not reflection.note_hidden


def test_follow_through_query_count_is_constant(teacher_client, pledge, django_assert_num_queries):
    checkin = CheckIn.start(pledge=pledge)
    reflect(make_signature(pledge, "Ann A"), checkin, ["done"])
    # session, user, membership with school, pledge+count, commitments, checkins, signed
    # counts, item counts, reflections, exit answers before, and the session saved with
    # its new expiry (savepoint, update, release)
    with django_assert_num_queries(13):
        teacher_client.get(follow_url(pledge))
    for number in range(20):
        reflect(make_signature(pledge, f"Name {chr(65 + number)}"), checkin, ["tried", "done"])
    with django_assert_num_queries(13):
        teacher_client.get(follow_url(pledge))


def test_school_lead_sees_suppressed_outcomes_without_names(
    teacher_client, colleague_client, pledge
):
    checkin = CheckIn.start(pledge=pledge)
    for name, progress in [
        ("Ann A", "done"),
        ("Ben B", "tried"),
        ("Cat C", "not_yet"),
        ("Dan D", "done"),
        ("Eve E", "done"),
        ("Fay F", "not_yet"),
    ]:
        reflect(make_signature(pledge, name), checkin, [progress], note=f"{name} wrote this")
    response = teacher_client.get(reverse("pledges:school-detail"))
    assert "Follow-through across the school" in response.text
    row = response.context["outcome_rows"][0]
    assert row["signatures"] == 6 and row["reflections"] == 6
    assert row["share"] == 67  # 4 of 6 did or tried
    assert "Ann A" not in response.text and "wrote this" not in response.text
    # Colleagues don't see the lead's view.
    assert (
        "Follow-through across the school"
        not in colleague_client.get(reverse("pledges:school-detail")).text
    )


def test_school_outcomes_hide_small_numbers(teacher_client, pledge):
    checkin = CheckIn.start(pledge=pledge)
    reflect(make_signature(pledge, "Ann A"), checkin, ["done"])
    response = teacher_client.get(reverse("pledges:school-detail"))
    row = response.context["outcome_rows"][0]
    assert row["signatures"] == "fewer than 5" and row["reflections"] == "fewer than 5"
    assert row["share"] is None
    assert response.context["outcome_total"]["signatures"] == "fewer than 5"


@pytest.mark.parametrize("asked", [True, False], ids=["asked when signing", "not asked"])
def test_exit_answers_before_and_after_show_only_when_the_question_was_asked(
    teacher_client, classroom, asked
):
    lesson = make_lesson(exit_questions=["What would you say to a bystander?"])
    pledge = make_pledge(classroom, lesson=lesson, ask_exit_question=asked)
    signature = make_signature(pledge, "Ann A", exit_answer="Not sure yet")
    checkin = CheckIn.start(pledge=pledge)
    reflect(signature, checkin, ["done"], exit_answer="Ask if they are OK")
    text = teacher_client.get(follow_url(pledge)).text
    section = "Exit question: before and after"
    assert (section in text) is asked
    assert ("Not sure yet" in text and "Ask if they are OK" in text) is asked


def test_typing_in_a_paper_sheet_keeps_the_students_talk_message(teacher_client, pledge):
    checkin = CheckIn.start(pledge=pledge)
    signature = make_signature(pledge, "Ann A")
    reflect(
        signature,
        checkin,
        ["done"],
        talk_request="Someone keeps messaging me.",
        exit_answer="Tell a teacher",
    )
    first = pledge.commitments.order_by("order").first()
    teacher_client.post(
        reverse("pledges:reflection-paper", args=[pledge.pk, checkin.number]),
        {"signature": signature.pk, f"commitment_{first.pk}": "tried", "note": "From paper."},
    )
    reflection = Reflection.objects.get(signature=signature, checkin=checkin)
    assert reflection.note == "From paper."
    assert reflection.talk_request == "Someone keeps messaging me."
    assert reflection.exit_answer == "Tell a teacher"
    # Words added on paper go below the earlier message, never over it.
    teacher_client.post(
        reverse("pledges:reflection-paper", args=[pledge.pk, checkin.number]),
        {
            "signature": signature.pk,
            f"commitment_{first.pk}": "done",
            "talk_request": "Also lunch.",
        },
    )
    reflection.refresh_from_db()
    assert reflection.talk_request == "Someone keeps messaging me.\n\nAlso lunch."
