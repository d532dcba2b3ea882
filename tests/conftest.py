"""Personas shared by the tests.

`teacher` owns the classroom and pledge; `colleague` teaches at the same school;
`other_teacher` is at another school; `anon_client` has no login. Each has a client
fixture logged in as them (`teacher_client`, ...).
"""

import pytest
from django.db import connection
from django.test import Client

from tests import factories


def pytest_runtest_setup(item):
    """Tests marked `postgres_only` run in make test's PostgreSQL pass (which CI requires:
    REQUIRE_POSTGRES), and are skipped in its SQLite pass."""
    if item.get_closest_marker("postgres_only") and connection.vendor != "postgresql":
        pytest.skip(f"needs PostgreSQL: make test runs it there (this run: {connection.vendor})")


@pytest.fixture
def anon_client():
    return Client()


@pytest.fixture
def staff_client(db):
    client = Client()
    client.force_login(factories.make_staff())
    return client


@pytest.fixture
def school(db):
    return factories.make_school()


@pytest.fixture
def teacher(school):
    return factories.make_teacher(school=school, role="lead")


@pytest.fixture
def colleague(school):
    return factories.make_teacher("colleague@riverside.example", school=school, first_name="Cal")


@pytest.fixture
def other_teacher(db):
    other_school = factories.make_school("Hillside Academy")
    return factories.make_teacher("other@hillside.example", school=other_school, first_name="Oli")


@pytest.fixture
def classroom(teacher):
    return factories.make_classroom(teacher)


@pytest.fixture
def pledge(classroom):
    return factories.make_pledge(classroom)


def _client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def teacher_client(teacher):
    return _client_for(teacher)


@pytest.fixture
def colleague_client(colleague):
    return _client_for(colleague)


@pytest.fixture
def other_client(other_teacher):
    return _client_for(other_teacher)


@pytest.fixture
def signed_phone(pledge):
    """A phone that signed the pledge (first and third commitments), with its cookie."""
    phone = Client()
    chosen = list(pledge.commitments.order_by("order"))[::2]
    response = phone.post(
        pledge.get_link_url(), factories.sign_form_data(pledge, commitments=chosen)
    )
    assert response.status_code == 303
    return phone
