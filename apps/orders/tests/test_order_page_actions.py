"""Each form of the order page through its service: shipments, returns, money, edits."""

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from apps.catalog.tests.factories import make_variant
from apps.inventory.models import Stock
from apps.inventory.tests.factories import receive
from apps.orders.fulfilment import shipment_create
from apps.orders.models import (
    OrderEventType,
    PaymentKind,
    ReturnDecision,
    ReturnStatus,
    ShipmentStatus,
)
from apps.orders.returns import ReturnLineInput, return_create
from apps.orders.services import order_transition
from apps.orders.statuses import FulfilmentStatus, PaymentStatus
from apps.orders.tests.factories import pay, place_order
from apps.orders.transitions import OrderStatus
from apps.stores.roles import Role
from apps.stores.tests.factories import StoreFactory, staff_member

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def act(client, order, name, data, **headers):
    return client.post(reverse("admin:orders_order_act", args=(order.pk, name)), data, **headers)


def messages_of(response):
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


@pytest.fixture
def store():
    return StoreFactory(name="Alpha")


@pytest.fixture
def clerk(store):
    return staff_member(store, Role.CLERK)


@pytest.fixture
def manager(store):
    return staff_member(store, Role.MANAGER)


@pytest.fixture
def kettle(store):
    variant = make_variant(store, title="Kettle", price=Decimal("10.00"))
    receive(variant, 20)
    return variant


@pytest.fixture
def order(store, kettle, manager):
    placed = place_order(store, [(kettle, 3)])
    order_transition(order=placed, to_status=OrderStatus.CONFIRMED, actor=manager)
    pay(placed)
    return placed


@pytest.fixture
def shipped(order, manager):
    shipment_create(order=order, lines=None, actor=manager)
    return order


def test_deliver_and_cancel_a_shipment(client, order, clerk):
    first = shipment_create(order=order, lines=[(order.lines.get().pk, 1)], actor=clerk)
    second = shipment_create(order=order, lines=[(order.lines.get().pk, 1)], actor=clerk)
    client.force_login(clerk)

    delivered = act(client, order, "deliver", {"shipment": first.pk}, **HTMX)
    assert delivered.status_code == 200 and "delivered" in delivered.content.decode()
    first.refresh_from_db()
    assert first.status == ShipmentStatus.DELIVERED

    without_reason = act(client, order, "cancel-shipment", {"shipment": second.pk}, **HTMX)
    assert without_reason.status_code == 400
    second.refresh_from_db()
    assert second.status == ShipmentStatus.SHIPPED

    cancelled = act(
        client, order, "cancel-shipment", {"shipment": second.pk, "reason": "Box damaged"}
    )
    assert "back in stock" in messages_of(cancelled)
    second.refresh_from_db()
    assert second.status == ShipmentStatus.CANCELLED
    order.refresh_from_db()
    assert order.lines.get().quantity_shipped == 1
    event = order.events.filter(type=OrderEventType.SHIPMENT).first()
    assert event.message == "Box damaged"


def test_a_clerk_opens_and_receives_a_return_restocking(client, shipped, clerk, kettle):
    client.force_login(clerk)
    line = shipped.lines.get()
    opened = act(
        client, shipped, "return", {f"qty-{line.pk}": "2", f"why-{line.pk}": "wrong_item"}, **HTMX
    )
    assert opened.status_code == 200
    order_return = shipped.returns.get()
    assert [(rl.quantity, rl.reason) for rl in order_return.lines.all()] == [(2, "wrong_item")]

    on_hand = Stock.objects.get(variant=kettle).on_hand
    return_line = order_return.lines.get()
    received = act(
        client,
        shipped,
        "receive",
        {"order_return": order_return.pk, f"decision-{return_line.pk}": "restock"},
        **HTMX,
    )
    assert received.status_code == 200
    order_return.refresh_from_db()
    assert order_return.status == ReturnStatus.RECEIVED
    assert Stock.objects.get(variant=kettle).on_hand == on_hand + 2
    shipped.refresh_from_db()
    assert shipped.fulfilment_status == FulfilmentStatus.PARTIALLY_RETURNED


def test_writing_off_needs_the_capability_and_a_reason(client, shipped, clerk, manager, kettle):
    line = shipped.lines.get()
    order_return = return_create(
        order=shipped, lines=[ReturnLineInput(line.pk, 1, "damaged")], actor=clerk
    )
    write_off = {
        "order_return": order_return.pk,
        f"decision-{order_return.lines.get().pk}": "write_off",
    }
    client.force_login(clerk)
    refused = act(client, shipped, "receive", {**write_off, "reason": "Broken"}, **HTMX)
    assert refused.status_code == 403
    client.force_login(manager)
    no_reason = act(client, shipped, "receive", write_off, **HTMX)
    assert no_reason.status_code == 400 and "written off" in no_reason.content.decode()
    order_return.refresh_from_db()
    assert order_return.status == ReturnStatus.REQUESTED

    on_hand = Stock.objects.get(variant=kettle).on_hand
    done = act(client, shipped, "receive", {**write_off, "reason": "Glass shattered"})
    assert "received" in messages_of(done)
    assert order_return.lines.get().decision == ReturnDecision.WRITE_OFF
    assert Stock.objects.get(variant=kettle).on_hand == on_hand
    assert shipped.events.filter(type=OrderEventType.RETURN, message="Glass shattered").exists()


def test_close_a_return_declining_needs_a_reason(client, shipped, clerk, manager):
    order_return = return_create(
        order=shipped, lines=[ReturnLineInput(shipped.lines.get().pk, 1)], actor=clerk
    )
    client.force_login(manager)
    refused = act(client, shipped, "close-return", {"order_return": order_return.pk}, **HTMX)
    assert refused.status_code == 400 and "reason" in refused.content.decode()
    act(client, shipped, "close-return", {"order_return": order_return.pk, "note": "Never came"})
    order_return.refresh_from_db()
    assert (order_return.status, order_return.close_reason) == (ReturnStatus.CLOSED, "Never came")


def test_record_payments_capture_authorise_and_void(client, store, kettle, manager, clerk):
    placed = place_order(store, [(kettle, 2)])
    client.force_login(clerk)
    act(client, placed, "payment", {"kind": "capture", "amount": "5.00"})
    assert not placed.payments.exists()

    client.force_login(manager)
    authorised = act(client, placed, "payment", {"kind": "authorisation", "method": "card"}, **HTMX)
    assert authorised.status_code == 200
    placed.refresh_from_db()
    assert placed.payment_status == PaymentStatus.AUTHORISED
    act(client, placed, "payment", {"kind": "void"})
    captured = act(client, placed, "payment", {"kind": "capture", "amount": "5.00"}, **HTMX)
    assert captured.status_code == 200
    assert [(p.kind, p.amount) for p in placed.payments.order_by("pk")] == [
        (PaymentKind.AUTHORISATION, placed.total),
        (PaymentKind.VOID, placed.total),
        (PaymentKind.CAPTURE, Decimal("5.00")),
    ]
    placed.refresh_from_db()
    assert placed.payment_status == PaymentStatus.PARTIALLY_PAID
    bad = act(client, placed, "payment", {"kind": "capture", "amount": "-1"}, **HTMX)
    assert bad.status_code == 400


def test_refund_by_lines_with_a_reason_and_never_beyond_what_was_captured(client, order, manager):
    line = order.lines.get()
    client.force_login(manager)
    no_reason = act(client, order, "refund", {f"qty-{line.pk}": "1"}, **HTMX)
    assert no_reason.status_code == 400
    assert not order.payments.filter(kind=PaymentKind.REFUND).exists()

    done = act(client, order, "refund", {f"qty-{line.pk}": "1", "reason": "Scratched"}, **HTMX)
    assert done.status_code == 200
    refund = order.payments.get(kind=PaymentKind.REFUND)
    assert (refund.amount, refund.note) == (Decimal("10.00"), "Scratched")
    assert [(rl.quantity, rl.amount) for rl in refund.refund_lines.all()] == [(1, Decimal("10.00"))]

    too_much = act(client, order, "refund", {"amount": "1000.00", "reason": "x"}, **HTMX)
    assert too_much.status_code == 400
    assert "more than" in too_much.content.decode()


def test_a_clerk_cannot_refund(client, order, clerk):
    client.force_login(clerk)
    response = act(client, order, "refund", {"amount": "1.00", "reason": "x"}, **HTMX)
    assert response.status_code == 403
    assert not order.payments.filter(kind=PaymentKind.REFUND).exists()


def test_edits_before_shipping(client, store, order, manager, kettle):
    mug = make_variant(store, title="Mug", price=Decimal("4.00"))
    receive(mug, 5)
    client.force_login(manager)
    line = order.lines.get()

    assert act(client, order, "line-quantity", {"line": line.pk, "quantity": "2"}, **HTMX)
    line.refresh_from_db()
    assert line.quantity == 2

    added = act(client, order, "line-add", {"sku": mug.sku, "quantity": "3"}, **HTMX)
    assert added.status_code == 200
    assert order.lines.get(variant=mug).quantity == 3
    order.refresh_from_db()
    assert order.subtotal == Decimal("32.00")
    page = added.content.decode()
    assert 'data-role="balance"' in page

    removed = act(client, order, "line-remove", {"line": line.pk}, **HTMX)
    assert removed.status_code == 200
    assert list(order.lines.values_list("variant", flat=True)) == [mug.pk]

    address = {
        "name": "Grace Hopper",
        "line1": "1 Harbour St",
        "city": "Arlington",
        "postal_code": "22201",
        "country": "us",
    }
    act(client, order, "address", address)
    order.refresh_from_db()
    assert order.shipping_address["name"] == "Grace Hopper"
    assert order.shipping_address["country"] == "US"


def test_adding_a_variant_finds_it_in_the_orders_own_store_only(client, order, manager):
    other = StoreFactory(name="Bravo")
    foreign = make_variant(other)
    receive(foreign, 5)
    client.force_login(manager)
    response = act(client, order, "line-add", {"sku": foreign.sku, "quantity": "1"}, **HTMX)
    assert response.status_code == 400
    assert "No variant with SKU" in response.content.decode()
    assert order.lines.count() == 1


def test_a_clerk_cannot_edit_and_nothing_changes(client, order, clerk):
    client.force_login(clerk)
    line = order.lines.get()
    response = act(client, order, "line-quantity", {"line": line.pk, "quantity": "1"}, **HTMX)
    assert response.status_code == 403
    line.refresh_from_db()
    assert line.quantity == 3


def test_a_viewer_is_refused_every_action(client, order, store):
    viewer = staff_member(store, Role.VIEWER)
    client.force_login(viewer)
    response = act(client, order, "ship", {f"qty-{order.lines.get().pk}": "1"}, **HTMX)
    assert response.status_code == 403
    note = act(client, order, "note", {"message": "hello"})
    assert "does not allow" in messages_of(note)
    assert not order.shipments.exists()
    assert not order.events.filter(type=OrderEventType.NOTE).exists()
