"""A school's data: the privacy page for schools, export, and deleting a class or a school.

Deleting a classroom is its teacher's (pledges.access.classroom_for); exporting and
deleting the whole school are the lead's (pledges.access.lead_membership_of). Anyone
else gets 404, the same answer as a wrong id.
"""

import csv
import io
import zipfile

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.db.models import Count, Prefetch
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from pledges import access
from pledges.exports import EXCEL_BOM, spreadsheet_safe
from pledges.forms.accounts import DeleteSchoolForm
from pledges.models import (
    CheckIn,
    Classroom,
    Commitment,
    Pledge,
    Reflection,
    ReflectionItem,
    Signature,
)
from pledges.views.teacher import teacher_required


@require_safe
def school_privacy(request):
    return render(
        request,
        "pledges/school_privacy.html",
        {
            "retention_days": settings.RETENTION_DAYS_AFTER_CLOSE,
            "session_minutes": settings.SESSION_IDLE_MINUTES,
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
@teacher_required
def classroom_delete(request, pk):
    classroom = access.classroom_for(request.user, pk)
    if request.method == "POST":
        name = classroom.name
        classroom.delete()  # pledges, signatures, check-ins and reflections go with it
        messages.success(
            request,
            _("Class “%(name)s” and everything in it were deleted.") % {"name": name},
        )
        return redirect("pledges:dashboard")
    counts = Pledge.objects.filter(classroom=classroom).aggregate(
        pledges=Count("pk", distinct=True), signatures=Count("signatures", distinct=True)
    )
    return render(
        request, "pledges/data_classroom_delete.html", {"classroom": classroom, **counts}
    )


@require_http_methods(["GET", "HEAD", "POST"])
@teacher_required
def school_delete(request):
    membership = access.lead_membership_of(request.user)
    school = membership.school
    form = DeleteSchoolForm(request.POST or None, school=school)
    if request.method == "POST" and form.is_valid():
        name = school.name
        with transaction.atomic():
            # Memberships, classrooms, pledges, signatures and reflections cascade;
            # teachers' own accounts stay, so they can join or start another school.
            school.delete()
        request.user._membership_cache = None
        messages.success(
            request,
            _("%(school)s and all its classes, pledges and signatures were deleted. Your "
              "account stays: create or join a school to carry on.") % {"school": name},
        )  # fmt: skip
        return redirect("pledges:school-setup")
    counts = {
        "teachers": school.memberships.count(),
        "classrooms": school.classrooms.count(),
        "pledges": Pledge.objects.filter(classroom__school=school).count(),
        "signatures": Signature.objects.filter(pledge__classroom__school=school).count(),
    }
    return render(
        request, "pledges/data_school_delete.html", {"school": school, "form": form, **counts}
    )


# Export ------------------------------------------------------------------------------------


def _csv(header, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([spreadsheet_safe(value) for value in row])
    return EXCEL_BOM + buffer.getvalue()


def _when(value):
    return value.isoformat(timespec="seconds") if value else ""


def school_export_files(school):
    """{filename: CSV text} for everything the app holds about `school`. Return
    secrets and codes are left out: they are keys, not data about anyone."""
    classrooms = Classroom.objects.filter(school=school).select_related("teacher")
    pledges = Pledge.objects.filter(classroom__school=school).order_by("pk")
    commitments = Commitment.objects.filter(pledge__in=pledges).order_by("pledge", "order")
    signatures = (
        Signature.objects.filter(pledge__in=pledges)
        .prefetch_related(Prefetch("commitments", queryset=Commitment.objects.order_by("order")))
        .order_by("pledge", "created", "pk")
    )
    checkins = CheckIn.objects.filter(pledge__in=pledges).order_by("pledge", "number")
    reflections = (
        Reflection.objects.filter(checkin__pledge__in=pledges)
        .select_related("signature", "checkin")
        .prefetch_related(
            Prefetch("items", queryset=ReflectionItem.objects.select_related("commitment"))
        )
        .order_by("checkin__pledge", "checkin__number", "pk")
    )
    memberships = school.memberships.select_related("user").order_by("pk")
    return {
        "school.csv": _csv(
            ["name", "slug", "created"], [[school.name, school.slug, _when(school.created)]]
        ),
        "teachers.csv": _csv(
            ["name", "email", "role", "joined"],
            [
                [m.user.get_full_name(), m.user.email, m.role, _when(m.created)]
                for m in memberships
            ],
        ),  # fmt: skip
        "classrooms.csv": _csv(
            ["classroom_id", "name", "year_group", "teacher_email", "created"],
            [[c.pk, c.name, c.year_group, c.teacher.email, _when(c.created)] for c in classrooms],
        ),
        "pledges.csv": _csv(
            [
                "pledge_id",
                "classroom_id",
                "title",
                "intro",
                "status",
                "goal",
                "show_names",
                "approve_first",
                "created",
                "opened_at",
                "closed_at",
            ],
            [
                [
                    p.pk,
                    p.classroom_id,
                    p.title,
                    p.intro,
                    p.status,
                    p.goal or "",
                    p.show_names,
                    p.approve_first,
                    _when(p.created),
                    _when(p.opened_at),
                    _when(p.closed_at),
                ]
                for p in pledges
            ],
        ),  # fmt: skip
        "commitments.csv": _csv(
            ["pledge_id", "order", "text"], [[c.pledge_id, c.order, c.text] for c in commitments]
        ),
        "signatures.csv": _csv(
            [
                "pledge_id",
                "display_name",
                "commitments",
                "hidden",
                "approved",
                "on_paper",
                "exit_answer",
                "created",
            ],
            [
                [
                    s.pledge_id,
                    s.display_name,
                    " ".join(str(c.order) for c in s.commitments.all()),
                    s.hidden,
                    s.approved,
                    s.on_paper,
                    s.exit_answer,
                    _when(s.created),
                ]
                for s in signatures
            ],
        ),  # fmt: skip
        "checkins.csv": _csv(
            ["pledge_id", "number", "prompt", "is_open", "created"],
            [[c.pledge_id, c.number, c.prompt, c.is_open, _when(c.created)] for c in checkins],
        ),
        "reflections.csv": _csv(
            [
                "pledge_id",
                "checkin_number",
                "display_name",
                "progress",
                "note",
                "talk_request",
                "exit_answer",
                "created",
            ],
            [
                [
                    r.checkin.pledge_id,
                    r.checkin.number,
                    r.signature.display_name,
                    " ".join(f"{i.commitment.order}:{i.progress}" for i in r.items.all()),
                    r.note,
                    r.talk_request,
                    r.exit_answer,
                    _when(r.created),
                ]
                for r in reflections
            ],
        ),  # fmt: skip
    }


@require_safe
@teacher_required
def school_export(request):
    school = access.lead_membership_of(request.user).school
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for filename, text in school_export_files(school).items():
            archive.writestr(filename, text.encode("utf-8-sig"))
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    stamp = timezone.localdate().isoformat()
    filename = f"{slugify(school.name) or 'school'}-data-{stamp}.zip"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
