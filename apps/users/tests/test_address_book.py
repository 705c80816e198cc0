"""The customer's address book: /api/v1/auth/me/addresses/ and its rules
(apps/orders/address_book.py)."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from apps.core.errors import ApplicationError
from apps.core.tests.fixtures import api_client_for
from apps.orders.address_book import address_add, address_update
from apps.orders.tests.factories import ADDRESS
from apps.users.models import CustomerAddress
from apps.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/me/addresses/"
HOME = {**ADDRESS, "line2": "Flat 2", "region": ""}


def detail(entry_id):
    return f"{URL}{entry_id}/"


def add(client, **body):
    return client.post(URL, {"address": HOME, **body}, format="json")


def test_add_read_change_and_remove_an_address():
    user = UserFactory()
    client = api_client_for(user)
    created = add(client, label=" Home ", address={**HOME, "country": "gb", "city": " London "})
    assert created.status_code == 201, created.content
    entry = created.json()
    assert entry["label"] == "Home"
    assert entry["is_default_shipping"] is False
    # Cleaned as an order's shipping address is: trimmed, the country upper-cased.
    assert entry["address"] == {**HOME, "country": "GB", "city": "London"}

    assert client.get(URL).json() == [entry]
    assert client.get(detail(entry["id"])).json() == entry

    changed = client.patch(
        detail(entry["id"]), {"address": {"line1": "1 New Street"}, "label": "Work"}, format="json"
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["label"] == "Work"
    # Only the named field changes; the rest of the address is kept.
    assert changed.json()["address"] == {**entry["address"], "line1": "1 New Street"}

    assert client.delete(detail(entry["id"])).status_code == 204
    assert client.get(URL).json() == []
    assert not CustomerAddress.objects.exists()


def test_an_address_is_checked_as_an_order_address_is():
    client = api_client_for(UserFactory())
    missing = client.post(URL, {"address": {**HOME, "line1": "  "}}, format="json")
    assert missing.status_code == 400
    assert "line1" in missing.json()["error"]["fields"]["address"]
    bad_country = client.post(URL, {"address": {**HOME, "country": "GBR"}}, format="json")
    assert bad_country.status_code == 400
    assert "country" in bad_country.json()["error"]["fields"]["address"]
    assert not CustomerAddress.objects.exists()
    # Whatever the surface, the service applies the order's own rules.
    with pytest.raises(ApplicationError) as refused:
        address_add(user=UserFactory(), address={**HOME, "name": ""})
    assert refused.value.code == "invalid_address"
    with pytest.raises(ApplicationError) as unknown:
        address_add(user=UserFactory(), address={**HOME, "planet": "Mars"})
    assert unknown.value.code == "invalid_address"


def test_another_persons_address_is_not_found():
    owner, stranger = UserFactory(), UserFactory()
    entry = add(api_client_for(owner)).json()
    client = api_client_for(stranger)
    assert client.get(detail(entry["id"])).status_code == 404
    assert client.patch(detail(entry["id"]), {"label": "Mine"}, format="json").status_code == 404
    assert client.delete(detail(entry["id"])).status_code == 404
    assert client.get(URL).json() == []
    assert client.get(detail(2**70)).status_code == 404
    assert CustomerAddress.objects.get().label == ""


def test_an_address_book_has_a_limit(settings):
    settings.CUSTOMER_ADDRESSES_MAX = 2
    user = UserFactory()
    client = api_client_for(user)
    assert add(client).status_code == 201
    assert add(client).status_code == 201
    refused = add(client)
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "too_many_addresses"
    assert user.addresses.count() == 2
    # Another person's book is their own.
    assert add(api_client_for(UserFactory())).status_code == 201


def test_one_default_shipping_address_which_me_shows():
    user = UserFactory()
    client = api_client_for(user)
    assert client.get("/api/v1/auth/me/").json()["default_shipping_address"] is None
    home = add(client, label="Home", is_default_shipping=True).json()
    work = add(client, label="Work", address={**HOME, "line1": "1 Office Park"}).json()
    assert home["is_default_shipping"] and not work["is_default_shipping"]
    me = client.get("/api/v1/auth/me/").json()
    assert me["default_shipping_address"] == {
        "id": home["id"],
        "label": "Home",
        "address": home["address"],
    }

    # Making another the default moves it: never two.
    client.patch(detail(work["id"]), {"is_default_shipping": True}, format="json")
    defaults = user.addresses.filter(is_default_shipping=True)
    assert list(defaults.values_list("label", flat=True)) == ["Work"]
    assert client.get(URL).json()[0]["label"] == "Work"  # the default comes first
    assert client.get("/api/v1/auth/me/").json()["default_shipping_address"]["id"] == work["id"]
    # A new default added the same way.
    third = add(client, label="Parents", is_default_shipping=True).json()
    assert list(defaults.values_list("pk", flat=True)) == [third["id"]]

    # Unsetting or removing the default leaves none.
    client.patch(detail(third["id"]), {"is_default_shipping": False}, format="json")
    assert not defaults.exists()
    address_update(entry=CustomerAddress.objects.get(pk=home["id"]), is_default_shipping=True)
    client.delete(detail(home["id"]))
    assert client.get("/api/v1/auth/me/").json()["default_shipping_address"] is None


def test_the_database_refuses_a_second_default():
    user = UserFactory()
    address_add(user=user, address=HOME, is_default_shipping=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        CustomerAddress.objects.create(user=user, address=HOME, is_default_shipping=True)
    # Each person has their own default.
    address_add(user=UserFactory(), address=HOME, is_default_shipping=True)
    assert CustomerAddress.objects.filter(is_default_shipping=True).count() == 2


def test_reading_the_book_costs_the_same_for_one_entry_or_twenty():
    user = UserFactory()
    client = api_client_for(user)
    address_add(user=user, address=HOME, is_default_shipping=True)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL).status_code == 200
        return len(captured)

    one = queries()
    for number in range(19):
        address_add(user=user, address={**HOME, "line1": f"{number} Row"})
    assert len(client.get(URL).json()) == 20
    assert queries() == one
