"""Stock writes. Every change to a Stock row happens here and writes a StockMovement in the
same transaction. Rows are locked with SELECT ... FOR UPDATE in primary-key order, so two
orders touching the same variants in any line order queue up instead of deadlocking."""

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.catalog.models import ProductVariant
from apps.core.bulk import BulkWriter, update_from_values
from apps.core.errors import ApplicationError, Conflict
from apps.core.sequences import reserve_ids
from apps.inventory.models import STAFF_REASONS, MovementReason, Stock, StockMovement
from apps.inventory.selectors import can_order
from apps.stores.roles import Capability
from apps.stores.scoping import require_capability

logger = logging.getLogger(__name__)

# The reason says which way the goods went: a delivery or a return can only add to the
# shelf, damage can only take from it (a correction or a count may go either way).
ADDING_REASONS = frozenset({MovementReason.RECEIVED, MovementReason.RETURNED})
REMOVING_REASONS = frozenset({MovementReason.DAMAGED})


@dataclass(frozen=True)
class StockReference:
    """What caused a movement: an order, an import job… (inventory imports neither)."""

    type: str
    id: str


@dataclass(frozen=True)
class Shortage:
    sku: str
    requested: int
    available: int


class InsufficientStock(Conflict):
    code = "insufficient_stock"

    def __init__(self, shortages: list[Shortage]):
        self.shortages = shortages
        names = ", ".join(
            f"{s.sku} (requested {s.requested}, available {s.available})" for s in shortages
        )
        super().__init__(
            f"Not enough stock for {names}.",
            extra={
                "shortages": [
                    {"sku": s.sku, "requested": s.requested, "available": s.available}
                    for s in shortages
                ]
            },
        )


class StockRecordMissing(Conflict):
    code = "no_stock_record"

    def __init__(self, skus: list[str]):
        self.skus = skus
        super().__init__(
            f"No stock record for {', '.join(skus)}: not for sale until its stock is set up."
        )


def _merge(lines: Iterable[tuple[int, int]]) -> dict[int, int]:
    merged: dict[int, int] = defaultdict(int)
    for variant_id, quantity in lines:
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
            raise ApplicationError("Quantities must be whole numbers above zero.", code="invalid")
        merged[variant_id] += quantity
    return dict(merged)


def _lock_stocks(variant_ids: Iterable[int]) -> list[Stock]:
    """Lock the rows in pk order. Variants without a row are left out."""
    return list(
        Stock.objects.select_for_update(of=("self",))
        .select_related("variant")
        .filter(variant_id__in=set(variant_ids))
        .order_by("pk")
    )


def _apply(
    stock: Stock,
    *,
    on_hand_delta: int,
    allocated_delta: int,
    reason: str,
    actor,
    reference: StockReference | None,
    note: str = "",
) -> StockMovement:
    """Move the counters of a locked row and describe the move in a (not yet saved) movement."""
    Stock.objects.filter(pk=stock.pk).update(
        on_hand=F("on_hand") + on_hand_delta, allocated=F("allocated") + allocated_delta
    )
    stock.on_hand += on_hand_delta
    stock.allocated += allocated_delta
    return StockMovement(
        stock=stock,
        store_id=stock.store_id,
        reason=reason,
        on_hand_delta=on_hand_delta,
        allocated_delta=allocated_delta,
        on_hand_after=stock.on_hand,
        allocated_after=stock.allocated,
        actor=actor if actor is not None and actor.is_authenticated else None,
        reference_type=reference.type if reference else "",
        reference_id=reference.id if reference else "",
        note=note[:255],
    )


def _check_change(*, delta, set_on_hand, reason: str, allowed_reasons: set[str]) -> None:
    """The shape of one on-hand change, for stock_adjust and stock_change_bulk alike."""
    if (delta is None) == (set_on_hand is None):
        raise ApplicationError("Give either a change or a new on-hand figure.", code="invalid")
    if reason not in allowed_reasons:
        raise ApplicationError(f"{reason!r} is not a reason staff can record.", code="invalid")
    for value in (delta, set_on_hand):
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise ApplicationError("Quantities must be whole numbers.", code="invalid")


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
    if (reason in ADDING_REASONS and change < 0) or (reason in REMOVING_REASONS and change > 0):
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


def stock_ensure(*, variants: Iterable[ProductVariant]) -> None:
    """Give every tracked variant a Stock row and keep its backorder flag in step."""
    variants = [v for v in variants if v.track_inventory]
    if not variants:
        return
    existing = {s.variant_id: s for s in _lock_stocks(v.pk for v in variants)}
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
            raise ApplicationError(
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
    actor,
    delta: int | None = None,
    set_on_hand: int | None = None,
    note: str = "",
    reference: StockReference | None = None,
    allowed_reasons: Iterable[str] = STAFF_REASONS,
    check_permission: bool = True,
) -> Stock:
    """A staff change to what is on the shelf: a delivery, a correction, damage, a count.

    Give either `delta` (+5 received, -2 damaged) or `set_on_hand` (a count). The actor needs
    the stock capability in the variant's store; `check_permission` is off only for set-up
    code with no person behind it (benchmarks, tests' fixtures).
    """
    if check_permission:
        require_capability(actor, variant.store_id, Capability.ADJUST_STOCK)
    _check_change(
        delta=delta, set_on_hand=set_on_hand, reason=reason, allowed_reasons=set(allowed_reasons)
    )
    if not variant.track_inventory:
        raise ApplicationError(f"{variant.sku} does not track inventory.", code="untracked")
    stock_ensure(variants=[variant])
    (stock,) = _lock_stocks([variant.pk])
    change = delta if delta is not None else set_on_hand - stock.on_hand
    if change == 0 and delta is not None:
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
        raise ApplicationError(f"{message}.", code=code)
    movement = _apply(
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


def _refuse_unrecorded(variant_ids: set[int]) -> None:
    """Refuse counted variants that have no Stock row: sold, they would go unallocated."""
    skus = list(
        ProductVariant.objects.filter(pk__in=variant_ids, track_inventory=True)
        .order_by("sku")
        .values_list("sku", flat=True)
    )
    if skus:
        # The catalogue gives every counted variant its row; a missing one is a bug to fix.
        logger.error("Tracked variants without a stock row refused: %s", ", ".join(skus))
        raise StockRecordMissing(skus)


@transaction.atomic
def stock_allocate(
    *, lines: Iterable[tuple[int, int]], actor, reference: StockReference
) -> list[StockMovement]:
    """Reserve stock for order lines, all or nothing. Names every short SKU."""
    wanted = _merge(lines)
    locked = _lock_stocks(wanted)
    if len(locked) < len(wanted):
        _refuse_unrecorded(wanted.keys() - {stock.variant_id for stock in locked})
    # A row left over from when the variant was counted holds nothing back.
    stocks = [stock for stock in locked if stock.variant.track_inventory]
    shortages = [
        Shortage(stock.variant.sku, wanted[stock.variant_id], stock.available)
        for stock in stocks
        if not can_order(stock.variant, wanted[stock.variant_id])
    ]
    if shortages:
        raise InsufficientStock(sorted(shortages, key=lambda s: s.sku))
    movements = [
        _apply(
            stock,
            on_hand_delta=0,
            allocated_delta=wanted[stock.variant_id],
            reason=MovementReason.ORDER_ALLOCATED,
            actor=actor,
            reference=reference,
        )
        for stock in stocks
    ]
    return StockMovement.objects.bulk_create(movements)


@transaction.atomic
def stock_release(
    *, lines: Iterable[tuple[int, int]], actor, reference: StockReference
) -> list[StockMovement]:
    """Give allocated stock back (an order was cancelled)."""
    wanted = _merge(lines)
    movements = []
    for stock in _lock_stocks(wanted):
        quantity = min(wanted[stock.variant_id], stock.allocated)
        if quantity:
            movements.append(
                _apply(
                    stock,
                    on_hand_delta=0,
                    allocated_delta=-quantity,
                    reason=MovementReason.ORDER_RELEASED,
                    actor=actor,
                    reference=reference,
                )
            )
    return StockMovement.objects.bulk_create(movements)


@transaction.atomic
def stock_consume(
    *, lines: Iterable[tuple[int, int]], actor, reference: StockReference
) -> list[StockMovement]:
    """Goods leave the building: on hand and allocated both drop (an order shipped)."""
    wanted = _merge(lines)
    stocks = _lock_stocks(wanted)
    short = [
        Shortage(stock.variant.sku, wanted[stock.variant_id], stock.on_hand)
        for stock in stocks
        if stock.on_hand < wanted[stock.variant_id]
    ]
    if short:
        # Only possible with backorders: the goods are not there to ship yet.
        raise InsufficientStock(sorted(short, key=lambda s: s.sku))
    movements = [
        _apply(
            stock,
            on_hand_delta=-wanted[stock.variant_id],
            allocated_delta=-min(wanted[stock.variant_id], stock.allocated),
            reason=MovementReason.ORDER_SHIPPED,
            actor=actor,
            reference=reference,
        )
        for stock in stocks
    ]
    return StockMovement.objects.bulk_create(movements)


@transaction.atomic
def stock_restock(
    *, lines: Iterable[tuple[int, int]], actor, reference: StockReference
) -> list[StockMovement]:
    """Returned goods go back on the shelf."""
    wanted = _merge(lines)
    movements = [
        _apply(
            stock,
            on_hand_delta=wanted[stock.variant_id],
            allocated_delta=0,
            reason=MovementReason.RETURNED,
            actor=actor,
            reference=reference,
        )
        for stock in _lock_stocks(wanted)
    ]
    return StockMovement.objects.bulk_create(movements)


# Bulk changes (imports, stocktakes). Same rules as stock_adjust, set-based, in chunks that
# fit one query on every database.

BULK_CHUNK = 2000


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


def _chunks(items: list, size: int = BULK_CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def stock_ensure_bulk(*, variants: Iterable[ProductVariant]) -> None:
    """stock_ensure for any number of variants: missing rows are written in one COPY-speed
    pass; the few existing rows whose backorder flag changed go through stock_ensure."""
    tracked = [v for v in variants if v.track_inventory]
    now = timezone.now()
    writer = BulkWriter(
        Stock, ["id", "variant", "store", "on_hand", "allocated", "allow_backorder", "updated_at"]
    )
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
    actor,
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
    allowed = set(allowed_reasons)
    by_variant: dict[int, StockChange] = {}
    for change in changes:
        _check_change(
            delta=change.delta,
            set_on_hand=change.set_on_hand,
            reason=change.reason,
            allowed_reasons=allowed,
        )
        if change.variant_id in by_variant:
            raise ApplicationError("A variant appears twice in one bulk change.", code="invalid")
        by_variant[change.variant_id] = change
    if not by_variant:
        return 0

    problems: list[str] = []
    variant_ids = sorted(by_variant)
    skus: dict[int, str] = {}
    stock_pks: list[int] = []
    missing: list[tuple[int, int, bool]] = []
    for chunk in _chunks(variant_ids):
        variants = list(
            ProductVariant.objects.filter(pk__in=chunk).values_list(
                "pk", "sku", "store_id", "track_inventory", "allow_backorder"
            )
        )
        existing = dict(Stock.objects.filter(variant_id__in=chunk).values_list("variant_id", "pk"))
        for pk, sku, store_id, track, backorder in variants:
            skus[pk] = sku
            if not track:
                problems.append(f"{sku} does not track inventory")
            elif pk not in existing:
                missing.append((pk, store_id, backorder))
        stock_pks.extend(existing.values())
    unknown = set(variant_ids) - set(skus)
    if unknown:
        raise ApplicationError(f"Unknown variants: {sorted(unknown)[:20]}.", code="not_found")
    if problems:
        raise StockChangesRefused(problems)

    now = timezone.now()
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    updates: list[tuple[int, int]] = []
    movements = BulkWriter(
        StockMovement,
        [
            "stock",
            "store",
            "reason",
            "on_hand_delta",
            "allocated_delta",
            "on_hand_after",
            "allocated_after",
            "actor",
            "reference_type",
            "reference_id",
            "note",
            "created_at",
        ],
    )

    def movement(stock_id, store_id, change, delta, on_hand, allocated):
        movements.add(
            (
                stock_id,
                store_id,
                change.reason,
                delta,
                0,
                on_hand,
                allocated,
                actor_id,
                reference.type,
                reference.id,
                change.note[:255],
                now,
            )
        )

    # Rows created here are new in this transaction: nobody else can see or hold them, so
    # they are written with their final count instead of being created, locked and updated.
    new_stocks = BulkWriter(
        Stock, ["id", "variant", "store", "on_hand", "allocated", "allow_backorder", "updated_at"]
    )
    for (variant_id, store_id, backorder), pk in zip(
        missing, reserve_ids(Stock, len(missing)), strict=True
    ):
        change = by_variant[variant_id]
        delta = change.delta if change.delta is not None else change.set_on_hand
        refusal = on_hand_refusal(
            sku=skus[variant_id],
            reason=change.reason,
            on_hand=0,
            allocated=0,
            allow_backorder=backorder,
            new_on_hand=delta,
        )
        if refusal:
            problems.append(refusal[1])
            continue
        new_stocks.add((pk, variant_id, store_id, delta, 0, backorder, now))
        if delta:
            movement(pk, store_id, change, delta, delta, 0)
    for chunk in _chunks(sorted(stock_pks)):
        locked = (
            Stock.objects.select_for_update()
            .filter(pk__in=chunk)
            .order_by("pk")
            .values_list("pk", "variant_id", "store_id", "on_hand", "allocated", "allow_backorder")
        )
        for pk, variant_id, store_id, on_hand, allocated, backorder in locked:
            change = by_variant[variant_id]
            delta = change.delta if change.delta is not None else change.set_on_hand - on_hand
            if delta == 0:
                continue
            new_on_hand = on_hand + delta
            refusal = on_hand_refusal(
                sku=skus[variant_id],
                reason=change.reason,
                on_hand=on_hand,
                allocated=allocated,
                allow_backorder=backorder,
                new_on_hand=new_on_hand,
            )
            if refusal:
                problems.append(refusal[1])
                continue
            updates.append((pk, new_on_hand))
            movement(pk, store_id, change, delta, new_on_hand, allocated)
    if problems:
        raise StockChangesRefused(problems)
    new_stocks.flush()
    update_from_values(Stock, ("on_hand", "updated_at"), [(*u, now) for u in updates])
    movements.flush()
    return movements.written
