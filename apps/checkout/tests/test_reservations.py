"""Cart reservations: held units are unavailable to others and the order takes them; the
sweep releases what ran out (a fake clock); the ledger stays clean."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from apps.catalog.tests.factories import make_variant
from apps.checkout.models import CartReservation
from apps.checkout.reservations import (
    reservation_create,
    reservations_release_expired,
)
from apps.core.errors import ApplicationError
from apps.inventory.models import MovementReason, Stock, StockMovement
from apps.inventory.order_stock import InsufficientStock
from apps.inventory.tests.factories import receive
from apps.orders.models import Order
from apps.orders.tests.factories import ADDRESS
from apps.stores.tests.factories import StoreFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    store = StoreFactory(slug="alpha", reservation_minutes=15)
    variant = make_variant(store, price=Decimal("10.00"))
    receive(variant, 3)
    return store, variant


def stock(variant):
    row = Stock.objects.get(variant=variant)
    return row.on_hand, row.allocated


def test_held_units_are_nobody_elses_and_the_order_takes_them(shop):
    store, variant = shop
    client = APIClient()
    held = client.post(
        "/api/v1/checkout/reservations/",
        {"store": "alpha", "lines": [{"variant": variant.pk, "quantity": 2}]},
        format="json",
    )
    assert held.status_code == 201, held.content
    token = held.json()["token"]
    assert stock(variant) == (3, 2)
    body = {
        "store": "alpha",
        "lines": [{"variant": variant.pk, "quantity": 2}],
        "shipping_address": ADDRESS,
        "email": "guest@example.com",
    }
    # Someone else cannot have the held units…
    other = client.post("/api/v1/orders/", {**body, "email": "b@example.com"}, format="json")
    assert other.status_code == 409
    # …and the cart's own quote counts them as its.
    quote = client.post("/api/v1/checkout/quote/", {**body, "reservation": token}, format="json")
    assert quote.json()["orderable"], quote.json()["problems"]
    placed = client.post("/api/v1/orders/", {**body, "reservation": token}, format="json")
    assert placed.status_code == 201, placed.content
    assert stock(variant) == (3, 2)
    reservation = CartReservation.objects.get()
    assert reservation.order_number == placed.json()["number"] and reservation.ended_at
    reasons = list(
        StockMovement.objects.filter(stock__variant=variant)
        .order_by("pk")
        .values_list("reason", flat=True)
    )
    assert reasons[-3:] == ["reserved", "reservation_released", "order_allocated"]
    again = client.post("/api/v1/orders/", {**body, "reservation": token}, format="json")
    assert again.status_code == 404  # consumed
    call_command("check_stock_ledger")


def test_the_worker_releases_what_ran_out(shop):
    store, variant = shop
    reservation, _token = reservation_create(store=store, quantities={variant.pk: 3})
    assert stock(variant) == (3, 3)
    assert reservations_release_expired(now=timezone.now()) == 0
    later = reservation.expires_at + timedelta(seconds=1)
    assert reservations_release_expired(now=later) == 1
    assert stock(variant) == (3, 0)
    released = StockMovement.objects.filter(reason=MovementReason.RESERVATION_RELEASED).get()
    assert released.reference_type == "reservation" and released.actor is None
    assert reservations_release_expired(now=later) == 0
    call_command("check_stock_ledger")


def test_reservations_are_the_stores_choice_and_all_or_nothing(shop):
    store, variant = shop
    with pytest.raises(InsufficientStock):
        reservation_create(store=store, quantities={variant.pk: 4})
    assert stock(variant) == (3, 0) and not CartReservation.objects.exists()
    off = StoreFactory(reservation_minutes=0)
    with pytest.raises(ApplicationError) as refused:
        reservation_create(store=off, quantities={make_variant(off).pk: 1})
    assert refused.value.code == "reservations_off"


def test_a_run_out_reservation_cannot_be_ordered_with(shop):
    store, variant = shop
    reservation, token = reservation_create(store=store, quantities={variant.pk: 1})
    CartReservation.objects.filter(pk=reservation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    body = {
        "store": "alpha",
        "lines": [{"variant": variant.pk, "quantity": 1}],
        "shipping_address": ADDRESS,
        "email": "guest@example.com",
        "reservation": token,
    }
    response = APIClient().post("/api/v1/orders/", body, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "reservation_expired"
    assert not Order.objects.exists()
