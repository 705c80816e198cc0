"""The catalogue as a table: one row per variant, grouped by product handle (Shopify's and
Medusa's layout). The importer reads these columns and the exporter writes them, so a file
exported from Nexus imports back without changes."""

from collections.abc import Iterable, Iterator

from apps.catalog.models import VARIANT_FIELDS, Category, ProductVariant

# Column names are machine-readable on purpose: they are the file format, not UI text.
CATALOG_PRODUCT_COLUMNS = ("title", "description", "category", "status")
# The variant's fields as columns: a file calls a variant's title its "option"; options and
# position are not in the file (a variant's place follows the order of the rows).
VARIANT_COLUMNS = {
    ("option" if name == "title" else name): name
    for name in VARIANT_FIELDS
    if name not in ("options", "position")
}
CATALOG_COLUMNS = ("handle", *CATALOG_PRODUCT_COLUMNS, *VARIANT_COLUMNS, "on_hand")
CATALOG_REQUIRED_COLUMNS = ("handle", "sku", "price")
CATALOG_ALIASES = {
    "product_handle": "handle",
    "product_title": "title",
    "name": "title",
    "body": "description",
    "category_slug": "category",
    "category_path": "category",
    "variant_sku": "sku",
    "variant_title": "option",
    "option_value": "option",
    "option1_value": "option",
    "variant": "option",
    "variant_price": "price",
    "compare_at": "compare_at_price",
    "variant_compare_at_price": "compare_at_price",
    "variant_barcode": "barcode",
    "low_stock": "low_stock_threshold",
    "quantity": "on_hand",
    "stock": "on_hand",
    "inventory": "on_hand",
    "inventory_quantity": "on_hand",
}
CATALOG_EXPORT_COLUMNS = ("store", *CATALOG_COLUMNS)


def catalog_export_rows(
    *, store_ids: Iterable[int] | None, chunk_size: int = 2000
) -> Iterator[tuple]:
    """Rows in CATALOG_EXPORT_COLUMNS order. `store_ids` None means every store."""
    category_slugs = dict(Category.objects.values_list("pk", "slug"))
    variants = ProductVariant.objects.all()
    if store_ids is not None:
        variants = variants.filter(store_id__in=sorted(store_ids))
    rows = variants.order_by("store_id", "product__handle", "product_id", "position", "id")
    for (
        store_slug,
        handle,
        title,
        description,
        category_id,
        status,
        *variant,
        on_hand,
        track,
    ) in rows.values_list(
        "store__slug",
        "product__handle",
        "product__title",
        "product__description",
        "product__category_id",
        "product__status",
        *VARIANT_COLUMNS.values(),
        "stock__on_hand",
        "track_inventory",
    ).iterator(chunk_size=chunk_size):
        yield (
            store_slug,
            handle,
            title,
            description,
            category_slugs.get(category_id, "") if category_id else "",
            status,
            *variant,
            on_hand if track else None,
        )
