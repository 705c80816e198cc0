"""Real concurrency on PostgreSQL: threads, each with its own connection and transaction,
released together by a barrier. What they prove: stock is never oversold, allocations match the
orders that hold them, the ledger replays, lock order prevents deadlocks, and a raced
idempotency key yields one order."""

import random
import threading
from collections import Counter
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connections
from django.db.models import Sum

from apps.catalog.tests.factories import make_variant
from apps.core.errors import ApplicationError
from apps.inventory.models import Stock
from apps.inventory.order_stock import InsufficientStock
from apps.inventory.tests.factories import receive
from apps.orders.fulfilment import shipment_create
from apps.orders.models import Order, OrderLine, Payment, PaymentKind
from apps.orders.payments import payment_record
from apps.orders.services import OrderLineInput, order_place, order_transition
from apps.orders.statuses import PaymentStatus
from apps.orders.tests.factories import ADDRESS, pay
from apps.orders.transitions import ALLOCATING_STATUSES, OrderStatus
from apps.stores.models import Store
from apps.stores.roles import Role
from apps.stores.scoping import SYSTEM
from apps.stores.tests.factories import StoreFactory, staff_member
from apps.users.models import User
from apps.users.tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_concurrently(count: int, work) -> list[tuple[str, object]]:
    """Run work(i) in `count` threads that start together; ("ok", value) or ("error", exc)."""
    barrier = threading.Barrier(count)
    results: list[tuple[str, object]] = [("missing", None)] * count

    def worker(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = ("ok", work(index))
        except Exception as error:  # the test inspects every failure
            results[index] = ("error", error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a worker hung"
    return results


def place(store_id: int, customer_id: int, lines, **kwargs):
    """order_place with objects loaded in the calling thread, as a request would."""
    return order_place(
        store=Store.objects.get(pk=store_id),
        customer=User.objects.get(pk=customer_id),
        lines=[OrderLineInput(variant_id, quantity) for variant_id, quantity in lines],
        shipping_address=ADDRESS,
        **kwargs,
    )


def live_allocations(variant) -> int:
    return (
        OrderLine.objects.filter(variant=variant, order__status__in=ALLOCATING_STATUSES).aggregate(
            total=Sum("quantity")
        )["total"]
        or 0
    )


def assert_ledger_clean():
    call_command("check_stock_ledger")


def test_two_orders_for_the_last_unit_exactly_one_wins():
    store = StoreFactory()
    variant = make_variant(store)
    receive(variant, 1)
    customers = [UserFactory().pk, UserFactory().pk]

    results = run_concurrently(2, lambda i: place(store.pk, customers[i], [(variant.pk, 1)]))

    outcomes = sorted(kind for kind, _ in results)
    assert outcomes == ["error", "ok"]
    error = next(value for kind, value in results if kind == "error")
    assert isinstance(error, InsufficientStock)
    assert [s.sku for s in error.shortages] == [variant.sku]
    stock = Stock.objects.get(variant=variant)
    assert (stock.on_hand, stock.allocated) == (1, 1)
    assert Order.objects.count() == 1
    assert_ledger_clean()


def test_many_threads_racing_for_a_few_units_never_oversell():
    store = StoreFactory()
    manager_id = staff_member(store, Role.MANAGER).pk
    hot = [make_variant(store) for _ in range(3)]
    for variant, units in zip(hot, (5, 3, 4), strict=True):
        receive(variant, units)
    customers = [UserFactory().pk for _ in range(12)]

    def shop(index: int) -> Counter:
        rng = random.Random(index)
        manager = User.objects.get(pk=manager_id)
        outcome = Counter()
        for attempt in range(4):
            lines = [(v.pk, rng.randint(1, 2)) for v in rng.sample(hot, rng.randint(1, 3))]
            try:
                order, _ = place(store.pk, customers[index], lines)
            except InsufficientStock:
                outcome["short"] += 1
                continue
            outcome["placed"] += 1
            # Every other order is cancelled at once, handing its units back mid-race.
            if attempt % 2:
                order_transition(
                    order=order,
                    to_status=OrderStatus.CANCELLED,
                    actor=manager,
                    message="Customer called",
                )
                outcome["cancelled"] += 1
        return outcome

    results = run_concurrently(12, shop)

    errors = [value for kind, value in results if kind != "ok"]
    assert errors == []
    totals = sum((value for _, value in results), Counter())
    assert totals["placed"] > 0 and totals["short"] > 0
    assert Order.objects.count() == totals["placed"]
    assert Order.objects.filter(status=OrderStatus.CANCELLED).count() == totals["cancelled"]
    for variant, units in zip(hot, (5, 3, 4), strict=True):
        stock = Stock.objects.get(variant=variant)
        assert stock.on_hand == units
        assert 0 <= stock.allocated <= stock.on_hand, f"{variant.sku} oversold"
        assert stock.allocated == live_allocations(variant)
    assert_ledger_clean()


def test_opposite_line_orders_never_deadlock():
    store = StoreFactory()
    variants = [make_variant(store) for _ in range(4)]
    for variant in variants:
        receive(variant, 1000)
    customers = [UserFactory().pk for _ in range(8)]
    rounds = 10

    def shop(index: int) -> int:
        # Half the threads list the variants forwards, half backwards: without a lock order,
        # each pair would hold one row the other one waits for.
        ordered = variants if index % 2 else variants[::-1]
        for _ in range(rounds):
            place(store.pk, customers[index], [(v.pk, 1) for v in ordered])
        return rounds

    results = run_concurrently(8, shop)

    errors = [value for kind, value in results if kind != "ok"]
    assert errors == []
    assert Order.objects.count() == 8 * rounds
    for variant in variants:
        stock = Stock.objects.get(variant=variant)
        assert stock.allocated == 8 * rounds == live_allocations(variant)
    assert_ledger_clean()


def test_raced_idempotency_key_yields_one_order():
    store = StoreFactory()
    variant = make_variant(store)
    receive(variant, 10)
    customer_id = UserFactory().pk

    results = run_concurrently(
        6,
        lambda i: place(store.pk, customer_id, [(variant.pk, 2)], idempotency_key="checkout-42"),
    )

    assert all(kind == "ok" for kind, _ in results), results
    orders = {order.pk for order, _created in (value for _, value in results)}
    created = [was_created for _order, was_created in (value for _, value in results)]
    assert len(orders) == 1
    assert created.count(True) == 1
    assert Order.objects.count() == 1
    assert Stock.objects.get(variant=variant).allocated == 2
    assert_ledger_clean()


def test_two_staff_cancelling_the_same_order_release_once():
    store = StoreFactory()
    managers = [staff_member(store, Role.MANAGER).pk, staff_member(store, Role.OWNER).pk]
    variant = make_variant(store)
    receive(variant, 5)
    order_id = place(store.pk, UserFactory().pk, [(variant.pk, 3)])[0].pk

    def cancel(index: int):
        return order_transition(
            order=Order.objects.get(pk=order_id),
            to_status=OrderStatus.CANCELLED,
            actor=User.objects.get(pk=managers[index]),
            message="Duplicate order",
        )

    results = run_concurrently(2, cancel)

    assert sorted(kind for kind, _ in results) == ["error", "ok"]
    error = next(value for kind, value in results if kind == "error")
    assert isinstance(error, ApplicationError) and error.code == "illegal_transition"
    stock = Stock.objects.get(variant=variant)
    assert (stock.on_hand, stock.allocated) == (5, 0)
    assert_ledger_clean()


def _paid_confirmed_order(store, variant, quantity):
    clerk = staff_member(store, Role.CLERK)
    order = place(store.pk, UserFactory().pk, [(variant.pk, quantity)])[0]
    order_transition(order=order, to_status=OrderStatus.CONFIRMED, actor=clerk)
    pay(order)
    return order, clerk


def test_two_shipments_of_the_last_unshipped_unit_exactly_one_succeeds():
    store = StoreFactory()
    variant = make_variant(store)
    receive(variant, 5)
    order, clerk = _paid_confirmed_order(store, variant, 3)
    line = order.lines.get()
    shipment_create(order=order, lines=[(line.pk, 2)], actor=clerk)
    clerks = [staff_member(store, Role.CLERK).pk for _ in range(2)]

    def ship(index: int):
        return shipment_create(
            order=Order.objects.get(pk=order.pk),
            lines=[(line.pk, 1)],
            actor=User.objects.get(pk=clerks[index]),
        )

    results = run_concurrently(2, ship)

    assert sorted(kind for kind, _ in results) == ["error", "ok"]
    error = next(value for kind, value in results if kind == "error")
    assert isinstance(error, ApplicationError) and error.code == "quantity_exceeded"
    line.refresh_from_db()
    assert line.quantity_shipped == 3
    stock = Stock.objects.get(variant=variant)
    assert (stock.on_hand, stock.allocated) == (2, 0)
    assert_ledger_clean()


def test_two_refunds_of_the_last_captured_amount_exactly_one_succeeds():
    store = StoreFactory()
    variant = make_variant(store, price="20.00")
    receive(variant, 5)
    order, _clerk = _paid_confirmed_order(store, variant, 1)
    managers = [staff_member(store, Role.MANAGER).pk for _ in range(2)]
    first_part = order.total - Decimal("5.00")
    payment_record(
        order=order, kind=PaymentKind.REFUND, amount=first_part, actor=SYSTEM, note="Partial"
    )

    def refund(index: int):
        return payment_record(
            order=Order.objects.get(pk=order.pk),
            kind=PaymentKind.REFUND,
            amount=Decimal("5.00"),
            actor=User.objects.get(pk=managers[index]),
            note=f"Goodwill {index}",
        )

    results = run_concurrently(2, refund)

    assert sorted(kind for kind, _ in results) == ["error", "ok"]
    error = next(value for kind, value in results if kind == "error")
    assert isinstance(error, ApplicationError) and error.code == "refund_exceeds_captured"
    refunded = Payment.objects.filter(order=order, kind=PaymentKind.REFUND).aggregate(
        total=Sum("amount")
    )["total"]
    assert refunded == order.total
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.REFUNDED
