"""The stock file: one row per SKU with a counted on-hand figure or a signed delta, checked by
the inventory's own rules and applied through its bulk service (every change in the ledger)."""

from typing import Any, NamedTuple

from django.utils.translation import gettext as _

from apps.catalog.models import ProductVariant
from apps.inventory.models import STAFF_REASONS, MovementReason
from apps.inventory.services import (
    Direction,
    StockChange,
    StockReference,
    on_hand_refusal,
    reason_direction,
    stock_change_bulk,
)
from apps.inventory.tables import STOCK_ALIASES, STOCK_COLUMNS, STOCK_REQUIRED_COLUMNS
from apps.stores.models import Store
from apps.stores.scoping import Actor
from apps.transfer.importers.cells import CellError, Choices, parse_int
from apps.transfer.importers.staging import (
    Problem,
    Progress,
    Row,
    Staged,
    chunks,
    column_map,
    counted_rows,
    missing_columns,
)
from apps.transfer.parsing import Table

_STOCK_REASONS = (*STAFF_REASONS, MovementReason.IMPORT)
_NOTE_LENGTH = 255


def stock_refusal(
    *, sku: str, reason: str, on_hand: int, allocated: int, allow_backorder: bool, new_on_hand: int
) -> str | None:
    """The inventory service's verdict on a planned on-hand figure, worded for the preview."""
    refusal = on_hand_refusal(
        sku=sku,
        reason=reason,
        on_hand=on_hand,
        allocated=allocated,
        allow_backorder=allow_backorder,
        new_on_hand=new_on_hand,
    )
    if refusal is None:
        return None
    code = refusal[0]
    if code == "negative_stock":
        return _("on hand would go below zero (it is %(n)s)") % {"n": on_hand}
    if code == "below_allocated":
        return _("%(n)s units are allocated to orders; on hand cannot be lower") % {"n": allocated}
    if code == "wrong_direction" and reason_direction(reason) == Direction.ADDS:
        return _("the reason “%(reason)s” can only add units; use a correction") % {
            "reason": MovementReason(reason).label
        }
    if code == "wrong_direction":
        return _("the reason “%(reason)s” can only take units away; use a correction") % {
            "reason": MovementReason(reason).label
        }
    return refusal[1]


class _Counted(NamedTuple):
    """A variant of the store that the file names by SKU, with its stock as stored."""

    pk: int
    track_inventory: bool
    allow_backorder: bool
    on_hand: int | None
    allocated: int | None


class _Quantity(NamedTuple):
    """The row's figure, a count (from the on_hand column) or a change (from delta), and the
    cell it came from."""

    column: str
    figure: int
    text: str

    @property
    def set_on_hand(self) -> int | None:
        return self.figure if self.column == "on_hand" else None

    @property
    def delta(self) -> int | None:
        return None if self.column == "on_hand" else self.figure

    def new_on_hand(self, current: int) -> int:
        return self.figure if self.column == "on_hand" else current + self.figure


def validate_stock(*, store: Store, table: Table, progress: Progress | None = None) -> Staged:
    columns, ignored = column_map(table, STOCK_COLUMNS, STOCK_ALIASES)
    staged = Staged(kind="stock", headers=table.raw_headers, ignored_columns=ignored)
    if missing_columns(staged, columns, STOCK_REQUIRED_COLUMNS):
        return staged
    if "on_hand" not in columns and "delta" not in columns:
        staged.add_errors(1, [], [("on_hand", "", _("needs an on_hand or a delta column"))])
        return staged
    sku_index = columns["sku"]
    skus = {cells[sku_index] for _n, cells in table.rows() if sku_index < len(cells)}
    planner = _StockPlanner(staged, variants=_counted_variants(store, skus))
    for number, cells in counted_rows(staged, table, progress):
        planner.add(number, cells, Row(cells, columns))
    staged.plan = {"stock": planner.plan}
    return staged


def _counted_variants(store: Store, skus: set[str]) -> dict[str, _Counted]:
    variants = {}
    for chunk in chunks(sorted(skus)):
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
        for sku, pk, track, backorder, on_hand, allocated in rows:
            variants[sku] = _Counted(pk, track, backorder, on_hand, allocated)
    return variants


class _StockPlanner:
    """Checks the rows of a stock file one by one and plans the changes applying them makes."""

    def __init__(self, staged: Staged, *, variants: dict[str, _Counted]) -> None:
        self.staged = staged
        self.variants = variants
        self.reasons = Choices([(r, MovementReason(r).label) for r in _STOCK_REASONS])
        self.seen: dict[str, int] = {}
        self.plan: list[tuple[int, int | None, int | None, str, str]] = []

    def add(self, number: int, cells: list[str], row: Row) -> None:
        errors: list[Problem] = []
        sku = row.required("sku")
        variant = self._variant(number, sku, errors)
        quantity = self._quantity(row, errors)
        reason = self._reason(row, errors)
        if errors or variant is None or quantity is None:
            # Without a variant or a figure there is an error saying why.
            self.staged.add_errors(number, cells, errors)
            return
        current = variant.on_hand or 0
        new = quantity.new_on_hand(current)
        refused = stock_refusal(
            sku=sku,
            reason=reason,
            on_hand=current,
            allocated=variant.allocated or 0,
            allow_backorder=variant.allow_backorder,
            new_on_hand=new,
        )
        if refused:
            self.staged.add_errors(number, cells, [(quantity.column, quantity.text, refused)])
            return
        if new == current:
            self.staged.skipped += 1
            return
        note = (row.get("note") or "")[:_NOTE_LENGTH]
        self.plan.append((variant.pk, quantity.set_on_hand, quantity.delta, reason, note))
        self.staged.updated += 1
        if self.staged.wants_changes:
            self.staged.note_change(
                _("Row %(row)s: %(sku)s: on hand %(old)s → %(new)s")
                % {"row": number, "sku": sku, "old": current, "new": new}
            )

    def _variant(self, number: int, sku: str, errors: list[Problem]) -> _Counted | None:
        variant = self.variants.get(sku) if sku else None
        if not sku:
            errors.append(("sku", sku, _("a SKU is required")))
        elif sku in self.seen:
            errors.append(
                (
                    "sku",
                    sku,
                    _("duplicate SKU in this file (first in row %(row)s)")
                    % {"row": self.seen[sku]},
                )
            )
        elif variant is None:
            errors.append(("sku", sku, _("no variant with this SKU in the store")))
        elif not variant.track_inventory:
            errors.append(("sku", sku, _("this variant does not track inventory")))
        if sku:
            self.seen.setdefault(sku, number)
        return variant

    @staticmethod
    def _quantity(row: Row, errors: list[Problem]) -> _Quantity | None:
        on_hand_text, delta_text = row.get("on_hand") or "", row.get("delta") or ""
        if on_hand_text and delta_text:
            errors.append(("delta", delta_text, _("give either on_hand or delta, not both")))
            return None
        if not on_hand_text and not delta_text:
            errors.append(("on_hand", "", _("give on_hand or delta")))
            return None
        column, text = ("on_hand", on_hand_text) if on_hand_text else ("delta", delta_text)
        try:
            figure = parse_int(text) if column == "on_hand" else parse_int(text, minimum=None)
        except CellError as error:
            errors.append((column, text, str(error)))
            return None
        return _Quantity(column, figure, text)

    def _reason(self, row: Row, errors: list[Problem]) -> str:
        text = row.get("reason") or ""
        if not text:
            return MovementReason.IMPORT.value
        try:
            return self.reasons(text)
        except CellError as error:
            errors.append(("reason", text, str(error)))
            return MovementReason.IMPORT.value


def apply_stock(
    *,
    store: Store,
    plan: dict[str, Any],
    actor: Actor,
    reference: StockReference,
    reason: str,
    progress: Progress | None = None,
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
