"""Guest checkout: an order without an account, opened by its link's token or by e-mail and a
one-time code; a wrong key answers 404 like a missing order; idempotency for guests."""

import re
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient

from apps.catalog.tests.factories import make_variant
from apps.core.tests.fixtures import api_client_for as client_for
from apps.inventory.tests.factories import receive
from apps.orders.models import Order
from apps.orders.tests.factories import ADDRESS
from apps.stores.tests.factories import StoreFactory
from apps.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
ORDERS = "/api/v1/orders/"
LOOKUP = "/api/v1/orders/lookup/"


@pytest.fixture
def shop():
    store = StoreFactory(slug="alpha", shipping_flat_rate=Decimal("4.90"))
    variant = make_variant(store, price=Decimal("10.00"))
    receive(variant, 10)
    return store, variant


def guest_body(store, variant, email="guest@example.com", quantity=1):
    return {
        "store": store.slug,
        "lines": [{"variant": variant.pk, "quantity": quantity}],
        "shipping_address": ADDRESS,
        "email": email,
    }


def test_a_guest_orders_with_an_email_and_opens_it_with_its_token(
    shop, django_capture_on_commit_callbacks
):
    store, variant = shop
    with django_capture_on_commit_callbacks(execute=True):
        placed = APIClient().post(ORDERS, guest_body(store, variant), format="json")
    assert placed.status_code == 201, placed.content
    body = placed.json()
    token = body["access_token"]
    order = Order.objects.get(number=body["number"])
    assert order.customer is None and order.email == "guest@example.com"
    assert token in mail.outbox[-1].body  # the confirmation carries the key

    opened = APIClient().post(LOOKUP, {"number": order.number, "token": token}, format="json")
    assert opened.status_code == 200
    assert (opened.json()["number"], opened.json()["access_token"]) == (order.number, token)


def test_a_wrong_token_or_another_guests_number_is_404(shop):
    store, variant = shop
    first = APIClient().post(ORDERS, guest_body(store, variant), format="json").json()
    second = (
        APIClient()
        .post(ORDERS, guest_body(store, variant, email="other@example.com"), format="json")
        .json()
    )
    client = APIClient()
    for number, token in (
        (first["number"], "x" * len(first["access_token"])),
        (second["number"], first["access_token"]),
        ("NOPE-1", first["access_token"]),
    ):
        response = client.post(LOOKUP, {"number": number, "token": token}, format="json")
        assert response.status_code == 404


def test_a_guest_opens_the_order_with_an_emailed_code_once(
    shop, django_capture_on_commit_callbacks
):
    store, variant = shop
    number = APIClient().post(ORDERS, guest_body(store, variant), format="json").json()["number"]
    client = APIClient()
    with django_capture_on_commit_callbacks(execute=True):
        asked = client.post(
            f"{LOOKUP}code/", {"number": number, "email": "GUEST@example.com"}, format="json"
        )
    assert asked.status_code == 202
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    # Nothing tells a stranger whether an order exists.
    stranger = client.post(
        f"{LOOKUP}code/", {"number": number, "email": "x@example.com"}, format="json"
    )
    assert stranger.status_code == 202 and len(mail.outbox) == 1  # no code for a stranger

    with_code = {"number": number, "email": "guest@example.com", "code": code}
    assert client.post(LOOKUP, with_code, format="json").status_code == 200
    assert client.post(LOOKUP, with_code, format="json").status_code == 404  # used once


def test_wrong_codes_spend_the_code(shop, django_capture_on_commit_callbacks):
    store, variant = shop
    number = APIClient().post(ORDERS, guest_body(store, variant), format="json").json()["number"]
    client = APIClient()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"{LOOKUP}code/", {"number": number, "email": "guest@example.com"}, format="json"
        )
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _attempt in range(5):
        guess = {"number": number, "email": "guest@example.com", "code": wrong}
        assert client.post(LOOKUP, guess, format="json").status_code == 404
    right = {"number": number, "email": "guest@example.com", "code": code}
    assert client.post(LOOKUP, right, format="json").status_code == 404


def test_an_idempotency_key_replays_for_the_same_guest_only(shop):
    store, variant = shop
    client = APIClient()
    headers = {"Idempotency-Key": "guest-key-1"}
    first = client.post(ORDERS, guest_body(store, variant), format="json", headers=headers)
    again = client.post(ORDERS, guest_body(store, variant), format="json", headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["number"] == first.json()["number"]
    assert again.json()["access_token"] == first.json()["access_token"]
    other_guest = client.post(
        ORDERS, guest_body(store, variant, email="b@example.com"), format="json", headers=headers
    )
    assert other_guest.status_code == 201
    assert Order.objects.count() == 2


def test_a_guest_needs_an_email_and_cannot_list_orders(shop):
    store, variant = shop
    body = guest_body(store, variant)
    del body["email"]
    refused = APIClient().post(ORDERS, body, format="json")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "email_required"
    assert APIClient().get(ORDERS).status_code == 401


def test_guest_orders_are_claimed_only_with_a_verified_email(shop):
    store, variant = shop
    number = APIClient().post(ORDERS, guest_body(store, variant), format="json").json()["number"]
    other = APIClient().post(
        ORDERS, guest_body(store, variant, email="someone@example.com"), format="json"
    )
    ann = UserFactory(email="guest@example.com")
    client = client_for(ann)
    refused = client.post("/api/v1/orders/claim/")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "email_not_verified"
    ann.email_verified_at = timezone.now()
    ann.save()
    claimed = client_for(ann).post("/api/v1/orders/claim/")
    assert claimed.json() == {"claimed": 1}
    assert [o["number"] for o in client_for(ann).get(ORDERS).json()["results"]] == [number]
    assert Order.objects.get(number=other.json()["number"]).customer is None
