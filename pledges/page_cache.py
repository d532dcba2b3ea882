"""Rendered pledge pages kept for the next request that would render the same thing: the
public sign page students open, and the signature list on the teacher's page.

Rendering is most of these pages' cost (the sign page: ~3 ms of template work against
one query), and a class opens the same pledge thirty times in a minute. Nothing here is
ever invalidated: each key is a hash of everything the rendered part shows (the pledge's
last save, its signature count and newest id, its `signature_edits` counter, the
language...), so any change makes a new key and old entries age out.

Two levels: this process's memory (the "pages" cache, a lookup of microseconds) and the
shared default cache (Redis, or the database cache), so a page rendered by one app
process serves the others too. The shared level gets only what anyone may see and holds
no student's name (a public page without names), for KEEP_SECONDS, about a lesson: the
teacher's list and a public page that shows names stay in process memory.

Kept HTML never holds a CSRF token: pages are rendered with CSRF_PLACEHOLDER in its place
and every response gets this request's own token (`with_csrf_token`), which also makes
Django send the CSRF cookie, as rendering would.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache as shared_cache
from django.core.cache import caches
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.translation import get_language

from allyship_site import build

KEEP_SECONDS = 600

# Letters only, as Django's own tokens: it survives HTML escaping unchanged.
CSRF_PLACEHOLDER = "CsrfTokenPlaceholderWhichNoRealTokenEverSpellsOutLikeThisAtAllNow"


def key(kind, *state):
    """The cache key of a `kind` of page part in `state`, in the active language, as this
    version of the code draws it (a page kept by an older one is never served)."""
    raw = repr((kind, get_language(), build.version(), *state))
    return f"{kind}:{hashlib.sha256(raw.encode()).hexdigest()}"


def fetch(cache_key, *, shared=True):
    """The kept HTML, from this process or else the shared cache; None if not kept."""
    local = caches[settings.PAGE_CACHE_ALIAS]
    html = local.get(cache_key)
    if html is None and shared:
        html = shared_cache.get(cache_key)
        if html is not None:
            local.set(cache_key, html, KEEP_SECONDS)
    return html


def keep(cache_key, html, *, shared=True):
    caches[settings.PAGE_CACHE_ALIAS].set(cache_key, html, KEEP_SECONDS)
    if shared:
        shared_cache.set(cache_key, html, KEEP_SECONDS)


def with_csrf_token(request, html):
    """`html` with this request's CSRF token where the placeholder was rendered."""
    if CSRF_PLACEHOLDER not in html:
        return html
    return html.replace(CSRF_PLACEHOLDER, get_token(request))


def respond(request, html):
    """A response of kept HTML, with this request's CSRF token in it."""
    return HttpResponse(with_csrf_token(request, html))


def render_and_keep(request, template_name, context, cache_key, *, shared=True):
    """Render a page to keep under `cache_key`, and answer this request with it."""
    html = render_to_string(template_name, {**context, "csrf_token": CSRF_PLACEHOLDER}, request)
    keep(cache_key, html, shared=shared)
    return respond(request, html)
