"""One page: a fixed body the size of the app's lesson page (BASELINE_PAGE, a file the
bench saves from the app), built once at import, never touching a database."""

import os

from django.http import HttpResponse
from django.urls import path


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


urlpatterns = [path("", page)]
