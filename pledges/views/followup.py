"""Follow-through: teachers open check-in rounds and see what the class did."""

from django.contrib import messages
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from pledges import access, exports, outcomes
from pledges.forms.followup import CheckInForm, PaperReflectionForm
from pledges.models import CheckIn, PledgeStatus, Progress, Reflection, visible_signature
from pledges.views.teacher import teacher_required


@require_POST
@teacher_required
def checkin_create(request, pk):
    pledge = access.pledge_for(request.user, pk)
    if pledge.status == PledgeStatus.DRAFT:
        messages.error(request, _("Open the pledge first: nobody has signed a draft."))
        return redirect(pledge)
    form = CheckInForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("prompt", []):
            messages.error(request, error)
        return redirect("pledges:pledge-follow-through", pk=pledge.pk)
    checkin = CheckIn.start(pledge=pledge, prompt=form.cleaned_data["prompt"], user=request.user)
    messages.success(
        request,
        _("Check-in %(number)d is open. Students add their reflection from the pledge's "
          "page with the same code, or the QR code.") % {"number": checkin.number},
    )  # fmt: skip
    return redirect("pledges:pledge-follow-through", pk=pledge.pk)


def _reflections(pledge, checkin):
    """The round's reflections from visible signatures, talk requests first."""
    if checkin is None:
        return []
    reflections = (
        Reflection.objects.filter(visible_signature("signature__"), checkin=checkin)
        .select_related("signature")
        .order_by()  # sorted below, in one place: talk requests first, then by name
    )
    return sorted(reflections, key=lambda r: (not r.is_flagged(), r.signature.display_name))


@require_safe
@teacher_required
def follow_through(request, pk):
    queryset = access.pledges_of(request.user).prefetch_related(
        Prefetch("commitments"), Prefetch("checkins")
    )
    pledge = access.pledge_for(request.user, pk, queryset.with_counts())
    rounds = list(pledge.checkins.all())
    selected = rounds[-1] if rounds else None
    if rounds and request.GET.get("round"):
        try:
            number = int(request.GET["round"])
        except ValueError:
            number = None
        selected = next((r for r in rounds if r.number == number), selected)
    commitments = list(pledge.commitments.all())
    rows = outcomes.commitment_outcomes(pledge, commitments)
    for row in rows:
        if selected is not None:
            row.selected_counts = row.counts(selected.number)
            row.selected_answered = row.answered(selected.number)
        row.per_round = [row.counts(r.number) for r in rounds]
    reflections = _reflections(pledge, selected)
    before = sorted(
        pledge.visible_signatures().exclude(exit_answer="").values_list("exit_answer", flat=True)
    )
    after = sorted(r.exit_answer for r in reflections if r.exit_answer)
    return render(
        request,
        "pledges/follow_through.html",
        {
            "pledge": pledge,
            "rounds": rounds,
            "selected": selected,
            "rows": rows,
            "progress_choices": Progress.choices,
            "reflections": reflections,
            "flagged": [r for r in reflections if r.is_flagged()],
            "exit_question": pledge.exit_question(),  # "" unless asked when signing
            "before": before,
            "after": after,
            "form": CheckInForm(),
        },
    )


@require_safe
@teacher_required
def reflections_csv(request, pk):
    pledge = access.pledge_for(request.user, pk)
    commitments = list(pledge.commitments.order_by("order"))
    reflections = (
        Reflection.objects.filter(checkin__pledge=pledge)
        .select_related("signature", "checkin")
        .prefetch_related("items")
        .order_by("checkin__number", "signature__display_name")
    )
    labels = dict(Progress.choices)
    header = ["Check-in", "Name", "Signature hidden", *[c.text for c in commitments],
              "What happened", "Talk to a teacher", "Exit question answer", "Updated"]  # fmt: skip
    rows = []
    for reflection in reflections:
        progress = {item.commitment_id: item.progress for item in reflection.items.all()}
        rows.append(
            [
                reflection.checkin.number,
                reflection.signature.display_name,
                "yes" if reflection.signature.hidden else "",
                *[str(labels.get(progress.get(c.pk), "")) for c in commitments],
                reflection.note,
                reflection.talk_request,
                reflection.exit_answer,
                reflection.updated.strftime("%Y-%m-%d %H:%M"),
            ]
        )
    return exports.csv_response(
        exports.csv_text(header, rows), f"{slugify(pledge.title) or 'pledge'}-reflections.csv"
    )


def _checkin_for(request, pk, number):
    pledge = access.pledge_for(request.user, pk)
    checkin = get_object_or_404(CheckIn, pledge=pledge, number=number)
    return pledge, checkin


@require_safe
@teacher_required
def reflection_sheet(request, pk, number):
    pledge, checkin = _checkin_for(request, pk, number)
    signatures = pledge.visible_signatures().prefetch_related("commitments")
    return render(
        request,
        "pledges/reflection_sheet.html",
        {"pledge": pledge, "checkin": checkin, "signatures": signatures,
         "progress_choices": Progress.choices},
    )  # fmt: skip


@teacher_required
def reflection_paper(request, pk, number):
    pledge, checkin = _checkin_for(request, pk, number)
    form = PaperReflectionForm(request.POST or None, pledge=pledge)
    if request.method == "POST" and form.is_valid():
        signature = form.cleaned_data["signature"]
        Reflection.record(
            signature=signature,
            checkin=checkin,
            progress=form.cleaned_data["progress"],
            note=form.cleaned_data["note"],
            talk_request=form.cleaned_data["talk_request"],
            typed_in_by=request.user,
        )
        messages.success(
            request, _("Saved %(name)s's reflection.") % {"name": signature.display_name}
        )
        return redirect("pledges:reflection-paper", pk=pledge.pk, number=checkin.number)
    return render(
        request, "pledges/reflection_paper.html",
        {"pledge": pledge, "checkin": checkin, "form": form},
    )  # fmt: skip


@require_POST
@teacher_required
def reflection_moderate(request, pk, reflection_pk):
    pledge = access.pledge_for(request.user, pk)
    reflection = get_object_or_404(Reflection, pk=reflection_pk, checkin__pledge=pledge)
    action = request.POST.get("action")
    if action in ("hide", "unhide"):
        if action == "hide":
            reflection.hide_note()
        else:
            reflection.show_note()
        messages.success(
            request, _("Note hidden.") if action == "hide" else _("Note shown again.")
        )
    else:
        messages.error(request, _("Choose hide or show."))
    url = reverse("pledges:pledge-follow-through", args=[pledge.pk])
    return redirect(f"{url}?round={reflection.checkin.number}")
