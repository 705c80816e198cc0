"""A seeded order is the order the services would have written: each one is placed again
through order_place and walked along the same steps through order_transition and
order_set_payment_status, by the same people, and the two are compared field by field."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from apps.inventory.models import StockMovement
from apps.inventory.tests.factories import receive
from apps.orders.models import ORDER_SALE_FIELDS, Order, OrderEventType
from apps.orders.services import (
    OrderLineInput,
    order_number_for,
    order_place,
    order_set_payment_status,
    order_transition,
)
from apps.orders.transitions import OrderStatus

pytestmark = pytest.mark.django_db

ORDER_FIELDS = ("store_id", "customer_id", *ORDER_SALE_FIELDS)


def lines(order: Order) -> list[tuple]:
    return sorted(
        order.lines.values_list(
            "variant_id",
            "sku",
            "product_title",
            "variant_title",
            "unit_price",
            "quantity",
            "line_total",
        )
    )


def events(order: Order) -> list[tuple]:
    return list(
        order.events.order_by("created_at", "pk").values_list(
            "type", "from_value", "to_value", "actor_id", "message"
        )
    )


def movements(order: Order) -> list[tuple]:
    """The order's own movements; the order within one step follows the rows' locking
    order in the services, so they are compared as a set with repeats."""
    return sorted(
        StockMovement.objects.filter(reference_id=order.number).values_list(
            "stock_id", "reason", "on_hand_delta", "allocated_delta", "actor_id", "reference_type"
        )
    )


def place_again(seeded: Order) -> Order:
    """The seeded order, placed and moved along its timeline through the services."""
    seeded_lines = list(seeded.lines.select_related("variant"))
    for line in seeded_lines:
        if line.variant.track_inventory:
            # Enough on the shelf whatever the seeded orders left: the seeder books a
            # delivery where the services would refuse, and deliveries are not the order's.
            receive(line.variant, line.quantity)
    order, created = order_place(
        store=seeded.store,
        customer=seeded.customer,
        lines=[OrderLineInput(line.variant_id, line.quantity) for line in seeded_lines],
        shipping_address=seeded.shipping_address,
        phone=seeded.phone,
        customer_note=seeded.customer_note,
    )
    assert created
    for event in seeded.events.order_by("created_at", "pk").select_related("actor")[1:]:
        if event.type == OrderEventType.PAYMENT:
            order_set_payment_status(
                order=order, to_status=event.to_value, actor=event.actor, message=event.message
            )
            continue
        order_transition(
            order=order,
            to_status=event.to_value,
            actor=event.actor,
            tracking_number=seeded.tracking_number if event.to_value == OrderStatus.SHIPPED else "",
            # The staff member's word on returned goods, as the seeded timeline records it.
            restock="not restocked" not in event.message,
        )
    order.refresh_from_db()
    return order


def test_a_seeded_order_is_what_the_services_write():
    # Five stores: the last sells e-books and audiobooks, whose stock is not counted.
    call_command("seed_demo", stores=5, products=10, orders=100, stdout=io.StringIO())
    seeded_orders = list(Order.objects.select_related("store", "customer").order_by("pk"))
    untracked = Order.objects.filter(lines__variant__track_inventory=False).distinct().count()
    assert untracked and Order.objects.filter(shipping_total=Decimal("0")).exists()

    for seeded in seeded_orders:
        placed = place_again(seeded)

        for order in (seeded, placed):
            assert order.number == order_number_for(
                prefix=order.store.order_prefix, order_id=order.pk
            )
        assert [getattr(seeded, f) for f in ORDER_FIELDS] == [
            getattr(placed, f) for f in ORDER_FIELDS
        ], seeded.number
        assert lines(seeded) == lines(placed), seeded.number
        assert events(seeded) == events(placed), seeded.number
        seeded_movements = movements(seeded)
        assert seeded_movements == movements(placed), seeded.number
        assert bool(seeded_movements) == any(
            line.variant.track_inventory for line in seeded.lines.select_related("variant")
        )
