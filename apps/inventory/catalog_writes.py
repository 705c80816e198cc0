"""The catalogue's variant writes, each with its stock: every tracked variant has a Stock row.

The catalogue cannot see stock (catalog < inventory), so the layer that owns both makes the
link, as an explicit call rather than a signal whose receiver must always run: each function
here runs the catalogue service and, in the same transaction, gives the variants it created
or changed their Stock rows and keeps their backorder flags in step. Surfaces (admin, API,
import) and the test factories write variants through here; product_update, which touches
no variant, stays the catalogue's.
"""

from collections.abc import Callable, Iterable
from functools import wraps
from typing import ParamSpec, TypeVar

from django.db import transaction

from apps.catalog import services as catalog
from apps.catalog.models import Product, ProductVariant
from apps.catalog.services_bulk import CatalogueBatch, Progress, products_upsert_bulk
from apps.inventory.ledger import StockReference
from apps.inventory.models import MovementReason
from apps.inventory.services import StockChange, stock_change_bulk, stock_ensure, stock_ensure_bulk
from apps.stores.models import Store
from apps.stores.scoping import Actor

P = ParamSpec("P")
W = TypeVar("W", Product, ProductVariant)


def _with_stock_rows(
    write: Callable[P, W], variants_of: Callable[[W], Iterable[ProductVariant]]
) -> Callable[P, W]:
    """The catalogue's `write` (its signature and docstring), then stock_ensure over the
    variants it wrote, in one transaction."""

    @wraps(write)
    @transaction.atomic
    def written(*args: P.args, **kwargs: P.kwargs) -> W:
        result = write(*args, **kwargs)
        stock_ensure(variants=variants_of(result))
        return result

    return written


product_create = _with_stock_rows(catalog.product_create, lambda product: product.variants.all())
variant_create = _with_stock_rows(catalog.variant_create, lambda variant: [variant])
# Tracking turned on creates the Stock row; backorders turned off are refused while orders
# wait for units.
variant_update = _with_stock_rows(catalog.variant_update, lambda variant: [variant])


@transaction.atomic
def catalog_upsert_bulk(
    *,
    store: Store,
    batch: CatalogueBatch,
    opening_counts: dict[str, int],
    stock_changes: list[StockChange],
    actor: Actor,
    reference: StockReference,
    reason: str,
    progress: Progress | None = None,
) -> int:
    """apps.catalog.services_bulk.products_upsert_bulk with stock; returns movements written.

    Every new tracked variant gets its Stock row with its opening count (`opening_counts`
    by SKU, 0 when absent); `stock_changes` are counts of variants that were there before.
    """
    written = products_upsert_bulk(
        store=store, batch=batch, actor=actor, reason=reason, progress=progress
    )
    opening = [
        StockChange(
            variant_id=pk, set_on_hand=opening_counts.get(sku, 0), reason=MovementReason.IMPORT
        )
        for sku, pk in written.new_tracked.items()
    ]
    flipped = written.stock_flags_changed
    # Backorders are turned on before the counts and off after them, so that both are judged
    # against the new counts, as a preview judges them.
    stock_ensure_bulk(variants=[v for v in flipped if v.allow_backorder])
    moved = stock_change_bulk(changes=[*opening, *stock_changes], actor=actor, reference=reference)
    stock_ensure_bulk(variants=[v for v in flipped if not v.allow_backorder])
    if progress:
        progress(len(stock_changes))
    return moved
