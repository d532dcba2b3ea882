"""allyship_site.postgresql: Django's backend with statements prepared once per
connection. PostgreSQL only: make test's second pass runs them."""

import pytest
from django.db import connection
from django.test import Client

from allyship_site.postgresql.base import numbered
from allyship_site.prepared import PreparedQuery
from pledges.models import Pledge
from tests.factories import make_pledge, sign_form_data

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


@pytest.mark.django_db(transaction=True)
def test_signing_runs_on_plans_made_once_per_connection(pledge):
    """The pledge lookup and the signature insert are planned once, not again for each
    student: PostgreSQL would otherwise keep re-planning them (custom plans), which cost
    it three times what running the lookup does."""
    phone = Client()
    for number in range(8):  # past PostgreSQL's five tries before it may go generic
        response = phone.post(
            pledge.get_link_url(), sign_form_data(pledge, name=f"Student {chr(65 + number)}")
        )
        assert response.status_code == 303
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE name LIKE 'allyship%%'"
        )
        plans = cursor.fetchall()
    signing = [row for row in plans if "pledges_signature" in row[0]]
    assert len(signing) == 2, plans  # the pledge with its recent count, and the insert
    for statement, generic_plans, custom_plans in signing:
        assert custom_plans == 0, statement
        assert generic_plans >= 8, statement
