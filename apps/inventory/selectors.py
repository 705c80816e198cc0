"""Stock reads."""

from dataclasses import dataclass

from django.db.models import F, QuerySet, Sum
from django.db.models.functions import Coalesce

from apps.inventory.models import Stock, StockMovement
from apps.stores.scoping import scope_queryset


@dataclass(frozen=True)
class LedgerMismatch:
    stock_id: int
    sku: str
    store_id: int
    on_hand: int
    allocated: int
    ledger_on_hand: int
    ledger_allocated: int


def stock_list_for_staff(*, user) -> QuerySet[Stock]:
    return scope_queryset(
        Stock.objects.select_related("variant", "variant__product", "store"), user
    ).annotate(available_units=F("on_hand") - F("allocated"))


def stock_filter_level(queryset: QuerySet[Stock], level: str) -> QuerySet[Stock]:
    """out: nothing available; low: at or under the variant's threshold; in: above it."""
    threshold = F("allocated") + F("variant__low_stock_threshold")
    if level == "out":
        return queryset.filter(on_hand__lte=F("allocated"))
    if level == "low":
        return queryset.filter(on_hand__gt=F("allocated"), on_hand__lte=threshold)
    if level == "in":
        return queryset.filter(on_hand__gt=threshold)
    return queryset


def stock_level(stock: Stock) -> str:
    """The level of one row, by the same rule as stock_filter_level: out, low or in."""
    if stock.available <= 0:
        return "out"
    if stock.available <= stock.variant.low_stock_threshold:
        return "low"
    return "in"


def movement_list_for_staff(*, user) -> QuerySet[StockMovement]:
    return scope_queryset(
        StockMovement.objects.select_related("stock__variant", "actor", "store"), user
    )


def ledger_mismatches(*, store_id: int | None = None) -> list[LedgerMismatch]:
    """Stock rows whose counters differ from the sum of their movements."""
    stocks = Stock.objects.select_related("variant")
    if store_id is not None:
        stocks = stocks.filter(store_id=store_id)
    stocks = stocks.annotate(
        ledger_on_hand=Coalesce(Sum("movements__on_hand_delta"), 0),
        ledger_allocated=Coalesce(Sum("movements__allocated_delta"), 0),
    ).exclude(on_hand=F("ledger_on_hand"), allocated=F("ledger_allocated"))
    return [
        LedgerMismatch(
            stock_id=s.pk,
            sku=s.variant.sku,
            store_id=s.store_id,
            on_hand=s.on_hand,
            allocated=s.allocated,
            ledger_on_hand=s.ledger_on_hand,
            ledger_allocated=s.ledger_allocated,
        )
        for s in stocks.order_by("pk")
    ]
