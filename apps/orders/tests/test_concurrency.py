"""Real concurrency on PostgreSQL: threads, each with its own connection and transaction,
released together by a barrier. What they prove: stock is never oversold, allocations match the
orders that hold them, the ledger replays, lock order prevents deadlocks, and a raced
idempotency key yields one order."""

import random
import threading
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import connections
from django.db.models import Sum

from apps.catalog.tests.factories import make_variant
from apps.core.errors import ApplicationError
from apps.inventory.models import Stock
from apps.inventory.order_stock import InsufficientStock
from apps.inventory.tests.factories import receive
from apps.orders.models import Order, OrderLine
from apps.orders.services import OrderLineInput, order_place, order_transition
from apps.orders.tests.factories import ADDRESS
from apps.orders.transitions import ALLOCATING_STATUSES, OrderStatus
from apps.stores.models import Store
from apps.stores.roles import Role
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
                order_transition(order=order, to_status=OrderStatus.CANCELLED, actor=manager)
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
        )

    results = run_concurrently(2, cancel)

    assert sorted(kind for kind, _ in results) == ["error", "ok"]
    error = next(value for kind, value in results if kind == "error")
    assert isinstance(error, ApplicationError) and error.code == "illegal_transition"
    stock = Stock.objects.get(variant=variant)
    assert (stock.on_hand, stock.allocated) == (5, 0)
    assert_ledger_clean()
