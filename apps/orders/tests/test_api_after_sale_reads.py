"""Order answers with shipments, returns and payment records: a fixed number of queries however
many of each an order has, and the hand-built answers equal to what their declared fields (the
schema) produce."""

import pytest
from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from apps.catalog.tests.factories import make_variant
from apps.core.tests.fixtures import api_client_for as client_for
from apps.inventory.tests.factories import receive
from apps.orders.api.common import staff_order_detail, staff_order_list
from apps.orders.api.serializers import (
    CustomerOrderSerializer,
    StaffOrderDetailSerializer,
    StaffOrderListSerializer,
)
from apps.orders.fulfilment import shipment_create, shipment_deliver
from apps.orders.models import PaymentKind
from apps.orders.payments import payment_record
from apps.orders.returns import ReturnLineInput, return_create, return_receive
from apps.orders.selectors import order_detail_for_customer
from apps.orders.services import order_transition
from apps.orders.tests.factories import pay, place_order
from apps.orders.transitions import OrderStatus
from apps.stores.roles import Role
from apps.stores.scoping import SYSTEM
from apps.stores.tests.factories import StoreFactory, staff_member
from apps.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def order_with_records(store, variant, customer, count):
    """An order with `count` shipments, `count` returns (the first received) and a capture
    plus `count` refunds, each of one unit of the line and tied to its return."""
    order = place_order(store, [(variant, count + 1)], customer=customer)
    order_transition(order=order, to_status=OrderStatus.CONFIRMED, actor=SYSTEM)
    pay(order)
    line = order.lines.get()
    for index in range(count):
        shipment = shipment_create(
            order=order, lines=[(line.pk, 1)], actor=SYSTEM, tracking_number=f"T{index}"
        )
        shipment_deliver(shipment=shipment, actor=SYSTEM)
        order_return = return_create(
            order=order, lines=[ReturnLineInput(line.pk, 1, "damaged")], actor=SYSTEM
        )
        if index == 0:
            return_receive(order_return=order_return, actor=SYSTEM)
        payment_record(
            order=order,
            kind=PaymentKind.REFUND,
            actor=SYSTEM,
            note="Damaged",
            order_return=order_return,
            lines=[(line.pk, 1)],
        )
    return order


@pytest.fixture
def shop():
    store = StoreFactory()
    variant = make_variant(store, price="10.00")
    receive(variant, 100)
    return store, variant


@pytest.mark.parametrize("count", [1, 3])
def test_staff_answers_cost_the_same_however_many_records(shop, count, django_assert_num_queries):
    store, variant = shop
    customer = UserFactory()
    orders = [order_with_records(store, variant, customer, count) for _ in range(2)]
    client = client_for(staff_member(store, Role.VIEWER))
    # user, memberships, order, lines, shipments (with who shipped), their lines, returns,
    # their lines, payments (with actor), refund lines, events (with actor)
    with django_assert_num_queries(11):
        detail = client.get(f"/api/v1/staff/orders/{orders[0].number}/").json()
    assert [len(detail[key]) for key in ("shipments", "returns", "payments")] == [
        count,
        count,
        count + 1,
    ]
    # user, memberships, count, orders, and the same records but events
    with django_assert_num_queries(11):
        listed = client.get("/api/v1/staff/orders/").json()["results"]
    assert [len(order["shipments"]) for order in listed] == [count, count]


@pytest.mark.parametrize("count", [1, 3])
def test_customer_answers_cost_the_same_however_many_records(
    shop, count, django_assert_num_queries
):
    store, variant = shop
    ann = UserFactory()
    order = order_with_records(store, variant, ann, count)
    order_with_records(store, variant, ann, count)
    client = client_for(ann)
    # user, count, orders, lines, shipments, their lines, returns, their lines, payments,
    # events
    with django_assert_num_queries(10):
        listed = client.get("/api/v1/orders/").json()["results"]
    assert [len(o["returns"]) for o in listed] == [count, count]
    with django_assert_num_queries(9):
        client.get(f"/api/v1/orders/{order.number}/")


def test_staff_answers_show_every_record_with_its_lines(shop):
    store, variant = shop
    order = order_with_records(store, variant, UserFactory(), 2)
    body = client_for(staff_member(store, Role.VIEWER)).get(f"/api/v1/staff/orders/{order.number}/")
    body = body.json()
    line = order.lines.get()
    assert (body["fulfilment_status"], body["payment_status"]) == (
        "partially_returned",
        "partially_refunded",
    )
    assert [s["tracking_number"] for s in body["shipments"]] == ["T0", "T1"]
    assert body["shipments"][0]["lines"] == [{"line": line.pk, "sku": line.sku, "quantity": 1}]
    first, second = body["returns"]
    assert (first["status"], first["lines"][0]["decision"]) == ("received", "restock")
    assert (second["status"], second["lines"][0]["decision"]) == ("requested", "")
    refunds = [p for p in body["payments"] if p["kind"] == "refund"]
    assert [p["return_number"] for p in refunds] == [first["number"], second["number"]]
    assert body["payment_summary"] == {
        "authorised": "0.00",
        "captured": "34.90",
        "refunded": "20.00",
        "voided": "0.00",
        "open_authorisation": "0.00",
        "refundable": "14.90",
        "balance": "0.00",
    }


def test_hand_built_answers_match_their_declared_fields(shop):
    store, variant = shop
    ann = UserFactory()
    placed = order_with_records(store, variant, ann, 2)
    request = APIRequestFactory().get("/")
    request.user = staff_member(store, Role.MANAGER)
    cases = [
        (CustomerOrderSerializer(), order_detail_for_customer(customer=ann)),
        (StaffOrderListSerializer(), staff_order_list(request.user)),
        (
            StaffOrderDetailSerializer(context={"request": request}),
            staff_order_detail(request.user),
        ),
    ]
    for serializer, queryset in cases:
        order = queryset.get(pk=placed.pk)
        by_hand = serializer.to_representation(order)
        assert by_hand == serializers.ModelSerializer.to_representation(serializer, order)
        assert len(by_hand["shipments"]) == 2


@pytest.mark.parametrize(
    ("role", "capabilities"),
    [
        (Role.VIEWER, []),
        (Role.CLERK, ["fulfil_orders"]),
        (
            Role.MANAGER,
            [
                "fulfil_orders",
                "manage_orders",
                "edit_orders",
                "record_payments",
                "refund",
                "write_off",
            ],
        ),
    ],
)
def test_the_order_says_what_your_role_may_do_to_it(shop, role, capabilities):
    store, variant = shop
    order = place_order(store, [(variant, 1)])
    client = client_for(staff_member(store, role))
    body = client.get(f"/api/v1/staff/orders/{order.number}/").json()
    assert body["capabilities"] == capabilities
