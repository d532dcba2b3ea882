import pytest
from django.test import Client

from tests import factories


@pytest.fixture
def anon_client():
    return Client()


@pytest.fixture
def staff_client(db):
    client = Client()
    client.force_login(factories.make_staff())
    return client
