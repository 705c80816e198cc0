"""Edits before shipping through the API: a line's quantity, a line removed or added, the
shipping address; only for those who edit orders, only while nothing of it shipped."""

from decimal import Decimal

import pytest

from apps.catalog.tests.factories import make_variant
from apps.core.tests.fixtures import api_client_for as client_for
from apps.inventory.models import Stock
from apps.inventory.tests.factories import receive
from apps.orders.fulfilment import shipment_create
from apps.orders.services import order_transition
from apps.orders.tests.factories import ADDRESS, pay, place_order
from apps.orders.transitions import OrderStatus
from apps.stores.roles import Role
from apps.stores.scoping import SYSTEM
from apps.stores.tests.factories import StoreFactory, staff_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    """A paid order of 2 × 10.00 and 1 × 4.00, shipping 5.00 (29.00)."""
    store = StoreFactory(free_shipping_threshold=None, shipping_flat_rate=Decimal("5.00"))
    a, b, c = (make_variant(store, price=price) for price in ("10.00", "4.00", "1.50"))
    for variant in (a, b, c):
        receive(variant, 10)
    order = place_order(store, [(a, 2), (b, 1)])
    order_transition(order=order, to_status=OrderStatus.CONFIRMED, actor=SYSTEM)
    pay(order)
    return store, order, (a, b, c), client_for(staff_member(store, Role.MANAGER))


def order_url(order, rest=""):
    return f"/api/v1/staff/orders/{order.number}/{rest}"


def allocated(variant):
    return Stock.objects.get(variant=variant).allocated


def test_a_manager_changes_a_quantity_and_sees_what_is_due(shop):
    _store, order, (a, _b, _c), manager = shop
    line = order.lines.get(variant=a)
    response = manager.patch(order_url(order, f"lines/{line.pk}/"), {"quantity": 3})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["total"] == "39.00"
    assert body["payment_summary"]["balance"] == "10.00"
    assert body["payment_status"] == "partially_paid"
    assert [x["quantity"] for x in body["lines"] if x["id"] == line.pk] == [3]
    assert allocated(a) == 3
    assert body["timeline"][0]["type"] == "edit"


def test_add_and_remove_lines(shop):
    _store, order, (_a, b, c), manager = shop
    added = manager.post(order_url(order, "lines/"), {"variant": c.pk, "quantity": 2})
    assert added.status_code == 201
    assert {line["sku"] for line in added.json()["lines"]} >= {c.sku}
    assert allocated(c) == 2
    twice = manager.post(order_url(order, "lines/"), {"variant": c.pk, "quantity": 1})
    assert twice.status_code == 400
    assert twice.json()["error"]["code"] == "line_exists"
    line_b = order.lines.get(variant=b)
    removed = manager.delete(order_url(order, f"lines/{line_b.pk}/"))
    assert removed.status_code == 200
    assert b.sku not in {line["sku"] for line in removed.json()["lines"]}
    assert allocated(b) == 0
    foreign = make_variant(StoreFactory())
    refused = manager.post(order_url(order, "lines/"), {"variant": foreign.pk, "quantity": 1})
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "unknown_variant"


def test_change_part_of_the_address(shop):
    _store, order, _variants, manager = shop
    response = manager.patch(order_url(order, "address/"), {"city": "Bristol"})
    assert response.status_code == 200
    assert response.json()["shipping_address"] == {
        **ADDRESS,
        "city": "Bristol",
        "line2": "",
        "region": "",
    }
    invalid = manager.patch(order_url(order, "address/"), {"country": "Britain"})
    assert invalid.status_code == 400
    assert set(invalid.json()["error"]["fields"]) == {"country"}


def test_shipped_lines_no_longer_change(shop):
    _store, order, (a, _b, _c), manager = shop
    line = order.lines.get(variant=a)
    shipment_create(order=order, lines=[(line.pk, 1)], actor=SYSTEM)
    response = manager.patch(order_url(order, f"lines/{line.pk}/"), {"quantity": 5})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "line_shipped"
    address = manager.patch(order_url(order, "address/"), {"city": "Bristol"})
    assert address.status_code == 400
    assert address.json()["error"]["code"] == "order_shipped"


def test_clerks_and_viewers_do_not_edit_and_other_stores_are_not_found(shop):
    store, order, (a, _b, c), _manager = shop
    line = order.lines.get(variant=a)
    for role in (Role.CLERK, Role.VIEWER):
        client = client_for(staff_member(store, role))
        assert (
            client.patch(order_url(order, f"lines/{line.pk}/"), {"quantity": 1}).status_code == 403
        )
        assert (
            client.post(order_url(order, "lines/"), {"variant": c.pk, "quantity": 1}).status_code
            == 403
        )
    outsider = client_for(staff_member(StoreFactory(), Role.OWNER))
    for response in (
        outsider.patch(order_url(order, f"lines/{line.pk}/"), {"quantity": 1}),
        outsider.delete(order_url(order, f"lines/{line.pk}/")),
        outsider.patch(order_url(order, "address/"), {"city": "Bristol"}),
    ):
        assert response.status_code == 404
    line.refresh_from_db()
    assert line.quantity == 2


def test_a_line_of_another_order_is_not_found(shop):
    store, order, (a, _b, _c), manager = shop
    other = place_order(store, [(a, 1)])
    other_line = other.lines.get()
    response = manager.patch(order_url(order, f"lines/{other_line.pk}/"), {"quantity": 2})
    assert response.status_code == 404
    assert manager.delete(order_url(order, "lines/999999999/")).status_code == 404
