"""Stock levels as a table: the stocktake import reads these columns, the export writes them."""

from collections.abc import Iterable, Iterator

from apps.inventory.models import Stock
from apps.inventory.selectors import available_units_expression

STOCK_COLUMNS = ("sku", "on_hand", "delta", "reason", "note")
STOCK_REQUIRED_COLUMNS = ("sku",)
STOCK_ALIASES = {
    "variant_sku": "sku",
    "quantity": "on_hand",
    "count": "on_hand",
    "stock": "on_hand",
    "change": "delta",
    "adjustment": "delta",
    "comment": "note",
}
STOCK_EXPORT_COLUMNS = (
    "store",
    "sku",
    "product",
    "option",
    "on_hand",
    "allocated",
    "available",
    "low_stock_threshold",
)


def stock_export_rows(
    *, store_ids: Iterable[int] | None, chunk_size: int = 2000
) -> Iterator[tuple]:
    stocks = Stock.objects.all()
    if store_ids is not None:
        stocks = stocks.filter(store_id__in=sorted(store_ids))
    yield from (
        stocks.annotate(available=available_units_expression())
        .order_by("store_id", "variant__sku")
        .values_list(
            "store__slug",
            "variant__sku",
            "variant__product__title",
            "variant__title",
            "on_hand",
            "allocated",
            "available",
            "variant__low_stock_threshold",
        )
        .iterator(chunk_size=chunk_size)
    )
