"""Middleware that belongs to the deployment: security headers and the 503 page.

SecurityMiddleware and django-csp send most headers; this adds the two they don't
(Permissions-Policy, Cross-Origin-Resource-Policy) to every response, and turns a lost
database connection into a friendly "try again in a moment" page instead of a 500.
"""

import logging

from django.conf import settings

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
        # Nor with a 304 (ConditionalGetMiddleware's, which keeps none of the page's
        # headers): a browser updates the page it kept with the 304's headers, so "load
        # nothing" there would block the stylesheet of every page seen a second time.
        if response.status_code != 304 and not (
            settings.DEBUG and response.status_code in (404, 500)
        ):
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
    failed when its request ends, and checks a kept one before using it
    (CONN_HEALTH_CHECKS). Errors outside views reach handler500, which does the
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


class SessionIdleMiddleware:
    """A teacher's session ends SESSION_COOKIE_AGE (SESSION_IDLE_MINUTES) after their
    last request: each response saves the session, moving its expiry on, as
    SESSION_SAVE_EVERY_REQUEST would, except responses of views marked not_activity
    (pages that refresh themselves: pledges.views.live.not_activity), which
    SESSION_SAVE_EVERY_REQUEST can't leave out.
    Goes right after SessionMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if (
            session is not None
            and not getattr(response, "not_activity", False)
            and not session.is_empty()
        ):
            session.modified = True  # SessionMiddleware saves it with a new expiry
        return response
