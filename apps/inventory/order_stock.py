"""What an order's lifecycle does to stock: placing allocates, cancelling releases, shipping
consumes, a return restocks. apps.orders.services calls these inside the order's transaction.
"""

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from apps.catalog.models import ProductVariant
from apps.core.errors import ApplicationError, Conflict
from apps.inventory.ledger import StockReference, lock_stocks, move_stock
from apps.inventory.models import MovementReason, StockMovement
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
    *, lines: Iterable[tuple[int, int]], actor: Actor, reference: StockReference
) -> list[StockMovement]:
    """Reserve stock for order lines, all or nothing. Names every short SKU."""
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
    movements = [
        move_stock(
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
    *, lines: Iterable[tuple[int, int]], actor: Actor, reference: StockReference
) -> list[StockMovement]:
    """Give allocated stock back (an order was cancelled)."""
    wanted = _merge(lines)
    movements = []
    for stock in lock_stocks(wanted):
        quantity = min(wanted[stock.variant_id], stock.allocated)
        if quantity:
            movements.append(
                move_stock(
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
    *, lines: Iterable[tuple[int, int]], actor: Actor, reference: StockReference
) -> list[StockMovement]:
    """Goods leave the building: on hand and allocated both drop (an order shipped)."""
    wanted = _merge(lines)
    stocks = lock_stocks(wanted)
    short = [
        Shortage(stock.variant.sku, wanted[stock.variant_id], stock.on_hand)
        for stock in stocks
        if stock.on_hand < wanted[stock.variant_id]
    ]
    if short:
        # Only possible with backorders: the goods are not there to ship yet.
        raise InsufficientStock(sorted(short, key=lambda s: s.sku))
    movements = [
        move_stock(
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
    *, lines: Iterable[tuple[int, int]], actor: Actor, reference: StockReference
) -> list[StockMovement]:
    """Returned goods go back on the shelf."""
    wanted = _merge(lines)
    movements = [
        move_stock(
            stock,
            on_hand_delta=wanted[stock.variant_id],
            allocated_delta=0,
            reason=MovementReason.RETURNED,
            actor=actor,
            reference=reference,
        )
        for stock in lock_stocks(wanted)
    ]
    return StockMovement.objects.bulk_create(movements)
