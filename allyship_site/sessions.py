"""Django's database sessions, read with SQL written once per process, and remembering
when the loaded session expires, so SessionIdleMiddleware can push the expiry on without
writing on every request.

A teacher's every page reads the session first; building that query with the ORM took
longer than running it (allyship_site.prepared)."""

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.db.models.functions import Now

from allyship_site.prepared import PreparedQuery

# Expiry against the database's clock (Django compares with the app's): one clock for
# every app process, and nothing in the SQL that changes between requests.
_UNEXPIRED = PreparedQuery(
    lambda key: Session.objects.filter(session_key=key, expire_date__gt=Now()), "key"
)


class SessionStore(DatabaseSessionStore):
    stored_expiry = None

    def _get_session_from_db(self):
        session = _UNEXPIRED.object(key=self.session_key)
        if session is None:
            self._session_key = None  # as Django's: a new session gets a new key
        self.stored_expiry = session.expire_date if session is not None else None
        return session
