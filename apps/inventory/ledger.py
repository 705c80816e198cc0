"""The two moves every stock write is made of: lock Stock rows, then move their counters and
describe the move in a StockMovement.

Rows are locked with SELECT ... FOR UPDATE in primary-key order, so two orders touching the
same variants in any line order queue up instead of deadlocking.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import F

from apps.inventory.models import Stock, StockMovement
from apps.stores.scoping import Actor, acting_person


@dataclass(frozen=True)
class StockReference:
    """What caused a movement: an order, an import job… (inventory imports neither)."""

    type: str
    id: str


def lock_stocks(variant_ids: Iterable[int]) -> list[Stock]:
    """Lock the rows in pk order. Variants without a row are left out."""
    return list(
        Stock.objects.select_for_update(of=("self",))
        .select_related("variant")
        .filter(variant_id__in=set(variant_ids))
        .order_by("pk")
    )


def move_stock(
    stock: Stock,
    *,
    on_hand_delta: int,
    allocated_delta: int,
    reason: str,
    actor: Actor,
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
        actor=acting_person(actor),
        reference_type=reference.type if reference else "",
        reference_id=reference.id if reference else "",
        note=note[:255],
    )
