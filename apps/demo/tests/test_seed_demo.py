import io
from collections import defaultdict

import psycopg2
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from apps.catalog.models import Category, Product, ProductVariant
from apps.checkout.models import DiscountCode, DiscountRedemption, ShippingMethod, TaxRate
from apps.core.bulk import BulkWriter, CopyPipe, next_id
from apps.demo.lifecycle import SCENARIOS
from apps.inventory.models import Stock, StockMovement
from apps.inventory.tests.factories import receive
from apps.orders.fulfilment import shipment_create
from apps.orders.models import (
    Order,
    OrderEvent,
    OrderEventType,
    OrderLine,
    OrderReturn,
    Payment,
    PaymentKind,
    RefundLine,
    ReturnLine,
    ReturnStatus,
    Shipment,
    ShipmentLine,
    ShipmentStatus,
)
from apps.orders.order_state import payment_totals
from apps.orders.payments import payment_record
from apps.orders.returns import ReturnLineInput, return_create, return_receive
from apps.orders.services import order_number, order_transition
from apps.orders.statuses import (
    FulfilmentStatus,
    PaymentStatus,
    fulfilment_status_for,
    payment_status_for,
)
from apps.orders.tests.factories import pay, place_order
from apps.orders.transitions import ALLOCATING_STATUSES, OrderStatus
from apps.stores.models import Store, StoreMembership
from apps.stores.roles import Role
from apps.users.models import User

pytestmark = pytest.mark.django_db

# Thirty orders a store: the newest go through every scenario.
SMALL = {"stores": 2, "products": 6, "orders": 60}
COUNTED = [User, Store, StoreMembership, Product, ProductVariant, Stock, StockMovement]
COUNTED += [Order, OrderLine, OrderEvent, Shipment, ShipmentLine, OrderReturn, ReturnLine]
COUNTED += [Payment, RefundLine, ShippingMethod, TaxRate, DiscountCode, DiscountRedemption]
AFTER_SALE_MODELS = [Shipment, ShipmentLine, OrderReturn, ReturnLine, Payment, RefundLine]


def seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **{**SMALL, **options})
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


def values(queryset, field) -> set[str]:
    return set(queryset.values_list(field, flat=True))


def test_every_store_has_orders_in_every_state_and_staff_in_every_role():
    assert len(SCENARIOS) <= SMALL["orders"] // SMALL["stores"]
    output = seed()

    stores = list(Store.objects.all())
    assert len(stores) == 2
    for store in stores:
        orders = Order.objects.filter(store=store)
        assert values(orders, "status") == set(OrderStatus.values)
        assert values(orders, "fulfilment_status") == set(FulfilmentStatus.values)
        assert values(orders, "payment_status") == set(PaymentStatus.values)
        assert values(OrderReturn.objects.filter(order__store=store), "status") == set(
            ReturnStatus.values
        )
        assert values(Shipment.objects.filter(order__store=store), "status") == set(
            ShipmentStatus.values
        )
        # The newest orders are the showcase: the work waiting is on top of every list.
        newest = orders.order_by("-placed_at")[: len(SCENARIOS)]
        assert {o.fulfilment_status for o in newest} >= {"unfulfilled", "partially_shipped"}
        memberships = StoreMembership.objects.filter(store=store).select_related("user")
        assert sorted(m.role for m in memberships) == sorted(Role.values)
        assert all(m.user.is_staff and not m.user.is_superuser for m in memberships)
        for membership in memberships:
            assert membership.user.email in output
    assert Product.objects.values("category").distinct().count() > 1
    assert ProductVariant.objects.count() > Product.objects.count()


def check_order(order: Order) -> None:
    """The order's statuses, counters and timeline agree with its records."""
    assert order.number == order_number(order)
    lines = list(order.lines.all())
    tax = 0 if order.prices_include_tax else order.tax_total
    assert order.total == order.subtotal - order.discount_total + order.shipping_total + tax
    assert order.discount_total == sum(line.discount_total for line in lines)
    assert order.subtotal == sum(line.line_total for line in lines)
    assert order.fulfilment_status == fulfilment_status_for(lines)
    assert order.payment_status == payment_status_for(payment_totals(order))
    live = order.shipments.exclude(status=ShipmentStatus.CANCELLED)
    for line in lines:
        shipped = line.shipment_lines.filter(shipment__in=live)
        assert line.quantity_shipped == (shipped.aggregate(n=Sum("quantity"))["n"] or 0)
        delivered = shipped.filter(shipment__status=ShipmentStatus.DELIVERED)
        assert line.quantity_delivered == (delivered.aggregate(n=Sum("quantity"))["n"] or 0)
        back = line.return_lines.filter(order_return__received_at__isnull=False)
        assert line.quantity_returned == (back.aggregate(n=Sum("quantity"))["n"] or 0)
    events = sorted(order.events.all(), key=lambda e: (e.created_at, e.pk))
    assert events[0].type == OrderEventType.PLACED
    assert events[0].actor_id == order.customer_id
    changes = [e for e in events if e.type == OrderEventType.STATUS_CHANGED]
    assert (changes[-1].to_value if changes else OrderStatus.PENDING) == order.status
    assert all(e.actor_id is not None or e.type == OrderEventType.PAYMENT for e in events)
    assert all(order.placed_at <= e.created_at <= timezone.now() for e in events)
    assert all(e.data.get("parts") or e.message for e in events if e.type != "status_changed")
    for shipment in order.shipments.all():
        assert shipment.number.startswith(f"{order.number}-S")
        assert shipment.created_at <= (shipment.delivered_at or shipment.created_at)
    for order_return in order.returns.all():
        assert order_return.number.startswith(f"{order.number}-R")
        times = [order_return.created_at, order_return.received_at, order_return.closed_at]
        present = [t for t in times if t]
        assert present == sorted(present)


def test_orders_are_consistent_with_their_records_timeline_and_stock():
    seed()

    call_command("check_stock_ledger", stdout=io.StringIO())
    orders = Order.objects.select_related("store").prefetch_related(
        "events", "lines__shipment_lines", "lines__return_lines", "shipments", "returns"
    )
    for order in orders:
        check_order(order)

    # Stock is allocated to what open orders have not shipped yet, and to nothing else.
    live = defaultdict(int)
    for variant_id, quantity, shipped in OrderLine.objects.filter(
        order__status__in=ALLOCATING_STATUSES
    ).values_list("variant_id", "quantity", "quantity_shipped"):
        live[variant_id] += quantity - shipped
    for stock in Stock.objects.all():
        assert stock.allocated == live[stock.variant_id]
        assert stock.on_hand >= 0
        assert stock.allow_backorder or stock.allocated <= stock.on_hand


def test_movements_name_the_order_shipment_or_return_that_caused_them():
    seed()

    numbers = {
        "order": values(Order.objects, "number"),
        "shipment": values(Shipment.objects, "number"),
        "return": values(OrderReturn.objects, "number"),
    }
    caused = StockMovement.objects.exclude(reference_type="")
    by_reason = defaultdict(set)
    for kind, number, reason in caused.values_list("reference_type", "reference_id", "reason"):
        assert number in numbers[kind]
        by_reason[reason].add(kind)
    assert by_reason == {
        "order_allocated": {"order"},
        "order_released": {"order"},
        "order_shipped": {"shipment"},
        "shipment_cancelled": {"shipment"},
        "returned": {"return"},
        "damaged": {"return"},
    }


def test_movements_replay_in_time_order():
    seed()

    running: dict[int, tuple[int, int]] = defaultdict(lambda: (0, 0))
    for movement in StockMovement.objects.order_by("created_at", "id"):
        on_hand, allocated = running[movement.stock_id]
        on_hand += movement.on_hand_delta
        allocated += movement.allocated_delta
        assert (movement.on_hand_after, movement.allocated_after) == (on_hand, allocated)
        assert on_hand >= 0 and allocated >= 0
        running[movement.stock_id] = (on_hand, allocated)
    for stock in Stock.objects.all():
        assert running[stock.pk] == (stock.on_hand, stock.allocated)


def test_running_twice_changes_nothing():
    seed()
    before = counts()
    ledger = StockMovement.objects.aggregate(Sum("on_hand_delta"), Sum("allocated_delta"))

    output = seed()

    assert counts() == before
    assert StockMovement.objects.aggregate(Sum("on_hand_delta"), Sum("allocated_delta")) == ledger
    assert "already present" in output


def test_more_stores_later_adds_only_the_new_ones():
    seed(stores=1)
    first = Store.objects.get()
    first_orders = Order.objects.filter(store=first).count()

    seed(stores=2)

    assert Store.objects.count() == 2
    assert Order.objects.filter(store=first).count() == first_orders
    assert Order.objects.exclude(store=first).exists()
    call_command("check_stock_ledger", stdout=io.StringIO())


def test_services_keep_working_after_hand_assigned_ids():
    seed()
    store = Store.objects.first()
    variant = ProductVariant.objects.filter(
        store=store, product__status="active", track_inventory=True
    ).first()
    newest = {model: model.objects.order_by("-pk").first().pk for model in AFTER_SALE_MODELS}
    newest_order = Order.objects.order_by("-pk").first()
    newest_movement = StockMovement.objects.order_by("-pk").first()
    manager = StoreMembership.objects.get(store=store, role=Role.MANAGER).user

    receive(variant, 5)
    order = place_order(store, [(variant, 1)])
    order_transition(order=order, to_status=OrderStatus.CONFIRMED, actor=manager)
    pay(order)
    shipment = shipment_create(order=order, lines=None, actor=manager)
    line = order.lines.get()
    back = return_create(order=order, lines=[ReturnLineInput(line.pk, 1)], actor=manager)
    return_receive(order_return=back, actor=manager)
    payment_record(
        order=order,
        kind=PaymentKind.REFUND,
        actor=manager,
        lines=[(line.pk, 1)],
        order_return=back,
        note="Back",
    )

    assert order.pk > newest_order.pk
    assert StockMovement.objects.order_by("-pk").first().pk > newest_movement.pk
    assert order.number == f"{store.order_prefix}-{order.pk + 100000}"
    assert shipment.number == f"{order.number}-S1"
    for model, pk in newest.items():
        assert model.objects.order_by("-pk").first().pk > pk, model.__name__


def test_development_refreshes_the_demo_superuser(settings):
    settings.ENVIRONMENT = "development"
    seed(stores=1, products=2, orders=6)
    admin = User.objects.get(email="admin@nexus.local")
    assert admin.is_superuser and admin.check_password("nexus-admin")


def test_refused_in_production(settings):
    settings.ENVIRONMENT = "production"
    with pytest.raises(CommandError):
        seed()
    assert not Store.objects.exists()


@pytest.mark.postgres
def test_a_copy_failing_in_the_pipe_fails_the_caller_and_rolls_back():
    now = timezone.now()
    first = next_id(Category)
    with pytest.raises(psycopg2.IntegrityError), transaction.atomic(), CopyPipe() as pipe:
        writer = BulkWriter(Category, ["id", "name", "slug", "created_at", "updated_at"], pipe=pipe)
        writer.add((first, "Tea", "tea", now, now))
        writer.add((first, "Coffee", "coffee", now, now))
        writer.flush()
    assert not Category.objects.exists()
