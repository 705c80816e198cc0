"""Changes to what is on the shelf: a staff member's delivery, correction, damage or count,
the file import's counts in bulk, and the Stock row every tracked variant has.

Every change locks its rows and writes a StockMovement in the same transaction
(apps.inventory.ledger); what orders do to stock is apps.inventory.order_stock.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple, TypeVar

from django.db import transaction
from django.utils import timezone

from apps.catalog.models import ProductVariant
from apps.core.bulk import BulkWriter, update_from_values
from apps.core.errors import ApplicationError, Conflict, Unprocessable
from apps.core.sequences import reserve_ids
from apps.inventory.ledger import StockReference, lock_stocks, move_stock
from apps.inventory.models import (
    MOVEMENT_FIELDS,
    STAFF_REASONS,
    STOCK_FIELDS,
    MovementReason,
    Stock,
    StockMovement,
)
from apps.stores.roles import Capability
from apps.stores.scoping import Actor, acting_person, require_capability

# The reason says which way the goods went: a delivery or a return can only add to the
# shelf, damage can only take from it (a correction or a count may go either way).
ADDING_REASONS = frozenset({MovementReason.RECEIVED, MovementReason.RETURNED})
REMOVING_REASONS = frozenset({MovementReason.DAMAGED})


class Direction(StrEnum):
    ADDS = "adds"
    REMOVES = "removes"
    EITHER = "either"


def reason_direction(reason: str) -> Direction:
    """Which way `reason` may move on hand: what on_hand_refusal holds every change to, and
    what forms show beside each reason."""
    if reason in ADDING_REASONS:
        return Direction.ADDS
    if reason in REMOVING_REASONS:
        return Direction.REMOVES
    return Direction.EITHER


class _OnHandChange(NamedTuple):
    """A change of checked shape: a signed change, or a counted figure (`counted`)."""

    figure: int
    counted: bool

    def applied_to(self, on_hand: int) -> int:
        """The change it makes to a row that holds `on_hand`."""
        return self.figure - on_hand if self.counted else self.figure


def _check_change(
    *, delta: int | None, set_on_hand: int | None, reason: str, allowed_reasons: set[str]
) -> _OnHandChange:
    """The shape of one on-hand change, for stock_adjust and stock_change_bulk alike."""
    if delta is not None and set_on_hand is None:
        checked = _OnHandChange(delta, counted=False)
    elif set_on_hand is not None and delta is None:
        checked = _OnHandChange(set_on_hand, counted=True)
    else:
        raise ApplicationError("Give either a change or a new on-hand figure.", code="invalid")
    if reason not in allowed_reasons:
        raise ApplicationError(f"{reason!r} is not a reason staff can record.", code="invalid")
    if not isinstance(checked.figure, int) or isinstance(checked.figure, bool):
        raise ApplicationError("Quantities must be whole numbers.", code="invalid")
    return checked


def on_hand_refusal(
    *,
    sku: str,
    reason: str,
    on_hand: int,
    allocated: int,
    allow_backorder: bool,
    new_on_hand: int,
) -> tuple[str, str] | None:
    """(code, message without a final stop) when on hand may not become `new_on_hand`.

    One rule for the single and the bulk change (and the import preview, which words the
    codes for people): the reason's direction, never below zero, and never below what
    orders hold unless the row takes backorders.
    """
    change = new_on_hand - on_hand
    direction = reason_direction(reason)
    if (direction is Direction.ADDS and change < 0) or (
        direction is Direction.REMOVES and change > 0
    ):
        return (
            "wrong_direction",
            f"{sku}: {MovementReason(reason).label} cannot "
            f"{'take units away' if change < 0 else 'add units'}; record a correction instead",
        )
    if new_on_hand < 0:
        return "negative_stock", f"{sku}: on hand cannot go below zero (it is {on_hand})"
    if not allow_backorder and new_on_hand < allocated:
        return (
            "below_allocated",
            f"{sku}: {allocated} units are allocated to orders; "
            f"on hand cannot drop to {new_on_hand}",
        )
    return None


# What each of on_hand_refusal's refusals is: a change against its reason says something
# contradictory whatever the shelf holds; the others conflict with what it holds now.
REFUSALS: dict[str, type[ApplicationError]] = {
    "wrong_direction": Unprocessable,
    "negative_stock": Conflict,
    "below_allocated": Conflict,
}


def stock_ensure(*, variants: Iterable[ProductVariant]) -> None:
    """Give every tracked variant a Stock row and keep its backorder flag in step."""
    variants = [v for v in variants if v.track_inventory]
    if not variants:
        return
    existing = {s.variant_id: s for s in lock_stocks(v.pk for v in variants)}
    missing = [
        Stock(variant=v, store_id=v.store_id, allow_backorder=v.allow_backorder)
        for v in variants
        if v.pk not in existing
    ]
    Stock.objects.bulk_create(missing)
    for variant in variants:
        stock = existing.get(variant.pk)
        if stock is None or stock.allow_backorder == variant.allow_backorder:
            continue
        if not variant.allow_backorder and stock.allocated > stock.on_hand:
            raise Conflict(
                f"{variant.sku}: {stock.allocated - stock.on_hand} units are on backorder; "
                "receive stock before turning backorders off.",
                code="backorders_outstanding",
            )
        Stock.objects.filter(pk=stock.pk).update(allow_backorder=variant.allow_backorder)


@transaction.atomic
def stock_adjust(
    *,
    variant: ProductVariant,
    reason: str,
    actor: Actor,
    delta: int | None = None,
    set_on_hand: int | None = None,
    note: str = "",
    reference: StockReference | None = None,
    allowed_reasons: Iterable[str] = STAFF_REASONS,
) -> Stock:
    """A staff change to what is on the shelf: a delivery, a correction, damage, a count.

    Give either `delta` (+5 received, -2 damaged) or `set_on_hand` (a count). The actor needs
    the stock capability in the variant's store.
    """
    require_capability(actor, variant.store_id, Capability.ADJUST_STOCK)
    checked = _check_change(
        delta=delta, set_on_hand=set_on_hand, reason=reason, allowed_reasons=set(allowed_reasons)
    )
    if not variant.track_inventory:
        raise Conflict(f"{variant.sku} does not track inventory.", code="untracked")
    stock_ensure(variants=[variant])
    (stock,) = lock_stocks([variant.pk])
    change = checked.applied_to(stock.on_hand)
    if change == 0 and not checked.counted:
        raise ApplicationError("The change is zero: nothing to record.", code="invalid")
    refusal = on_hand_refusal(
        sku=variant.sku,
        reason=reason,
        on_hand=stock.on_hand,
        allocated=stock.allocated,
        allow_backorder=stock.allow_backorder,
        new_on_hand=stock.on_hand + change,
    )
    if refusal:
        code, message = refusal
        raise REFUSALS[code](f"{message}.", code=code)
    movement = move_stock(
        stock,
        on_hand_delta=change,
        allocated_delta=0,
        reason=reason,
        actor=actor,
        reference=reference,
        note=note,
    )
    movement.save()
    return stock


# Bulk changes (imports, stocktakes). Same rules as stock_adjust, set-based, in chunks that
# fit one query on every database.

BULK_CHUNK = 2000
_STOCK_COLUMNS = ["id", *STOCK_FIELDS]
_MOVEMENT_COLUMNS = list(MOVEMENT_FIELDS)

T = TypeVar("T")


@dataclass(frozen=True)
class StockChange:
    """One row of a bulk change: give either `set_on_hand` (a count) or `delta`."""

    variant_id: int
    set_on_hand: int | None = None
    delta: int | None = None
    reason: str = MovementReason.IMPORT
    note: str = ""


class StockChangesRefused(ApplicationError):
    code = "stock_changes_refused"

    def __init__(self, problems: list[str]):
        self.problems = problems
        shown = "; ".join(problems[:20])
        more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
        super().__init__(f"Stock changes refused: {shown}{more}.", extra={"problems": problems})


def _chunks(items: list[T], size: int = BULK_CHUNK) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def stock_ensure_bulk(*, variants: Iterable[ProductVariant]) -> None:
    """stock_ensure for any number of variants: missing rows are written in one COPY-speed
    pass; the few existing rows whose backorder flag changed go through stock_ensure."""
    tracked = [v for v in variants if v.track_inventory]
    now = timezone.now()
    writer = BulkWriter(Stock, _STOCK_COLUMNS)
    for chunk in _chunks(tracked):
        existing = dict(
            Stock.objects.filter(variant_id__in=[v.pk for v in chunk]).values_list(
                "variant_id", "allow_backorder"
            )
        )
        missing = [v for v in chunk if v.pk not in existing]
        for variant, pk in zip(missing, reserve_ids(Stock, len(missing)), strict=True):
            writer.add((pk, variant.pk, variant.store_id, 0, 0, variant.allow_backorder, now))
        # Written per chunk: on SQLite the next chunk's keys start after these rows.
        writer.flush()
        flipped = [v for v in chunk if v.pk in existing and existing[v.pk] != v.allow_backorder]
        if flipped:
            stock_ensure(variants=flipped)


@transaction.atomic
def stock_change_bulk(
    *,
    changes: Iterable[StockChange],
    actor: Actor,
    reference: StockReference,
    allowed_reasons: Iterable[str] = (*STAFF_REASONS, MovementReason.IMPORT),
) -> int:
    """Apply many on-hand changes at once, all or nothing; returns the number of movements.

    Missing Stock rows of tracked variants are created first. Rows are locked in primary-key
    order (in chunks), re-checked under the lock, updated, and every change that moves a
    counter writes one movement with `reference`. Changes that leave on_hand as it is write
    nothing. Any refused change (untracked variant, below zero, below what orders hold)
    refuses the whole batch, naming every SKU.
    """
    by_variant = _one_change_per_variant(changes, set(allowed_reasons))
    if not by_variant:
        return 0
    rows = _BulkRows.read(sorted(by_variant))
    batch = _BulkBatch(by_variant, skus=rows.skus, actor=actor, reference=reference)
    batch.create_missing(rows.missing)
    batch.change_existing(rows.stock_pks)
    return batch.write()


def _one_change_per_variant(
    changes: Iterable[StockChange], allowed: set[str]
) -> dict[int, tuple[StockChange, _OnHandChange]]:
    by_variant: dict[int, tuple[StockChange, _OnHandChange]] = {}
    for change in changes:
        checked = _check_change(
            delta=change.delta,
            set_on_hand=change.set_on_hand,
            reason=change.reason,
            allowed_reasons=allowed,
        )
        if change.variant_id in by_variant:
            raise ApplicationError("A variant appears twice in one bulk change.", code="invalid")
        by_variant[change.variant_id] = (change, checked)
    return by_variant


@dataclass
class _BulkRows:
    """What the database holds for the variants of a bulk change."""

    skus: dict[int, str]  # variant id → SKU
    stock_pks: list[int]  # their existing Stock rows
    missing: list[tuple[int, int, bool]]  # (variant id, store id, backorder) without a row

    @classmethod
    def read(cls, variant_ids: list[int]) -> "_BulkRows":
        """Refuses unknown variants, and variants that do not track inventory by SKU."""
        rows = cls(skus={}, stock_pks=[], missing=[])
        problems: list[str] = []
        for chunk in _chunks(variant_ids):
            variants = ProductVariant.objects.filter(pk__in=chunk).values_list(
                "pk", "sku", "store_id", "track_inventory", "allow_backorder"
            )
            existing = dict(
                Stock.objects.filter(variant_id__in=chunk).values_list("variant_id", "pk")
            )
            for pk, sku, store_id, track, backorder in variants:
                rows.skus[pk] = sku
                if not track:
                    problems.append(f"{sku} does not track inventory")
                elif pk not in existing:
                    rows.missing.append((pk, store_id, backorder))
            rows.stock_pks.extend(existing.values())
        unknown = set(variant_ids) - set(rows.skus)
        if unknown:
            raise ApplicationError(f"Unknown variants: {sorted(unknown)[:20]}.", code="not_found")
        if problems:
            raise StockChangesRefused(problems)
        return rows


class _BulkBatch:
    """The rows and movements of one bulk change, every one checked before any is written."""

    def __init__(
        self,
        by_variant: dict[int, tuple[StockChange, _OnHandChange]],
        *,
        skus: dict[int, str],
        actor: Actor,
        reference: StockReference,
    ):
        self.by_variant = by_variant
        self.skus = skus
        self.reference = reference
        person = acting_person(actor)
        self.actor_id = person.pk if person is not None else None
        self.now = timezone.now()
        self.problems: list[str] = []
        self.new_stocks = BulkWriter(Stock, _STOCK_COLUMNS)
        self.updates: list[tuple[int, int]] = []
        self.movements = BulkWriter(StockMovement, _MOVEMENT_COLUMNS)

    def create_missing(self, missing: list[tuple[int, int, bool]]) -> None:
        """Rows created here are new in this transaction: nobody else can see or hold them, so
        they are written with their final count instead of being created, locked and updated."""
        for (variant_id, store_id, backorder), pk in zip(
            missing, reserve_ids(Stock, len(missing)), strict=True
        ):
            change, checked = self.by_variant[variant_id]
            delta = checked.applied_to(0)
            refusal = on_hand_refusal(
                sku=self.skus[variant_id],
                reason=change.reason,
                on_hand=0,
                allocated=0,
                allow_backorder=backorder,
                new_on_hand=delta,
            )
            if refusal:
                self.problems.append(refusal[1])
                continue
            self.new_stocks.add((pk, variant_id, store_id, delta, 0, backorder, self.now))
            if delta:
                self._movement(pk, store_id, change, delta, on_hand=delta, allocated=0)

    def change_existing(self, stock_pks: list[int]) -> None:
        for chunk in _chunks(sorted(stock_pks)):
            locked = (
                Stock.objects.select_for_update()
                .filter(pk__in=chunk)
                .order_by("pk")
                .values_list(
                    "pk", "variant_id", "store_id", "on_hand", "allocated", "allow_backorder"
                )
            )
            for pk, variant_id, store_id, on_hand, allocated, backorder in locked:
                change, checked = self.by_variant[variant_id]
                delta = checked.applied_to(on_hand)
                if delta == 0:
                    continue
                new_on_hand = on_hand + delta
                refusal = on_hand_refusal(
                    sku=self.skus[variant_id],
                    reason=change.reason,
                    on_hand=on_hand,
                    allocated=allocated,
                    allow_backorder=backorder,
                    new_on_hand=new_on_hand,
                )
                if refusal:
                    self.problems.append(refusal[1])
                    continue
                self.updates.append((pk, new_on_hand))
                self._movement(
                    pk, store_id, change, delta, on_hand=new_on_hand, allocated=allocated
                )

    def write(self) -> int:
        """Refuses the whole batch if any change was refused; else writes it and returns the
        number of movements."""
        if self.problems:
            raise StockChangesRefused(self.problems)
        self.new_stocks.flush()
        update_from_values(Stock, ("on_hand", "updated_at"), [(*u, self.now) for u in self.updates])
        self.movements.flush()
        return self.movements.written

    def _movement(
        self,
        stock_id: int,
        store_id: int,
        change: StockChange,
        delta: int,
        *,
        on_hand: int,
        allocated: int,
    ) -> None:
        self.movements.add(
            (
                stock_id,
                store_id,
                change.reason,
                delta,
                0,
                on_hand,
                allocated,
                self.actor_id,
                self.reference.type,
                self.reference.id,
                change.note[:255],
                self.now,
            )
        )
