"""Shipments, returns, payments and edits through their services: counters, stock, statuses,
the timeline, and every refusal naming what it refuses."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from apps.catalog.tests.factories import make_variant
from apps.core.errors import ApplicationError, PermissionDenied
from apps.inventory.models import MovementReason, Stock, StockMovement
from apps.inventory.tests.factories import receive
from apps.orders.edits import (
    order_change_address,
    order_line_add,
    order_line_remove,
    order_line_set_quantity,
)
from apps.orders.fulfilment import shipment_cancel, shipment_create, shipment_deliver
from apps.orders.models import OrderEventType, PaymentKind, ReturnDecision, ReturnStatus
from apps.orders.payments import payment_record
from apps.orders.returns import ReturnLineInput, return_close, return_create, return_receive
from apps.orders.services import order_transition
from apps.orders.statuses import FulfilmentStatus, PaymentStatus
from apps.orders.tests.factories import ADDRESS, pay, place_order
from apps.orders.transitions import OrderStatus
from apps.stores.roles import Role
from apps.stores.scoping import SYSTEM
from apps.stores.tests.factories import StoreFactory, staff_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def store():
    return StoreFactory(free_shipping_threshold=None, shipping_flat_rate=Decimal("5.00"))


@pytest.fixture
def clerk(store):
    return staff_member(store, Role.CLERK)


@pytest.fixture
def manager(store):
    return staff_member(store, Role.MANAGER)


@pytest.fixture
def variants(store):
    a = make_variant(store, price="10.00")
    b = make_variant(store, price="4.00")
    receive(a, 10)
    receive(b, 10)
    return a, b


@pytest.fixture
def order(store, variants, clerk):
    a, b = variants
    placed = place_order(store, [(a, 3), (b, 2)])
    order_transition(order=placed, to_status=OrderStatus.CONFIRMED, actor=clerk)
    pay(placed)
    placed.refresh_from_db()
    return placed


def stock(variant):
    return Stock.objects.get(variant=variant)


def line_of(order, variant):
    return order.lines.get(variant=variant)


def test_partial_shipments_consume_exactly_their_units_and_derive_the_status(
    order, variants, clerk
):
    a, b = variants
    line_a = line_of(order, a)
    first = shipment_create(
        order=order, lines=[(line_a.pk, 1)], actor=clerk, carrier="DHL", tracking_number="T1"
    )
    order.refresh_from_db()
    assert order.fulfilment_status == FulfilmentStatus.PARTIALLY_SHIPPED
    assert (stock(a).on_hand, stock(a).allocated) == (9, 2)
    movement = StockMovement.objects.filter(reference_id=first.number).get()
    assert (movement.reason, movement.reference_type) == (MovementReason.ORDER_SHIPPED, "shipment")

    second = shipment_create(order=order, lines=None, actor=clerk)
    order.refresh_from_db()
    assert order.fulfilment_status == FulfilmentStatus.SHIPPED
    assert (stock(a).on_hand, stock(a).allocated) == (7, 0)
    assert (stock(b).on_hand, stock(b).allocated) == (8, 0)

    shipment_deliver(shipment=first, actor=clerk)
    order.refresh_from_db()
    assert order.fulfilment_status == FulfilmentStatus.PARTIALLY_DELIVERED
    shipment_deliver(shipment=second, actor=clerk)
    order.refresh_from_db()
    assert order.fulfilment_status == FulfilmentStatus.DELIVERED
    shipment_events = order.events.filter(type=OrderEventType.SHIPMENT)
    assert shipment_events.count() == 4
    assert all(event.actor == clerk for event in shipment_events)
    call_command("check_stock_ledger")


def test_shipping_more_than_is_left_is_refused_naming_the_line(order, variants, clerk):
    a, _b = variants
    line_a = line_of(order, a)
    shipment_create(order=order, lines=[(line_a.pk, 2)], actor=clerk)
    with pytest.raises(ApplicationError) as refused:
        shipment_create(order=order, lines=[(line_a.pk, 2)], actor=clerk)
    assert refused.value.code == "quantity_exceeded"
    assert line_a.sku in refused.value.message
    assert refused.value.extra["available"] == 1


def test_cancelling_a_shipment_puts_its_goods_back_allocated(order, variants, clerk):
    a, _b = variants
    shipment = shipment_create(order=order, lines=[(line_of(order, a).pk, 2)], actor=clerk)
    with pytest.raises(ApplicationError) as no_reason:
        shipment_cancel(shipment=shipment, actor=clerk, reason=" ")
    assert no_reason.value.code == "reason_required"
    shipment_cancel(shipment=shipment, actor=clerk, reason="Label printed twice")
    order.refresh_from_db()
    assert order.fulfilment_status == FulfilmentStatus.UNFULFILLED
    assert (stock(a).on_hand, stock(a).allocated) == (10, 3)
    assert line_of(order, a).quantity_shipped == 0
    cancelled = order.events.filter(type=OrderEventType.SHIPMENT)[0]
    assert cancelled.message == "Label printed twice"
    assert cancelled.text.startswith(f"Shipment {shipment.number} cancelled: 2 × {a.sku}")
    call_command("check_stock_ledger")


def test_unpaid_orders_ship_only_with_a_managers_reason(store, variants, clerk, manager):
    a, _b = variants
    unpaid = place_order(store, [(a, 1)])
    order_transition(order=unpaid, to_status=OrderStatus.CONFIRMED, actor=clerk)
    with pytest.raises(ApplicationError) as refused:
        shipment_create(order=unpaid, lines=None, actor=clerk)
    assert refused.value.code == "order_unpaid"
    with pytest.raises(PermissionDenied):
        shipment_create(order=unpaid, lines=None, actor=clerk, unpaid_reason="Trusted buyer")
    shipment_create(order=unpaid, lines=None, actor=manager, unpaid_reason="Trusted buyer")
    event = unpaid.events.filter(type=OrderEventType.SHIPMENT).get()
    assert event.actor == manager
    assert "Shipped unpaid, by a manager's decision: Trusted buyer" in event.text

    store.ship_unpaid_orders = True
    store.save()
    second = place_order(store, [(a, 1)])
    order_transition(order=second, to_status=OrderStatus.CONFIRMED, actor=clerk)
    shipment_create(order=second, lines=None, actor=clerk)


def test_a_return_restocks_or_writes_off_per_line_and_keeps_the_ledger_clean(
    order, variants, clerk, manager
):
    a, b = variants
    shipment = shipment_create(order=order, lines=None, actor=clerk)
    shipment_deliver(shipment=shipment, actor=clerk)
    line_a, line_b = line_of(order, a), line_of(order, b)
    with pytest.raises(ApplicationError) as too_many:
        return_create(order=order, lines=[ReturnLineInput(line_a.pk, 4, "damaged")], actor=clerk)
    assert too_many.value.code == "quantity_exceeded" and line_a.sku in too_many.value.message

    requested = return_create(
        order=order,
        lines=[
            ReturnLineInput(line_a.pk, 1, "changed_mind"),
            ReturnLineInput(line_b.pk, 2, "damaged"),
        ],
        actor=clerk,
    )
    decisions = {
        line.pk: ReturnDecision.RESTOCK if line.order_line_id == line_a.pk else "write_off"
        for line in requested.lines.all()
    }
    with pytest.raises(PermissionDenied):  # a clerk restocks; writing off is a manager's
        return_receive(order_return=requested, actor=clerk, decisions=decisions)
    with pytest.raises(ApplicationError) as no_reason:
        return_receive(order_return=requested, actor=manager, decisions=decisions)
    assert no_reason.value.code == "reason_required"
    return_receive(
        order_return=requested, actor=manager, decisions=decisions, reason="Crushed in transit"
    )
    order.refresh_from_db()
    assert order.fulfilment_status == FulfilmentStatus.PARTIALLY_RETURNED
    assert (stock(a).on_hand, stock(a).allocated) == (8, 0)  # 3 shipped, 1 back
    assert (stock(b).on_hand, stock(b).allocated) == (8, 0)  # written off: not back
    damaged = StockMovement.objects.get(reason=MovementReason.DAMAGED)
    assert damaged.reference_id == requested.number and damaged.on_hand_delta == 0

    refund, _created = payment_record(
        order=order,
        kind=PaymentKind.REFUND,
        actor=manager,
        lines=[(line_a.pk, 1), (line_b.pk, 2)],
        order_return=requested,
        note="Return accepted",
    )
    assert refund.amount == Decimal("18.00")
    return_close(order_return=requested, actor=manager)
    requested.refresh_from_db()
    order.refresh_from_db()
    assert requested.status == ReturnStatus.CLOSED
    assert order.payment_status == PaymentStatus.PARTIALLY_REFUNDED
    closed = order.events.filter(type=OrderEventType.RETURN)[0]
    assert closed.text == f"Return {requested.number} closed, refunded."
    call_command("check_stock_ledger")


def test_refunds_never_exceed_what_was_captured(order, manager):
    with pytest.raises(ApplicationError) as refused:
        payment_record(
            order=order,
            kind=PaymentKind.REFUND,
            amount=order.total + Decimal("0.01"),
            actor=manager,
            note="Goodwill",
        )
    assert refused.value.code == "refund_exceeds_captured"
    payment_record(
        order=order, kind=PaymentKind.REFUND, amount=order.total, actor=manager, note="All"
    )
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.REFUNDED
    with pytest.raises(ApplicationError):
        payment_record(
            order=order, kind=PaymentKind.REFUND, amount="0.01", actor=manager, note="More"
        )


def test_a_provider_reporting_twice_is_recorded_once(store, variants):
    a, _b = variants
    order = place_order(store, [(a, 1)])
    first, created = payment_record(
        order=order,
        kind=PaymentKind.CAPTURE,
        amount=order.total,
        actor=SYSTEM,
        provider="stripe",
        external_reference="ch_1",
    )
    again, created_again = payment_record(
        order=order,
        kind=PaymentKind.CAPTURE,
        amount=order.total,
        actor=SYSTEM,
        provider="stripe",
        external_reference="ch_1",
    )
    assert created and not created_again and again.pk == first.pk
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PAID


def test_edits_before_shipping_reallocate_and_retotal(order, variants, store, manager, clerk):
    a, b = variants
    extra = make_variant(store, price="1.00")
    receive(extra, 5)
    line_a = line_of(order, a)
    with pytest.raises(PermissionDenied):
        order_line_set_quantity(order=order, line_id=line_a.pk, quantity=1, actor=clerk)
    order_line_set_quantity(order=order, line_id=line_a.pk, quantity=1, actor=manager)
    order.refresh_from_db()
    assert order.total == Decimal("23.00")  # 10 + 8 + 5 shipping
    assert stock(a).allocated == 1
    assert order.payment_status == PaymentStatus.OVERPAID
    edit = order.events.filter(type=OrderEventType.EDIT).get()
    assert f"{line_a.sku}: 3 → 1." in edit.text and "To refund: €20.00." in edit.text

    order_line_add(order=order, variant_id=extra.pk, quantity=2, actor=manager)
    order_line_remove(order=order, line_id=line_of(order, b).pk, actor=manager)
    order.refresh_from_db()
    assert order.total == Decimal("17.00")
    assert (stock(b).allocated, stock(extra).allocated) == (0, 2)

    shipment_create(order=order, lines=[(line_a.pk, 1)], actor=clerk)
    with pytest.raises(ApplicationError) as shipped:
        order_line_set_quantity(order=order, line_id=line_a.pk, quantity=2, actor=manager)
    assert shipped.value.code == "line_shipped"
    with pytest.raises(ApplicationError):
        order_change_address(order=order, address={**ADDRESS, "city": "Leeds"}, actor=manager)
    call_command("check_stock_ledger")


def test_cancelling_needs_a_reason_and_no_live_shipment(order, variants, clerk, manager):
    a, _b = variants
    with pytest.raises(ApplicationError) as no_reason:
        order_transition(order=order, to_status=OrderStatus.CANCELLED, actor=manager)
    assert no_reason.value.code == "reason_required"
    shipment = shipment_create(order=order, lines=[(line_of(order, a).pk, 1)], actor=clerk)
    with pytest.raises(ApplicationError) as shipped:
        order_transition(
            order=order, to_status=OrderStatus.CANCELLED, actor=manager, message="Fraud"
        )
    assert shipped.value.code == "order_has_shipments"
    shipment_cancel(shipment=shipment, actor=clerk, reason="Stopped at the door")
    order_transition(order=order, to_status=OrderStatus.CANCELLED, actor=manager, message="Fraud")
    order.refresh_from_db()
    assert stock(a).allocated == 0
    # Paid and cancelled: the money is due back, and the page can say so.
    assert order.payment_status == PaymentStatus.PAID
    call_command("check_stock_ledger")


def test_auto_confirm_is_the_stores_choice(store, variants):
    a, _b = variants
    store.auto_confirm_orders = True
    store.save()
    order = place_order(store, [(a, 1)])
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED
    confirmed = order.events.get(type=OrderEventType.STATUS_CHANGED)
    assert confirmed.actor is None and confirmed.to_value == OrderStatus.CONFIRMED


def test_the_timeline_reads_in_the_readers_language(order, variants, clerk):
    a, _b = variants
    shipment_create(order=order, lines=[(line_of(order, a).pk, 1)], actor=clerk)
    event = order.events.filter(type=OrderEventType.SHIPMENT).get()
    placed = order.events.get(type=OrderEventType.PLACED)
    with translation.override("en"):
        assert event.text == f"Shipment {order.number}-S1: 1 × {a.sku}."
        assert placed.text == "Order placed: 2 lines, total €43.00."
    with translation.override("ru"):
        assert event.text == f"Отправление {order.number}-S1: 1 × {a.sku}."
        assert placed.text.startswith("Заказ оформлен: 2 позиции, итого 43,00")


def test_the_return_window_closes_at_its_last_moment(order, variants, clerk, store):
    a, _b = variants
    store.return_window_days = 14
    store.save()
    shipment = shipment_create(order=order, lines=None, actor=clerk)
    line = line_of(order, a)
    customer = order.customer
    type(shipment).objects.filter(pk=shipment.pk).update(
        created_at=timezone.now() - timedelta(days=14, hours=1)
    )
    with pytest.raises(ApplicationError) as late:
        return_create(order=order, lines=[ReturnLineInput(line.pk, 1)], actor=customer)
    assert late.value.code == "return_window_passed"
    type(shipment).objects.filter(pk=shipment.pk).update(
        created_at=timezone.now() - timedelta(days=13, hours=23)
    )
    return_create(order=order, lines=[ReturnLineInput(line.pk, 1)], actor=customer)


def test_a_refunded_line_cannot_be_removed(order, variants, manager):
    a, _b = variants
    line = line_of(order, a)
    payment_record(
        order=order, kind=PaymentKind.REFUND, actor=manager, lines=[(line.pk, 1)], note="Chip"
    )
    with pytest.raises(ApplicationError) as refused:
        order_line_remove(order=order, line_id=line.pk, actor=manager)
    assert refused.value.code == "line_refunded"
