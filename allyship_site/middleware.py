"""Middleware that belongs to the deployment: security headers and the 503 page.

SecurityMiddleware and django-csp send most headers; this adds the two they don't
(Permissions-Policy, Cross-Origin-Resource-Policy) to every response, and turns a lost
database connection into a friendly "try again in a moment" page instead of a 500.
"""

import logging
from datetime import timedelta
from functools import wraps

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.utils import timezone

from allyship_site import errors

logger = logging.getLogger(__name__)


# For the few responses that never pass django-csp (the HTTP-to-HTTPS redirect, static
# files served by whitenoise): they load nothing, so they may load nothing.
FALLBACK_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # In development django-csp sends no policy with a 404 or 500, so that Django's
        # debug pages can use their inline styles; "load nothing" would also strip our
        # own "we couldn't find that pledge" page of its stylesheet.
        if not (settings.DEBUG and response.status_code in (404, 500)):
            response.headers.setdefault("Content-Security-Policy", FALLBACK_CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        response.headers.setdefault(
            "Cross-Origin-Resource-Policy", settings.CROSS_ORIGIN_RESOURCE_POLICY
        )
        return response


class DatabaseUnavailableMiddleware:
    """A view that loses the database (PostgreSQL restarting, a failover) answers 503 with
    Retry-After. The next request reconnects by itself: Django drops a connection that
    failed when its request ends, and one that sat idle is checked before it is used
    (allyship_site.postgresql). Errors outside views reach handler500, which does the
    same (allyship_site.errors.server_error)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if errors.is_database_down(exception):
            # The first line says what failed ("connection refused", "database is locked",
            # or a schema error worth fixing); it carries no row values.
            first_line = (str(exception).strip().splitlines() or [""])[0][:200]
            logger.warning(
                "Database unavailable (%s: %s): answering 503",
                type(exception).__name__,
                first_line,
            )
            return errors.service_unavailable()
        return None


def not_activity(view):
    """Mark a view's responses as no sign of the teacher being there: a page that refreshes
    itself, or the count such a page polls, would otherwise keep an unattended session
    open for ever. SessionIdleMiddleware leaves the session's expiry where it was. (As
    Django's xframe_options_exempt does, the mark is on the response.)"""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response.not_activity = True
        return response

    return wrapper


class SessionIdleMiddleware:
    """A teacher's session ends SESSION_COOKIE_AGE (SESSION_IDLE_MINUTES) after their
    last request. Like SESSION_SAVE_EVERY_REQUEST, but the expiry is pushed on (the session
    saved) at most once every SESSION_REFRESH_SECONDS, not on every request: one write a
    minute instead of three queries on every page. Responses of views marked not_activity
    (pages that refresh themselves) leave it alone. Goes right after SessionMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        expiry = getattr(session, "stored_expiry", None)
        if (
            expiry is not None
            and not session.modified
            and not getattr(response, "not_activity", False)
        ):
            fresh_for = timedelta(
                seconds=settings.SESSION_COOKIE_AGE - settings.SESSION_REFRESH_SECONDS
            )
            if expiry - timezone.now() < fresh_for:
                session.modified = True  # SessionMiddleware saves it with a new expiry
        return response


# What django-csp's decorators set on a response to change its policy.
_CSP_PER_RESPONSE = tuple(
    f"_csp_{what}{ro}" for what in ("exempt", "config", "update", "replace") for ro in ("", "_ro")
)


class CSPMiddleware(DjangoCSPMiddleware):
    """django-csp's middleware, with the headers built once. django-csp builds the policy
    again for every response (~0.1 ms: a tenth of what a kept pledge page costs), though
    it only changes when a view asks for its own (django-csp's decorators), a page uses a
    nonce, or the settings change: those still go through django-csp."""

    _built_for = None
    _headers = ()

    def process_response(self, request, response):
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", None)
        report_only = getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
        if (
            getattr(request, "_csp_nonce", None) is not None
            or any(hasattr(response, name) for name in _CSP_PER_RESPONSE)
            or any("EXCLUDE_URL_PREFIXES" in (config or {}) for config in (policy, report_only))
            or (settings.DEBUG and response.status_code in (404, 500))
        ):
            return super().process_response(request, response)
        if (
            self._built_for is None
            or self._built_for[0] is not policy
            or (self._built_for[1] is not report_only)
        ):
            headers = (
                (HEADER, build_policy()),
                (HEADER_REPORT_ONLY, build_policy(report_only=True)),
            )
            self._headers = tuple((header, value) for header, value in headers if value)
            self._built_for = (policy, report_only)
        for header, value in self._headers:
            if header not in response:
                response[header] = value
        # As django-csp: a nonce asked for after the header was written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
