"""Validate a whole file once against the database, with a few set-based queries, into a
staged plan; apply the plan later with bulk writes in one transaction.

Validation never writes. The plan (`Staged`) holds normalised values only, so applying it
does not parse or validate the file again.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.catalog.models import Category, Product, ProductStatus, ProductVariant
from apps.catalog.resources import (
    CATALOG_ALIASES,
    CATALOG_COLUMNS,
    CATALOG_PRODUCT_COLUMNS,
    CATALOG_REQUIRED_COLUMNS,
)
from apps.core.bulk import BulkWriter, JsonText, update_from_values
from apps.core.sequences import reserve_ids
from apps.inventory.models import STAFF_REASONS, MovementReason
from apps.inventory.resources import STOCK_ALIASES, STOCK_COLUMNS, STOCK_REQUIRED_COLUMNS
from apps.inventory.services import (
    ADDING_REASONS,
    StockChange,
    on_hand_refusal,
    stock_change_bulk,
    stock_ensure_bulk,
)
from apps.stores.models import Store
from apps.transfer.parsing import Table

QUERY_CHUNK = 2000
MAX_ERRORS_KEPT = 1000
MAX_CHANGES_SHOWN = 25
_HANDLE_RE = re.compile(r"^[-a-zA-Z0-9_]+$")
_TRUE = {"true", "1", "yes", "y", "t", "on", "да", "x"}
_FALSE = {"false", "0", "no", "n", "f", "off", "нет", ""}
_SPACES = str.maketrans("", "", " \u00a0\u202f\u2009'")
MAX_PRICE = Decimal("9999999999.99")
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
    number = parse_decimal(text)
    if number < 0:
        raise CellError(_("cannot be negative"))
    if number != number.quantize(Decimal("0.01")):
        raise CellError(_("has more than two decimals"))
    if number > MAX_PRICE:
        raise CellError(_("is too large"))
    return number.quantize(Decimal("0.01"))


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
    next_position: int = 0


_PRODUCT_DB_FIELDS = {
    "title": "title",
    "description": "description",
    "category": "category_id",
    "status": "status",
}
_VARIANT_DB_FIELDS = (
    "title",
    "price",
    "compare_at_price",
    "barcode",
    "track_inventory",
    "allow_backorder",
    "low_stock_threshold",
)
_VARIANT_COLUMN = {
    "option": "title",
    "price": "price",
    "compare_at_price": "compare_at_price",
    "barcode": "barcode",
    "track_inventory": "track_inventory",
    "allow_backorder": "allow_backorder",
    "low_stock_threshold": "low_stock_threshold",
}


def _json_value(value):
    return str(value) if isinstance(value, Decimal) else value


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

    products: dict[str, tuple] = {}
    for chunk in _chunks(sorted(handles)):
        for pk, handle, title, description, category_id, status in (
            Product.objects.filter(store=store, handle__in=chunk)
            .order_by()
            .values_list("pk", "handle", "title", "description", "category_id", "status")
        ):
            products[handle] = (pk, title, description, category_id, status)
    variants: dict[str, tuple] = {}
    for chunk in _chunks(sorted(skus)):
        for row in (
            ProductVariant.objects.filter(store=store, sku__in=chunk)
            .order_by()
            .values_list(
                "sku",
                "pk",
                "product_id",
                "product__handle",
                *_VARIANT_DB_FIELDS,
                "stock__on_hand",
                "stock__allocated",
            )
        ):
            variants[row[0]] = row[1:]
    categories = _Categories() if "category" in columns else None
    statuses = _Choices(ProductStatus.choices)

    groups: dict[str, _ProductGroup] = {}
    seen_skus: dict[str, int] = {}
    plan_products_new: dict[str, dict] = {}
    plan_products_update: dict[int, dict] = {}
    plan_variants_new: list = []
    plan_variants_update: list = []
    plan_stock: list = []
    plan_ensure: list = []

    for number, cells in table.rows():
        staged.total_rows += 1
        if progress and staged.total_rows % 5000 == 0:
            progress(staged.total_rows)
        row = _Row(cells, columns)
        errors: list[tuple[str, str, str]] = []

        handle = row.get("handle")
        if not handle:
            errors.append(("handle", handle, _("a handle is required")))
        elif len(handle) > 255 or not _HANDLE_RE.match(handle):
            errors.append(
                ("handle", handle, _("use only letters, digits, hyphens and underscores"))
            )
        sku = row.get("sku")
        if not sku:
            errors.append(("sku", sku, _("a SKU is required")))
        elif len(sku) > 64:
            errors.append(("sku", sku, _("is longer than 64 characters")))
        elif sku in seen_skus:
            errors.append(
                (
                    "sku",
                    sku,
                    _("duplicate SKU in this file (first in row %(row)s)")
                    % {"row": seen_skus[sku]},
                )
            )
        else:
            seen_skus[sku] = number
        if errors and not handle:
            staged.add_errors(number, cells, errors)
            continue

        group = groups.get(handle) if handle else None
        if handle and group is None and not any(c == "handle" for c, _v, _m in errors):
            existing_product = products.get(handle)
            group = _ProductGroup(
                handle=handle,
                first_row=number,
                product_id=existing_product[0] if existing_product else None,
            )
            groups[handle] = group
            product_errors = _parse_product(row, group, existing_product, categories, statuses)
            if product_errors:
                group.bad = True
                errors.extend(product_errors)
        elif group is not None:
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

        existing = variants.get(sku) if sku else None
        if existing is not None and group is not None and existing[1] != group.product_id:
            errors.append(
                (
                    "sku",
                    sku,
                    _("already belongs to product %(handle)s in this store")
                    % {"handle": existing[2]},
                )
            )
        values, variant_errors = _parse_variant(row, existing)
        errors.extend(variant_errors)
        track = values.get("track_inventory", existing[7] if existing else True)
        on_hand_text = row.get("on_hand")
        on_hand = None
        if on_hand_text:
            try:
                on_hand = parse_int(on_hand_text)
            except CellError as error:
                errors.append(("on_hand", on_hand_text, str(error)))
            else:
                if not track:
                    errors.append(
                        ("on_hand", on_hand_text, _("this variant does not track inventory"))
                    )
                elif existing is not None and existing[10] is not None:
                    refused = _stock_refusal(
                        sku=sku,
                        reason=MovementReason.IMPORT,
                        on_hand=existing[10],
                        allocated=existing[11],
                        allow_backorder=values.get("allow_backorder", existing[8]),
                        new_on_hand=on_hand,
                    )
                    if refused:
                        errors.append(("on_hand", on_hand_text, refused))
        if (
            on_hand is None
            and existing is not None
            and track
            and existing[8]
            and values.get("allow_backorder") is False
            and (existing[11] or 0) > (existing[10] or 0)
        ):
            errors.append(
                (
                    "allow_backorder",
                    row.get("allow_backorder"),
                    _(
                        "%(n)s units are on backorder; receive them (or give an on_hand count) "
                        "before turning backorders off"
                    )
                    % {"n": existing[11] - (existing[10] or 0)},
                )
            )
        if errors:
            staged.add_errors(number, cells, errors)
            continue

        outcome = "skipped"
        if not group.staged:
            group.staged = True
            if group.product_id is None:
                plan_products_new[handle] = {k: _json_value(v) for k, v in group.fields.items()}
                outcome = "created"
            elif group.changes:
                plan_products_update[group.product_id] = group.changes
                outcome = "updated"
                if staged.wants_changes:
                    staged.note_change(
                        _("Row %(row)s: product %(handle)s: %(fields)s")
                        % {"row": number, "handle": handle, "fields": ", ".join(group.changes)}
                    )
        if existing is None:
            position = group.next_position
            group.next_position += 1
            full = {
                "title": "",
                "compare_at_price": None,
                "barcode": "",
                "track_inventory": True,
                "allow_backorder": False,
                "low_stock_threshold": 5,
                **values,
            }
            plan_variants_new.append(
                [
                    handle,
                    sku,
                    position,
                    {k: _json_value(v) for k, v in full.items()},
                    on_hand if full["track_inventory"] and on_hand else None,
                ]
            )
            outcome = "created"
            if staged.wants_changes:
                staged.note_change(
                    _("Row %(row)s: new variant %(sku)s of %(handle)s at %(price)s")
                    % {"row": number, "sku": sku, "handle": handle, "price": full.get("price")}
                )
        else:
            variant_id = existing[0]
            current = dict(zip(_VARIANT_DB_FIELDS, existing[3:10], strict=True))
            changes = {k: v for k, v in values.items() if current[k] != v}
            if changes:
                plan_variants_update.append(
                    [variant_id, {k: _json_value(v) for k, v in changes.items()}]
                )
                if {"track_inventory", "allow_backorder"} & set(changes):
                    plan_ensure.append(variant_id)
                outcome = "updated"
                if staged.wants_changes:
                    staged.note_change(
                        _("Row %(row)s: %(sku)s: %(changes)s")
                        % {
                            "row": number,
                            "sku": sku,
                            "changes": ", ".join(
                                f"{k} {current[k]} → {v}" for k, v in changes.items()
                            ),
                        }
                    )
            current_on_hand = existing[10] if existing[10] is not None else 0
            if on_hand is not None and on_hand != current_on_hand:
                plan_stock.append([variant_id, on_hand])
                outcome = "updated"
                if staged.wants_changes:
                    staged.note_change(
                        _("Row %(row)s: %(sku)s: on hand %(old)s → %(new)s")
                        % {"row": number, "sku": sku, "old": current_on_hand, "new": on_hand}
                    )
        if outcome == "created":
            staged.created += 1
        elif outcome == "updated":
            staged.updated += 1
        else:
            staged.skipped += 1

    _place_new_variants(plan_variants_new, groups)
    staged.plan = {
        "products_new": plan_products_new,
        "products_update": {str(k): v for k, v in plan_products_update.items()},
        "variants_new": plan_variants_new,
        "variants_update": plan_variants_update,
        "stock": plan_stock,
        "ensure": plan_ensure,
    }
    return staged


def _place_new_variants(plan_variants_new: list, groups: dict[str, _ProductGroup]) -> None:
    """New variants of existing products go after the ones they already have."""
    product_ids = sorted(
        {groups[handle].product_id for handle, *_rest in plan_variants_new} - {None}
    )
    offsets: dict[int, int] = {}
    for chunk in _chunks(product_ids):
        offsets.update(
            ProductVariant.objects.filter(product_id__in=chunk)
            .values("product_id")
            .annotate(top=Max("position"))
            .values_list("product_id", "top")
        )
    for entry in plan_variants_new:
        product_id = groups[entry[0]].product_id
        if product_id is not None:
            entry[2] += offsets.get(product_id, -1) + 1


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
                parsed["title"] = _text(value, 255)
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
        group.fields = {
            "title": parsed["title"],
            "description": parsed.get("description", ""),
            "category_id": parsed.get("category_id"),
            "status": parsed.get("status", ProductStatus.DRAFT),
        }
    else:
        current = dict(
            zip(("title", "description", "category_id", "status"), existing[1:], strict=True)
        )
        group.changes = {k: v for k, v in parsed.items() if current[k] != v}
    return []


def _parse_variant(row: _Row, existing) -> tuple[dict, list]:
    values: dict = {}
    errors = []
    for column, attr in _VARIANT_COLUMN.items():
        text = row.get(column)
        if text is None:
            continue
        try:
            if column == "option":
                values[attr] = _text(text, 255)
            elif column == "barcode":
                values[attr] = _text(text, 64)
            elif column == "price":
                if not text:
                    raise CellError(_("a price is required"))
                values[attr] = parse_money(text)
            elif column == "compare_at_price":
                values[attr] = parse_money(text) if text else None
            elif column in ("track_inventory", "allow_backorder"):
                if text:
                    values[attr] = parse_bool(text)
            elif column == "low_stock_threshold" and text:
                values[attr] = parse_int(text)
        except CellError as error:
            errors.append((column, text, str(error)))
    if "price" not in values and existing is None and not any(c == "price" for c, *_r in errors):
        errors.append(("price", "", _("a price is required")))
    return values, errors


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


def _decimal_or_none(value):
    return None if value is None else Decimal(value)


_PRODUCT_COLUMNS = (
    "id",
    "store",
    "category",
    "title",
    "handle",
    "description",
    "status",
    "created_at",
    "updated_at",
)
_VARIANT_COLUMNS = (
    "id",
    "product",
    "store",
    "sku",
    "title",
    "options",
    "price",
    "compare_at_price",
    "barcode",
    "track_inventory",
    "allow_backorder",
    "low_stock_threshold",
    "position",
    "created_at",
    "updated_at",
)
# Serialised once: every imported variant starts with no options.
_NO_OPTIONS = JsonText("{}")
_HISTORY_COLUMNS = ("history_date", "history_change_reason", "history_type", "history_user")


def _update_rows(
    model, columns, updates: dict[int, dict], *, store, now, actor_id, reason, advance
) -> None:
    """Write changed fields with one UPDATE … FROM (VALUES …) per chunk and kind of change,
    and a history row ("~") with the whole new state of each changed row."""
    if not updates:
        return
    attnames = [model._meta.get_field(name).attname for name in columns]
    history = BulkWriter(model.history.model, [*columns, *_HISTORY_COLUMNS])
    tail = (now, reason[:100], "~", actor_id)
    for chunk in _chunks(sorted(updates)):
        rows = list(model.objects.filter(store=store, pk__in=chunk).values_list(*attnames))
        if len(rows) != len(chunk):
            raise StaleImport
        by_fields: dict[tuple[str, ...], list[tuple]] = {}
        for row in rows:
            values = dict(zip(attnames, row, strict=True))
            change = updates[values["id"]]
            values.update(change)
            values["updated_at"] = now
            history.add(tuple(values[a] for a in attnames) + tail)
            fields = (*sorted(change), "updated_at")
            by_fields.setdefault(fields, []).append(tuple(values[f] for f in ("id", *fields)))
        for fields, items in by_fields.items():
            update_from_values(model, fields, items)
        advance(len(rows))
    history.flush()


def apply_catalog(
    *, store: Store, plan: dict, actor, reference, reason: str, progress: Progress | None = None
) -> int:
    """Write a validated plan. The caller holds the transaction; returns stock movements made.

    New rows go in through COPY on PostgreSQL (executemany elsewhere) with keys drawn from the
    tables' sequences, together with their history rows; updates use bulk updates; stock
    goes through the inventory service, which writes the ledger.
    """
    now = timezone.now()
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    history_tail = (now, reason[:100], "+", actor_id)
    done = 0

    def advance(n: int):
        nonlocal done
        done += n
        if progress:
            progress(done)

    products = BulkWriter(Product, list(_PRODUCT_COLUMNS))
    product_history = BulkWriter(Product.history.model, [*_PRODUCT_COLUMNS, *_HISTORY_COLUMNS])
    product_ids: dict[str, int] = {}
    new_products = plan["products_new"]
    for (handle, values), pk in zip(
        new_products.items(), reserve_ids(Product, len(new_products)), strict=True
    ):
        row = (
            pk,
            store.pk,
            values["category_id"],
            values["title"],
            handle,
            values["description"],
            values["status"],
            now,
            now,
        )
        products.add(row)
        product_history.add(row + history_tail)
        product_ids[handle] = pk
    products.flush()
    product_history.flush()
    advance(len(new_products))

    updates = {int(pk): changes for pk, changes in plan["products_update"].items()}
    _update_rows(
        Product,
        _PRODUCT_COLUMNS,
        updates,
        store=store,
        now=now,
        actor_id=actor_id,
        reason=reason,
        advance=advance,
    )

    missing_handles = sorted({h for h, *_r in plan["variants_new"]} - set(product_ids))
    for chunk in _chunks(missing_handles):
        product_ids.update(
            Product.objects.filter(store=store, handle__in=chunk).values_list("handle", "pk")
        )
    variants = BulkWriter(ProductVariant, list(_VARIANT_COLUMNS))
    variant_history = BulkWriter(
        ProductVariant.history.model, [*_VARIANT_COLUMNS, *_HISTORY_COLUMNS]
    )
    stock_changes = []
    new_variants = plan["variants_new"]
    for (handle, sku, position, values, on_hand), pk in zip(
        new_variants, reserve_ids(ProductVariant, len(new_variants)), strict=True
    ):
        if handle not in product_ids:
            raise StaleImport
        row = (
            pk,
            product_ids[handle],
            store.pk,
            sku,
            values["title"],
            _NO_OPTIONS,
            Decimal(values["price"]),
            _decimal_or_none(values["compare_at_price"]),
            values["barcode"],
            values["track_inventory"],
            values["allow_backorder"],
            values["low_stock_threshold"],
            position,
            now,
            now,
        )
        variants.add(row)
        variant_history.add(row + history_tail)
        if values["track_inventory"]:
            # Every tracked variant gets its Stock row here, with its opening count if any.
            stock_changes.append(
                StockChange(variant_id=pk, set_on_hand=on_hand or 0, reason=MovementReason.IMPORT)
            )
        if len(variants.rows) >= 5000:
            advance(len(variants.rows))
    advance(len(variants.rows))
    variants.flush()
    variant_history.flush()

    variant_updates = {
        variant_id: {
            name: _decimal_or_none(value) if name in ("price", "compare_at_price") else value
            for name, value in changes.items()
        }
        for variant_id, changes in plan["variants_update"]
    }
    _update_rows(
        ProductVariant,
        _VARIANT_COLUMNS,
        variant_updates,
        store=store,
        now=now,
        actor_id=actor_id,
        reason=reason,
        advance=advance,
    )
    # Variants whose stock flags changed: stock_ensure keeps their Stock rows in step.
    # Backorders turned on before the counts and turned off after them, so that both are
    # judged against the file's own on_hand, as the preview judged them.
    flipped = []
    for chunk in _chunks(sorted(plan["ensure"])):
        flipped.extend(ProductVariant.objects.filter(store=store, pk__in=chunk))
    stock_ensure_bulk(variants=[v for v in flipped if v.allow_backorder])
    stock_changes.extend(
        StockChange(variant_id=variant_id, set_on_hand=on_hand, reason=MovementReason.IMPORT)
        for variant_id, on_hand in plan["stock"]
    )
    moved = stock_change_bulk(changes=stock_changes, actor=actor, reference=reference)
    stock_ensure_bulk(variants=[v for v in flipped if not v.allow_backorder])
    advance(len(plan["stock"]))
    return moved


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
    return sum(len(plan.get(key, ())) for key in plan if key != "ensure")
