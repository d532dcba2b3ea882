"""Concerns: a student's "talk to a teacher" message, read and handled by their teacher
and the school's designated safeguarding leads (DSLs).

Every concern comes through pledges.access: a DSL's school, or a teacher's own classes;
anything else is 404. Opening one is recorded for the DSL's audit trail, so the detail
page writes on GET: reading a child's words is the event the trail exists for.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from pledges import access
from pledges.forms.followup import ConcernHandleForm
from pledges.models import ConcernEvent
from pledges.views.teacher import teacher_required

CONCERNS_PER_PAGE = 50


@require_safe
@never_cache
@teacher_required
def concern_list(request):
    membership = access.membership_of(request.user)
    page = Paginator(access.concerns_of(request.user).for_list(), CONCERNS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "pledges/concern_list.html",
        {"page": page, "concerns": page.object_list, "membership": membership},
    )


def _render_detail(request, concern, form):
    membership = access.membership_of(request.user)
    events = concern.events.select_related("user")
    return render(
        request,
        "pledges/concern_detail.html",
        {
            "concern": concern,
            "events": events,
            "told": [e for e in events if e.action == ConcernEvent.Action.NOTIFIED],
            "form": form,
            "membership": membership,
        },
    )


@require_safe
@never_cache
@teacher_required
def concern_detail(request, pk):
    concern = access.concern_for(request.user, pk)
    concern.open_by(request.user)
    return _render_detail(
        request, concern, ConcernHandleForm(initial={"note": concern.action_note})
    )


@require_POST
@teacher_required
def concern_handle(request, pk):
    concern = access.concern_for(request.user, pk)
    form = ConcernHandleForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, concern, form)
    concern.handle(request.user, form.cleaned_data["note"])
    messages.success(request, _("Marked handled. It stays on record for your safeguarding lead."))
    return redirect(concern)


@require_POST
@teacher_required
def concern_record(request, pk):
    access.dsl_membership_of(request.user)
    concern = access.concern_for(request.user, pk)
    concern.mark_recorded(request.user)
    messages.success(
        request,
        _("Marked as recorded in the school's safeguarding system. It is closed here."),
    )
    return redirect("pledges:concern-list")
