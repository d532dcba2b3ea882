"""Children's privacy: essential cookies only, no name, address or user agent in any log
line or error report, and a school's data can be exported and deleted by its lead."""

import contextlib
import io
import logging
import re
import sys
import zipfile
from html import unescape
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.db import OperationalError, models
from django.test import Client, RequestFactory
from django.urls import reverse

from allyship_site import errors
from pledges import access
from pledges.models import (
    Classroom,
    Concern,
    Membership,
    Pledge,
    Reflection,
    School,
    Signature,
)
from pledges.views import student
from tests import factories
from tests.security.conftest import OWNER_NOTE, OWNER_SIGNER, row_counts

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)
ESSENTIAL_COOKIES = {"csrftoken", "sessionid", "messages"}  # plus pledge_<id>
# Names that must never reach a log line or an error mail (kept up here: the mail quotes
# the source lines around each frame, and these must not turn up that way).
CHILD = "Xanthe Marlowe"
FIRST_CHILD = "Zephyrine Q"
SECRET_PARTS = ("Xanthe", "Zephyrine", "Year8-Tablet")
ADDRESS = "203.0.113.77"
FORWARDED = "198.51.100.23"
USER_AGENT = "Mozilla/5.0 (Linux; Android 14; Year8-Tablet-42) Safari/537.36"


def cookie_names(response):
    return {name for name, morsel in response.cookies.items() if morsel["max-age"] != 0}


def test_a_student_journey_sets_only_essential_cookies(world):
    pledge = world.pledge
    phone = Client()
    set_cookies = set()
    steps = [
        phone.get(reverse("pledges:join")),
        phone.post(reverse("pledges:join"), {"code": pledge.join_code_display()}),
        phone.get(pledge.get_join_url()),
        phone.post(pledge.get_join_url(), factories.sign_form_data(pledge, "Tia T")),
        phone.get(reverse("pledges:thanks", args=[pledge.link_token])),
        phone.post(reverse("pledges:withdraw", args=[pledge.link_token])),
        phone.post(reverse("pledges:withdraw", args=[pledge.link_token]), {"confirm": "1"}),
        phone.get(pledge.get_link_url()),
        phone.get(reverse("pledges:privacy")),
    ]
    assert [r.status_code for r in steps] == [200, 302, 200, 303, 200, 200, 303, 200, 200]
    for response in steps:
        set_cookies |= cookie_names(response)
    assert set_cookies == {"csrftoken", f"pledge_{pledge.pk}", "messages"}
    assert set_cookies <= ESSENTIAL_COOKIES | {f"pledge_{pledge.pk}"}


@pytest.fixture
def error_mail(settings):
    settings.ADMINS = [("Ops", "ops@example.org")]
    settings.DEBUG = False
    mail.outbox = []
    return settings


def everything_logged(caplog):
    formatter = logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s %(request)s")
    lines = []
    for record in caplog.records:
        record.request = getattr(record, "request", "")
        lines.append(formatter.format(record))
        lines.append(repr(record.args))
    return "\n".join(lines)


def everything_mailed():
    parts = []
    for message in mail.outbox:
        parts += [message.subject, message.body]
        parts += [content for content, _type in getattr(message, "alternatives", [])]
    return "\n".join(parts)


def test_a_crash_while_signing_logs_no_name_address_or_user_agent(
    world, error_mail, caplog, monkeypatch
):
    caplog.set_level(logging.DEBUG)
    for name in ("django", "django.request", "django.server", "django.db.backends", "axes"):
        caplog.set_level(logging.DEBUG, logger=name)
    phone = Client(
        raise_request_exception=False,
        REMOTE_ADDR=ADDRESS,
        HTTP_USER_AGENT=USER_AGENT,
        HTTP_X_FORWARDED_FOR=FORWARDED,
    )
    url = world.pledge.get_link_url()
    # One student signs normally...
    ok = phone.post(url, factories.sign_form_data(world.pledge, FIRST_CHILD))
    assert ok.status_code == 303

    # ...then signing breaks.
    def broken_sign(**kwargs):
        raise RuntimeError("the database fell over")

    monkeypatch.setattr(Signature, "sign", broken_sign)
    phone.cookies.clear()
    crashed = phone.post(url, factories.sign_form_data(world.pledge, CHILD))
    assert crashed.status_code == 500
    assert "Something went wrong" in unescape(crashed.text)
    assert len(mail.outbox) == 1, "the crash is mailed to ADMINS"
    report = everything_mailed()
    assert "the database fell over" in report and "RuntimeError" in report
    assert re.search(r"display_name\s*=\s*'\*+'", report), "the name is hidden in POST"
    logged = everything_logged(caplog)
    assert "Internal Server Error" in logged
    for secret in (CHILD, FIRST_CHILD, ADDRESS, FORWARDED, USER_AGENT, *SECRET_PARTS):
        leaks = [
            line[max(0, line.index(secret) - 700) : line.index(secret) + 100]
            for line in logged.splitlines()
            if secret in line
        ]
        assert not leaks, f"{secret!r} is in a log line: {leaks}"
        assert secret not in report, f"{secret!r} is in the error mail"
    for header in ("REMOTE_ADDR", "HTTP_USER_AGENT", "HTTP_X_FORWARDED_FOR"):
        assert re.search(rf"{header}\s*=\s*'\*+'", report), f"{header} not cleansed"


def test_signing_and_reflecting_hide_what_students_type_from_error_reports(world):
    factory = RequestFactory()
    for view, args, fields in [
        (student.join_link, [world.pledge.link_token], ["display_name", "exit_answer"]),
        (student.join_code, [world.pledge.join_code_display()], ["display_name", "exit_answer"]),
        (student.reflect, [world.pledge.link_token], ["note", "talk_request", "exit_answer"]),
        (student.withdraw, [world.pledge.link_token], ["return_code"]),
    ]:
        request = factory.post("/", {})
        request.session = {}
        request._messages = None
        with contextlib.suppress(Exception):  # only the marker set on the request matters
            view(request, *args)
        assert set(fields) <= set(request.sensitive_post_parameters), view.__name__


def test_the_error_report_filter_hides_device_details():
    request = RequestFactory().get(
        "/", REMOTE_ADDR=ADDRESS, HTTP_USER_AGENT=USER_AGENT, HTTP_X_FORWARDED_FOR=FORWARDED
    )
    request.COOKIES = {"pledge_1": "secret", "csrftoken": "t"}
    report_filter = errors.PrivateExceptionReporterFilter()
    meta = report_filter.get_safe_request_meta(request)
    assert ADDRESS not in str(meta) and USER_AGENT not in str(meta) and FORWARDED not in str(meta)
    assert "secret" not in str(report_filter.get_safe_cookies(request))
    assert settings.DEFAULT_EXCEPTION_REPORTER_FILTER.endswith("PrivateExceptionReporterFilter")


def test_production_mails_errors_to_admins():
    handlers = settings.LOGGING["loggers"]["django"]["handlers"]
    assert "mail_admins" in handlers
    mail_handler = settings.LOGGING["handlers"]["mail_admins"]
    assert mail_handler["class"] == "django.utils.log.AdminEmailHandler"
    assert "require_debug_false" in mail_handler["filters"]


def test_the_gunicorn_access_log_leaves_out_the_client():
    namespace = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), namespace)  # noqa: S102
    log_format = namespace["access_log_format"]
    for field in ("%(h)s", "%(a)s", "%(u)s", "x-forwarded-for", "x-real-ip", "%(f)s"):
        assert field not in log_format.lower(), field
    assert "%(r)s" in log_format and "%(s)s" in log_format


def test_retention_is_a_setting_with_a_default_and_a_documented_cron_line():
    assert settings.RETENTION_DAYS_AFTER_CLOSE == 90
    readme = (ROOT / "README.md").read_text()
    assert "anonymise_signatures" in readme and "RETENTION_DAYS_AFTER_CLOSE" in readme
    assert re.search(r"`15 3 \* \* \* .*manage\.py anonymise_signatures`", readme)


# The children's notice names everything kept ------------------------------------------

# Every text field of the rows a student's words reach, classified. A new field fails the
# test below until it is placed here: written by the student (the notice must name it), or
# not (and why).
NOT_WRITTEN_BY_STUDENTS = {
    "Signature.name_key": "derived from the name, for the one-per-name rule",
    "Signature.return_secret": "random, made by the app",
    "Signature.return_code": "random, made by the app",
    "Concern.class_name": "the teacher's class name, copied",
    "Concern.pledge_title": "the teacher's pledge title, copied",
    "Concern.student_name": "a copy of the name, named in the notice as the name",
    "Concern.state": "set by staff",
    "Concern.action_note": "written by staff",
}


def student_written_fields():
    fields = []
    for model in (Signature, Reflection, Concern):
        for field in model._meta.get_fields():
            if isinstance(field, (models.CharField, models.TextField)):
                key = f"{model.__name__}.{field.name}"
                if key not in NOT_WRITTEN_BY_STUDENTS:
                    fields.append((key, str(field.verbose_name)))
    return fields


def test_the_childrens_notice_names_every_field_a_student_writes(anon_client):
    notice = unescape(anon_client.get(reverse("pledges:privacy")).text).lower()
    fields = student_written_fields()
    assert {key for key, _label in fields} >= {
        "Signature.display_name",
        "Signature.exit_answer",
        "Reflection.note",
        "Reflection.talk_request",
        "Reflection.exit_answer",
        "Concern.message",
    }
    for key, label in fields:
        assert label.lower() in notice, f"{key} ({label}) is not in the notice"
    # And it no longer says it keeps nothing else, or that only the teacher reads messages.
    assert "that is all" not in notice
    assert "only your teacher reads" not in notice
    assert "safeguarding lead" in notice


# The school's privacy page ---------------------------------------------------------------


def test_schools_have_a_privacy_page_covering_what_the_design_code_asks(anon_client):
    response = anon_client.get(reverse("pledges:school-privacy"))
    assert response.status_code == 200
    text = unescape(response.text)
    assert text.count("<h1") == 1
    for topic in (
        "What is stored",
        "legal basis",
        "How long it is kept",
        "Export and deletion",
        "No third parties",
        "no analytics",
        "hosting",
        "Never stored",
        "IP address",
    ):
        assert topic.lower() in text.lower(), topic
    assert f"{settings.RETENTION_DAYS_AFTER_CLOSE} days" in text
    assert reverse("pledges:privacy") in text


# Deleting a class -----------------------------------------------------------------------


def test_the_owner_deletes_a_class_with_everything_in_it(world):
    owner = Client()
    owner.force_login(world.owner)
    url = reverse("pledges:classroom-delete", args=[world.classroom.pk])
    confirm = owner.get(url)
    assert confirm.status_code == 200
    assert "1 pledge" in unescape(confirm.text) and "1 signature" in unescape(confirm.text)
    assert Classroom.objects.filter(pk=world.classroom.pk).exists()  # GET changes nothing
    before = row_counts()
    done = owner.post(url)
    assert done.status_code == 302 and done["Location"] == reverse("pledges:dashboard")
    assert not Classroom.objects.filter(pk=world.classroom.pk).exists()
    assert not Pledge.objects.filter(pk=world.pledge.pk).exists()
    assert not Signature.objects.filter(display_name=OWNER_SIGNER).exists()
    assert not Reflection.objects.filter(note=OWNER_NOTE).exists()
    after = row_counts()
    assert after["Classroom"] == before["Classroom"] - 1
    assert after["User"] == before["User"]  # the teacher stays


# The lead's export and deletion ------------------------------------------------------------


def test_the_lead_exports_the_whole_school_as_spreadsheet_safe_csvs(world):
    factories.make_classroom(world.owner, name='=HYPERLINK("http://evil")')
    lead = Client()
    lead.force_login(world.owner)
    response = lead.get(reverse("pledges:school-export"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Cache-Control"] == "no-store"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    raw = {name: archive.read(name) for name in archive.namelist()}
    assert all(data.startswith(b"\xef\xbb\xbf") for data in raw.values())  # Excel: UTF-8
    files = {name: data.decode("utf-8-sig") for name, data in raw.items()}
    assert set(files) == {
        "school.csv",
        "teachers.csv",
        "classrooms.csv",
        "pledges.csv",
        "commitments.csv",
        "signatures.csv",
        "checkins.csv",
        "reflections.csv",
    }
    assert "Riverside School" in files["school.csv"]
    assert "teacher@riverside.example" in files["teachers.csv"]
    assert "colleague@riverside.example" in files["teachers.csv"]
    assert OWNER_SIGNER in files["signatures.csv"] and "Cora C" in files["signatures.csv"]
    assert OWNER_NOTE in files["reflections.csv"]
    assert "'=HYPERLINK" in files["classrooms.csv"]  # a formula becomes plain text
    everything = "".join(files.values())
    assert "Hetty H" not in everything and "Hillside" not in everything
    assert world.signature.return_secret not in everything
    assert world.signature.return_code not in everything


def test_the_lead_deletes_the_school_only_after_typing_its_name(world):
    lead = Client()
    lead.force_login(world.owner)
    url = reverse("pledges:school-delete")
    page = lead.get(url)
    assert page.status_code == 200 and "Type the school" in unescape(page.text)
    before = row_counts()
    wrong = lead.post(url, {"name": "Riverside"})
    assert wrong.status_code == 200 and "nothing was deleted" in unescape(wrong.text)
    assert row_counts() == before
    done = lead.post(url, {"name": "  riverside   SCHOOL "})
    assert done.status_code == 302 and done["Location"] == reverse("pledges:school-setup")
    assert not School.objects.filter(pk=world.school.pk).exists()
    assert not Membership.objects.filter(user__in=[world.owner, world.colleague]).exists()
    assert not Signature.objects.filter(display_name__in=[OWNER_SIGNER, "Cora C"]).exists()
    # Teachers keep their accounts; the other school keeps everything.
    assert row_counts()["User"] == before["User"]
    assert Signature.objects.filter(display_name="Hetty H").exists()
    assert access.membership_of(world.other) is not None


# When the database is away --------------------------------------------------------------


def test_a_lost_database_in_a_view_answers_a_friendly_503(world, monkeypatch):
    def unreachable(request, field, value):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(student, "_pledge_for", unreachable)
    response = Client(raise_request_exception=False).get(world.pledge.get_link_url())
    assert response.status_code == 503
    assert response["Retry-After"] == str(settings.RETRY_AFTER_SECONDS)
    text = unescape(response.text)
    assert "Back in a moment" in text and "Traceback" not in text and "server closed" not in text


def test_a_lost_database_outside_a_view_gets_the_503_page_too(rf):
    try:
        raise OperationalError("connection refused")
    except OperationalError:
        assert sys.exception() is not None
        response = errors.server_error(rf.get("/"))
    assert response.status_code == 503 and "Back in a moment" in response.content.decode()
    assert errors.server_error(rf.get("/")).status_code == 500
