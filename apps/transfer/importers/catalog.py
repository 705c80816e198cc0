"""The catalogue file: one row per variant, grouped into products by handle, with an optional
on-hand count. Validation plans creates, updates and stock counts; apply hands the plan to the
catalogue's bulk write path."""

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from apps.catalog.models import Product, ProductVariant
from apps.catalog.services import handle_is_valid
from apps.catalog.services_bulk import CatalogueBatch, CatalogueChanged, NewVariant
from apps.catalog.tables import (
    CATALOG_ALIASES,
    CATALOG_COLUMNS,
    CATALOG_PRODUCT_COLUMNS,
    CATALOG_REQUIRED_COLUMNS,
)
from apps.inventory.catalog_writes import catalog_upsert_bulk
from apps.inventory.models import MovementReason
from apps.inventory.services import StockChange, StockReference
from apps.stores.models import Store
from apps.stores.scoping import Actor
from apps.transfer.importers.catalog_rows import (
    VARIANT_CELL_FIELDS,
    ProductCells,
    StoredVariant,
    read_on_hand,
    read_variant,
)
from apps.transfer.importers.staging import (
    Problem,
    Progress,
    Row,
    Staged,
    chunks,
    column_map,
    counted_rows,
    json_values,
    missing_columns,
)
from apps.transfer.parsing import Table

_SKU_LENGTH = ProductVariant._meta.get_field("sku").max_length
_STORED_PRODUCT_FIELDS = ("title", "description", "category_id", "status")


class StaleImport(Exception):
    """The catalogue changed between the preview and the apply."""


def validate_catalog(*, store: Store, table: Table, progress: Progress | None = None) -> Staged:
    """Read the file twice (keys first, then every row) and plan creates, updates and stock."""
    columns, ignored = column_map(table, CATALOG_COLUMNS, CATALOG_ALIASES)
    staged = Staged(kind="catalog", headers=table.raw_headers, ignored_columns=ignored)
    if missing_columns(staged, columns, CATALOG_REQUIRED_COLUMNS):
        return staged

    handles: set[str] = set()
    skus: set[str] = set()
    handle_index, sku_index = columns["handle"], columns["sku"]
    for _number, cells in table.rows():
        if handle_index < len(cells):
            handles.add(cells[handle_index])
        if sku_index < len(cells):
            skus.add(cells[sku_index])
    planner = _CatalogPlanner(
        staged,
        products=_stored_products(store, handles),
        variants=_stored_variants(store, skus),
        product_cells=ProductCells(),
    )
    for number, cells in counted_rows(staged, table, progress):
        planner.add(number, cells, Row(cells, columns))
    staged.plan = planner.plan()
    return staged


def _stored_products(store: Store, handles: set[str]) -> dict[str, tuple[Any, ...]]:
    """handle → (pk, then the product's fields in the order of _STORED_PRODUCT_FIELDS)."""
    products: dict[str, tuple[Any, ...]] = {}
    for chunk in chunks(sorted(handles)):
        for pk, handle, *fields in (
            Product.objects.filter(store=store, handle__in=chunk)
            .order_by()
            .values_list("pk", "handle", *_STORED_PRODUCT_FIELDS)
        ):
            products[handle] = (pk, *fields)
    return products


def _stored_variants(store: Store, skus: set[str]) -> dict[str, StoredVariant]:
    variants: dict[str, StoredVariant] = {}
    for chunk in chunks(sorted(skus)):
        rows = (
            ProductVariant.objects.filter(store=store, sku__in=chunk)
            .order_by()
            .values_list(
                "sku",
                "pk",
                "product_id",
                "product__handle",
                "stock__on_hand",
                "stock__allocated",
                *VARIANT_CELL_FIELDS,
            )
        )
        for sku, pk, product_id, handle, on_hand, allocated, *stored in rows:
            fields = dict(zip(VARIANT_CELL_FIELDS, stored, strict=True))
            variants[sku] = StoredVariant(pk, product_id, handle, fields, on_hand, allocated)
    return variants


@dataclass
class _ProductGroup:
    handle: str
    first_row: int
    product_id: int | None
    fields: dict[str, object] = field(default_factory=dict)  # the first row's product columns
    raw: dict[str, str] = field(default_factory=dict)  # their cells, to compare later rows with
    changes: dict[str, object] = field(default_factory=dict)
    bad: bool = False
    staged: bool = False


class _CatalogPlanner:
    """Checks the rows of a catalogue file one by one and plans what applying them writes."""

    def __init__(
        self,
        staged: Staged,
        *,
        products: dict[str, tuple[Any, ...]],
        variants: dict[str, StoredVariant],
        product_cells: ProductCells,
    ) -> None:
        self.staged = staged
        self.products = products
        self.variants = variants
        self.product_cells = product_cells
        self.groups: dict[str, _ProductGroup] = {}
        self.seen_skus: dict[str, int] = {}
        self.products_new: dict[str, dict[str, object]] = {}
        self.products_update: dict[int, dict[str, object]] = {}
        self.variants_new: list[tuple[str, dict[str, object], int | None]] = []
        self.variants_update: list[tuple[int, dict[str, object]]] = []
        self.stock: list[tuple[int, int]] = []

    def plan(self) -> dict[str, object]:
        return {
            "products_new": self.products_new,
            "products_update": {str(k): v for k, v in self.products_update.items()},
            "variants_new": self.variants_new,
            "variants_update": self.variants_update,
            "stock": self.stock,
        }

    def add(self, number: int, cells: list[str], row: Row) -> None:
        handle, sku = row.required("handle"), row.required("sku")
        errors = self._key_errors(number, handle, sku)
        if not handle:
            self.staged.add_errors(number, cells, errors)
            return
        group = self._group(number, row, handle, errors)
        existing = self.variants.get(sku) if sku else None
        if existing is not None and group is not None and existing.product_id != group.product_id:
            errors.append(
                (
                    "sku",
                    sku,
                    _("already belongs to product %(handle)s in this store")
                    % {"handle": existing.handle},
                )
            )
        values = read_variant(row, errors)
        on_hand = read_on_hand(row, sku, values, existing, errors)
        if errors or group is None:
            # A row without its product has an error saying why.
            self.staged.add_errors(number, cells, errors)
            return
        outcome = self._plan_product(number, group)
        if existing is None:
            self._plan_new_variant(number, group.handle, sku, values, on_hand)
            outcome = "created"
        elif self._plan_variant_changes(number, sku, values, existing, on_hand):
            outcome = "updated"
        if outcome == "created":
            self.staged.created += 1
        elif outcome == "updated":
            self.staged.updated += 1
        else:
            self.staged.skipped += 1

    def _key_errors(self, number: int, handle: str, sku: str) -> list[Problem]:
        errors: list[Problem] = []
        if not handle:
            errors.append(("handle", handle, _("a handle is required")))
        elif handle not in self.groups and not handle_is_valid(handle):
            errors.append(
                ("handle", handle, _("use only letters, digits, hyphens and underscores"))
            )
        if not sku:
            errors.append(("sku", sku, _("a SKU is required")))
        elif _SKU_LENGTH is not None and len(sku) > _SKU_LENGTH:
            errors.append(
                ("sku", sku, _("is longer than %(max)s characters") % {"max": _SKU_LENGTH})
            )
        elif sku in self.seen_skus:
            errors.append(
                (
                    "sku",
                    sku,
                    _("duplicate SKU in this file (first in row %(row)s)")
                    % {"row": self.seen_skus[sku]},
                )
            )
        else:
            self.seen_skus[sku] = number
        return errors

    def _group(
        self, number: int, row: Row, handle: str, errors: list[Problem]
    ) -> _ProductGroup | None:
        """The product of the row; its columns are read from its handle's first row."""
        group = self.groups.get(handle)
        if group is None:
            if any(c == "handle" for c, _v, _m in errors):
                return None
            return self._new_group(number, row, handle, errors)
        if group.bad:
            errors.append(
                (
                    "handle",
                    handle,
                    _("the product's first row (row %(row)s) has errors")
                    % {"row": group.first_row},
                )
            )
        for name in CATALOG_PRODUCT_COLUMNS:
            value = row.get(name)
            if value and value != group.raw.get(name, ""):
                errors.append(
                    (
                        name,
                        value,
                        _(
                            "differs from row %(row)s of the same product; product "
                            "columns are read from a handle's first row"
                        )
                        % {"row": group.first_row},
                    )
                )
        return group

    def _new_group(
        self, number: int, row: Row, handle: str, errors: list[Problem]
    ) -> _ProductGroup:
        stored = self.products.get(handle)
        group = _ProductGroup(
            handle=handle, first_row=number, product_id=stored[0] if stored else None
        )
        self.groups[handle] = group
        group.raw, parsed, product_errors = self.product_cells.read(row, is_new=stored is None)
        if product_errors:
            group.bad = True
            errors.extend(product_errors)
        elif stored is None:
            # What the file leaves out, the catalogue's defaults fill in.
            group.fields = parsed
        else:
            current = dict(zip(_STORED_PRODUCT_FIELDS, stored[1:], strict=True))
            group.changes = {k: v for k, v in parsed.items() if current[k] != v}
        return group

    def _plan_product(self, number: int, group: _ProductGroup) -> str:
        if group.staged:
            return "skipped"
        group.staged = True
        if group.product_id is None:
            self.products_new[group.handle] = json_values(group.fields)
            return "created"
        if not group.changes:
            return "skipped"
        self.products_update[group.product_id] = group.changes
        if self.staged.wants_changes:
            self.staged.note_change(
                _("Row %(row)s: product %(handle)s: %(fields)s")
                % {"row": number, "handle": group.handle, "fields": ", ".join(group.changes)}
            )
        return "updated"

    def _plan_new_variant(
        self, number: int, handle: str, sku: str, values: dict[str, Any], on_hand: int | None
    ) -> None:
        self.variants_new.append((handle, json_values({"sku": sku, **values}), on_hand))
        if self.staged.wants_changes:
            self.staged.note_change(
                _("Row %(row)s: new variant %(sku)s of %(handle)s at %(price)s")
                % {"row": number, "sku": sku, "handle": handle, "price": values["price"]}
            )

    def _plan_variant_changes(
        self,
        number: int,
        sku: str,
        values: dict[str, Any],
        existing: StoredVariant,
        on_hand: int | None,
    ) -> bool:
        current = existing.fields
        changes = {k: v for k, v in values.items() if current[k] != v}
        if changes:
            self.variants_update.append((existing.pk, json_values(changes)))
            if self.staged.wants_changes:
                self.staged.note_change(
                    _("Row %(row)s: %(sku)s: %(changes)s")
                    % {
                        "row": number,
                        "sku": sku,
                        "changes": ", ".join(f"{k} {current[k]} → {v}" for k, v in changes.items()),
                    }
                )
        current_on_hand = existing.on_hand if existing.on_hand is not None else 0
        if on_hand is None or on_hand == current_on_hand:
            return bool(changes)
        self.stock.append((existing.pk, on_hand))
        if self.staged.wants_changes:
            self.staged.note_change(
                _("Row %(row)s: %(sku)s: on hand %(old)s → %(new)s")
                % {"row": number, "sku": sku, "old": current_on_hand, "new": on_hand}
            )
        return True


def apply_catalog(
    *,
    store: Store,
    plan: dict[str, Any],
    actor: Actor,
    reference: StockReference,
    reason: str,
    progress: Progress | None = None,
) -> int:
    """Write a validated plan. The caller holds the transaction; returns stock movements made."""
    done = 0

    def advance(rows: int) -> None:
        nonlocal done
        done += rows
        if progress:
            progress(done)

    batch = CatalogueBatch(
        products_new=plan["products_new"],
        products_update={int(pk): changes for pk, changes in plan["products_update"].items()},
        variants_new=[NewVariant(handle, values) for handle, values, _n in plan["variants_new"]],
        variants_update=dict(plan["variants_update"]),
    )
    try:
        return catalog_upsert_bulk(
            store=store,
            batch=batch,
            opening_counts={
                values["sku"]: on_hand for _h, values, on_hand in plan["variants_new"] if on_hand
            },
            stock_changes=[
                StockChange(variant_id=pk, set_on_hand=on_hand, reason=MovementReason.IMPORT)
                for pk, on_hand in plan["stock"]
            ],
            actor=actor,
            reference=reference,
            reason=reason,
            progress=advance,
        )
    except CatalogueChanged:
        raise StaleImport from None
