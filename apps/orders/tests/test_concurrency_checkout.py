"""A discount code's limit under concurrent checkouts, on PostgreSQL: each checkout is a
thread with its own connection, released together."""

from decimal import Decimal

import pytest

from apps.catalog.tests.factories import make_variant
from apps.checkout.models import CartReservation, DiscountCode, DiscountKind
from apps.checkout.reservations import reservation_create
from apps.core.errors import Conflict
from apps.inventory.models import Stock
from apps.inventory.order_stock import InsufficientStock
from apps.inventory.tests.factories import receive
from apps.orders.models import Order
from apps.orders.services import CheckoutChoice
from apps.orders.tests.test_concurrency import assert_ledger_clean, place, run_concurrently
from apps.stores.models import Store
from apps.stores.tests.factories import StoreFactory
from apps.users.tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_code_with_five_uses_left_goes_to_exactly_five_of_24_checkouts():
    store = StoreFactory()
    variant = make_variant(store, price="10.00")
    receive(variant, 100)
    code = DiscountCode.objects.create(
        store=store,
        code="LAST5",
        kind=DiscountKind.FIXED,
        value=Decimal("2.00"),
        usage_limit=7,
        used_count=2,
    )
    customers = [UserFactory().pk for _ in range(24)]

    def checkout(index: int):
        return place(
            store.pk,
            customers[index],
            [(variant.pk, 1)],
            choice=CheckoutChoice(discount_code="last5"),
        )

    results = run_concurrently(24, checkout)

    won = [value for kind, value in results if kind == "ok"]
    lost = [value for kind, value in results if kind == "error"]
    assert len(won) == 5
    assert all(isinstance(error, Conflict) and error.code == "code_used_up" for error in lost)
    code.refresh_from_db()
    assert code.used_count == 7 and code.redemptions.count() == 5
    assert Order.objects.filter(discount=code).count() == 5
    assert Order.objects.count() == 5
    assert_ledger_clean()


def test_reservations_and_orders_racing_for_the_last_units_never_oversell():
    store = StoreFactory(reservation_minutes=10)
    variant = make_variant(store, price="10.00")
    receive(variant, 6)
    customers = [UserFactory().pk for _ in range(16)]

    def shop(index: int):
        # Half reserve then order with the reservation; half order straight away.
        if index % 2:
            _reservation, token = reservation_create(
                store=Store.objects.get(pk=store.pk), quantities={variant.pk: 1}
            )
            return place(
                store.pk,
                customers[index],
                [(variant.pk, 1)],
                choice=CheckoutChoice(reservation_token=token),
            )
        return place(store.pk, customers[index], [(variant.pk, 1)])

    results = run_concurrently(16, shop)

    unexpected = [
        value
        for kind, value in results
        if kind == "error" and not isinstance(value, InsufficientStock)
    ]
    assert unexpected == []
    placed = sum(1 for kind, _value in results if kind == "ok")
    stock = Stock.objects.get(variant=variant)
    assert placed == 6 and Order.objects.count() == 6
    assert (stock.on_hand, stock.allocated) == (6, 6)
    # Reservations that lost the race hold nothing; none is left open.
    assert not CartReservation.objects.filter(ended_at__isnull=True).exists()
    assert_ledger_clean()
