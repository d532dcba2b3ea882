"""A teacher's school: create or join one, the school page, and the lead's tools.

Every school comes through pledges.access (the teacher's own membership); the lead-only
actions answer 404 to anyone else, the same as a wrong id.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from pledges import access, limits, outcomes, small_numbers
from pledges.forms.accounts import CreateSchoolForm, JoinSchoolForm, SchoolCountryForm
from pledges.models import (
    SMALL_NUMBER,
    Classroom,
    Membership,
    Pledge,
    Role,
    School,
    suppressed,
)
from pledges.views.teacher import teacher_required


@login_required
def school_setup(request):
    if access.membership_of(request.user) is not None:
        return redirect("pledges:school-detail")
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "join":
        # Over the limit even the right code waits: otherwise guessing could go on.
        wait = limits.check(request, "invite")
        if wait:
            return limits.too_many_tries(request, "invite", wait)
    create_form = CreateSchoolForm(request.POST if action == "create" else None)
    join_form = JoinSchoolForm(request.POST if action == "join" else None)
    if action == "create" and create_form.is_valid():
        school = School.objects.create_with_lead(
            name=create_form.cleaned_data["name"],
            lead=request.user,
            country=create_form.cleaned_data["country"],
        )
        if school is not None:
            messages.success(
                request,
                _("%(school)s is set up and you are its lead. Share the invite code below "
                  "with colleagues so they can join.") % {"school": school.name},
            )  # fmt: skip
        return redirect("pledges:school-detail")
    if action == "join":
        if join_form.is_valid():
            school = join_form.school
            _membership, created = Membership.objects.get_or_create(
                user=request.user, defaults={"school": school, "role": Role.TEACHER}
            )
            if created:
                messages.success(request, _("You joined %(school)s.") % {"school": school.name})
            return redirect("pledges:school-detail")
        if join_form.is_wrong_code:
            limits.record(request, "invite")
    return render(
        request,
        "pledges/school_setup.html",
        {"create_form": create_form, "join_form": join_form, "action": action},
    )


def _school_classrooms(school):
    """Every classroom of the school with its teacher and its pledges' counts: two
    queries however many classrooms and pledges."""
    return (
        Classroom.objects.filter(school=school)
        .select_related("teacher")
        .prefetch_related(
            Prefetch("pledges", queryset=Pledge.objects.with_counts().order_by("-created"))
        )
        .order_by("teacher__first_name", "teacher__last_name", "name", "pk")
    )


@require_safe
@teacher_required
def school_detail(request):
    membership = access.membership_of(request.user)
    school = membership.school
    classrooms = list(_school_classrooms(school))
    by_class = {c.pk: sum(pledge.count() for pledge in c.pledges.all()) for c in classrooms}
    class_shown, total_hidden = small_numbers.protect(by_class)
    for classroom in classrooms:
        pledges = {pledge.pk: pledge.count() for pledge in classroom.pledges.all()}
        pledge_shown, _ = small_numbers.protect(
            pledges, total_hidden=class_shown[classroom.pk] is None
        )
        for pledge in classroom.pledges.all():
            pledge.shown_count = _shown(pledge_shown[pledge.pk])
    total = sum(by_class.values())
    context = {
        "school": school,
        "membership": membership,
        "is_lead": membership.is_lead(),
        "classrooms": classrooms,
        "total": _shown(None if total_hidden else total),
        "total_is_suppressed": total_hidden,
        "country_form": SchoolCountryForm(initial={"country": school.country}),
    }
    if membership.is_lead():
        context["memberships"] = school.memberships.select_related("user").order_by(
            "user__first_name", "user__last_name", "pk"
        )
        rows, totals = outcomes.school_outcomes(school)
        reflections, reflections_hidden = small_numbers.protect(
            {row["classroom"].pk: row["reflections"] for row in rows}
        )
        context["outcome_rows"] = [
            {
                **row,
                # The same figure as in the classes list below: one protection, not two.
                "signatures": _shown(class_shown.get(row["classroom"].pk)),
                "reflections": _shown(reflections[row["classroom"].pk]),
                "share": _share(row),
            }
            for row in rows
        ]
        context["outcome_total"] = {
            **totals,
            "signatures": context["total"],
            "reflections": _shown(None if reflections_hidden else totals["reflections"]),
            "share": _share(totals),
        }
    return render(request, "pledges/school_detail.html", context)


def _shown(count):
    """A protected count for the page: hidden ones read "fewer than 5"."""
    return suppressed(0) if count is None else count


def _share(row):
    """The acted-on share, only when enough students answered for it not to point at one."""
    share = outcomes.acted_share(row["acted"], row["answered"])
    return share if row["answered"] >= SMALL_NUMBER else None


@require_POST
@login_required
def rotate_invite(request):
    school = access.lead_membership_of(request.user).school
    school.rotate_invite_code()
    messages.success(
        request,
        _("New invite code: %(code)s. The old one no longer works.")
        % {"code": school.invite_code_display()},
    )
    return redirect("pledges:school-detail")


@require_POST
@login_required
def remove_teacher(request, membership_pk):
    lead = access.lead_membership_of(request.user)
    membership = get_object_or_404(
        lead.school.memberships.select_related("user"), pk=membership_pk
    )
    if membership.pk == lead.pk:
        messages.error(request, _("You can't remove yourself: you are the school's lead."))
        return redirect("pledges:school-detail")
    name = membership.user.get_full_name() or membership.user.get_username()
    membership.remove(handed_to=request.user)
    messages.success(
        request,
        _("%(name)s is no longer a member of %(school)s. Their classes and pledges are now "
          "yours. They may still know the invite code: issue a new one if they shouldn't "
          "rejoin.")
        % {"name": name, "school": lead.school.name},
    )  # fmt: skip
    return redirect("pledges:school-detail")


@require_POST
@login_required
def set_dsl(request, membership_pk):
    """The lead names (or un-names) a designated safeguarding lead; the lead may name
    themselves."""
    lead = access.lead_membership_of(request.user)
    membership = get_object_or_404(
        lead.school.memberships.select_related("user"), pk=membership_pk
    )
    choice = request.POST.get("is_dsl")
    if choice not in ("on", "off"):
        messages.error(request, _("Choose whether they are a safeguarding lead."))
        return redirect("pledges:school-detail")
    membership.is_dsl = choice == "on"
    membership.save(update_fields=["is_dsl"])
    name = membership.user.get_full_name() or membership.user.get_username()
    if membership.is_dsl:
        text = _("%(name)s is now a safeguarding lead: they see every concern students raise.")
    else:
        text = _("%(name)s is no longer a safeguarding lead.")
    messages.success(request, text % {"name": name})
    return redirect("pledges:school-detail")


@require_POST
@login_required
def set_country(request):
    lead = access.lead_membership_of(request.user)
    form = SchoolCountryForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["country"][0])
        return redirect("pledges:school-detail")
    School.objects.filter(pk=lead.school_id).update(country=form.cleaned_data["country"])
    messages.success(request, _("Saved. Pages now show that country's helplines."))
    return redirect("pledges:school-detail")
