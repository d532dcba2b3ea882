"""allyship_site.postgresql: Django's backend with statements prepared once per
connection. PostgreSQL only: make test's second pass runs them."""

import pytest
from django.db import connection

from allyship_site.postgresql.base import numbered
from allyship_site.prepared import PreparedQuery
from pledges.models import Pledge
from tests.factories import make_pledge

pytestmark = pytest.mark.postgres_only  # prepared statements are PostgreSQL's


def test_placeholders_are_numbered_and_percent_signs_kept():
    sql = "SELECT %s, 'a%%b' LIKE %s, %s::bigint[]"
    assert numbered(sql) == "SELECT $1, 'a%b' LIKE $2, $3::bigint[]"


@pytest.mark.django_db(transaction=True)
def test_a_new_connection_prepares_its_statements_again(classroom):
    """A statement prepared on a connection that closed (PostgreSQL restarted, the
    connection grew old) is prepared again on the next, not executed by a stale name."""
    pledge = make_pledge(classroom, title="Be kind")
    titles = PreparedQuery(
        lambda pk: Pledge.objects.filter(pk=pk).values_list("title", flat=True), "pk"
    )
    assert titles.first(pk=pledge.pk) == ("Be kind",)
    sql = titles.compiled[connection.alias].sql
    assert sql in connection.prepared_statements
    connection.close()
    assert titles.first(pk=pledge.pk) == ("Be kind",)
    assert list(connection.prepared_statements) == [sql]  # the new connection's only one
