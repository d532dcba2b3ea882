"""Django's PostgreSQL backend with two savings on the hottest paths.

Health checks only for connections that sat idle. With CONN_HEALTH_CHECKS Django sends
`SELECT 1` before the first query of every request: a round trip, and PostgreSQL's time,
on every page and every signature (the sign POST spent a third of its round trips on
it). A kept connection goes stale while it sits unused (PostgreSQL restarted, a failover,
a firewall's idle timeout), so here only one left unused for IDLE_SECONDS is checked.
One in constant use that dies with PostgreSQL fails that request with the friendly 503
(DatabaseUnavailableMiddleware), and Django drops it when the request ends, as it would
without health checks.

Server-side prepared statements for the few queries a request runs again and again
(`execute_prepared`): PostgreSQL parses and plans them once per connection instead of
every time. Planning was half of PostgreSQL's time on the pledge a student signs. By
default PostgreSQL still plans a prepared statement afresh for each set of values while
it guesses that could pay (at district scale it kept doing so for that lookup: 0.13 ms of
planning for 0.04 ms of work), so these connections ask for the one plan made once
(`plan_cache_mode`). That setting reaches prepared statements only, and ours are all
lookups by key, whose plan does not depend on the value. Prepared statements belong to a
session, so a pooler in front of PostgreSQL must keep a session per client (PgBouncer's
session mode), as connecting straight does.
"""

import re
import time

from django.db.backends.postgresql import base

_PLACEHOLDER = re.compile(r"%%|%s")


def numbered(sql):
    """Django's SQL with %s placeholders, as PREPARE wants it: $1, $2..., and %% as %."""
    numbers = iter(range(1, sql.count("%s") + 1))
    return _PLACEHOLDER.sub(lambda found: "%" if found[0] == "%%" else f"${next(numbers)}", sql)


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

    def _configure_connection(self, connection):
        super()._configure_connection(connection)
        with connection.cursor() as cursor:
            cursor.execute("SET plan_cache_mode = force_generic_plan")
        return True  # commit, when the connection is not in autocommit mode

    def get_new_connection(self, conn_params):
        self.prepared_statements = {}  # SQL -> its name, for this connection only
        return super().get_new_connection(conn_params)

    def execute_prepared(self, cursor, sql, params):
        """Run `sql` (as the ORM writes it, with %s placeholders) with `params` on
        `cursor` as a prepared statement of this connection, preparing it the first
        time. Only for SQL built from the code, never from input: it is kept for as long
        as the connection."""
        name = self.prepared_statements.get(sql)
        if name is None:
            name = f"allyship_{len(self.prepared_statements) + 1}"
            cursor.execute(f"PREPARE {name} AS {numbered(sql)}")
            self.prepared_statements[sql] = name
        if not params:
            return cursor.execute(f"EXECUTE {name}")
        return cursor.execute(f"EXECUTE {name}({', '.join(['%s'] * len(params))})", params)
