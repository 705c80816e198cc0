"""The queue ships: everything left, or some units of some lines, and the store's rule on
unpaid orders, all in place."""

import pytest
from django.urls import reverse

from apps.catalog.tests.factories import make_variant
from apps.inventory.tests.factories import receive
from apps.orders.models import OrderEventType
from apps.orders.services import order_transition
from apps.orders.statuses import FulfilmentStatus
from apps.orders.tests.factories import pay, place_order
from apps.orders.tests.test_queue_views import row_ids
from apps.orders.transitions import OrderStatus
from apps.stores.roles import Role
from apps.stores.tests.factories import StoreFactory, staff_member

pytestmark = pytest.mark.django_db

QUEUE = reverse("orders-queue")
HTMX = {"HTTP_HX_REQUEST": "true"}
SHIP_ALL = {"action": "ship", "everything": "on"}


def action_url(order):
    return reverse("orders-queue-action", args=[order.pk])


@pytest.fixture
def store():
    return StoreFactory(name="Alpha")


@pytest.fixture
def clerk(store):
    return staff_member(store, Role.CLERK)


@pytest.fixture
def manager(store):
    return staff_member(store, Role.MANAGER)


def orders_for(store, count, *, quantity=1):
    variant = make_variant(store)
    second = make_variant(store)
    receive(variant, count * quantity)
    receive(second, count)
    return [place_order(store, [(variant, quantity), (second, 1)]) for _ in range(count)]


def test_ship_all_records_the_tracking_number(client, clerk, store):
    (order,) = orders_for(store, 1)
    order_transition(order=order, to_status=OrderStatus.CONFIRMED, actor=clerk)
    pay(order)
    client.force_login(clerk)

    response = client.post(action_url(order), {**SHIP_ALL, "tracking_number": " TRK-42 "}, **HTMX)

    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-fulfilment="shipped"' in body and 'role="status"' in body
    order.refresh_from_db()
    assert order.fulfilment_status == FulfilmentStatus.SHIPPED
    shipment = order.shipments.get()
    assert shipment.tracking_number == "TRK-42"
    assert {(sl.order_line.sku, sl.quantity) for sl in shipment.lines.all()} == {
        (line.sku, line.quantity) for line in order.lines.all()
    }
    assert "TRK-42" in order.events.get(type=OrderEventType.SHIPMENT).text


def test_ship_part_of_a_line_from_the_queue(client, clerk, store):
    (order,) = orders_for(store, 1, quantity=3)
    order_transition(order=order, to_status=OrderStatus.CONFIRMED, actor=clerk)
    pay(order)
    first, second = order.lines.order_by("pk")
    client.force_login(clerk)
    page = client.get(QUEUE).content.decode()
    assert f'name="qty-{first.pk}" value="3"' in page and 'data-action="ship-part"' in page

    response = client.post(
        action_url(order),
        {"action": "ship", f"qty-{first.pk}": "1", f"qty-{second.pk}": "0", "carrier": "DHL"},
        **HTMX,
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-fulfilment="partially_shipped"' in body
    assert "(1 shipped)" in body and f'name="qty-{first.pk}" value="2"' in body
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.quantity_shipped, second.quantity_shipped) == (1, 0)
    order.refresh_from_db()
    assert order.fulfilment_status == FulfilmentStatus.PARTIALLY_SHIPPED
    # Still work to do: the row stays in the queue, under its own tab.
    assert row_ids(client.get(QUEUE, {"status": "partially_shipped"}, **HTMX)) == [order.pk]
    assert row_ids(client.get(QUEUE, {"status": "to_ship"}, **HTMX)) == []


def test_an_unpaid_order_is_flagged_and_refused_unless_a_manager_gives_a_reason(
    client, clerk, manager, store
):
    (order,) = orders_for(store, 1)
    order_transition(order=order, to_status=OrderStatus.CONFIRMED, actor=clerk)
    client.force_login(clerk)
    page = client.get(QUEUE).content.decode()
    assert 'data-role="unpaid"' in page
    assert 'name="unpaid_reason"' not in page

    refused = client.post(action_url(order), SHIP_ALL, **HTMX)
    assert refused.status_code == 400
    assert "is not paid" in refused.content.decode()
    assert not order.shipments.exists()

    client.force_login(manager)
    assert 'name="unpaid_reason"' in client.get(QUEUE).content.decode()
    shipped = client.post(
        action_url(order), {**SHIP_ALL, "unpaid_reason": "Paid in cash at the counter"}, **HTMX
    )
    assert shipped.status_code == 200
    assert order.shipments.count() == 1
    assert "Paid in cash" in order.events.get(type=OrderEventType.SHIPMENT).text


def test_a_store_that_ships_unpaid_orders_shows_no_refusal(client, clerk, store):
    store.ship_unpaid_orders = True
    store.save()
    (order,) = orders_for(store, 1)
    order_transition(order=order, to_status=OrderStatus.CONFIRMED, actor=clerk)
    client.force_login(clerk)
    assert client.post(action_url(order), SHIP_ALL, **HTMX).status_code == 200
    assert order.shipments.count() == 1
