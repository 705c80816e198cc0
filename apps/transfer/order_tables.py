"""Orders as tables for the order exports: one row per order, or one row per order line with
the order's columns repeated (the way Shopify exports them). Besides the sale, a row tells what
happened after it: the order's fulfilment and payment status, its shipments with their tracking
numbers, the money captured and refunded; a line its units shipped, delivered, returned and
refunded, and the amount refunded for it.

Rows come from one queryset iterator (a server-side cursor on PostgreSQL). What the row itself
does not hold is read once per batch of rows, for the whole batch: two queries per batch of
orders, three per batch of lines, whatever the number of shipments, payments or refunds. Only
one batch is held in memory at a time.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum

from apps.core.money import CENT
from apps.orders.models import (
    Order,
    OrderLine,
    Payment,
    PaymentKind,
    RefundLine,
    Shipment,
    ShipmentStatus,
)

ZERO = Decimal("0.00")
BATCH_ROWS = 2000
# Several shipments or tracking numbers of one order share one cell.
JOIN = ", "

ADDRESS_PARTS = ("name", "line1", "line2", "city", "postal_code", "region", "country")
# What the order row holds, in the order the query reads it; the export's columns follow.
ORDER_PATHS = (
    "store__slug",
    "number",
    "placed_at",
    "status",
    "fulfilment_status",
    "payment_status",
    "currency",
    "subtotal",
    "shipping_total",
    "total",
    "email",
    "phone",
    "shipping_address",
    "customer_note",
)
LINE_PATHS = (
    "sku",
    "product_title",
    "variant_title",
    "unit_price",
    "quantity",
    "line_total",
    "quantity_shipped",
    "quantity_delivered",
    "quantity_returned",
)

ORDER_EXPORT_COLUMNS = (
    "store",
    "number",
    "placed_at",
    "status",
    "fulfilment_status",
    "payment_status",
    "currency",
    "subtotal",
    "shipping",
    "total",
    "captured",
    "refunded",
    "email",
    "phone",
    *(f"ship_{part}" for part in ADDRESS_PARTS),
    "shipments",
    "tracking_numbers",
    "customer_note",
)
LINE_EXPORT_COLUMNS = (
    "sku",
    "product",
    "option",
    "unit_price",
    "quantity",
    "line_total",
    "shipped",
    "delivered",
    "returned",
    "refunded_quantity",
    "refunded_amount",
)
ORDER_LINE_EXPORT_COLUMNS = (*ORDER_EXPORT_COLUMNS, *LINE_EXPORT_COLUMNS)


@dataclass
class _AfterSale:
    """One batch's shipments and money, by order id."""

    captured: dict[int, Decimal] = field(default_factory=dict)
    refunded: dict[int, Decimal] = field(default_factory=dict)
    shipments: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    tracking: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))


def _after_sale(order_ids: set[int]) -> _AfterSale:
    """Two queries: the payment sums and the shipments of every order of the batch.
    Cancelled shipments took nothing out of the building, so they are left out."""
    found = _AfterSale()
    money = (
        Payment.objects.filter(order_id__in=order_ids)
        .values("order_id")
        .annotate(
            captured=Sum("amount", filter=Q(kind=PaymentKind.CAPTURE), default=ZERO),
            refunded=Sum("amount", filter=Q(kind=PaymentKind.REFUND), default=ZERO),
        )
        .order_by()
    )
    for row in money:
        found.captured[row["order_id"]] = row["captured"].quantize(CENT)
        found.refunded[row["order_id"]] = row["refunded"].quantize(CENT)
    shipments = (
        Shipment.objects.filter(order_id__in=order_ids)
        .exclude(status=ShipmentStatus.CANCELLED)
        .order_by("order_id", "created_at", "id")
        .values_list("order_id", "number", "tracking_number")
    )
    for order_id, number, tracking_number in shipments:
        found.shipments[order_id].append(number)
        if tracking_number:
            found.tracking[order_id].append(tracking_number)
    return found


def _order_cells(order_id: int, values: tuple[Any, ...], after: _AfterSale) -> tuple[Any, ...]:
    """The order's columns from its ORDER_PATHS values and the batch's after-sale records."""
    (store, number, placed_at, status, fulfilment, payment, currency) = values[:7]
    (subtotal, shipping, total, email, phone, address, note) = values[7:]
    if not isinstance(address, dict):
        address = {}
    return (
        store,
        number,
        placed_at,
        status,
        fulfilment,
        payment,
        currency,
        subtotal,
        shipping,
        total,
        after.captured.get(order_id, ZERO),
        after.refunded.get(order_id, ZERO),
        email,
        phone,
        *(address.get(part, "") for part in ADDRESS_PARTS),
        JOIN.join(after.shipments.get(order_id, ())),
        JOIN.join(after.tracking.get(order_id, ())),
        note,
    )


def _batches(rows: Iterable[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def order_export_rows(
    orders: QuerySet[Order], *, batch_size: int = BATCH_ROWS
) -> Iterator[tuple[Any, ...]]:
    """One row per order of `orders`, newest first."""
    values = (
        orders.order_by("-placed_at", "-id")
        .values_list("id", *ORDER_PATHS)
        .iterator(chunk_size=batch_size)
    )
    for batch in _batches(values, batch_size):
        after = _after_sale({row[0] for row in batch})
        for row in batch:
            yield _order_cells(row[0], row[1:], after)


def _refunded_by_line(line_ids: list[int]) -> dict[int, tuple[int, Decimal]]:
    """One query: units and amount refunded per line of the batch, over all its refunds.
    (SQLite sums decimals as floats: the amounts are rounded back to cents.)"""
    rows = (
        RefundLine.objects.filter(order_line_id__in=line_ids)
        .values("order_line_id")
        .annotate(units=Sum("quantity"), amount=Sum("amount"))
        .order_by()
    )
    return {row["order_line_id"]: (row["units"], row["amount"].quantize(CENT)) for row in rows}


def order_line_export_rows(
    orders: QuerySet[Order], *, batch_size: int = BATCH_ROWS
) -> Iterator[tuple[Any, ...]]:
    """Lines of `orders`, newest order first; the filter stays a subquery, never a list of ids."""
    paths = [f"order__{path}" for path in ORDER_PATHS] + list(LINE_PATHS)
    lines = OrderLine.objects.filter(order__in=orders.order_by().values("pk"))
    values = (
        lines.order_by("-order__placed_at", "-order_id", "id")
        .values_list("order_id", "id", *paths)
        .iterator(chunk_size=batch_size)
    )
    split = 2 + len(ORDER_PATHS)
    for batch in _batches(values, batch_size):
        after = _after_sale({row[0] for row in batch})
        refunded = _refunded_by_line([row[1] for row in batch])
        for row in batch:
            units, amount = refunded.get(row[1], (0, ZERO))
            yield (*_order_cells(row[0], row[2:split], after), *row[split:], units, amount)
