"""Error pages and error reports.

The 500 and 503 pages are rendered without the request context: whatever broke (often
the database) must not break the error page too. Error reports mailed to ADMINS leave
out everything that could identify a student: the name (sensitive_post_parameters on
the signing and reflection views, and no local variables), the client's address, user
agent and cookies.
"""

import sys

from django.conf import settings
from django.db import DatabaseError, DataError, IntegrityError, InterfaceError
from django.http import HttpResponseServerError
from django.template import loader
from django.views.debug import SafeExceptionReporterFilter
from django.views.decorators.csrf import requires_csrf_token

# Request headers that identify a device or a person rather than the request.
PRIVATE_META = frozenset(
    {
        "REMOTE_ADDR",
        "REMOTE_HOST",
        "HTTP_USER_AGENT",
        "HTTP_X_FORWARDED_FOR",
        "HTTP_X_REAL_IP",
        "HTTP_FORWARDED",
        "HTTP_CLIENT_IP",
        "HTTP_COOKIE",
        "HTTP_REFERER",
    }
)


class PrivateExceptionReporterFilter(SafeExceptionReporterFilter):
    def get_safe_request_meta(self, request):
        meta = super().get_safe_request_meta(request)
        return {
            key: self.cleansed_substitute if key in PRIVATE_META else value
            for key, value in meta.items()
        }

    def get_safe_cookies(self, request):
        return {key: self.cleansed_substitute for key in getattr(request, "COOKIES", {})}

    def get_traceback_frame_variables(self, request, tb_frame):
        """No local variables at all: any of them may hold what a student typed (a form's
        cleaned_data, the arguments of Signature.sign), and the report's template
        context, variables included, can reach a DEBUG log line. The traceback's file,
        line and function names are kept."""
        return [(name, self.cleansed_substitute) for name in tb_frame.f_locals]


def is_database_down(exception):
    """True for errors that mean the database is unreachable or restarting rather than a
    bug in a query: during a PostgreSQL restart psycopg2 raises several kinds (admin
    shutdown, closed connections, "the database system is starting up"), not only
    OperationalError. Integrity and data errors are about the data, so not included."""
    return isinstance(exception, DatabaseError | InterfaceError) and not isinstance(
        exception, IntegrityError | DataError
    )


class ServiceUnavailable(HttpResponseServerError):
    status_code = 503


def service_unavailable():
    response = ServiceUnavailable(loader.render_to_string("503.html"))
    response["Retry-After"] = str(settings.RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


@requires_csrf_token
def server_error(request):
    """handler500: a 503 when the database is what failed (outside a view, where the
    middleware can't see it), otherwise Django's plain 500 page from 500.html."""
    if is_database_down(sys.exception()):
        return service_unavailable()
    return HttpResponseServerError(loader.render_to_string("500.html"))
