"""The data migration from whole-order statuses to after-sale records, forward and back, on
rows written the way the old code wrote them."""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [
    ("orders", "0001_orders_lines_events"),
    ("inventory", "0002_stock_movements_append_only_on_postgresql"),
    ("stores", "0002_store_invitations"),
]
AFTER = [("orders", "0004_remove_order_tracking_number")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


def _old_order(apps, store, number, status, payment_status, tracking=""):
    Order = apps.get_model("orders", "Order")
    OrderLine = apps.get_model("orders", "OrderLine")
    OrderEvent = apps.get_model("orders", "OrderEvent")
    now = timezone.now()
    order = Order.objects.create(
        store_id=store.pk,
        number=number,
        status=status,
        payment_status=payment_status,
        currency="EUR",
        subtotal=Decimal("30.00"),
        shipping_total=Decimal("0.00"),
        total=Decimal("30.00"),
        email="ada@example.com",
        tracking_number=tracking,
        placed_at=now,
    )
    OrderLine.objects.create(
        order=order,
        sku=f"{number}-A",
        product_title="Mug",
        unit_price=Decimal("10.00"),
        quantity=3,
        line_total=Decimal("30.00"),
    )
    for step in {"shipped": ["shipped"], "delivered": ["shipped", "delivered"]}.get(status, []):
        OrderEvent.objects.create(order=order, type="status_changed", to_value=step)
    if status == "returned":
        for step in ("shipped", "delivered", "returned"):
            OrderEvent.objects.create(order=order, type="status_changed", to_value=step)
    return order.pk


def test_old_statuses_become_records_and_fold_back():
    old = migrate(BEFORE)
    Store = old.get_model("stores", "Store")
    store = Store.objects.create(name="Old", slug="old", order_prefix="OLD", currency="EUR")
    ids = {
        name: _old_order(old, store, f"OLD-{n}", status, payment, tracking)
        for n, (name, status, payment, tracking) in enumerate(
            [
                ("pending", "pending", "unpaid", ""),
                ("shipped", "shipped", "paid", "TRACK1"),
                ("delivered", "delivered", "paid", "TRACK2"),
                ("returned", "returned", "refunded", ""),
            ]
        )
    }

    new = migrate(AFTER)
    Order = new.get_model("orders", "Order")
    Shipment = new.get_model("orders", "Shipment")
    Payment = new.get_model("orders", "Payment")
    orders = {name: Order.objects.get(pk=pk) for name, pk in ids.items()}
    got = {
        name: (order.status, order.fulfilment_status, order.payment_status)
        for name, order in orders.items()
    }
    assert got == {
        "pending": ("pending", "unfulfilled", "unpaid"),
        "shipped": ("confirmed", "shipped", "paid"),
        "delivered": ("confirmed", "delivered", "paid"),
        "returned": ("confirmed", "returned", "refunded"),
    }
    shipped = Shipment.objects.get(order_id=ids["shipped"])
    assert (shipped.number, shipped.status, shipped.tracking_number) == (
        "OLD-1-S1",
        "shipped",
        "TRACK1",
    )
    assert shipped.lines.get().quantity == 3
    returned = new.get_model("orders", "OrderReturn").objects.get(order_id=ids["returned"])
    assert returned.status == "closed" and returned.lines.get().decision == "write_off"
    kinds = sorted(Payment.objects.filter(order_id=ids["returned"]).values_list("kind", flat=True))
    assert kinds == ["capture", "refund"]
    assert not Payment.objects.filter(order_id=ids["pending"]).exists()

    back = migrate(BEFORE)
    OldOrder = back.get_model("orders", "Order")
    folded = {
        name: (order.status, order.payment_status, order.tracking_number)
        for name, order in ((n, OldOrder.objects.get(pk=pk)) for n, pk in ids.items())
    }
    assert folded == {
        "pending": ("pending", "unpaid", ""),
        "shipped": ("shipped", "paid", "TRACK1"),
        "delivered": ("delivered", "paid", "TRACK2"),
        "returned": ("returned", "refunded", ""),
    }
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
