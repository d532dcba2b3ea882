"""What `make run` sets up: a demo pledge a newcomer can sign and follow through."""

import re
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from curriculum.loader import load_content
from pledges.models import Pledge, ReflectionItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    load_content(settings.CURRICULUM_DIR)
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_demo_refuses_to_run_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo")


def test_printed_code_opens_the_pledge_and_a_signature_shows_up(demo):
    code = re.search(r"join code: ([A-Z0-9-]+)", demo).group(1)
    pledge = Pledge.objects.get()
    before = pledge.count()
    student = Client()
    page = student.get(f"/join/{code}/")
    assert page.status_code == 200 and pledge.title in page.text
    first = pledge.commitments.order_by("order").first()
    signed = student.post(
        f"/join/{code}/", {"display_name": "Newcomer N", "commitments": [first.pk]}
    )
    assert signed.status_code in (302, 303)
    teacher = Client()
    teacher.force_login(get_user_model().objects.get(username="teacher@example.org"))
    detail = teacher.get(pledge.get_absolute_url())
    assert "Newcomer N" in detail.text
    assert detail.context["pledge"].signature_count == before + 1


def test_demo_follow_through_numbers_match_the_rows(demo):
    pledge = Pledge.objects.get()
    teacher = Client()
    teacher.force_login(get_user_model().objects.get(username="teacher@example.org"))
    response = teacher.get(reverse("pledges:pledge-follow-through", args=[pledge.pk]))
    assert response.status_code == 200
    for row in response.context["rows"]:
        for value, _label, count in row.selected_counts:
            assert (
                count
                == ReflectionItem.objects.filter(commitment=row.commitment, progress=value).count()
            )
    assert sum(row.selected_answered for row in response.context["rows"]) > 0


def test_running_it_twice_changes_nothing(demo):
    call_command("seed_demo", stdout=StringIO())
    assert Pledge.objects.count() == 1
    assert settings.CURRICULUM_DIR
