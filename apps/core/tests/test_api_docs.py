"""API_DOCS_PUBLIC: the schema and its two readers, open to all or kept to signed-in staff."""

import pytest

from apps.stores.roles import Role
from apps.stores.tests.factories import StoreFactory, staff_member
from apps.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DOCS = ["/api/schema/", "/api/docs/", "/api/docs/?script", "/api/redoc/"]


@pytest.mark.parametrize("path", DOCS)
def test_public_by_default(client, path):
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("path", DOCS)
def test_closed_they_answer_staff_signed_in_to_the_back_office(client, settings, path):
    settings.API_DOCS_PUBLIC = False
    client.force_login(staff_member(StoreFactory(), Role.VIEWER))
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("path", DOCS)
def test_closed_anyone_else_gets_the_api_s_404(client, settings, path):
    settings.API_DOCS_PUBLIC = False
    response = client.get(path)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"

    client.force_login(UserFactory())  # a customer: signed in, not staff
    assert client.get(path).status_code == 404
