"""The order page costs the same number of queries however much happened to the order."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.catalog.tests.factories import make_variant
from apps.inventory.tests.factories import receive
from apps.orders.fulfilment import shipment_create
from apps.orders.models import PaymentKind
from apps.orders.payments import payment_record
from apps.orders.returns import ReturnLineInput, return_create
from apps.orders.services import order_add_note, order_transition
from apps.orders.tests.factories import pay, place_order
from apps.orders.transitions import OrderStatus
from apps.stores.roles import Role
from apps.stores.tests.factories import StoreFactory, staff_member

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def store():
    return StoreFactory(name="Alpha")


@pytest.fixture
def manager(store):
    return staff_member(store, Role.MANAGER)


def small_order(store, manager):
    """One line, nothing shipped, returned or refunded."""
    variant = make_variant(store)
    receive(variant, 10)
    order = place_order(store, [(variant, 2)])
    order_transition(order=order, to_status=OrderStatus.CONFIRMED, actor=manager)
    pay(order)
    return order


def one_of_each(store, manager):
    """One line, one shipment, one return, one payment record."""
    order = small_order(store, manager)
    line = order.lines.get()
    shipment_create(order=order, lines=[(line.pk, 1)], actor=manager)
    return_create(order=order, lines=[ReturnLineInput(line.pk, 1)], actor=manager)
    return order


# Django skips a nested prefetch when there is nothing to nest under: an order without
# shipments and returns does not read shipment lines and return lines.
NESTED_UNDER_SHIPMENTS_AND_RETURNS = 2


def big_order(store, manager):
    """10 lines, 5 shipments, 3 returns, 6 payment records, 30 events."""
    variants = [make_variant(store) for _ in range(10)]
    for variant in variants:
        receive(variant, 10)
    order = place_order(store, [(variant, 3) for variant in variants])
    order_transition(order=order, to_status=OrderStatus.CONFIRMED, actor=manager)
    payment_record(order=order, kind=PaymentKind.AUTHORISATION, actor=manager, method="card")
    payment_record(order=order, kind=PaymentKind.VOID, actor=manager)
    pay(order)
    lines = list(order.lines.order_by("pk"))
    for first, second in zip(lines[0:10:2], lines[1:10:2], strict=True):
        shipment_create(order=order, lines=[(first.pk, 2), (second.pk, 1)], actor=manager)
    for returned in lines[:3]:
        return_create(order=order, lines=[ReturnLineInput(returned.pk, 1)], actor=manager)
    payment_record(
        order=order, kind=PaymentKind.REFUND, actor=manager, note="x", lines=[(lines[0].pk, 1)]
    )
    payment_record(order=order, kind=PaymentKind.REFUND, actor=manager, amount="1.00", note="y")
    payment_record(order=order, kind=PaymentKind.CAPTURE, actor=manager, amount="1.00")
    while order.events.count() < 30:
        order_add_note(order=order, actor=manager, message="Checked")
    assert (order.lines.count(), order.shipments.count(), order.returns.count()) == (10, 5, 3)
    assert (order.payments.count(), order.events.count()) == (6, 30)
    return order


def queries(client, method, url, data=None, **headers) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(url, data or {}, **headers)
    assert response.status_code in (200, 302), response.status_code
    return len(captured)


def test_the_order_page_is_flat_in_lines_shipments_returns_payments_and_events(
    client, store, manager
):
    small, one, big = (make(store, manager) for make in (small_order, one_of_each, big_order))
    client.force_login(manager)

    def page(order) -> int:
        return queries(client, "get", reverse("admin:orders_order_change", args=(order.pk,)))

    page(small)  # warm per-process caches (content types, site configuration)
    assert page(big) == page(one) == page(small) + NESTED_UNDER_SHIPMENTS_AND_RETURNS
    html = client.get(reverse("admin:orders_order_change", args=(big.pk,))).content.decode()
    assert html.count("data-shipment=") == 5 and html.count("data-return=") == 3
    assert html.count("data-payment=") == 6 and html.count("data-event=") == 30


def test_an_htmx_answer_is_flat_too(client, store, manager):
    one, big = one_of_each(store, manager), big_order(store, manager)
    client.force_login(manager)

    def note(order) -> int:
        url = reverse("admin:orders_order_act", args=(order.pk, "note"))
        return queries(client, "post", url, {"message": "Called the customer"}, **HTMX)

    note(one)
    assert note(big) == note(one)
