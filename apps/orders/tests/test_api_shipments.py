"""Staff shipments through the API: partial and whole, cancel and deliver, the store's unpaid
rule, roles and store scoping, refusals naming the line."""

import pytest

from apps.catalog.tests.factories import make_variant
from apps.core.tests.fixtures import api_client_for as client_for
from apps.inventory.models import Stock
from apps.inventory.tests.factories import receive
from apps.orders.models import Shipment
from apps.orders.services import order_transition
from apps.orders.tests.factories import pay, place_order
from apps.orders.transitions import OrderStatus
from apps.stores.roles import Role
from apps.stores.scoping import SYSTEM
from apps.stores.tests.factories import StoreFactory, staff_member

pytestmark = pytest.mark.django_db


def confirmed_order(store, lines, *, paid=True):
    order = place_order(store, lines)
    order_transition(order=order, to_status=OrderStatus.CONFIRMED, actor=SYSTEM)
    if paid:
        pay(order)
    order.refresh_from_db()
    return order


@pytest.fixture
def shop():
    store = StoreFactory()
    a, b = make_variant(store, price="10.00"), make_variant(store, price="4.00")
    receive(a, 10)
    receive(b, 10)
    order = confirmed_order(store, [(a, 3), (b, 2)])
    return store, order, a, b


def url(order, rest=""):
    return f"/api/v1/staff/orders/{order.number}/shipments/{rest}"


def line_id(order, variant):
    return order.lines.get(variant=variant).pk


def stock(variant):
    row = Stock.objects.get(variant=variant)
    return row.on_hand, row.allocated


def test_a_clerk_ships_part_of_a_line_with_tracking(shop):
    store, order, a, _b = shop
    clerk = staff_member(store, Role.CLERK)
    client = client_for(clerk)
    response = client.post(
        url(order),
        {
            "lines": [{"line": line_id(order, a), "quantity": 1}],
            "carrier": "DHL",
            "tracking_number": "JD0001",
            "tracking_url": "https://track.example/JD0001",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"] == f"{order.number}-S1"
    assert (body["status"], body["carrier"], body["tracking_number"]) == (
        "shipped",
        "DHL",
        "JD0001",
    )
    assert body["lines"] == [{"line": line_id(order, a), "sku": a.sku, "quantity": 1}]
    assert body["created_by"] == clerk.email
    assert stock(a) == (9, 2)
    detail = client.get(f"/api/v1/staff/orders/{order.number}/").json()
    assert detail["fulfilment_status"] == "partially_shipped"
    assert [s["tracking_number"] for s in detail["shipments"]] == ["JD0001"]
    assert [s["number"] for s in client.get(url(order)).json()] == [body["number"]]


def test_without_lines_everything_left_ships(shop):
    store, order, a, b = shop
    client = client_for(staff_member(store, Role.CLERK))
    client.post(url(order), {"lines": [{"line": line_id(order, a), "quantity": 2}]})
    response = client.post(url(order), {})
    assert response.status_code == 201
    assert {(line["sku"], line["quantity"]) for line in response.json()["lines"]} == {
        (a.sku, 1),
        (b.sku, 2),
    }
    order.refresh_from_db()
    assert order.fulfilment_status == "shipped"
    nothing_left = client.post(url(order), {})
    assert nothing_left.status_code == 400
    assert nothing_left.json()["error"]["code"] == "no_lines"


def test_shipping_more_than_is_left_is_refused_naming_the_line(shop):
    store, order, a, _b = shop
    client = client_for(staff_member(store, Role.CLERK))
    response = client.post(url(order), {"lines": [{"line": line_id(order, a), "quantity": 4}]})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "quantity_exceeded"
    assert (error["line"], error["sku"], error["available"]) == (line_id(order, a), a.sku, 3)
    assert a.sku in error["message"]
    assert not Shipment.objects.exists()
    assert stock(a) == (10, 3)


def test_invalid_bodies_answer_field_errors(shop):
    store, order, _a, _b = shop
    client = client_for(staff_member(store, Role.CLERK))
    response = client.post(
        url(order), {"lines": [{"line": 0, "quantity": 0}], "tracking_url": "not a url"}
    )
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"lines", "tracking_url"}
    other = confirmed_order(order.store, [(order.lines.first().variant, 1)])
    foreign_line = client.post(
        url(order), {"lines": [{"line": other.lines.get().pk, "quantity": 1}]}
    )
    assert foreign_line.status_code == 400
    assert foreign_line.json()["error"]["code"] == "unknown_line"


def test_a_viewer_sees_shipments_but_cannot_ship(shop):
    store, order, _a, _b = shop
    client = client_for(staff_member(store, Role.VIEWER))
    assert client.get(url(order)).json() == []
    response = client.post(url(order), {})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert not Shipment.objects.exists()


def test_another_stores_orders_and_shipments_are_not_found(shop):
    store, order, _a, _b = shop
    shipment_number = client_for(staff_member(store, Role.CLERK)).post(url(order), {}).json()
    outsider = client_for(staff_member(StoreFactory(), Role.OWNER))
    number = shipment_number["number"]
    for response in (
        outsider.get(url(order)),
        outsider.post(url(order), {}),
        outsider.post(url(order, f"{number}/cancel/"), {"reason": "mine now"}),
        outsider.post(url(order, f"{number}/deliver/")),
    ):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    assert Shipment.objects.get().status == "shipped"


def test_an_unpaid_order_ships_only_with_a_managers_reason(shop):
    store, _order, a, _b = shop
    order = confirmed_order(store, [(a, 1)], paid=False)
    clerk, manager = staff_member(store, Role.CLERK), staff_member(store, Role.MANAGER)
    refused = client_for(clerk).post(url(order), {})
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "order_unpaid"
    clerk_override = client_for(clerk).post(url(order), {"unpaid_reason": "Trusted customer"})
    assert clerk_override.status_code == 403
    shipped = client_for(manager).post(url(order), {"unpaid_reason": "Trusted customer"})
    assert shipped.status_code == 201
    timeline = client_for(manager).get(f"/api/v1/staff/orders/{order.number}/").json()["timeline"]
    assert "Shipped unpaid, by a manager's decision: Trusted customer" in timeline[0]["text"]


def test_a_pending_order_does_not_ship(shop):
    store, _order, a, _b = shop
    pending = place_order(store, [(a, 1)])
    response = client_for(staff_member(store, Role.CLERK)).post(url(pending), {})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "order_not_confirmed"


def test_cancel_a_shipment_with_a_reason_puts_its_goods_back(shop):
    store, order, a, _b = shop
    client = client_for(staff_member(store, Role.CLERK))
    shipment = client.post(url(order), {"lines": [{"line": line_id(order, a), "quantity": 2}]})
    number = shipment.json()["number"]
    unexplained = client.post(url(order, f"{number}/cancel/"), {})
    assert unexplained.status_code == 400
    assert set(unexplained.json()["error"]["fields"]) == {"reason"}
    response = client.post(url(order, f"{number}/cancel/"), {"reason": "Box damaged"})
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["cancelled_at"] is not None) == ("cancelled", True)
    assert stock(a) == (10, 3)
    order.refresh_from_db()
    assert order.fulfilment_status == "unfulfilled"
    assert "Box damaged" in order.events.first().message
    again = client.post(url(order, f"{number}/cancel/"), {"reason": "twice"})
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "shipment_not_cancellable"


def test_deliver_a_shipment(shop):
    store, order, _a, _b = shop
    client = client_for(staff_member(store, Role.CLERK))
    number = client.post(url(order), {}).json()["number"]
    response = client.post(url(order, f"{number}/deliver/"))
    assert response.status_code == 200
    assert response.json()["status"] == "delivered"
    order.refresh_from_db()
    assert order.fulfilment_status == "delivered"
    again = client.post(url(order, f"{number}/deliver/"))
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "shipment_not_deliverable"
    viewer = client_for(staff_member(store, Role.VIEWER))
    assert viewer.post(url(order, f"{number}/cancel/"), {"reason": "x"}).status_code == 403


def test_a_shipment_is_found_only_under_its_own_order(shop):
    store, order, a, _b = shop
    other = confirmed_order(store, [(a, 1)])
    client = client_for(staff_member(store, Role.CLERK))
    number = client.post(url(other), {}).json()["number"]
    assert client.post(url(order, f"{number}/deliver/")).status_code == 404
    assert client.post(url(order, "NOPE-S9/deliver/")).status_code == 404
