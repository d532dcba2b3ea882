"""Two baselines: a fixed page of the lesson page's size (BASELINE_PAGE, a file the bench
saves from the app), built once at import, never touching a database; and the least a
signing form does (CSRF, a one-field form, one row in a transaction, a 303)."""

import os

from django import forms
from django.db import transaction
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.urls import path
from django.utils.html import format_html
from signbase.models import Entry


def _page():
    source = os.environ.get("BASELINE_PAGE", "")
    if source and os.path.exists(source):
        with open(source, "rb") as handle:
            return handle.read()
    size = int(os.environ.get("BASELINE_BYTES", "30000"))
    return (b"<!doctype html><title>Baseline</title><p>" + b"x" * size)[:size]


PAGE = _page()


def page(request):
    return HttpResponse(PAGE, content_type="text/html; charset=utf-8")


class NameForm(forms.Form):
    # The app's sign form's name field; the commitments the bench also posts are ignored.
    display_name = forms.CharField(max_length=80)


def sign(request):
    """GET: a form with its CSRF token (the bench takes the token pair from it once).
    POST: validated, one row inserted in a transaction, then 303 as the app answers."""
    if request.method == "POST":
        form = NameForm(request.POST)
        if not form.is_valid():
            return HttpResponseBadRequest("bad name")
        with transaction.atomic():
            Entry.objects.create(name=form.cleaned_data["display_name"])
        return HttpResponseRedirect("/sign/done/", status=303)
    return HttpResponse(
        format_html(
            '<!doctype html><title>Sign</title><form method="post">'
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
            '<input name="display_name"><button>Sign</button></form>',
            get_token(request),
        )
    )


urlpatterns = [path("", page), path("sign/", sign)]
