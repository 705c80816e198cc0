"""Catalogue writes by the thousand (the file import), with services.py's rules.

New rows go in through COPY on PostgreSQL (executemany elsewhere) with keys drawn from the
tables' sequences, together with their history rows; changed rows get one UPDATE … FROM
(VALUES …) per chunk and kind of change, and a history row with their whole new state.

The caller has checked who may write (the import's capability). Stock is not the
catalogue's: apps/inventory/catalog_writes.py gives the variants written here their Stock
rows in the same transaction.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import Field, Max, Model
from django.utils import timezone

from apps.catalog.models import PRODUCT_FIELDS, VARIANT_FIELDS, Product, ProductVariant
from apps.catalog.services import handle_is_valid, variant_values
from apps.core.bulk import BulkWriter, JsonText, update_from_values
from apps.core.errors import ApplicationError
from apps.core.sequences import reserve_ids
from apps.stores.models import Store
from apps.stores.scoping import Actor, acting_person

QUERY_CHUNK = 2000
# Rows written between two progress reports while new variants stream in.
PROGRESS_EVERY = 5000

Progress = Callable[[int], None]

_PRODUCT_COLUMNS = ("id", "store", *PRODUCT_FIELDS, "created_at", "updated_at")
_VARIANT_COLUMNS = ("id", "product", "store", *VARIANT_FIELDS, "created_at", "updated_at")
_HISTORY_COLUMNS = ("history_date", "history_change_reason", "history_type", "history_user")
_STOCK_FLAGS = frozenset({"track_inventory", "allow_backorder"})


def _columns(model: type[Model], names: Iterable[str]) -> list[Field[Any, Any]]:
    """The named fields that are columns of `model`, in the order named."""
    by_name = {f.name: f for f in model._meta.concrete_fields}
    return [by_name[name] for name in names]


def _defaults(model: type[Model], names: Iterable[str]) -> dict[str, Any]:
    return {f.attname: f.get_default() for f in _columns(model, names)}


_PRODUCT_DEFAULTS = _defaults(Product, PRODUCT_FIELDS)
# Options serialised once: a variant from a file has none.
_VARIANT_DEFAULTS = {**_defaults(ProductVariant, VARIANT_FIELDS), "options": JsonText("{}")}


class CatalogueChanged(Exception):
    """A row the batch was planned against is gone or moved (the catalogue changed since)."""


@dataclass(frozen=True)
class NewVariant:
    handle: str  # its product's: new in the same batch or already in the store
    values: dict[str, Any]  # VARIANT_FIELDS with sku and price; position follows the batch's order


@dataclass
class CatalogueBatch:
    """Product fields are keyed by attname (category_id); variant fields by VARIANT_FIELDS."""

    products_new: dict[str, dict[str, Any]] = field(default_factory=dict)  # handle → fields
    products_update: dict[int, dict[str, Any]] = field(default_factory=dict)  # id → changes
    variants_new: list[NewVariant] = field(default_factory=list)
    variants_update: dict[int, dict[str, Any]] = field(default_factory=dict)  # id → changes


@dataclass
class BatchWritten:
    new_tracked: dict[str, int]  # SKU → id of each new variant that tracks inventory
    stock_flags_changed: list[ProductVariant]  # changed track/backorder flags, as now stored


T = TypeVar("T")


def _chunks(items: list[T], size: int = QUERY_CHUNK) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@transaction.atomic
def products_upsert_bulk(
    *,
    store: Store,
    batch: CatalogueBatch,
    actor: Actor,
    reason: str,
    progress: Progress | None = None,
) -> BatchWritten:
    """Write a batch, all or nothing; `progress` hears how many rows each step wrote.

    Raises ApplicationError for a value the catalogue refuses and CatalogueChanged when a
    product or variant to change is gone or a new variant's product cannot be found.
    """
    _check_product_fields([*batch.products_new.values(), *batch.products_update.values()])
    writer = _Writer(store=store, actor=actor, reason=reason, progress=progress)
    product_ids = writer.new_products(batch.products_new)
    writer.update_rows(Product, _PRODUCT_COLUMNS, batch.products_update)
    new_tracked = writer.new_variants(batch.variants_new, product_ids)
    updates = {pk: variant_values(changes) for pk, changes in batch.variants_update.items()}
    flagged = writer.update_rows(ProductVariant, _VARIANT_COLUMNS, updates, watch=_STOCK_FLAGS)
    return BatchWritten(
        new_tracked=new_tracked,
        stock_flags_changed=[ProductVariant(**state) for state in flagged],
    )


def _check_product_fields(products: list[dict[str, Any]]) -> None:
    unknown = {name for values in products for name in values} - set(_PRODUCT_DEFAULTS)
    if unknown:
        raise ApplicationError(f"Cannot set {', '.join(sorted(unknown))} of a product.")


class _Writer:
    def __init__(self, *, store: Store, actor: Actor, reason: str, progress: Progress | None):
        self.store = store
        self.now: datetime = timezone.now()
        person = acting_person(actor)
        self.actor_id = person.pk if person is not None else None
        self.reason = reason[:100]
        self.progress = progress or (lambda n: None)

    def new_products(self, products: dict[str, dict[str, Any]]) -> dict[str, int]:
        """handle → id of each new product."""
        bad = [handle for handle in products if not handle_is_valid(handle)]
        if bad:
            raise ApplicationError(f"Invalid handles: {', '.join(sorted(bad)[:20])}.")
        rows = BulkWriter(Product, list(_PRODUCT_COLUMNS))
        history = BulkWriter(Product.history.model, [*_PRODUCT_COLUMNS, *_HISTORY_COLUMNS])
        ids = {}
        for (handle, fields), pk in zip(
            products.items(), reserve_ids(Product, len(products)), strict=True
        ):
            values = {**_PRODUCT_DEFAULTS, **fields, "handle": handle}
            row = (pk, self.store.pk, *values.values(), self.now, self.now)
            rows.add(row)
            history.add(row + self._history_tail("+"))
            ids[handle] = pk
        rows.flush()
        history.flush()
        self.progress(len(products))
        return ids

    def new_variants(
        self, variants: list[NewVariant], product_ids: dict[str, int]
    ) -> dict[str, int]:
        missing = sorted({v.handle for v in variants} - set(product_ids))
        for chunk in _chunks(missing):
            product_ids.update(
                Product.objects.filter(store=self.store, handle__in=chunk).values_list(
                    "handle", "pk"
                )
            )
        if not {v.handle for v in variants} <= set(product_ids):
            raise CatalogueChanged
        next_position = self._next_positions(product_ids[h] for h in missing)
        rows = BulkWriter(ProductVariant, list(_VARIANT_COLUMNS))
        history = BulkWriter(ProductVariant.history.model, [*_VARIANT_COLUMNS, *_HISTORY_COLUMNS])
        tracked = {}
        for index, (variant, pk) in enumerate(
            zip(variants, reserve_ids(ProductVariant, len(variants)), strict=True), start=1
        ):
            product_id = product_ids[variant.handle]
            position = next_position.get(product_id, 0)
            next_position[product_id] = position + 1
            values = {
                **_VARIANT_DEFAULTS,
                **variant_values(variant.values, new=True),
                "position": position,
            }
            row = (pk, product_id, self.store.pk, *values.values(), self.now, self.now)
            rows.add(row)
            history.add(row + self._history_tail("+"))
            if values["track_inventory"]:
                tracked[values["sku"]] = pk
            if index % PROGRESS_EVERY == 0:
                self.progress(PROGRESS_EVERY)
        rows.flush()
        history.flush()
        self.progress(len(variants) % PROGRESS_EVERY)
        return tracked

    def _next_positions(self, product_ids: Iterable[int]) -> dict[int, int]:
        """New variants of a product that exists go after the ones it has."""
        positions: dict[int, int] = {}
        for chunk in _chunks(sorted(set(product_ids))):
            positions.update(
                ProductVariant.objects.filter(product_id__in=chunk)
                .values("product_id")
                .annotate(top=Max("position"))
                .values_list("product_id", "top")
            )
        return {product_id: top + 1 for product_id, top in positions.items()}

    def update_rows(
        self,
        model: type[Product] | type[ProductVariant],
        columns: tuple[str, ...],
        updates: dict[int, dict[str, Any]],
        *,
        watch: frozenset[str] = frozenset(),
    ) -> list[dict[str, Any]]:
        """Write changed fields, and a history row ("~") with the whole new state of each;
        returns the new states of the rows whose change touched a field in `watch`."""
        watched: list[dict[str, Any]] = []
        if not updates:
            return watched
        attnames = [f.attname for f in _columns(model, columns)]
        history = BulkWriter(model.history.model, [*columns, *_HISTORY_COLUMNS])
        for chunk in _chunks(sorted(updates)):
            rows = list(model.objects.filter(store=self.store, pk__in=chunk).values_list(*attnames))
            if len(rows) != len(chunk):
                raise CatalogueChanged
            by_fields: dict[tuple[str, ...], list[tuple]] = {}
            for row in rows:
                values = dict(zip(attnames, row, strict=True))
                change = updates[values["id"]]
                values.update(change, updated_at=self.now)
                history.add(tuple(values.values()) + self._history_tail("~"))
                if watch & change.keys():
                    watched.append(values)
                fields = (*sorted(change), "updated_at")
                by_fields.setdefault(fields, []).append(tuple(values[f] for f in ("id", *fields)))
            for fields, items in by_fields.items():
                update_from_values(model, fields, items)
            self.progress(len(rows))
        history.flush()
        return watched

    def _history_tail(self, kind: str) -> tuple[datetime, str, str, int | None]:
        return (self.now, self.reason, kind, self.actor_id)
