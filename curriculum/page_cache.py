"""A cache of the rendered public curriculum pages, for visitors who are not logged in.

Rendering templates is most of a curriculum page's cost (the lesson page: ~15 ms of
template work against ~1 ms of SQL), and these pages are the same for every anonymous
visitor, so the rendered HTML is kept. It is served only to requests that carry no session
cookie and no messages cookie: such a request is anonymous and has no flash messages to
show, so it sees exactly what the page renders for nobody. Staff and teachers (who have a
session) always get a freshly rendered page, drafts included.

The pages hold no CSRF token (the lesson filter form is a GET form; the logout form is only
drawn for logged-in users) and no CSP nonce, so one rendering is safe to hand to everyone.

Where things live: the pages in each process's memory (the "pages" cache, LocMemCache, a
few MB), because fetching 40 KB from Redis costs more than the rest of the request; the
"curriculum version" in the shared default cache (Redis or the database). Any save or
delete of a curriculum row (or a change to a lesson's bands or themes) replaces the
version, and each page records the version it was rendered under. A process re-reads the
shared version at most every PAGE_CACHE_VERSION_MS (1 s): another process's edit reaches
it within a second, and the version costs one cache read a second, not one per request.
Bulk writes that send no signals (QuerySet.update, the bench generator) call bump().
"""

import hashlib
import time
import uuid
from functools import wraps

from django.conf import settings
from django.core.cache import cache as shared_cache
from django.core.cache import caches
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.translation import get_language

VERSION_KEY = "curriculum-version"
# Query parameters the lesson list understands: anything else is rendered but not kept,
# so made-up query strings cannot fill the cache.
KNOWN_PARAMETERS = frozenset({"age", "module", "theme", "duration", "q", "page"})
MAX_QUERY_LENGTH = 300


def _cache():
    return caches[settings.PAGE_CACHE_ALIAS]


def _new_version():
    return uuid.uuid4().hex


# This process's copy of the shared version and when it was read (monotonic seconds).
_known = {"version": None, "read_at": float("-inf")}


def version():
    """The current curriculum version, re-read from the shared cache at most every
    PAGE_CACHE_VERSION_MS."""
    now = time.monotonic()
    if (
        _known["version"] is None
        or now - _known["read_at"] >= settings.PAGE_CACHE_VERSION_MS / 1000
    ):
        current = shared_cache.get(VERSION_KEY)
        if current is None:
            shared_cache.add(VERSION_KEY, _new_version(), timeout=None)
            current = shared_cache.get(VERSION_KEY) or _new_version()
        _known.update(version=current, read_at=now)
    return _known["version"]


def bump(**_kwargs):
    """Retire every cached page: the next request for each renders it afresh."""
    new = _new_version()
    shared_cache.set(VERSION_KEY, new, timeout=None)
    _known.update(version=new, read_at=time.monotonic())


def _curriculum_changed(sender, **_kwargs):
    if sender._meta.app_label == "curriculum":
        # Now, and again once the change is committed: a page rendered from the old rows
        # by a request that read the first new version is retired by the second.
        bump()
        transaction.on_commit(bump)


post_save.connect(_curriculum_changed, dispatch_uid="page_cache_save")
post_delete.connect(_curriculum_changed, dispatch_uid="page_cache_delete")
m2m_changed.connect(_curriculum_changed, dispatch_uid="page_cache_m2m")


def is_cacheable(request):
    """True for a GET from a visitor with no session and no messages waiting."""
    if not settings.PAGE_CACHE or request.method not in ("GET", "HEAD"):
        return False
    cookies = request.COOKIES
    if settings.SESSION_COOKIE_NAME in cookies or "messages" in cookies:
        return False
    query = request.META.get("QUERY_STRING", "")
    return len(query) <= MAX_QUERY_LENGTH and set(request.GET) <= KNOWN_PARAMETERS


def _key(request):
    # Normalised: the same filters in any order are one page.
    query = sorted((name, value) for name, values in request.GET.lists() for value in values)
    raw = f"{request.path}?{query!r}|{get_language()}"
    return f"page:{hashlib.sha256(raw.encode()).hexdigest()}"


def _finish(request, response, etag):
    """Headers for a page that may be shared: browsers revalidate it with its ETag."""
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    patch_vary_headers(response, ("Cookie", "Accept-Language"))
    if "HTTP_IF_NONE_MATCH" not in request.META:
        return response
    return get_conditional_response(request, etag=etag, response=response)


def cache_public_page(view):
    """Serve anonymous visitors the page rendered for them before, while it is current."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_cacheable(request):
            response = view(request, *args, **kwargs)
            patch_vary_headers(response, ("Cookie",))
            return response
        cache = _cache()
        key = _key(request)
        current = version()
        entry = cache.get(key)
        if entry is not None and entry[0] == current:
            _version, content, content_type, etag = entry
            return _finish(request, HttpResponse(content, content_type=content_type), etag)
        response = view(request, *args, **kwargs)
        if response.status_code != 200 or response.streaming or response.cookies:
            patch_vary_headers(response, ("Cookie",))
            return response
        etag = f'"{hashlib.sha256(response.content).hexdigest()[:32]}"'
        cache.set(key, (current, response.content, response["Content-Type"], etag),
                  settings.PAGE_CACHE_SECONDS)  # fmt: skip
        return _finish(request, response, etag)

    return wrapper
