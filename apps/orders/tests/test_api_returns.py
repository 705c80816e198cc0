"""Returns through the API: staff open, receive (restock or write off) and close them; customers
ask to return what they received, within the store's return window."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.catalog.tests.factories import make_variant
from apps.core.tests.fixtures import api_client_for as client_for
from apps.inventory.models import Stock
from apps.inventory.tests.factories import receive
from apps.orders.fulfilment import shipment_create
from apps.orders.models import OrderReturn, Shipment
from apps.orders.services import order_transition
from apps.orders.tests.factories import pay, place_order
from apps.orders.transitions import OrderStatus
from apps.stores.roles import Role
from apps.stores.scoping import SYSTEM
from apps.stores.tests.factories import StoreFactory, staff_member
from apps.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shipped():
    """A paid order of Ann's with 2 of its 3 units of one line shipped, 1 of 2 of another."""
    store = StoreFactory(return_window_days=14)
    a, b = make_variant(store, price="10.00"), make_variant(store, price="4.00")
    receive(a, 10)
    receive(b, 10)
    ann = UserFactory()
    order = place_order(store, [(a, 3), (b, 2)], customer=ann)
    order_transition(order=order, to_status=OrderStatus.CONFIRMED, actor=SYSTEM)
    pay(order)
    line_a, line_b = order.lines.get(variant=a), order.lines.get(variant=b)
    shipment_create(
        order=order,
        lines=[(line_a.pk, 2), (line_b.pk, 1)],
        actor=SYSTEM,
        carrier="UPS",
        tracking_number="1Z999",
    )
    order.refresh_from_db()
    return store, order, ann, line_a, line_b


def staff_url(order, rest=""):
    return f"/api/v1/staff/orders/{order.number}/returns/{rest}"


def customer_url(order):
    return f"/api/v1/orders/{order.number}/returns/"


def stock(line):
    row = Stock.objects.get(variant_id=line.variant_id)
    return row.on_hand, row.allocated


def test_a_clerk_opens_a_return_of_shipped_units(shipped):
    store, order, _ann, line_a, line_b = shipped
    client = client_for(staff_member(store, Role.CLERK))
    response = client.post(
        staff_url(order),
        {
            "lines": [
                {"line": line_a.pk, "quantity": 1, "reason": "damaged"},
                {"line": line_b.pk, "quantity": 1, "reason": "wrong_item"},
            ],
            "note": "Parcel crushed",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["number"], body["status"], body["note"]) == (
        f"{order.number}-R1",
        "requested",
        "Parcel crushed",
    )
    assert [
        (line["line"], line["sku"], line["reason"], line["decision"]) for line in body["lines"]
    ] == [
        (line_a.pk, line_a.sku, "damaged", ""),
        (line_b.pk, line_b.sku, "wrong_item", ""),
    ]
    listed = client.get(staff_url(order)).json()
    assert [r["number"] for r in listed] == [body["number"]]


def test_returning_more_than_shipped_is_refused_naming_the_line(shipped):
    store, order, _ann, line_a, _line_b = shipped
    client = client_for(staff_member(store, Role.CLERK))
    response = client.post(staff_url(order), {"lines": [{"line": line_a.pk, "quantity": 3}]})
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["line"], error["sku"], error["available"]) == (
        "quantity_exceeded",
        line_a.pk,
        line_a.sku,
        2,
    )
    assert not OrderReturn.objects.exists()
    bad_reason = client.post(
        staff_url(order), {"lines": [{"line": line_a.pk, "quantity": 1, "reason": "bored"}]}
    )
    assert bad_reason.status_code == 400
    assert set(bad_reason.json()["error"]["fields"]) == {"lines"}


def open_return(order, line, quantity=1):
    client = client_for(staff_member(order.store, Role.CLERK))
    response = client.post(staff_url(order), {"lines": [{"line": line.pk, "quantity": quantity}]})
    assert response.status_code == 201
    return response.json()


def test_receive_restocks_and_a_write_off_needs_a_manager(shipped):
    store, order, _ann, line_a, _line_b = shipped
    opened = open_return(order, line_a, 2)
    return_line = opened["lines"][0]["id"]
    receive_url = staff_url(order, f"{opened['number']}/receive/")
    write_off = {"decisions": [{"line": return_line, "decision": "write_off"}]}
    clerk = client_for(staff_member(store, Role.CLERK))
    assert clerk.post(receive_url, write_off).status_code == 403
    assert stock(line_a) == (8, 1)
    manager = client_for(staff_member(store, Role.MANAGER))
    unexplained = manager.post(receive_url, write_off)
    assert unexplained.status_code == 400
    assert unexplained.json()["error"]["code"] == "reason_required"
    received = manager.post(receive_url, {**write_off, "reason": "Soaked"})
    assert received.status_code == 200
    body = received.json()
    assert (body["status"], body["lines"][0]["decision"]) == ("received", "write_off")
    assert stock(line_a) == (8, 1)
    order.refresh_from_db()
    assert order.fulfilment_status == "partially_returned"
    again = clerk.post(receive_url, {})
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "return_not_receivable"


def test_receive_without_decisions_restocks(shipped):
    store, order, _ann, line_a, _line_b = shipped
    opened = open_return(order, line_a)
    clerk = client_for(staff_member(store, Role.CLERK))
    response = clerk.post(staff_url(order, f"{opened['number']}/receive/"), {})
    assert response.status_code == 200
    assert response.json()["lines"][0]["decision"] == "restock"
    assert stock(line_a) == (9, 1)
    unknown = clerk.post(
        staff_url(order, f"{open_return(order, line_a)['number']}/receive/"),
        {"decisions": [{"line": 999999, "decision": "restock"}]},
    )
    assert unknown.status_code == 400
    assert unknown.json()["error"]["code"] == "unknown_line"


def test_closing_needs_a_manager_and_declining_needs_a_reason(shipped):
    store, order, _ann, line_a, _line_b = shipped
    opened = open_return(order, line_a)
    close_url = staff_url(order, f"{opened['number']}/close/")
    assert client_for(staff_member(store, Role.CLERK)).post(close_url, {}).status_code == 403
    manager = client_for(staff_member(store, Role.MANAGER))
    unexplained = manager.post(close_url, {})
    assert unexplained.status_code == 400
    assert unexplained.json()["error"]["code"] == "reason_required"
    closed = manager.post(close_url, {"note": "Never arrived"})
    assert closed.status_code == 200
    assert (closed.json()["status"], closed.json()["close_reason"]) == ("closed", "Never arrived")


def test_another_stores_returns_are_not_found(shipped):
    _store, order, _ann, line_a, _line_b = shipped
    number = open_return(order, line_a)["number"]
    outsider = client_for(staff_member(StoreFactory(), Role.OWNER))
    for response in (
        outsider.get(staff_url(order)),
        outsider.post(staff_url(order), {"lines": [{"line": line_a.pk, "quantity": 1}]}),
        outsider.post(staff_url(order, f"{number}/receive/"), {}),
        outsider.post(staff_url(order, f"{number}/close/"), {"note": "x"}),
    ):
        assert response.status_code == 404
    assert OrderReturn.objects.get().status == "requested"
    viewer = client_for(staff_member(order.store, Role.VIEWER))
    assert viewer.post(staff_url(order, f"{number}/receive/"), {}).status_code == 403


# Customers


def test_the_customer_sees_shipments_with_tracking_and_returns_with_their_state(shipped):
    _store, order, ann, line_a, _line_b = shipped
    open_return(order, line_a)
    body = client_for(ann).get(f"/api/v1/orders/{order.number}/").json()
    assert body["fulfilment_status"] == "partially_shipped"
    assert "tracking_number" not in body
    [shipment] = body["shipments"]
    assert (shipment["carrier"], shipment["tracking_number"], shipment["status"]) == (
        "UPS",
        "1Z999",
        "shipped",
    )
    assert "created_by" not in shipment
    [order_return] = body["returns"]
    assert order_return["status"] == "requested"
    assert "decision" not in order_return["lines"][0]
    assert "payments" not in body
    texts = [event["text"] for event in body["timeline"]]
    assert f"Return {order.number}-R1 requested: 1 × {line_a.sku} (other)." in texts
    assert any("UPS tracking number: 1Z999." in text for text in texts)
    assert body["can_cancel"] is False
    refused = client_for(ann).post(f"/api/v1/orders/{order.number}/cancel/")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "order_has_shipments"


def test_a_customer_requests_a_return_within_the_window(shipped):
    _store, order, ann, line_a, _line_b = shipped
    response = client_for(ann).post(
        customer_url(order),
        {
            "lines": [{"line": line_a.pk, "quantity": 2, "reason": "changed_mind"}],
            "note": "Too big",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["note"], body["lines"][0]["quantity"]) == (
        "requested",
        "Too big",
        2,
    )
    assert "decision" not in body["lines"][0]
    assert OrderReturn.objects.get().requested_by == ann
    more = client_for(ann).post(
        customer_url(order), {"lines": [{"line": line_a.pk, "quantity": 1}]}
    )
    assert more.status_code == 400
    assert more.json()["error"]["code"] == "quantity_exceeded"


def test_after_the_window_the_customer_cannot_request_a_return(shipped):
    _store, order, ann, line_a, _line_b = shipped
    Shipment.objects.filter(order=order).update(created_at=timezone.now() - timedelta(days=20))
    response = client_for(ann).post(
        customer_url(order), {"lines": [{"line": line_a.pk, "quantity": 1}]}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "return_window_passed"
    assert not OrderReturn.objects.exists()


def test_nothing_shipped_nothing_to_return(shipped):
    store, _order, ann, line_a, _line_b = shipped
    unshipped = place_order(store, [(line_a.variant, 1)], customer=ann)
    response = client_for(ann).post(
        customer_url(unshipped), {"lines": [{"line": unshipped.lines.get().pk, "quantity": 1}]}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "return_not_allowed"


def test_another_customers_order_is_not_found(shipped):
    _store, order, _ann, line_a, _line_b = shipped
    bob = client_for(UserFactory())
    response = bob.post(customer_url(order), {"lines": [{"line": line_a.pk, "quantity": 1}]})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert bob.get(staff_url(order)).status_code == 403
    assert not OrderReturn.objects.exists()
