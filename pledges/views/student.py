"""Students' pages: join with a code or the QR link, sign, see the return code, withdraw,
and weeks later come back to reflect on how it went.

Students never log in. A pledge is found by its join code (typed, so counted against the
wrong-code limits) or by its link token (in the QR code and on the poster, never limited:
a class behind one school address must sign even while someone there is guessing).
A signature is identified later only by the return secret in this device's cookie or by
the return code the student wrote down, never by name. Names never appear in URLs or
logs: the views that receive them use sensitive_post_parameters.
"""

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from curriculum.models import SupportService
from pledges import codes, decoys, limits
from pledges.forms.student import (
    MALFORMED_JOIN_CODE,
    PROGRESS_PREFIX,
    UNKNOWN_JOIN_CODE,
    UNKNOWN_RETURN_CODE,
    JoinForm,
    ReflectionForm,
    ReturnCodeForm,
    SignForm,
    WithdrawForm,
)
from pledges.models import (
    AlreadySigned,
    Country,
    Pledge,
    PledgeGone,
    PledgeStatus,
    Reflection,
    School,
    Signature,
)

HIDDEN_BY_TEACHER = gettext_lazy(
    "Your teacher has hidden this name, so it can't be changed here. "
    "If you think that's a mistake, talk to your teacher."
)
RETURN_COOKIE_SALT = "pledges.return"
RETURN_COOKIE_MAX_AGE = 180 * 24 * 60 * 60


def return_cookie_name(pledge):
    return f"pledge_{pledge.pk}"


def _set_return_cookie(response, signature):
    """Remember on this device which signature it made (or reclaimed by return code)."""
    _set_cookie(response, signature.pledge, signature.return_secret)


def _set_cookie(response, pledge, secret):
    response.set_signed_cookie(
        return_cookie_name(pledge),
        secret,
        salt=RETURN_COOKIE_SALT,
        max_age=RETURN_COOKIE_MAX_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def _cookie_secret(request, pledge):
    return request.get_signed_cookie(
        return_cookie_name(pledge),
        default=None,
        salt=RETURN_COOKIE_SALT,
        max_age=RETURN_COOKIE_MAX_AGE,
    )


def signature_from_cookie(request, pledge):
    """The signature this device made on `pledge`, from its signed cookie, or None."""
    secret = _cookie_secret(request, pledge)
    if not secret:
        return None
    return Signature.objects.filter(pledge=pledge, return_secret=secret).first()


def device_signature(request, pledge):
    """What this device signed: its Signature, or the decoy it was given for a name that
    had signed already while names were private (pledges.decoys), or None."""
    secret = _cookie_secret(request, pledge)
    if not secret:
        return None
    signature = Signature.objects.filter(pledge=pledge, return_secret=secret).first()
    return signature or decoys.read(pledge, secret)


def _unavailable(request, *, reason, pledge=None, status=200):
    """One page for every "you can't sign here now": `reason` picks its message."""
    context = {
        "reason": reason,
        "pledge": pledge,
        # The same words as the join form's errors, from one place.
        "message": {"malformed": MALFORMED_JOIN_CODE, "unknown-code": UNKNOWN_JOIN_CODE}.get(
            reason
        ),
    }
    return render(request, "pledges/pledge_unavailable.html", context, status=status)


def _pledge_for(request, field, value):
    """The pledge whose `field` (link_token or join_code) is `value`, with its
    commitments, or None."""
    if len(value) > Pledge._meta.get_field(field).max_length:
        return None
    try:  # get(), not first(): the field is unique, and no ORDER BY to build or run
        return Pledge.objects.for_sign_page().get(**{field: value})
    except Pledge.DoesNotExist:
        return None


def _pledge_by_token(token):
    if len(token) > Pledge._meta.get_field("link_token").max_length:
        return None
    try:  # get(), not first(): the token is unique, and no ORDER BY to build or run
        return Pledge.objects.get(link_token=token)
    except Pledge.DoesNotExist:
        return None


def _closed_reason(pledge):
    if pledge.status == PledgeStatus.DRAFT:
        return "draft"
    if pledge.status == PledgeStatus.PAUSED:
        return "paused"
    return "closed"


# Finding a pledge ------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def join(request):
    """The class-code form. Only well-formed codes that match nothing count as wrong."""
    form = JoinForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        wait = limits.check(request, "join")
        if wait:
            return limits.too_many_tries(request, "join", wait)
        if form.is_valid():
            pledge = Pledge.objects.filter(join_code=form.cleaned_data["code"]).first()
            if pledge is not None:
                return redirect(pledge.get_join_url())
            limits.record_wrong_join_code(request, form.cleaned_data["code"])
            form.add_error("code", UNKNOWN_JOIN_CODE)
    return render(request, "pledges/join.html", {"form": form})


@never_cache
@sensitive_post_parameters("display_name", "exit_answer")
@require_http_methods(["GET", "HEAD", "POST"])
def join_code(request, code):
    """The sign page reached by a typed code: the same limits as the join form.

    A wrong code in the address counts even on GET: otherwise guessing would simply move
    from the form to the URL. The counter is the only thing a GET here writes.
    """
    wait = limits.check(request, "join")
    if wait:
        return limits.too_many_tries(request, "join", wait)
    normalised = codes.normalise_join_code(code)
    if not normalised:
        return _unavailable(request, reason="malformed", status=404)
    pledge = _pledge_for(request, "join_code", normalised)
    if pledge is None:
        limits.record_wrong_join_code(request, normalised)
        return _unavailable(request, reason="unknown-code", status=404)
    if request.method != "POST" and code != pledge.join_code_display():
        return redirect(pledge.get_join_url())  # one tidy address: K7M-Q4P-XRT
    return _sign(request, pledge)


@never_cache
@sensitive_post_parameters("display_name", "exit_answer")
@require_http_methods(["GET", "HEAD", "POST"])
def join_link(request, token):
    """The sign page reached by the QR code or the poster's link: never rate-limited."""
    pledge = _pledge_for(request, "link_token", token)
    if pledge is None:
        return _unavailable(request, reason="unknown-link", status=404)
    return _sign(request, pledge)


# Signing ---------------------------------------------------------------------------------


def _sign(request, pledge):
    if not pledge.is_open():
        if pledge.has_open_checkin() and pledge.status != PledgeStatus.DRAFT:
            # Signing is over, but the teacher asked how it went: the way to reflect.
            return _render_sign(request, pledge, signing=False)
        return _unavailable(request, reason=_closed_reason(pledge), pledge=pledge)
    if request.method == "POST":
        if pledge.is_over_signing_cap():
            return _unavailable(request, reason="busy", pledge=pledge, status=429)
        form = SignForm(request.POST, pledge=pledge)
        if form.is_valid():
            try:
                signature = Signature.sign(
                    pledge=pledge,
                    display_name=form.cleaned_data["display_name"],
                    name_key=form.name_key,
                    commitments=form.cleaned_data["commitments"],
                    exit_answer=form.cleaned_data.get("exit_answer", ""),
                )
            except AlreadySigned as error:
                # Never hand over the existing signature's cookie: knowing a name must not
                # make you that signer. Only the device that signed is shown the way back.
                mine = device_signature(request, pledge)
                is_mine = (
                    mine.pk == error.signature.pk
                    if isinstance(mine, Signature)
                    else mine is not None and mine.answers(pledge, form.name_key)
                )
                if not is_mine and not pledge.show_names:
                    # Names are private: "already signed" would confirm that this child
                    # signed. Answer as for a new signature; nothing changes.
                    ticked = set(form.cleaned_data["commitments"])
                    orders = [c.order for c in pledge.commitment_list() if c.pk in ticked]
                    return _to_thanks(pledge, decoys.make(pledge, form.name_key, orders))
                return _render_sign(request, pledge, signing=True, already=True, is_mine=is_mine)
            except PledgeGone:
                return _unavailable(request, reason="unknown-link", status=404)
            return _to_thanks(pledge, signature.return_secret)
        return _render_sign(request, pledge, form, signing=True)
    return _render_sign(request, pledge, signing=True)


def _to_thanks(pledge, secret):
    response = HttpResponseRedirect(
        reverse("pledges:thanks", args=[pledge.link_token]), status=303
    )
    _set_cookie(response, pledge, secret)
    return response


def _render_sign(request, pledge, form=None, *, signing, already=False, is_mine=False):
    """The pledge page: the sign form while it is open (`signing`: `form` as sent, or
    a blank one), and the way to reflect whenever a check-in is open, even after signing
    closed. Never cached: it holds a form, and may hold students' names."""
    checkin = pledge.has_open_checkin()
    # This device signed already (a query only when it has the cookie): say so first.
    has_signature = device_signature(request, pledge) is not None
    if signing and form is None:
        form = SignForm(pledge=pledge)
    # Names shown: the count is how many there are, so one query gives both.
    names = (
        list(pledge.visible_signatures().values_list("display_name", flat=True))
        if pledge.show_names
        else None
    )
    context = {
        "pledge": pledge,
        "form": form,
        "closed_reason": None if signing else _closed_reason(pledge),
        "checkin": checkin,
        "has_signature": has_signature,
        "already_signed": already,
        "already_mine": is_mine,
        "count": len(names) if names is not None else pledge.count(),
        "names": names,
    }
    return render(request, "pledges/sign.html", context)


# After signing ---------------------------------------------------------------------------


@never_cache
@require_safe
def thanks(request, token):
    """What this device signed, with the return code to write down; or a neutral thanks.

    Without the cookie nothing about any signature is shown: the page must not tell a
    visitor who signed."""
    pledge = _pledge_by_token(token)
    if pledge is None:
        raise Http404("No such pledge")
    return _render_thanks(request, pledge, device_signature(request, pledge), WithdrawForm())


def _render_thanks(request, pledge, signature, withdraw_form):
    return render(
        request,
        "pledges/thanks.html",
        {
            "pledge": pledge,
            "signature": signature,
            # A name the teacher hid stays hidden: its device can't take it off and sign
            # again to bring it back.
            "hidden_by_teacher": getattr(signature, "hidden", False),
            "commitments": _commitments_of(pledge, signature),
            "withdraw_form": withdraw_form,
            "is_open": pledge.is_open(),
            "checkin": pledge.has_open_checkin() if signature else False,
        },
    )


def _commitments_of(pledge, signature):
    """What `signature` (a Signature or a decoy) ticked, in the pledge's order."""
    if signature is None:
        return []
    if isinstance(signature, Signature):
        return list(signature.commitments.order_by("order"))
    return list(pledge.commitments.filter(order__in=signature.commitment_orders))


@sensitive_post_parameters("return_code")
@require_POST
def withdraw(request, token):
    """Take a signature off: this device's, or the one whose return code was typed."""
    pledge = _pledge_by_token(token)
    if pledge is None:
        raise Http404("No such pledge")
    if not pledge.is_open():
        return _unavailable(request, reason="withdraw-closed", pledge=pledge)
    form = WithdrawForm(request.POST)
    on_device = device_signature(request, pledge)  # a Signature, a decoy or None
    signature = None
    if form.is_valid():
        typed = form.cleaned_data["return_code"]
        if typed:
            wait = limits.check(request, "return")
            if wait:
                return limits.too_many_tries(request, "return", wait)
            signature = pledge.signatures.filter(return_code=typed).first()
            if signature is None:
                limits.record(request, "return")
                form.add_error("return_code", UNKNOWN_RETURN_CODE)
        elif on_device is not None:
            signature = on_device
        else:
            form.add_error("return_code", _("Type the return code you wrote down after signing."))
    if signature is not None and getattr(signature, "hidden", False):
        form.add_error(None, HIDDEN_BY_TEACHER)
        signature = None
    if signature is None:
        return _render_thanks(request, pledge, on_device, form)
    if request.POST.get("confirm") != "1":  # a second step, so a stray tap deletes nothing
        return render(
            request,
            "pledges/withdraw_confirm.html",
            {"pledge": pledge, "return_code": form.cleaned_data["return_code"]},
        )
    if isinstance(signature, Signature):
        signature.delete()
    # else a decoy (pledges.decoys): the same answer, and nothing to delete.
    messages.success(request, _("We've taken your name off this pledge."))
    response = HttpResponseRedirect(pledge.get_link_url(), status=303)
    if signature == on_device:
        response.delete_cookie(return_cookie_name(pledge), samesite="Lax")
    return response


@require_POST
def forget_device(request, token):
    """A shared school laptop: the student who signed tells it to forget them, so the next
    person can't see their return code or take their name off. The signature stays."""
    pledge = _pledge_by_token(token)
    if pledge is None:
        raise Http404("No such pledge")
    messages.success(
        request,
        _("This device has forgotten you. Your name is still on the pledge; "
          "your return code is the way back."),
    )  # fmt: skip
    response = HttpResponseRedirect(pledge.get_link_url(), status=303)
    response.delete_cookie(return_cookie_name(pledge), samesite="Lax")
    return response


@require_safe
def privacy(request):
    return render(
        request,
        "pledges/privacy.html",
        {"retention_days": settings.RETENTION_DAYS_AFTER_CLOSE},
    )


# Follow-through: coming back to reflect ------------------------------------------------


@never_cache
@sensitive_post_parameters("note", "talk_request", "exit_answer", "return_code")
@require_http_methods(["GET", "HEAD", "POST"])
def reflect(request, token):
    """How it went, weeks after signing: for this device's signature, or the one whose
    return code was typed here (which then becomes this device's).

    Never by name: a classmate who knows your name and the class code reaches nothing,
    and no answer here says whether a name has signed. `?code` shows the return-code box
    even with a cookie, for the next student on a shared school laptop.
    """
    pledge = _pledge_by_token(token)
    if pledge is None:
        raise Http404("No such pledge")
    checkin = pledge.open_checkin()
    if checkin is None:
        return render(request, "pledges/reflect_not_yet.html", {"pledge": pledge})
    if request.method == "POST" and "return_code" in request.POST:
        return _reflect_return_code(request, pledge, checkin)
    signature = None if "code" in request.GET else signature_from_cookie(request, pledge)
    if signature is None:
        form = ReturnCodeForm()
        if request.method == "POST":  # a reflection posted without this device's cookie
            form = ReturnCodeForm({})
            form.is_valid()
        return _render_return_code(request, pledge, checkin, form)
    reflection = signature.reflections.filter(checkin=checkin).first()
    if request.method != "POST":
        if "saved" in request.GET and reflection is not None:
            return render(
                request,
                "pledges/reflect_thanks.html",
                {"pledge": pledge, "reflection": reflection, **_support_services(pledge)},
            )
        form = ReflectionForm(signature=signature, initial=_initial(reflection))
        return _render_reflect(request, pledge, checkin, form, reflection)
    form = ReflectionForm(
        request.POST,
        signature=signature,
        earlier_talk=reflection.talk_request if reflection is not None else "",
    )
    if not form.is_valid():
        return _render_reflect(request, pledge, checkin, form, reflection)
    _save_reflection(signature, checkin, form)
    return HttpResponseRedirect(f"{reverse('pledges:reflect', args=[token])}?saved", status=303)


def _reflect_return_code(request, pledge, checkin):
    """A return code typed on this page: rate-limited like withdrawing, counted apart
    from class codes. The right code puts the signature's cookie on this device."""
    form = ReturnCodeForm(request.POST)
    if form.is_valid():
        wait = limits.check(request, "return")
        if wait:
            return limits.too_many_tries(request, "return", wait)
        signature = pledge.signatures.filter(return_code=form.cleaned_data["return_code"]).first()
        if signature is not None:
            response = HttpResponseRedirect(
                reverse("pledges:reflect", args=[pledge.link_token]), status=303
            )
            _set_return_cookie(response, signature)
            return response
        limits.record(request, "return")
        form.add_error("return_code", UNKNOWN_RETURN_CODE)
    return _render_return_code(request, pledge, checkin, form)


def _render_return_code(request, pledge, checkin, form):
    return render(
        request, "pledges/reflect_code.html", {"pledge": pledge, "checkin": checkin, "form": form}
    )


def _render_reflect(request, pledge, checkin, form, reflection):
    context = {
        "pledge": pledge,
        "checkin": checkin,
        "form": form,
        "reflection": reflection,
        **_support_services(pledge),
    }
    return render(request, "pledges/reflect.html", context)


def _support_services(pledge):
    """The helplines of the country the pledge's school is in, and that country."""
    country = School.objects.filter(classrooms__pledges=pledge).values_list("country", flat=True)
    country = country.first() or Country.GB
    return {
        "services": list(SupportService.objects.filter(country=country).order_by("order", "name")),
        "country": country,
    }


def _initial(reflection):
    """The form as last sent, to change it. Not the talk box: on a shared laptop the next
    student must not read it, and what was asked for stays with the teacher anyway."""
    if reflection is None:
        return {}
    initial = {"note": reflection.note, "exit_answer": reflection.exit_answer}
    for item in reflection.items.all():
        initial[f"{PROGRESS_PREFIX}{item.commitment_id}"] = item.progress
    return initial


def _save_reflection(signature, checkin, form):
    """One reflection per signature and round: sending again changes it (the rules of
    keeping an earlier message are Reflection.record's)."""
    Reflection.record(
        signature=signature,
        checkin=checkin,
        progress=dict(form.progress()),
        note=form.cleaned_data["note"],
        talk_request=form.cleaned_data["talk_request"],
        exit_answer=form.cleaned_data.get("exit_answer"),  # None: not asked, keep it
    )
