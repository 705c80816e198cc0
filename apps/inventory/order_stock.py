"""What an order's lifecycle does to stock: placing allocates, cancelling releases, a shipment
consumes (and gives back to the allocation when it is cancelled), a return restocks or writes
off. apps.orders calls these inside the order's transaction; the demo seeder replays
order_movement and can_ship in memory for its bulk writes.

Each movement names what caused it (the order, one of its shipments, one of its returns); what
an order may still move is read from the movements of all of those, its `holders`.
"""

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q, Sum

from apps.catalog.models import ProductVariant
from apps.core.errors import ApplicationError, Conflict
from apps.inventory.ledger import StockReference, lock_stocks, move_stock
from apps.inventory.models import MovementReason, Stock, StockMovement
from apps.inventory.selectors import can_order
from apps.stores.scoping import Actor

logger = logging.getLogger(__name__)


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


def order_movement(reason: str, *, quantity: int, stock: Stock) -> tuple[int, int]:
    """(on-hand change, allocated change) that an order line of `quantity` makes on `stock`."""
    if reason in (MovementReason.ORDER_ALLOCATED, MovementReason.RESERVED):
        return 0, quantity
    # An order gives back at most what the row still holds for orders.
    if reason in (MovementReason.ORDER_RELEASED, MovementReason.RESERVATION_RELEASED):
        return 0, -min(quantity, stock.allocated)
    if reason == MovementReason.ORDER_SHIPPED:
        return -quantity, -min(quantity, stock.allocated)
    if reason == MovementReason.SHIPMENT_CANCELLED:
        return quantity, quantity
    if reason == MovementReason.RETURNED:
        return quantity, 0
    raise ValueError(f"{reason!r} is not a movement of an order")


def can_ship(stock: Stock, quantity: int) -> bool:
    """Goods leave from the shelf: under backorder an order may hold more than is on it."""
    return stock.on_hand >= quantity


def _order_moves(
    stocks: list[Stock],
    reason: str,
    wanted: dict[int, int],
    actor: Actor,
    reference: StockReference,
) -> list[StockMovement]:
    """Move each locked row by order_movement; a move that changes nothing is not written."""
    movements = []
    for stock in stocks:
        on_hand_delta, allocated_delta = order_movement(
            reason, quantity=wanted[stock.variant_id], stock=stock
        )
        if on_hand_delta or allocated_delta:
            movements.append(
                move_stock(
                    stock,
                    on_hand_delta=on_hand_delta,
                    allocated_delta=allocated_delta,
                    reason=reason,
                    actor=actor,
                    reference=reference,
                )
            )
    return StockMovement.objects.bulk_create(movements)


def _merge(lines: Iterable[tuple[int, int]]) -> dict[int, int]:
    merged: dict[int, int] = defaultdict(int)
    for variant_id, quantity in lines:
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
            raise ApplicationError("Quantities must be whole numbers above zero.", code="invalid")
        merged[variant_id] += quantity
    return dict(merged)


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
    *,
    lines: Iterable[tuple[int, int]],
    actor: Actor,
    reference: StockReference,
    reason: str = MovementReason.ORDER_ALLOCATED,
) -> list[StockMovement]:
    """Hold stock for order lines (or, with `reason` RESERVED, a cart), all or nothing.
    Names every short SKU."""
    wanted = _merge(lines)
    locked = lock_stocks(wanted)
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
    return _order_moves(stocks, reason, wanted, actor, reference)


def _what_the_order_holds(
    stocks: list[Stock], holders: Sequence[StockReference]
) -> tuple[dict[int, int], dict[int, int]]:
    """Per variant, from the movements of the order and its shipments and returns: units it
    still holds allocated, and units it took off the shelf and has not brought back. An order
    placed while its variant was not counted holds nothing, whatever the row holds for others.
    """
    totals = (
        StockMovement.objects.filter(
            reference_type__in={holder.type for holder in holders},
            reference_id__in={holder.id for holder in holders},
            stock__in=[stock.pk for stock in stocks],
        )
        .values("stock__variant_id")
        .annotate(
            allocated=Sum("allocated_delta"),
            taken=Sum(
                "on_hand_delta",
                filter=Q(
                    reason__in=(
                        MovementReason.ORDER_SHIPPED,
                        MovementReason.SHIPMENT_CANCELLED,
                        MovementReason.RETURNED,
                    )
                ),
            ),
        )
    )
    allocated = {row["stock__variant_id"]: row["allocated"] or 0 for row in totals}
    taken = {row["stock__variant_id"]: -(row["taken"] or 0) for row in totals}
    return allocated, taken


def _what_this_order_may_move(
    lines: Iterable[tuple[int, int]], holders: Sequence[StockReference], *, taken: bool
) -> tuple[list[Stock], dict[int, int]]:
    """Lock the lines' rows; per variant, the line's quantity capped by what the order holds
    allocated (or, with `taken`, has taken off the shelf). Rows it holds nothing on drop out."""
    lines_by_variant = _merge(lines)
    stocks = lock_stocks(lines_by_variant)
    allocated, off_the_shelf = _what_the_order_holds(stocks, holders)
    held = off_the_shelf if taken else allocated
    wanted = {
        variant_id: units
        for variant_id, quantity in lines_by_variant.items()
        if (units := min(quantity, held.get(variant_id, 0))) > 0
    }
    return [stock for stock in stocks if stock.variant_id in wanted], wanted


def _holders(reference: StockReference, holders: Sequence[StockReference]) -> list[StockReference]:
    return [reference, *holders]


@transaction.atomic
def stock_release(
    *,
    lines: Iterable[tuple[int, int]],
    actor: Actor,
    reference: StockReference,
    holders: Sequence[StockReference] = (),
    reason: str = MovementReason.ORDER_RELEASED,
) -> list[StockMovement]:
    """Give back what the order (or, with `reason` RESERVATION_RELEASED, a cart) holds
    allocated: it was cancelled, a line shrank, a reservation ran out or became an order."""
    stocks, wanted = _what_this_order_may_move(lines, _holders(reference, holders), taken=False)
    return _order_moves(stocks, reason, wanted, actor, reference)


@transaction.atomic
def stock_consume(
    *,
    lines: Iterable[tuple[int, int]],
    actor: Actor,
    reference: StockReference,
    holders: Sequence[StockReference] = (),
) -> list[StockMovement]:
    """Goods leave the building: on hand and the order's allocation both drop (it shipped).
    `reference` is the shipment; `holders` the order and its other shipments."""
    stocks, wanted = _what_this_order_may_move(lines, _holders(reference, holders), taken=False)
    short = [
        Shortage(stock.variant.sku, wanted[stock.variant_id], stock.on_hand)
        for stock in stocks
        if not can_ship(stock, wanted[stock.variant_id])
    ]
    if short:
        # Only possible with backorders: the goods are not there to ship yet.
        raise InsufficientStock(sorted(short, key=lambda s: s.sku))
    return _order_moves(stocks, MovementReason.ORDER_SHIPPED, wanted, actor, reference)


@transaction.atomic
def stock_unship(
    *,
    lines: Iterable[tuple[int, int]],
    actor: Actor,
    reference: StockReference,
    holders: Sequence[StockReference] = (),
) -> list[StockMovement]:
    """A cancelled shipment's goods go back on the shelf, allocated to the order again."""
    stocks, wanted = _what_this_order_may_move(lines, _holders(reference, holders), taken=True)
    return _order_moves(stocks, MovementReason.SHIPMENT_CANCELLED, wanted, actor, reference)


@transaction.atomic
def stock_restock(
    *,
    lines: Iterable[tuple[int, int]],
    actor: Actor,
    reference: StockReference,
    holders: Sequence[StockReference] = (),
) -> list[StockMovement]:
    """Returned goods go back on the shelf: as many as the order took off it."""
    stocks, wanted = _what_this_order_may_move(lines, _holders(reference, holders), taken=True)
    return _order_moves(stocks, MovementReason.RETURNED, wanted, actor, reference)


@transaction.atomic
def stock_write_off_returned(
    *,
    lines: Iterable[tuple[int, int]],
    actor: Actor,
    reference: StockReference,
    holders: Sequence[StockReference] = (),
) -> list[StockMovement]:
    """Returned goods that are not fit to sell: the ledger records them as damaged, against
    the return, and the shelf does not change (they left it when they shipped). How many, and
    why, the order's timeline says in the reader's language."""
    stocks, _wanted = _what_this_order_may_move(lines, _holders(reference, holders), taken=True)
    return StockMovement.objects.bulk_create(
        move_stock(
            stock,
            on_hand_delta=0,
            allocated_delta=0,
            reason=MovementReason.DAMAGED,
            actor=actor,
            reference=reference,
        )
        for stock in stocks
    )
