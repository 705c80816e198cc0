"""Payment records through the API: captures with the default amount, a provider's webhook
replayed by its external reference, refunds with a reason that never exceed what was captured,
per line and per return, and who may record what."""

from decimal import Decimal

import pytest

from apps.catalog.tests.factories import make_variant
from apps.core.tests.fixtures import api_client_for as client_for
from apps.inventory.tests.factories import receive
from apps.orders.fulfilment import shipment_create
from apps.orders.models import Payment
from apps.orders.returns import ReturnLineInput, return_create
from apps.orders.services import order_transition
from apps.orders.tests.factories import place_order
from apps.orders.transitions import OrderStatus
from apps.stores.roles import Role
from apps.stores.scoping import SYSTEM
from apps.stores.tests.factories import StoreFactory, staff_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    """A confirmed, unpaid order: 3 × 10.00 and 2 × 4.00, shipping 5.00 (43.00)."""
    store = StoreFactory(free_shipping_threshold=None, shipping_flat_rate=Decimal("5.00"))
    a, b = make_variant(store, price="10.00"), make_variant(store, price="4.00")
    receive(a, 10)
    receive(b, 10)
    order = place_order(store, [(a, 3), (b, 2)])
    order_transition(order=order, to_status=OrderStatus.CONFIRMED, actor=SYSTEM)
    return store, order, staff_member(store, Role.MANAGER)


def url(order):
    return f"/api/v1/staff/orders/{order.number}/payments/"


def test_a_capture_defaults_to_what_is_due(shop):
    store, order, manager = shop
    client = client_for(manager)
    response = client.post(url(order), {"kind": "capture", "method": "card", "provider": "acme"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["amount"], body["currency"], body["actor"]) == (
        "capture",
        "43.00",
        "EUR",
        manager.email,
    )
    assert (body["return_number"], body["lines"]) == (None, [])
    detail = client.get(f"/api/v1/staff/orders/{order.number}/").json()
    assert detail["payment_status"] == "paid"
    assert detail["payment_summary"]["captured"] == "43.00"
    assert detail["payment_summary"]["balance"] == "0.00"
    assert [p["id"] for p in client.get(url(order)).json()] == [body["id"]]
    nothing_due = client.post(url(order), {"kind": "capture"})
    assert nothing_due.status_code == 400
    assert nothing_due.json()["error"]["code"] == "nothing_to_record"


def test_a_webhook_delivered_twice_records_the_money_once(shop):
    _store, order, manager = shop
    client = client_for(manager)
    webhook = {
        "kind": "capture",
        "amount": "20.00",
        "provider": "stripe",
        "external_reference": "ch_123",
    }
    first = client.post(url(order), webhook)
    replay = client.post(url(order), webhook)
    assert (first.status_code, replay.status_code) == (201, 200)
    assert replay.json() == first.json()
    assert Payment.objects.count() == 1
    order.refresh_from_db()
    assert order.payment_status == "partially_paid"
    reused = client.post(url(order), {**webhook, "amount": "21.00"})
    assert reused.status_code == 400
    assert reused.json()["error"]["code"] == "external_reference_reused"
    assert Payment.objects.count() == 1


def test_a_refund_needs_a_reason_and_never_exceeds_what_was_captured(shop):
    _store, order, manager = shop
    client = client_for(manager)
    client.post(url(order), {"kind": "capture", "amount": "30.00"})
    unexplained = client.post(url(order), {"kind": "refund", "amount": "5.00"})
    assert unexplained.status_code == 400
    assert unexplained.json()["error"]["code"] == "reason_required"
    too_much = client.post(url(order), {"kind": "refund", "amount": "30.01", "note": "Goodwill"})
    assert too_much.status_code == 400
    error = too_much.json()["error"]
    assert (error["code"], error["refundable"]) == ("refund_exceeds_captured", "30.00")
    assert Payment.objects.filter(kind="refund").count() == 0
    refund = client.post(url(order), {"kind": "refund", "amount": "30.00", "note": "Goodwill"})
    assert refund.status_code == 201
    assert refund.json()["note"] == "Goodwill"
    order.refresh_from_db()
    assert order.payment_status == "refunded"


def test_a_refund_of_lines_for_a_return_is_worth_their_units(shop):
    store, order, manager = shop
    client = client_for(manager)
    client.post(url(order), {"kind": "capture"})
    line_a = order.lines.get(unit_price=Decimal("10.00"))
    shipment_create(order=order, lines=None, actor=SYSTEM)
    order_return = return_create(
        order=order, lines=[ReturnLineInput(line_a.pk, 2, "damaged")], actor=SYSTEM
    )
    response = client.post(
        url(order),
        {
            "kind": "refund",
            "note": "Damaged in transit",
            "return_number": order_return.number,
            "lines": [{"line": line_a.pk, "quantity": 2}],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["amount"], body["return_number"]) == ("20.00", order_return.number)
    assert body["lines"] == [
        {"line": line_a.pk, "sku": line_a.sku, "quantity": 2, "amount": "20.00"}
    ]
    listed = client.get(f"/api/v1/staff/orders/{order.number}/").json()["payments"]
    assert listed[-1] == body
    unknown = client.post(url(order), {"kind": "refund", "note": "x", "return_number": "NOPE-R1"})
    assert unknown.status_code == 400
    assert set(unknown.json()["error"]["fields"]) == {"return_number"}
    too_many = client.post(
        url(order), {"kind": "refund", "note": "x", "lines": [{"line": line_a.pk, "quantity": 2}]}
    )
    assert too_many.status_code == 400
    assert (too_many.json()["error"]["code"], too_many.json()["error"]["line"]) == (
        "quantity_exceeded",
        line_a.pk,
    )
    assert store.pk == order.store_id


@pytest.mark.parametrize(
    ("role", "kind", "allowed"),
    [
        (Role.VIEWER, "capture", False),
        (Role.CLERK, "capture", False),
        (Role.CLERK, "refund", False),
        (Role.MANAGER, "refund", True),
        (Role.OWNER, "authorisation", True),
    ],
)
def test_who_records_what(shop, role, kind, allowed):
    store, order, manager = shop
    client_for(manager).post(url(order), {"kind": "capture", "amount": "10.00"})
    response = client_for(staff_member(store, role)).post(
        url(order), {"kind": kind, "amount": "1.00", "note": "test"}
    )
    assert response.status_code == (201 if allowed else 403)
    assert Payment.objects.count() == (2 if allowed else 1)


def test_another_stores_payments_are_not_found(shop):
    _store, order, manager = shop
    client_for(manager).post(url(order), {"kind": "capture"})
    outsider = client_for(staff_member(StoreFactory(), Role.OWNER))
    assert outsider.get(url(order)).status_code == 404
    assert outsider.post(url(order), {"kind": "refund", "note": "x"}).status_code == 404
    assert Payment.objects.count() == 1


def test_invalid_payment_bodies(shop):
    _store, order, manager = shop
    client = client_for(manager)
    response = client.post(url(order), {"kind": "gift", "amount": "-1"})
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"kind", "amount"}
    assert client.post(url(order), {"kind": "capture", "amount": "1.001"}).status_code == 400
