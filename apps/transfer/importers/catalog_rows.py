"""How one row of a catalogue file reads: its product columns, its variant columns and its
on-hand count, each against what the store holds."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.db.models import Field
from django.utils.translation import gettext as _

from apps.catalog.models import Category, Product, ProductStatus, ProductVariant
from apps.catalog.tables import CATALOG_PRODUCT_COLUMNS, VARIANT_COLUMNS
from apps.inventory.models import MovementReason
from apps.transfer.importers.cells import (
    CellError,
    Choices,
    parse_bool,
    parse_int,
    parse_money,
    parse_text,
)
from apps.transfer.importers.staging import Problem, Row
from apps.transfer.importers.stock import stock_refusal

VARIANT_CELL_FIELDS = tuple(name for name in VARIANT_COLUMNS.values() if name != "sku")
_TITLE_LENGTH = Product._meta.get_field("title").max_length
_TRACKED_BY_DEFAULT = ProductVariant._meta.get_field("track_inventory").default
# An empty title or status leaves the product's as it is; an empty description or category
# clears it.
_PRODUCT_COLUMNS_KEPT_WHEN_EMPTY = ("title", "status")
# An empty number or flag leaves the variant's value as it is (a new one gets the default).
_KEEP = object()


@dataclass(slots=True)
class StoredVariant:
    """A variant of the store that the file names by SKU, as stored."""

    pk: int
    product_id: int
    handle: str
    fields: dict[str, Any]  # the fields the file's variant columns fill
    on_hand: int | None
    allocated: int | None


class Categories:
    """Resolve a category cell by slug or by a path of names ("Clothing > Shirts")."""

    def __init__(self) -> None:
        rows = list(Category.objects.values_list("pk", "slug", "name", "parent_id"))
        self.by_slug = {slug.lower(): pk for pk, slug, _n, _p in rows}
        names = {pk: (name, parent_id) for pk, _s, name, parent_id in rows}
        self.by_path: dict[str, int | None] = {}
        for pk in names:
            parts: list[str] = []
            current: int | None = pk
            seen: set[int] = set()
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


class ProductCells:
    """Reads a row's product columns (title, description, category, status)."""

    def __init__(self) -> None:
        self.statuses = Choices(ProductStatus.choices)

    @cached_property
    def categories(self) -> Categories:
        """Read at the first category cell: a file without the column costs no query."""
        return Categories()

    def read(
        self, row: Row, *, is_new: bool
    ) -> tuple[dict[str, str], dict[str, object], list[Problem]]:
        """The cells as given, the product fields they fill, and the errors."""
        raw: dict[str, str] = {}
        parsed: dict[str, object] = {}
        errors: list[Problem] = []
        for name in CATALOG_PRODUCT_COLUMNS:
            value = row.get(name)
            if value is None:
                continue
            raw[name] = value
            if not value and name in _PRODUCT_COLUMNS_KEPT_WHEN_EMPTY:
                if is_new and name == "title":
                    errors.append((name, value, _("a new product needs a title")))
                continue
            try:
                field, parsed_value = self._read(name, value)
            except CellError as error:
                errors.append((name, value, str(error)))
                continue
            parsed[field] = parsed_value
        if is_new and "title" not in raw:
            errors.append(("title", "", _("a new product needs a title")))
        return raw, parsed, errors

    def _read(self, name: str, value: str) -> tuple[str, object]:
        if name == "title":
            return "title", parse_text(value, _TITLE_LENGTH)
        if name == "description":
            return "description", value
        if name == "category":
            return "category_id", self.categories.resolve(value)
        return "status", self.statuses(value)


def _cell_reader(name: str) -> Callable[[str], object]:
    """How a cell becomes the value of the variant field `name`, by the field's type."""
    model_field = ProductVariant._meta.get_field(name)
    if not isinstance(model_field, Field):
        raise TypeError(f"ProductVariant.{name} is not a column a cell can fill")
    kind = model_field.get_internal_type()
    if kind == "CharField":
        return lambda text: parse_text(text, model_field.max_length)
    if kind == "BooleanField":
        return lambda text: parse_bool(text) if text else _KEEP
    if kind != "DecimalField":
        return lambda text: parse_int(text) if text else _KEEP

    def amount(text: str) -> Decimal | None:
        if text:
            return parse_money(text)
        if not model_field.null:
            raise CellError(_("is required"))
        return None

    return amount


# The variant's columns but its key (the SKU): the field each fills and how its cells read.
_VARIANT_CELLS = {
    column: (name, _cell_reader(name)) for column, name in VARIANT_COLUMNS.items() if name != "sku"
}


def read_variant(row: Row, errors: list[Problem]) -> dict[str, Any]:
    values: dict[str, Any] = {}
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


def read_on_hand(
    row: Row,
    sku: str,
    values: dict[str, Any],
    existing: StoredVariant | None,
    errors: list[Problem],
) -> int | None:
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
    allocated = existing.allocated or 0
    backorder = values.get("allow_backorder", stored["allow_backorder"])
    if on_hand is None and (backorder or not stored["allow_backorder"]):
        return None
    refused = stock_refusal(
        sku=sku,
        reason=MovementReason.IMPORT,
        on_hand=existing.on_hand,
        allocated=allocated,
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
                % {"n": allocated - existing.on_hand},
            )
        )
    elif refused:
        errors.append(("on_hand", text, refused))
    return on_hand
