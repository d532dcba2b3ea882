"""Teachers' classrooms and pledges. Every object comes through pledges.access."""

import hashlib
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Prefetch, Q, prefetch_related_objects
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST, require_safe

from curriculum.models import Lesson
from pledges import access, exports
from pledges.activity import not_activity
from pledges.forms.teacher import (
    ClassroomForm,
    PaperSignaturesForm,
    PledgeCheckingForm,
    PledgeForm,
    SignatureBulkForm,
)
from pledges.models import (
    AlreadySigned,
    Commitment,
    Pledge,
    PledgeTemplate,
    Signature,
    StatusChangeRefused,
    visible_signature,
    waiting_signature,
)


def teacher_required(view):
    """Logged in and a member of a school; otherwise off to log in or set one up."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if access.membership_of(request.user) is None:
            messages.info(request, _("First, create your school or join it with its invite code."))
            return redirect("pledges:school-setup")
        return view(request, *args, **kwargs)

    return wrapper


@require_safe
@teacher_required
def dashboard(request):
    classrooms = access.classrooms_of(request.user).for_dashboard()
    return render(
        request,
        "pledges/dashboard.html",
        {
            "classrooms": classrooms,
            "membership": access.membership_of(request.user),
            # Until someone handles them: a DSL sees the school's, a teacher their classes'.
            "open_concerns": access.concerns_of(request.user).unhandled().count(),
        },
    )


def _pledge_start(request):
    """What a new pledge starts from (?lesson=…, ?template=…), carried through "add a
    class first" so the teacher lands back on the pledge form it fills in. Only these
    two names are carried, never a whole "next" address: no open redirect."""
    return {key: request.GET[key][:100] for key in ("lesson", "template") if request.GET.get(key)}


@teacher_required
def classroom_create(request):
    form = ClassroomForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        classroom = form.save(commit=False)
        classroom.teacher = request.user
        classroom.school = access.school_of(request.user)
        classroom.save()
        messages.success(request, _("Class “%(name)s” created.") % {"name": classroom.name})
        start = _pledge_start(request)
        if start:
            start["classroom"] = classroom.pk
            return redirect(f"{reverse('pledges:pledge-create')}?{urlencode(start)}")
        return redirect("pledges:dashboard")
    return render(request, "pledges/classroom_form.html", {"form": form, "classroom": None})


@teacher_required
def classroom_edit(request, pk):
    classroom = access.classroom_for(request.user, pk)
    form = ClassroomForm(request.POST or None, instance=classroom)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Class saved."))
        return redirect("pledges:dashboard")
    return render(request, "pledges/classroom_form.html", {"form": form, "classroom": classroom})


def _template_for(request):
    """The template a new pledge starts from: named, or the one linked to a lesson."""
    lesson = None
    lesson_slug = request.GET.get("lesson", "")
    if lesson_slug:
        lesson = (
            Lesson.objects.published().filter(slug=lesson_slug).select_related("module").first()
        )
    template_slug = request.GET.get("template", "")
    templates = PledgeTemplate.objects.select_related("module", "lesson")
    template = templates.filter(slug=template_slug).first() if template_slug else None
    if template is None and lesson is not None:
        template = PledgeTemplate.objects.for_lesson(lesson)
    if lesson is None and template is not None:
        lesson = template.lesson
    return template, lesson


@teacher_required
def pledge_create(request):
    classrooms = access.classrooms_of(request.user)
    if not classrooms.exists():
        messages.info(request, _("Create a class first; then start its pledge."))
        start = _pledge_start(request)
        target = reverse("pledges:classroom-create")
        return redirect(f"{target}?{urlencode(start)}" if start else target)
    template, lesson = _template_for(request)
    initial = {"classroom": request.GET.get("classroom") or classrooms.order_by("name").first()}
    if template is not None:
        initial.update(
            title=template.title, intro=template.intro, commitments=template.commitments
        )
    form = PledgeForm(request.POST or None, initial=initial, teacher=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            pledge = form.save(commit=False)
            pledge.created_by = request.user
            pledge.template = template
            pledge.lesson = lesson
            pledge.save()
            _save_commitments(pledge, form.cleaned_data["commitments"])
        messages.success(
            request, _("Pledge created as a draft. Check it, then open it for signing.")
        )
        return redirect(pledge)
    templates = PledgeTemplate.objects.select_related("module").order_by("module__order", "title")
    return render(
        request,
        "pledges/pledge_form.html",
        {"form": form, "pledge": None, "template": template, "lesson": lesson,
         "templates": templates},
    )  # fmt: skip


def _save_commitments(pledge, texts):
    pledge.commitments.all().delete()
    Commitment.objects.bulk_create(
        Commitment(pledge=pledge, order=order, text=text) for order, text in enumerate(texts, 1)
    )


@teacher_required
def pledge_edit(request, pk):
    pledge = access.pledge_for(request.user, pk)
    if not pledge.is_editable():
        messages.warning(
            request, _("Only a draft can be edited: students have already seen this pledge.")
        )
        return redirect(pledge)
    form = PledgeForm(request.POST or None, instance=pledge, teacher=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            _save_commitments(pledge, form.cleaned_data["commitments"])
        messages.success(request, _("Pledge saved."))
        return redirect(pledge)
    return render(request, "pledges/pledge_form.html", {"form": form, "pledge": pledge})


# The signature lists a teacher can page through: every one, those waiting for approval,
# those hidden. The first is the default; anything else in ?show= falls back to it.
SIGNATURE_LISTS = {
    "all": Q(),
    "waiting": waiting_signature(),
    "hidden": Q(hidden=True),
}


def _signature_list(request):
    show = request.GET.get("show", "")
    return show if show in SIGNATURE_LISTS else "all"


@require_safe
@teacher_required
def pledge_detail(request, pk):
    """The teacher's page of one pledge: counts, sharing, and the signatures a page at a
    time (newest first), so a school-wide pledge's page stays small and quick."""
    pledge = access.pledge_for(request.user, pk, Pledge.objects.select_related("classroom"))
    tallies = pledge.signatures.aggregate(
        all=Count("pk"),
        shown=Count("pk", filter=visible_signature()),
        **{name: Count("pk", filter=rule) for name, rule in SIGNATURE_LISTS.items() if rule},
    )
    show = _signature_list(request)
    signatures = (
        pledge.signatures.filter(SIGNATURE_LISTS[show])
        .only(*SIGNATURE_ROW_FIELDS)
        .order_by("-created", "-pk")
    )
    paginator = Paginator(signatures, settings.SIGNATURES_PER_PAGE)
    paginator.count = tallies[show]  # counted above, with the other lists
    page = paginator.get_page(request.GET.get("page"))
    labels = {
        "all": _("All (%(n)d)"),
        "waiting": _("Waiting (%(n)d)"),
        "hidden": _("Hidden (%(n)d)"),
    }
    signature_lists = [
        (name, labels[name] % {"n": tallies[name]})
        for name in SIGNATURE_LISTS
        if name in ("all", show) or tallies[name]
    ]
    rows = list(page.object_list)
    waiting_on_page = sum(1 for signature in rows if signature.is_waiting())
    pledge.signature_count = tallies["shown"]
    if pledge.lesson_id:  # its title and link, not its text
        pledge.lesson = Lesson.objects.only("title", "slug").get(pk=pledge.lesson_id)
    context = {
        "pledge": pledge,
        "page": page,
        "show": show,
        "tallies": tallies,
        "waiting_on_page": waiting_on_page,
        "signature_lists": signature_lists,
        "rows": rows,
        "rows_key": _rows_key(request, tallies, rows),
        # Called by the template only when the kept list is missing: its ticks are most of
        # the query's cost and of the rows' objects.
        "rows_with_ticks": lambda: _with_ticks(rows),
        "commitments": pledge.commitments_with_counts(),
        "live": request.GET.get("live") == "1",
        "join_url": request.build_absolute_uri(pledge.get_join_url()),
    }
    response = render(request, "pledges/pledge_detail.html", context)
    if context["live"]:
        # It reloads itself every 15 seconds (?live=1): no sign the teacher is there, so
        # the idle logout still comes (pledges.activity).
        response.not_activity = True
    return response


# What a row of the teacher's signature list shows.
SIGNATURE_ROW_FIELDS = (
    "pledge_id",
    "display_name",
    "hidden",
    "approved",
    "on_paper",
    "created",
    "return_code",
)


def _with_ticks(rows):
    prefetch_related_objects(
        rows, Prefetch("commitments", queryset=Commitment.objects.only("order").order_by("order"))
    )
    return rows


def _rows_key(request, tallies, rows):
    """What the signature list shows, as a cache key: the drawn list is kept under it
    ({% cache %} in _pledge_signatures.html), so a list the teacher has seen is not drawn
    again, and any change to a row it shows (a new name, hidden, approved) is a new key:
    nothing to forget to clear. Drawing 50 rows was most of the page's time."""
    shown = [(row.pk, row.display_name, row.hidden, row.approved) for row in rows]
    what = repr((request.GET.urlencode(), sorted(tallies.items()), shown))
    return hashlib.sha256(what.encode()).hexdigest()


STATUS_ACTIONS = {
    "open": (Pledge.open, gettext_lazy("The pledge is open: students can sign it now.")),
    "pause": (Pledge.pause, gettext_lazy("Paused: nobody can sign until you open it again.")),
    "close": (
        Pledge.close,
        gettext_lazy("Closed: the pledge keeps its signatures, and nobody can sign."),
    ),
}


@require_POST
@teacher_required
def pledge_status(request, pk):
    pledge = access.pledge_for(request.user, pk)
    action = STATUS_ACTIONS.get(request.POST.get("action", ""))
    if action is None:
        messages.error(request, _("That change isn't possible for this pledge right now."))
        return redirect(pledge)
    change, message = action
    try:
        change(pledge)
    except StatusChangeRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, message)
    return redirect(pledge)


@require_POST
@teacher_required
def pledge_new_code(request, pk):
    """A new typed code; with new_link=1 a new QR code and link as well. Either way the
    old ones stop at once, so a code or poster that got out of the room opens nothing."""
    pledge = access.pledge_for(request.user, pk)
    new_link = request.POST.get("new_link") == "1"
    pledge.rotate_join_code(new_link=new_link)
    if new_link:
        message = _(
            "New code: %(code)s, and a new QR code. The old code, QR code and link no longer "
            "work: put the new ones on the projector, and print the poster and sheets again."
        )
    else:
        message = _("New code: %(code)s. The old code no longer works; the QR code still does.")
    messages.success(request, message % {"code": pledge.join_code_display()})
    return redirect(f"{pledge.get_absolute_url()}#share-title")


@require_POST
@teacher_required
def pledge_checking(request, pk):
    """Show names or not, check them first or not: while the pledge is open too."""
    pledge = access.pledge_for(request.user, pk)
    was = {"show_names": pledge.show_names, "approve_first": pledge.approve_first}
    form = PledgeCheckingForm(request.POST, instance=pledge)
    if not form.is_valid():  # two checkboxes: only a hand-made request gets here
        messages.error(request, _("That change couldn't be made; nothing changed."))
        return redirect(f"{pledge.get_absolute_url()}#checking-title")
    form.save()
    said = []
    if pledge.approve_first and not was["approve_first"]:
        said.append(_("From now on, new names wait for you to approve them. "
                      "Names already counted stay counted."))  # fmt: skip
    if not pledge.approve_first and was["approve_first"]:
        said.append(_("New names now count straight away. Names already waiting still "
                      "wait for you."))  # fmt: skip
    if pledge.show_names and not was["show_names"]:
        said.append(_("Names now show on the pledge page (approved names only)."))
    if not pledge.show_names and was["show_names"]:
        said.append(_("Names are private now: the pledge page shows only how many signed."))
    messages.success(request, " ".join(said) or _("Nothing changed."))
    return redirect(f"{pledge.get_absolute_url()}#checking-title")


@teacher_required
def pledge_delete(request, pk):
    pledge = access.pledge_for(request.user, pk, Pledge.objects.with_counts())
    if request.method == "POST":
        title = pledge.title
        pledge.delete()  # commitments and signatures go with it (CASCADE)
        messages.success(
            request, _("“%(title)s” and all its signatures were deleted.") % {"title": title}
        )
        return redirect("pledges:dashboard")
    return render(request, "pledges/pledge_confirm_delete.html", {"pledge": pledge})


def _join_address(request):
    """The join page's address as a pupil types it from a wall or a screen: no scheme
    (browsers add it) and no trailing slash (the site redirects to it): school.org/join"""
    return request.get_host() + reverse("pledges:join").rstrip("/")


@require_safe
@not_activity  # it may reload itself (?refresh=1) for a whole lesson: the idle logout comes
@teacher_required
def pledge_present(request, pk):
    pledge = access.pledge_for(request.user, pk, Pledge.objects.with_counts())
    link = request.build_absolute_uri(pledge.get_link_url())
    return render(
        request,
        "pledges/pledge_present.html",
        {
            "pledge": pledge,
            "qr_svg": exports.qr_svg(link),
            "join_address": _join_address(request),
            # Opt-in: a page that reloads itself unasked fails WCAG 2.2.1 (timing).
            "refresh": request.GET.get("refresh") == "1",
        },
    )


@require_safe
@teacher_required
def pledge_poster(request, pk):
    queryset = Pledge.objects.with_counts().prefetch_related("commitments")
    pledge = access.pledge_for(request.user, pk, queryset)
    link = request.build_absolute_uri(pledge.get_link_url())
    names = pledge.visible_signatures().values_list("display_name", flat=True)
    names = list(names) if pledge.show_names else None
    if names and _letters(names) > POSTER_NAMES_MAX_LETTERS:
        names = None  # more than one sheet holds with its QR code: the count instead
    context = {
        "pledge": pledge,
        "qr_svg": exports.qr_svg(link),
        "join_address": _join_address(request),
        "names": names,
        "density": _poster_density(pledge, names),
    }
    return render(request, "pledges/pledge_poster.html", context)


# The more a poster says, the smaller its type, so that it prints on one sheet of A4 or
# Letter with its QR code whole: (letters of intro, commitments and names, CSS class).
# tests/browser/test_qr.py prints the longest pledge the forms allow.
POSTER_DENSITY = [(900, "poster-dense"), (380, "poster-compact")]
POSTER_NAMES_MAX_LETTERS = 540  # 35 names of 12 letters, like "Mohammed Al.", fit


def _letters(names):
    return sum(len(name) + 3 for name in names)  # " · " between them


def _poster_density(pledge, names):
    letters = len(pledge.intro) + sum(len(c.text) for c in pledge.commitments.all())
    letters += _letters(names or ())
    return next((css for limit, css in POSTER_DENSITY if letters > limit), "")


@require_safe
@teacher_required
def pledge_sheet(request, pk):
    pledge = access.pledge_for(request.user, pk, Pledge.objects.prefetch_related("commitments"))
    return render(
        request,
        "pledges/pledge_sheet.html",
        {"pledge": pledge, "rows": range(1, 31), "join_address": _join_address(request)},
    )


@teacher_required
def pledge_paper(request, pk):
    pledge = access.pledge_for(request.user, pk, Pledge.objects.prefetch_related("commitments"))
    commitments = list(pledge.commitments.all())
    form = PaperSignaturesForm(request.POST or None, commitments=commitments)
    if request.method == "POST" and form.is_valid():
        added, already = 0, []
        for display_name, name_key, chosen in form.cleaned_data["lines"]:
            try:
                Signature.sign(pledge=pledge, display_name=display_name, name_key=name_key,
                               commitments=chosen, on_paper=True)  # fmt: skip
                added += 1
            except AlreadySigned:
                already.append(display_name)
        messages.success(
            request,
            ngettext("%(count)d signature added.", "%(count)d signatures added.", added)
            % {"count": added},
        )
        if already:
            messages.info(
                request,
                _("Already signed, so not added again: %(names)s") % {"names": ", ".join(already)},
            )
        return redirect(pledge)
    return render(
        request,
        "pledges/pledge_paper.html",
        {"pledge": pledge, "form": form, "commitments": commitments},
    )


@require_safe
@teacher_required
def pledge_csv(request, pk):
    pledge = access.pledge_for(request.user, pk)
    signatures = pledge.signatures.prefetch_related("commitments").order_by("created")
    commitments = list(pledge.commitments.order_by("order"))
    return exports.csv_response(
        exports.signatures_csv(pledge, signatures, commitments),
        f"{slugify(pledge.title) or 'pledge'}-signatures.csv",
    )


@require_safe
@teacher_required
def pledge_qr(request, pk):
    pledge = access.pledge_for(request.user, pk)
    svg = exports.qr_svg(request.build_absolute_uri(pledge.get_link_url()))
    return HttpResponse(svg, content_type="image/svg+xml")


MODERATION = {
    "hide": (Signature.hide, gettext_lazy("Hidden: it no longer counts or shows anywhere.")),
    "unhide": (Signature.show, gettext_lazy("Shown again.")),
    "approve": (Signature.approve, gettext_lazy("Approved: it now counts.")),
}


def _back_to_list(request, pk):
    """The list and page the teacher was on (sent with the form, checked here)."""
    where = {}
    if request.POST.get("show") in SIGNATURE_LISTS and request.POST["show"] != "all":
        where["show"] = request.POST["show"]
    if request.POST.get("page", "").isdecimal() and request.POST["page"] != "1":
        where["page"] = request.POST["page"]
    target = reverse("pledges:pledge-detail", args=[pk])
    return redirect(f"{target}?{urlencode(where)}#signatures-title" if where else target)


@require_POST
@teacher_required
def signature_moderate(request, pk, signature_pk):
    signature = access.signature_for(request.user, pk, signature_pk)
    change = MODERATION.get(request.POST.get("action", ""))
    if change is None:
        messages.error(request, _("Choose hide, show or approve."))
    else:
        moderate, message = change
        moderate(signature)
        messages.success(request, message)
    return _back_to_list(request, pk)


@require_POST
@teacher_required
def signatures_moderate(request, pk):
    """Many at once: approve every waiting name the page listed, or hide the ticked ones."""
    pledge = access.pledge_for(request.user, pk)
    form = SignatureBulkForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _back_to_list(request, pk)
    if form.cleaned_data["action"] == "approve-waiting":
        done = pledge.approve_waiting(form.cleaned_data["listed"])
        message = ngettext(
            "Approved %(n)d name: it now counts.", "Approved %(n)d names: they now count.", done
        )
    else:
        done = pledge.hide_signatures(form.cleaned_data["ticked"])
        message = ngettext(
            "Hid %(n)d name: it no longer counts or shows anywhere.",
            "Hid %(n)d names: they no longer count or show anywhere.",
            done,
        )
    messages.success(request, message % {"n": done})
    still = pledge.signatures.waiting().count()
    if still:
        messages.info(
            request,
            ngettext(
                "%(n)d name is still waiting for you.",
                "%(n)d names are still waiting for you.",
                still,
            )
            % {"n": still},
        )
    return _back_to_list(request, pk)
