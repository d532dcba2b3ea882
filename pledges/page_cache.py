"""Rendered pledge pages kept for the next request that would render the same thing: the
public sign page students open, and the signature list on the teacher's page.

Rendering is most of these pages' cost (the sign page: ~3 ms of template work against
one query), and a class opens the same pledge thirty times in a minute. Nothing here is
ever invalidated: each key is a hash of everything the rendered part shows (the pledge's
last save, its signature count and newest id, its `signature_edits` counter, the
language...), so any change makes a new key and old entries age out.

Two levels: this process's memory (the "pages" cache, a lookup of microseconds) and the
shared default cache (Redis, or the database cache), so a page rendered by one app
process serves the others too. The shared level gets only what anyone may see (the public
page, with the names the teacher chose to show) and keeps it for KEEP_SECONDS, about a
lesson: the teacher's list, with hidden and waiting names, stays in process memory.

Kept HTML never holds a CSRF token: pages are rendered with CSRF_PLACEHOLDER in its place
and every response gets this request's own token (`with_csrf_token`), which also makes
Django send the CSRF cookie, as rendering would.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache as shared_cache
from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.translation import get_language

KEEP_SECONDS = 600

# Letters only, as Django's own tokens: it survives HTML escaping unchanged.
CSRF_PLACEHOLDER = "CsrfTokenPlaceholderWhichNoRealTokenEverSpellsOutLikeThisAtAllNow"


def key(kind, *state):
    """The cache key of a `kind` of page part in `state` (and the active language)."""
    raw = repr((kind, get_language(), *state))
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


class PreparedQuery:
    """A small query whose SQL the ORM writes once per process, then run with new values.

    For a one-row lookup Django spends longer building the SQL than PostgreSQL takes to
    answer it (the teacher page's key: ~0.45 ms of Python against ~0.2 ms; the pledge a
    student signs: ~0.5 ms), and a kept page's or a signature's whole cost is a few such
    lookups. `build` takes a value for each of `names` and returns a queryset; it is
    called once with marker numbers, which must each come out as one parameter of the
    SQL (as the number, or as its text for a text column), and their places get the real
    values.

    `first()` gives a values_list() row as the database driver gives it, without Django's
    converters: right for cache keys, not for showing. `object()` gives a model instance
    with its annotations, converted as the ORM would.
    """

    def __init__(self, build, *names):
        self.build = build
        self.names = names
        self.compiled = {}  # database alias -> _Compiled

    def first(self, **values):
        """The first row for these values, or None."""
        return self._run(values)[1]

    def object(self, **values):
        """The first row for these values as a model instance, or None."""
        compiled, row = self._run(values)
        if row is None:
            return None
        connection = connections[DEFAULT_DB_ALIAS]
        row = list(row)
        for place, (converters, expression) in compiled.converters:
            for converter in converters:
                row[place] = converter(row[place], expression, connection)
        start, end = compiled.model_columns
        instance = compiled.model.from_db(connection.alias, compiled.attnames, row[start:end])
        for name, place in compiled.annotations:
            setattr(instance, name, row[place])
        return instance

    def _run(self, values):
        connection = connections[DEFAULT_DB_ALIAS]
        compiled = self.compiled.get(connection.alias)
        if compiled is None:
            compiled = self.compiled[connection.alias] = self._compile(connection)
        params = list(compiled.params)
        for name, place in compiled.places.items():
            params[place] = values[name]
        with connection.cursor() as cursor:
            if hasattr(connection, "execute_prepared"):  # PostgreSQL: planned once, too
                connection.execute_prepared(cursor, compiled.sql, params)
            else:
                cursor.execute(compiled.sql, params)
            return compiled, cursor.fetchone()

    def _compile(self, connection):
        markers = {name: -7_700_001 - number for number, name in enumerate(self.names)}
        queryset = self.build(**markers)
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        places = {}
        for name, marker in markers.items():
            found = [place for place, value in enumerate(params) if value in (marker, str(marker))]
            if len(found) != 1:
                raise ValueError(f"{name!r} is {len(found)} parameters of the SQL, not one")
            places[name] = found[0]
        compiled = _Compiled(sql, tuple(params), places)
        klass_info = compiler.klass_info
        if queryset.query.default_cols:  # a queryset of model instances: how to make them
            if klass_info.get("related_klass_infos"):
                raise ValueError("object() makes no related instances: no select_related()")
            select = compiler.select
            start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
            compiled.model = klass_info["model"]
            compiled.model_columns = (start, end)
            compiled.attnames = [column[0].target.attname for column in select[start:end]]
            compiled.annotations = list(compiler.annotation_col_map.items())
            fields = [column[0] for column in select[: compiler.col_count]]
            compiled.converters = list(compiler.get_converters(fields).items())
        return compiled


class _Compiled:
    def __init__(self, sql, params, places):
        self.sql = sql
        self.params = params
        self.places = places
        self.model = None
