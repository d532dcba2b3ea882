"""The live count the projector view and the teacher's pledge page poll: the number those
pages show, to the pledge's own teacher only, never kept by a cache, in one query; and
polling it (or leaving the projector view reloading itself) doesn't keep a session alive.
"""

import time
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_pledge, make_signature

pytestmark = pytest.mark.django_db


def count_url(pledge):
    return reverse("pledges:pledge-count", args=[pledge.pk])


def test_owner_gets_the_count_the_projector_shows(teacher_client, pledge):
    for name in ("Sam K", "Ali B", "Jo C"):
        make_signature(pledge, name)
    response = teacher_client.get(count_url(pledge))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"count": 3}  # the number, and nothing else
    present = teacher_client.get(reverse("pledges:pledge-present", args=[pledge.pk]))
    assert "<strong>3</strong>" in present.text


def test_hidden_and_waiting_signatures_are_not_counted(teacher_client, pledge):
    make_signature(pledge, "Sam K")
    make_signature(pledge, "Hidden H", hidden=True)
    make_signature(pledge, "Waiting W", approved=False)
    assert teacher_client.get(count_url(pledge)).json() == {"count": 1}
    detail = teacher_client.get(pledge.get_absolute_url())
    assert '<p class="big-count"' in detail.text and "<strong>1</strong>" in detail.text


def test_the_count_follows_new_signatures_and_is_never_cached(teacher_client, pledge):
    first = teacher_client.get(count_url(pledge))
    assert first.json() == {"count": 0}
    assert "no-store" in first["Cache-Control"]
    make_signature(pledge, "Sam K")
    assert teacher_client.get(count_url(pledge)).json() == {"count": 1}


def test_anonymous_is_sent_to_log_in_like_the_projector_view(anon_client, pledge):
    make_signature(pledge, "Sam K")
    response = anon_client.get(count_url(pledge))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert response.content == b""


def test_another_schools_teacher_and_a_colleague_get_404(other_client, colleague_client, pledge):
    make_signature(pledge, "Sam K")
    for client in (other_client, colleague_client):
        response = client.get(count_url(pledge))
        assert response.status_code == 404
        assert response["Content-Type"].startswith("text/html")  # the site's 404 page


def test_an_unknown_pledge_is_404_and_a_change_is_refused(teacher_client, pledge):
    assert teacher_client.get(reverse("pledges:pledge-count", args=[999999])).status_code == 404
    assert teacher_client.post(count_url(pledge)).status_code == 405


def test_one_query_beyond_the_session_user_and_membership_however_many_signed(
    teacher_client, classroom, pledge, django_assert_num_queries
):
    make_signature(pledge, "Sam K")
    # session, user, membership, the pledge's count with the access check (and no session
    # save: a poll is not activity)
    with django_assert_num_queries(4):
        response = teacher_client.get(count_url(pledge))
    assert response.json() == {"count": 1}
    other = make_pledge(classroom, title="Another")
    for number in range(30):
        make_signature(pledge, f"Name {chr(65 + number % 26)}{chr(66 + number // 26)}")
        make_signature(other, f"Name {chr(65 + number % 26)}{chr(66 + number // 26)}")
    with django_assert_num_queries(4):
        response = teacher_client.get(count_url(pledge))
    assert response.json() == {"count": 31}


# The idle logout ---------------------------------------------------------------------


def _expiry():
    return Session.objects.get().expire_date


def test_polling_and_the_projector_view_leave_the_session_expiry_alone(teacher, pledge):
    client = Client()
    client.force_login(teacher)
    # The teacher's last click was most of an hour ago: any activity now would push the
    # expiry on (as the dashboard does, below).
    Session.objects.update(expire_date=timezone.now() + timedelta(minutes=1))
    idle_until = _expiry()
    for _poll in range(5):
        assert client.get(count_url(pledge)).status_code == 200
    present = reverse("pledges:pledge-present", args=[pledge.pk])
    assert client.get(present + "?refresh=1").status_code == 200
    # The teacher's own page, reloading itself every 15 seconds (?live=1), is no click.
    assert client.get(pledge.get_absolute_url() + "?live=1").status_code == 200
    assert _expiry() == idle_until
    # Idle time over: the next poll and the next teacher page ask to log in.
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    for target in (count_url(pledge), present, reverse("pledges:dashboard")):
        response = client.get(target)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_teacher_page_still_counts_as_activity(teacher, pledge):
    client = Client()
    client.force_login(teacher)
    Session.objects.update(expire_date=timezone.now() + timedelta(minutes=1))
    idle_until = _expiry()
    assert client.get(pledge.get_absolute_url()).status_code == 200
    assert _expiry() > idle_until + timedelta(minutes=30)


def test_with_only_polls_the_session_ends_after_the_idle_time_in_real_time(
    teacher, pledge, settings
):
    """The same with a real clock: a 2-second idle time, polled every 0.2 s for 3 s."""
    settings.SESSION_COOKIE_AGE = 2
    settings.SESSION_REFRESH_SECONDS = 1
    polled, active = Client(), Client()
    polled.force_login(teacher)
    active.force_login(teacher)
    started = time.monotonic()
    while time.monotonic() - started < 3:
        polled.get(count_url(pledge))
        assert active.get(reverse("pledges:dashboard")).status_code == 200
        time.sleep(0.2)
    response = polled.get(reverse("pledges:dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert active.get(reverse("pledges:dashboard")).status_code == 200
