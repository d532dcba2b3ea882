"""Django's PostgreSQL backend, health-checking only connections that sat idle.

With CONN_HEALTH_CHECKS Django sends `SELECT 1` before the first query of every
request: a round trip, and PostgreSQL's time, on every page and every signature (the
sign POST spent a third of its round trips on it). A kept connection goes stale while it
sits unused (PostgreSQL restarted, a failover, a firewall's idle timeout), so here only
one left unused for IDLE_SECONDS is checked. One in constant use that dies with
PostgreSQL fails that request with the friendly 503 (DatabaseUnavailableMiddleware), and
Django drops it when the request ends, as it would without health checks.
"""

import time

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    IDLE_SECONDS = 1.0
    last_used = None  # time.monotonic() when a cursor was last opened

    def close_if_health_check_failed(self):
        if (
            self.connection is not None
            and self.last_used is not None
            and time.monotonic() - self.last_used < self.IDLE_SECONDS
        ):
            self.health_check_done = True  # used a moment ago: no need to ask
            return
        super().close_if_health_check_failed()

    def _cursor(self, name=None):
        cursor = super()._cursor(name)
        self.last_used = time.monotonic()
        return cursor
