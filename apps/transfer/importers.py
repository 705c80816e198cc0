"""Validate a whole file once against the database, with a few set-based queries, into a
staged plan; apply the plan later with bulk writes in one transaction.

Validation never writes. The plan (`Staged`) holds normalised values only, so applying it
does not parse or validate the file again.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from apps.catalog.models import Category, Product, ProductStatus, ProductVariant
from apps.catalog.services import handle_is_valid
from apps.catalog.services_bulk import CatalogueBatch, CatalogueChanged, NewVariant
from apps.catalog.tables import (
    CATALOG_ALIASES,
    CATALOG_COLUMNS,
    CATALOG_PRODUCT_COLUMNS,
    CATALOG_REQUIRED_COLUMNS,
    VARIANT_COLUMNS,
)
from apps.core.money import MoneyError, to_money
from apps.inventory.catalog_writes import catalog_upsert_bulk
from apps.inventory.models import STAFF_REASONS, MovementReason
from apps.inventory.services import (
    ADDING_REASONS,
    StockChange,
    on_hand_refusal,
    stock_change_bulk,
)
from apps.inventory.tables import STOCK_ALIASES, STOCK_COLUMNS, STOCK_REQUIRED_COLUMNS
from apps.stores.models import Store
from apps.transfer.parsing import Table

QUERY_CHUNK = 2000
MAX_ERRORS_KEPT = 1000
MAX_CHANGES_SHOWN = 25
_TRUE = {"true", "1", "yes", "y", "t", "on", "да", "x"}
_FALSE = {"false", "0", "no", "n", "f", "off", "нет", ""}
_SPACES = str.maketrans("", "", " \u00a0\u202f\u2009'")
MAX_QUANTITY = 2_000_000_000

Progress = Callable[[int], None]


class CellError(Exception):
    pass


@dataclass
class Staged:
    """Everything the preview found, and the plan apply will write."""

    kind: str
    headers: list[str]
    total_rows: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    error_count: int = 0
    errors: list[dict] = field(default_factory=list)
    failed_rows: list[list] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    plan: dict = field(default_factory=dict)

    @property
    def error_rows(self) -> int:
        return len(self.failed_rows)

    def add_errors(self, row: int, cells: list[str], errors: list[tuple[str, str, str]]):
        for column, value, message in errors:
            self.error_count += 1
            if len(self.errors) < MAX_ERRORS_KEPT:
                self.errors.append(
                    {"row": row, "column": column, "value": value, "message": message}
                )
        self.failed_rows.append([row, cells, "; ".join(f"{c}: {m}" for c, _v, m in errors)])

    @property
    def wants_changes(self) -> bool:
        return len(self.changes) < MAX_CHANGES_SHOWN

    def note_change(self, text: str):
        """Callers check wants_changes first, so the message is only built when shown."""
        self.changes.append(text)

    def to_json(self) -> dict:
        return {
            "kind": self.kind,
            "headers": self.headers,
            "failed_rows": self.failed_rows,
            "plan": self.plan,
        }


# Cell parsers: each returns a clean value or raises CellError with a message for people.


def parse_decimal(text: str) -> Decimal:
    value = text.translate(_SPACES)
    if "," in value and "." in value:
        # The last separator is the decimal one: 1.234,50 or 1,234.50.
        if value.rfind(",") > value.rfind("."):
            value = value.replace(".", "").replace(",", ".")
        else:
            value = value.replace(",", "")
    else:
        value = value.replace(",", ".")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise CellError(_("is not a number")) from None
    if not number.is_finite():
        raise CellError(_("is not a number"))
    return number


def parse_money(text: str) -> Decimal:
    try:
        return to_money(parse_decimal(text))
    except MoneyError as error:
        raise CellError(str(error)) from None


def parse_int(text: str, *, minimum: int | None = 0) -> int:
    number = parse_decimal(text)
    if number != number.to_integral_value():
        raise CellError(_("must be a whole number"))
    value = int(number)
    if minimum is not None and value < minimum:
        raise CellError(_("cannot be negative") if minimum == 0 else _("is too small"))
    if abs(value) > MAX_QUANTITY:
        raise CellError(_("is too large"))
    return value


def parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise CellError(_("must be true or false"))


class _Choices:
    """Values or their (translated) labels, matched without regard to case."""

    def __init__(self, choices):
        self.values = [str(v) for v, _label in choices]
        self.lookup = {}
        for value, label in choices:
            self.lookup[str(label).lower()] = value
            self.lookup[str(value).lower()] = value

    def __call__(self, text: str) -> str:
        try:
            return self.lookup[text.strip().lower()]
        except KeyError:
            raise CellError(
                _("must be one of: %(choices)s") % {"choices": ", ".join(self.values)}
            ) from None


def _text(text: str, max_length: int) -> str:
    if len(text) > max_length:
        raise CellError(_("is longer than %(max)s characters") % {"max": max_length})
    return text


def column_map(table: Table, columns: Iterable[str], aliases: dict[str, str]):
    """canonical column → index in the file; and the header cells nobody reads."""
    known = set(columns)
    mapping: dict[str, int] = {}
    ignored = []
    for index, header in enumerate(table.headers):
        name = aliases.get(header, header)
        if name in known and name not in mapping:
            mapping[name] = index
        elif header:
            ignored.append(table.raw_headers[index])
    return mapping, ignored


def _chunks(items: list, size: int = QUERY_CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _Row:
    __slots__ = ("cells", "columns")

    def __init__(self, cells: list[str], columns: dict[str, int]):
        self.cells = cells
        self.columns = columns

    def get(self, name: str) -> str | None:
        """None: the file has no such column. "": the column is there, the cell is empty."""
        index = self.columns.get(name)
        if index is None:
            return None
        return self.cells[index] if index < len(self.cells) else ""


def _missing_columns(staged: Staged, columns: dict[str, int], required: Iterable[str]) -> bool:
    missing = [name for name in required if name not in columns]
    for name in missing:
        staged.add_errors(1, [], [(name, "", _("required column is missing"))])
    return bool(missing)


class _Categories:
    """Resolve a category cell by slug or by a path of names ("Clothing > Shirts")."""

    def __init__(self):
        rows = list(Category.objects.values_list("pk", "slug", "name", "parent_id"))
        self.by_slug = {slug.lower(): pk for pk, slug, _n, _p in rows}
        names = {pk: (name, parent_id) for pk, _s, name, parent_id in rows}
        self.by_path: dict[str, int | None] = {}
        for pk in names:
            parts, current, seen = [], pk, set()
            while current is not None and current in names and current not in seen:
                seen.add(current)
                parts.append(names[current][0].strip().lower())
                current = names[current][1]
            path = " > ".join(reversed(parts))
            # Two categories with the same path are ambiguous: only their slugs name them.
            self.by_path[path] = None if path in self.by_path else pk

    def resolve(self, text: str) -> int | None:
        if not text:
            return None
        key = text.strip().lower()
        if key in self.by_slug:
            return self.by_slug[key]
        path = " > ".join(part.strip() for part in re.split(r"\s*[>/]\s*", key))
        if path in self.by_path:
            if self.by_path[path] is None:
                raise CellError(_("is ambiguous; use the category's slug"))
            return self.by_path[path]
        raise CellError(_("unknown category"))


@dataclass
class _ProductGroup:
    handle: str
    first_row: int
    product_id: int | None
    fields: dict = field(default_factory=dict)  # parsed product columns of the first row
    raw: dict = field(default_factory=dict)  # their cells, to compare later rows with
    changes: dict = field(default_factory=dict)
    bad: bool = False
    staged: bool = False


@dataclass(slots=True)
class _Existing:
    """A variant of the store that the file names by SKU, as stored."""

    pk: int
    product_id: int
    handle: str
    fields: dict  # the fields the file's variant columns fill
    on_hand: int | None
    allocated: int | None


_VARIANT_CELL_FIELDS = tuple(name for name in VARIANT_COLUMNS.values() if name != "sku")
_SKU_LENGTH = ProductVariant._meta.get_field("sku").max_length
_TITLE_LENGTH = Product._meta.get_field("title").max_length
_TRACKED_BY_DEFAULT = ProductVariant._meta.get_field("track_inventory").default
# An empty number or flag leaves the variant's value as it is (a new one gets the default).
_KEEP = object()


def _json_value(value):
    return str(value) if isinstance(value, Decimal) else value


def _json_values(values: dict) -> dict:
    return {k: _json_value(v) for k, v in values.items()}


def validate_catalog(*, store: Store, table: Table, progress: Progress | None = None) -> Staged:
    """Read the file twice (keys first, then every row) and plan creates, updates and stock."""
    columns, ignored = column_map(table, CATALOG_COLUMNS, CATALOG_ALIASES)
    staged = Staged(kind="catalog", headers=table.raw_headers, ignored_columns=ignored)
    if _missing_columns(staged, columns, CATALOG_REQUIRED_COLUMNS):
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
        products=_existing_products(store, handles),
        variants=_existing_variants(store, skus),
        categories=_Categories() if "category" in columns else None,
    )
    for number, cells in table.rows():
        staged.total_rows += 1
        if progress and staged.total_rows % 5000 == 0:
            progress(staged.total_rows)
        planner.add(number, cells, _Row(cells, columns))
    staged.plan = planner.plan()
    return staged


def _existing_products(store: Store, handles: set[str]) -> dict[str, tuple]:
    products = {}
    for chunk in _chunks(sorted(handles)):
        for pk, handle, title, description, category_id, status in (
            Product.objects.filter(store=store, handle__in=chunk)
            .order_by()
            .values_list("pk", "handle", "title", "description", "category_id", "status")
        ):
            products[handle] = (pk, title, description, category_id, status)
    return products


def _existing_variants(store: Store, skus: set[str]) -> dict[str, _Existing]:
    variants = {}
    for chunk in _chunks(sorted(skus)):
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
                *_VARIANT_CELL_FIELDS,
            )
        )
        for sku, pk, product_id, handle, on_hand, allocated, *stored in rows:
            fields = dict(zip(_VARIANT_CELL_FIELDS, stored, strict=True))
            variants[sku] = _Existing(pk, product_id, handle, fields, on_hand, allocated)
    return variants


class _CatalogPlanner:
    """Checks the rows of a catalogue file one by one and plans what applying them writes."""

    def __init__(self, staged: Staged, *, products: dict, variants: dict, categories):
        self.staged = staged
        self.products = products
        self.variants = variants
        self.categories = categories
        self.statuses = _Choices(ProductStatus.choices)
        self.groups: dict[str, _ProductGroup] = {}
        self.seen_skus: dict[str, int] = {}
        self.products_new: dict[str, dict] = {}
        self.products_update: dict[int, dict] = {}
        self.variants_new: list = []
        self.variants_update: list = []
        self.stock: list = []

    def plan(self) -> dict:
        return {
            "products_new": self.products_new,
            "products_update": {str(k): v for k, v in self.products_update.items()},
            "variants_new": self.variants_new,
            "variants_update": self.variants_update,
            "stock": self.stock,
        }

    def add(self, number: int, cells: list[str], row: _Row) -> None:
        handle, sku = row.get("handle"), row.get("sku")
        errors = self._key_errors(number, handle, sku)
        if errors and not handle:
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
        values = _parse_variant(row, errors)
        on_hand = _parse_on_hand(row, sku, values, existing, errors)
        if errors:
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

    def _key_errors(self, number: int, handle: str | None, sku: str | None) -> list:
        errors = []
        if not handle:
            errors.append(("handle", handle, _("a handle is required")))
        elif handle not in self.groups and not handle_is_valid(handle):
            errors.append(
                ("handle", handle, _("use only letters, digits, hyphens and underscores"))
            )
        if not sku:
            errors.append(("sku", sku, _("a SKU is required")))
        elif len(sku) > _SKU_LENGTH:
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

    def _group(self, number: int, row: _Row, handle: str, errors: list) -> _ProductGroup | None:
        """The product of the row; its columns are read from its handle's first row."""
        group = self.groups.get(handle)
        if group is None:
            if any(c == "handle" for c, _v, _m in errors):
                return None
            existing = self.products.get(handle)
            group = _ProductGroup(
                handle=handle,
                first_row=number,
                product_id=existing[0] if existing else None,
            )
            self.groups[handle] = group
            product_errors = _parse_product(row, group, existing, self.categories, self.statuses)
            if product_errors:
                group.bad = True
                errors.extend(product_errors)
            return group
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

    def _plan_product(self, number: int, group: _ProductGroup) -> str:
        if group.staged:
            return "skipped"
        group.staged = True
        if group.product_id is None:
            self.products_new[group.handle] = _json_values(group.fields)
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

    def _plan_new_variant(self, number, handle, sku, values, on_hand) -> None:
        self.variants_new.append([handle, _json_values({"sku": sku, **values}), on_hand])
        if self.staged.wants_changes:
            self.staged.note_change(
                _("Row %(row)s: new variant %(sku)s of %(handle)s at %(price)s")
                % {"row": number, "sku": sku, "handle": handle, "price": values["price"]}
            )

    def _plan_variant_changes(self, number, sku, values, existing: _Existing, on_hand) -> bool:
        current = existing.fields
        changes = {k: v for k, v in values.items() if current[k] != v}
        if changes:
            self.variants_update.append([existing.pk, _json_values(changes)])
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
        counted = on_hand is not None and on_hand != current_on_hand
        if counted:
            self.stock.append([existing.pk, on_hand])
            if self.staged.wants_changes:
                self.staged.note_change(
                    _("Row %(row)s: %(sku)s: on hand %(old)s → %(new)s")
                    % {"row": number, "sku": sku, "old": current_on_hand, "new": on_hand}
                )
        return bool(changes) or counted


def _parse_product(row: _Row, group: _ProductGroup, existing, categories, statuses) -> list:
    errors = []
    parsed = {}
    for name in CATALOG_PRODUCT_COLUMNS:
        value = row.get(name)
        if value is None:
            continue
        group.raw[name] = value
        try:
            if name == "title":
                if not value:
                    if existing is None:
                        raise CellError(_("a new product needs a title"))
                    continue
                parsed["title"] = _text(value, _TITLE_LENGTH)
            elif name == "description":
                parsed["description"] = value
            elif name == "category":
                parsed["category_id"] = categories.resolve(value)
            elif name == "status":
                if not value:
                    continue
                parsed["status"] = statuses(value)
        except CellError as error:
            errors.append((name, value, str(error)))
    if existing is None and "title" not in parsed and not any(c == "title" for c, *_r in errors):
        errors.append(("title", "", _("a new product needs a title")))
    if errors:
        return errors
    if existing is None:
        # What the file leaves out, the catalogue's defaults fill in.
        group.fields = parsed
    else:
        current = dict(
            zip(("title", "description", "category_id", "status"), existing[1:], strict=True)
        )
        group.changes = {k: v for k, v in parsed.items() if current[k] != v}
    return []


def _cell_reader(model_field) -> Callable[[str], object]:
    """How a cell becomes the value of the variant field it fills, by the field's type."""
    kind = model_field.get_internal_type()
    if kind == "CharField":
        return lambda text: _text(text, model_field.max_length)
    if kind == "BooleanField":
        return lambda text: parse_bool(text) if text else _KEEP
    if kind != "DecimalField":
        return lambda text: parse_int(text) if text else _KEEP

    def amount(text: str):
        if text:
            return parse_money(text)
        if not model_field.null:
            raise CellError(_("is required"))
        return None

    return amount


# The variant's columns but its key (the SKU): the field each fills and how its cells read.
_VARIANT_CELLS = {
    column: (name, _cell_reader(ProductVariant._meta.get_field(name)))
    for column, name in VARIANT_COLUMNS.items()
    if name != "sku"
}


def _parse_variant(row: _Row, errors: list) -> dict:
    values = {}
    for column, (name, read) in _VARIANT_CELLS.items():
        text = row.get(column)
        if text is None:
            continue
        try:
            value = read(text)
        except CellError as error:
            errors.append((column, text, str(error)))
            continue
        if value is not _KEEP:
            values[name] = value
    return values


def _parse_on_hand(row: _Row, sku, values: dict, existing: _Existing | None, errors) -> int | None:
    """The row's on-hand count, judged by the inventory's rules against the stock there is."""
    text = row.get("on_hand")
    on_hand = None
    if text:
        try:
            on_hand = parse_int(text)
        except CellError as error:
            errors.append(("on_hand", text, str(error)))
            return None
    stored = existing.fields if existing is not None else {}
    track = values.get("track_inventory", stored.get("track_inventory", _TRACKED_BY_DEFAULT))
    if on_hand is not None and not track:
        errors.append(("on_hand", text, _("this variant does not track inventory")))
        return None
    if not track or existing is None or existing.on_hand is None:
        return on_hand
    backorder = values.get("allow_backorder", stored["allow_backorder"])
    if on_hand is None and (backorder or not stored["allow_backorder"]):
        return None
    refused = _stock_refusal(
        sku=sku,
        reason=MovementReason.IMPORT,
        on_hand=existing.on_hand,
        allocated=existing.allocated,
        allow_backorder=backorder,
        new_on_hand=existing.on_hand if on_hand is None else on_hand,
    )
    if refused and on_hand is None:
        errors.append(
            (
                "allow_backorder",
                row.get("allow_backorder"),
                _(
                    "%(n)s units are on backorder; receive them (or give an on_hand count) "
                    "before turning backorders off"
                )
                % {"n": existing.allocated - existing.on_hand},
            )
        )
    elif refused:
        errors.append(("on_hand", text, refused))
    return on_hand


_STOCK_REASONS = (*STAFF_REASONS, MovementReason.IMPORT)


def _stock_refusal(*, on_hand: int, allocated: int, reason: str, **change) -> str | None:
    """The inventory service's verdict on a planned on-hand figure, worded for the preview."""
    refusal = on_hand_refusal(on_hand=on_hand, allocated=allocated, reason=reason, **change)
    if refusal is None:
        return None
    code = refusal[0]
    if code == "negative_stock":
        return _("on hand would go below zero (it is %(n)s)") % {"n": on_hand}
    if code == "below_allocated":
        return _("%(n)s units are allocated to orders; on hand cannot be lower") % {"n": allocated}
    if code == "wrong_direction" and reason in ADDING_REASONS:
        return _("the reason “%(reason)s” can only add units; use a correction") % {
            "reason": MovementReason(reason).label
        }
    if code == "wrong_direction":
        return _("the reason “%(reason)s” can only take units away; use a correction") % {
            "reason": MovementReason(reason).label
        }
    return refusal[1]


def validate_stock(*, store: Store, table: Table, progress: Progress | None = None) -> Staged:
    columns, ignored = column_map(table, STOCK_COLUMNS, STOCK_ALIASES)
    staged = Staged(kind="stock", headers=table.raw_headers, ignored_columns=ignored)
    if _missing_columns(staged, columns, STOCK_REQUIRED_COLUMNS):
        return staged
    if "on_hand" not in columns and "delta" not in columns:
        staged.add_errors(1, [], [("on_hand", "", _("needs an on_hand or a delta column"))])
        return staged

    sku_index = columns["sku"]
    skus = {cells[sku_index] for _n, cells in table.rows() if sku_index < len(cells)}
    variants: dict[str, tuple] = {}
    for chunk in _chunks(sorted(skus)):
        rows = (
            ProductVariant.objects.filter(store=store, sku__in=chunk)
            .order_by()
            .values_list(
                "sku",
                "pk",
                "track_inventory",
                "allow_backorder",
                "stock__on_hand",
                "stock__allocated",
            )
        )
        for sku, *rest in rows:
            variants[sku] = tuple(rest)
    reasons = _Choices([(r, MovementReason(r).label) for r in _STOCK_REASONS])

    seen: dict[str, int] = {}
    plan = []
    for number, cells in table.rows():
        staged.total_rows += 1
        if progress and staged.total_rows % 5000 == 0:
            progress(staged.total_rows)
        row = _Row(cells, columns)
        errors = []
        sku = row.get("sku")
        variant = variants.get(sku) if sku else None
        if not sku:
            errors.append(("sku", sku, _("a SKU is required")))
        elif sku in seen:
            errors.append(
                (
                    "sku",
                    sku,
                    _("duplicate SKU in this file (first in row %(row)s)") % {"row": seen[sku]},
                )
            )
        elif variant is None:
            errors.append(("sku", sku, _("no variant with this SKU in the store")))
        elif not variant[1]:
            errors.append(("sku", sku, _("this variant does not track inventory")))
        if sku:
            seen.setdefault(sku, number)
        on_hand_text, delta_text = row.get("on_hand") or "", row.get("delta") or ""
        set_on_hand = delta = None
        if on_hand_text and delta_text:
            errors.append(("delta", delta_text, _("give either on_hand or delta, not both")))
        elif not on_hand_text and not delta_text:
            errors.append(("on_hand", "", _("give on_hand or delta")))
        else:
            try:
                if on_hand_text:
                    set_on_hand = parse_int(on_hand_text)
                else:
                    delta = parse_int(delta_text, minimum=None)
            except CellError as error:
                errors.append(
                    ("on_hand" if on_hand_text else "delta", on_hand_text or delta_text, str(error))
                )
        reason_text = row.get("reason") or ""
        reason = MovementReason.IMPORT.value
        if reason_text:
            try:
                reason = reasons(reason_text)
            except CellError as error:
                errors.append(("reason", reason_text, str(error)))
        note = (row.get("note") or "")[:255]
        if not errors and variant is not None:
            current = variant[3] or 0
            allocated = variant[4] or 0
            new = set_on_hand if set_on_hand is not None else current + delta
            column, text = ("on_hand", on_hand_text) if on_hand_text else ("delta", delta_text)
            refused = _stock_refusal(
                sku=sku,
                reason=reason,
                on_hand=current,
                allocated=allocated,
                allow_backorder=variant[2],
                new_on_hand=new,
            )
            if refused:
                errors.append((column, text, refused))
        if errors:
            staged.add_errors(number, cells, errors)
            continue
        if new == current:
            staged.skipped += 1
            continue
        plan.append([variant[0], set_on_hand, delta, reason, note])
        staged.updated += 1
        if staged.wants_changes:
            staged.note_change(
                _("Row %(row)s: %(sku)s: on hand %(old)s → %(new)s")
                % {"row": number, "sku": sku, "old": current, "new": new}
            )
    staged.plan = {"stock": plan}
    return staged


class StaleImport(Exception):
    """The catalogue changed between the preview and the apply."""


def apply_catalog(
    *, store: Store, plan: dict, actor, reference, reason: str, progress: Progress | None = None
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


def apply_stock(
    *, store: Store, plan: dict, actor, reference, reason: str, progress: Progress | None = None
) -> int:
    changes = [
        StockChange(
            variant_id=variant_id, set_on_hand=set_on_hand, delta=delta, reason=why, note=note
        )
        for variant_id, set_on_hand, delta, why, note in plan["stock"]
    ]
    moved = stock_change_bulk(changes=changes, actor=actor, reference=reference)
    if progress:
        progress(len(changes))
    return moved


def plan_size(plan: dict) -> int:
    """How many units of work apply will report progress over."""
    return sum(len(entries) for entries in plan.values())
