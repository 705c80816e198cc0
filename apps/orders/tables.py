"""Orders as tables: one row per order, or one row per order line with the order's fields
repeated (the way Shopify exports them)."""

from collections.abc import Iterator

from django.db.models import QuerySet

from apps.orders.models import Order, OrderLine

ORDER_FIELDS = (
    ("store", "store__slug"),
    ("number", "number"),
    ("placed_at", "placed_at"),
    ("status", "status"),
    ("payment_status", "payment_status"),
    ("currency", "currency"),
    ("subtotal", "subtotal"),
    ("shipping", "shipping_total"),
    ("total", "total"),
    ("email", "email"),
    ("phone", "phone"),
    ("shipping_address", "shipping_address"),
    ("tracking_number", "tracking_number"),
    ("customer_note", "customer_note"),
)
ADDRESS_PARTS = ("name", "line1", "line2", "city", "postal_code", "region", "country")
LINE_FIELDS = (
    ("sku", "sku"),
    ("product", "product_title"),
    ("option", "variant_title"),
    ("unit_price", "unit_price"),
    ("quantity", "quantity"),
    ("line_total", "line_total"),
)


def _headers(fields) -> tuple[str, ...]:
    headers = []
    for name, _path in fields:
        if name == "shipping_address":
            headers.extend(f"ship_{part}" for part in ADDRESS_PARTS)
        else:
            headers.append(name)
    return tuple(headers)


ORDER_EXPORT_COLUMNS = _headers(ORDER_FIELDS)
ORDER_LINE_EXPORT_COLUMNS = (*ORDER_EXPORT_COLUMNS, *_headers(LINE_FIELDS))
_ADDRESS_INDEX = [name for name, _path in ORDER_FIELDS].index("shipping_address")


def _flatten(values: tuple) -> tuple:
    address = values[_ADDRESS_INDEX] or {}
    if not isinstance(address, dict):
        address = {}
    return (
        *values[:_ADDRESS_INDEX],
        *(address.get(part, "") for part in ADDRESS_PARTS),
        *values[_ADDRESS_INDEX + 1 :],
    )


def order_export_rows(orders: QuerySet[Order], *, chunk_size: int = 2000) -> Iterator[tuple]:
    paths = [path for _name, path in ORDER_FIELDS]
    for values in (
        orders.order_by("-placed_at", "-id").values_list(*paths).iterator(chunk_size=chunk_size)
    ):
        yield _flatten(values)


def order_line_export_rows(orders: QuerySet[Order], *, chunk_size: int = 2000) -> Iterator[tuple]:
    """Lines of `orders`, newest order first; the filter stays a subquery, never a list of ids."""
    paths = [f"order__{path}" for _name, path in ORDER_FIELDS] + [p for _n, p in LINE_FIELDS]
    lines = OrderLine.objects.filter(order__in=orders.order_by().values("pk"))
    for values in (
        lines.order_by("-order__placed_at", "-order_id", "id")
        .values_list(*paths)
        .iterator(chunk_size=chunk_size)
    ):
        yield _flatten(values)
