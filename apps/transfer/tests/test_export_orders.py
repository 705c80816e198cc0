"""The order exports after the sale: shipments and tracking, captured and refunded money per
order; shipped, delivered, returned and refunded units per line; filters on the derived
statuses; a fixed number of queries per batch of rows."""

import csv
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.catalog.tests.factories import make_variant
from apps.inventory.tests.factories import receive
from apps.orders.fulfilment import shipment_cancel, shipment_create, shipment_deliver
from apps.orders.models import Order, PaymentKind
from apps.orders.payments import payment_record
from apps.orders.returns import ReturnLineInput, return_create, return_receive
from apps.orders.services import order_transition
from apps.orders.tests.factories import pay, place_order
from apps.orders.transitions import OrderStatus
from apps.transfer.changelists import order_changelist_queryset
from apps.transfer.exporting import csv_chunks
from apps.transfer.order_tables import (
    ORDER_EXPORT_COLUMNS,
    ORDER_LINE_EXPORT_COLUMNS,
    order_export_rows,
    order_line_export_rows,
)
from apps.transfer.services.export_jobs import export_spec

pytestmark = pytest.mark.django_db


def _csv(spec) -> list[dict]:
    text = "".join(csv_chunks(spec.headers, spec.rows)).lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def goods(store):
    shirt = make_variant(store, price="10.00")
    socks = make_variant(store, price="4.00")
    receive(shirt, 20)
    receive(socks, 20)
    return shirt, socks


@pytest.fixture
def worked(store, goods, manager):
    """An order shipped in two parcels (a third was cancelled), one parcel delivered, one
    shirt back and refunded; and an order nobody touched yet."""
    shirt, socks = goods
    order = place_order(store, [(shirt, 3), (socks, 2)])
    order_transition(order=order, to_status=OrderStatus.CONFIRMED, actor=manager)
    pay(order)
    shirts = order.lines.get(variant=shirt)
    wrong = shipment_create(order=order, lines=[(shirts.pk, 1)], actor=manager)
    shipment_cancel(shipment=wrong, actor=manager, reason="Wrong label")
    first = shipment_create(
        order=order, lines=[(shirts.pk, 2)], actor=manager, carrier="DHL", tracking_number="T-1"
    )
    second = shipment_create(order=order, lines=None, actor=manager)
    shipment_deliver(shipment=first, actor=manager)
    back = return_create(order=order, lines=[ReturnLineInput(shirts.pk, 1)], actor=manager)
    return_receive(order_return=back, actor=manager)
    payment_record(
        order=order,
        kind=PaymentKind.REFUND,
        actor=manager,
        order_return=back,
        lines=[(shirts.pk, 1)],
        note="Returned",
    )
    untouched = place_order(store, [(socks, 1)])
    order.refresh_from_db()
    return order, untouched, (first, second)


def test_order_rows_tell_shipments_tracking_and_money(worked, manager):
    order, untouched, (first, second) = worked
    rows = {r["number"]: r for r in _csv(export_spec(kind="orders", user=manager))}

    done = rows[order.number]
    assert (done["status"], done["fulfilment_status"], done["payment_status"]) == (
        "confirmed",
        "partially_returned",
        "partially_refunded",
    )
    assert (done["captured"], done["refunded"]) == (f"{order.total:.2f}", "10.00")
    # The cancelled parcel shipped nothing: it is not one of the order's shipments.
    assert done["shipments"] == f"{first.number}, {second.number}"
    assert done["tracking_numbers"] == "T-1"
    fresh = rows[untouched.number]
    assert (fresh["status"], fresh["fulfilment_status"], fresh["payment_status"]) == (
        "pending",
        "unfulfilled",
        "unpaid",
    )
    assert (fresh["captured"], fresh["refunded"], fresh["shipments"]) == ("0.00", "0.00", "")
    assert "tracking_number" not in rows[order.number]


def test_line_rows_tell_units_shipped_delivered_returned_and_refunded(worked, goods, manager):
    order, untouched, _shipments = worked
    shirt, socks = goods
    rows = _csv(export_spec(kind="order_lines", user=manager))
    by_line = {(r["number"], r["sku"]): r for r in rows}
    columns = ("shipped", "delivered", "returned", "refunded_quantity", "refunded_amount")

    assert [by_line[order.number, shirt.sku][c] for c in columns] == ["3", "2", "1", "1", "10.00"]
    assert [by_line[order.number, socks.sku][c] for c in columns] == ["2", "0", "0", "0", "0.00"]
    assert [by_line[untouched.number, socks.sku][c] for c in columns] == ["0"] * 4 + ["0.00"]
    # Each line repeats its order's columns, the after-sale ones too.
    assert by_line[order.number, socks.sku]["refunded"] == "10.00"
    assert by_line[order.number, socks.sku]["tracking_numbers"] == "T-1"
    assert list(rows[0]) == list(ORDER_LINE_EXPORT_COLUMNS)


def test_exports_filter_on_fulfilment_and_payment_status(worked, manager):
    order, untouched, _shipments = worked
    for filters, expected in (
        ("fulfilment_status__exact=partially_returned", [order.number]),
        ("fulfilment_status__exact=unfulfilled", [untouched.number]),
        ("payment_status__exact=partially_refunded", [order.number]),
        ("payment_status__in=unpaid,refunded", [untouched.number]),
        ("status__exact=confirmed", [order.number]),
    ):
        orders = order_changelist_queryset(user=manager, query_string=filters)
        assert [
            r["number"] for r in _csv(export_spec(kind="orders", user=manager, orders=orders))
        ] == (expected), filters


def _queries(make_rows) -> int:
    with CaptureQueriesContext(connection) as queries:
        rows = list(make_rows())
    assert rows
    return len(queries)


def test_queries_grow_with_batches_not_with_rows_or_records(store, goods, manager):
    shirt, socks = goods
    for _ in range(4):
        order = place_order(store, [(shirt, 1), (socks, 1)])
        order_transition(order=order, to_status=OrderStatus.CONFIRMED, actor=manager)
        pay(order)
    orders = Order.objects.all()
    # Four orders in batches of two: one query for the rows, two per batch.
    bare = _queries(lambda: order_export_rows(orders, batch_size=2))
    assert bare == 1 + 2 * 2
    lines_bare = _queries(lambda: order_line_export_rows(orders, batch_size=2))
    assert lines_bare == 1 + 3 * 4

    for order in orders:
        for line in order.lines.all():
            shipment_create(order=order, lines=[(line.pk, 1)], actor=manager, tracking_number="X")
        payment_record(
            order=order,
            kind=PaymentKind.REFUND,
            actor=manager,
            lines=[(line.pk, 1)],
            note="Goodwill",
        )
    assert _queries(lambda: order_export_rows(orders, batch_size=2)) == bare
    assert _queries(lambda: order_line_export_rows(orders, batch_size=2)) == lines_bare


def test_every_row_has_every_column(worked):
    order, _untouched, _shipments = worked
    orders = Order.objects.filter(pk=order.pk)
    (row,) = order_export_rows(orders)
    assert len(row) == len(ORDER_EXPORT_COLUMNS)
    assert {len(r) for r in order_line_export_rows(orders)} == {len(ORDER_LINE_EXPORT_COLUMNS)}
    assert row[ORDER_EXPORT_COLUMNS.index("refunded")] == Decimal("10.00")
