"""Stock reads, and the one rule for how many units of a variant can be ordered now."""

from dataclasses import dataclass

from django.db.models import Case, F, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.db.models.lookups import Exact, GreaterThan, IsNull, LessThanOrEqual

from apps.catalog.models import ProductVariant
from apps.inventory.models import Stock, StockMovement
from apps.stores.scoping import Viewer, scope_queryset


@dataclass(frozen=True)
class LedgerMismatch:
    stock_id: int
    sku: str
    store_id: int
    on_hand: int
    allocated: int
    ledger_on_hand: int
    ledger_allocated: int


# Availability, in two forms that tests/test_availability.py holds to each other row by row:
# Python for one loaded variant (its `stock` fetched with it, or reached from its Stock row)
# and SQL for annotations and filters.
# - Stock not counted (track_inventory off): no limit, and a Stock row left over from when it
#   was counted does not matter.
# - Counted: on hand less allocated, never below zero; orderable when that covers the
#   quantity, or whatever it is when the row takes backorders. The row's backorder flag, not
#   the variant's: it is the one the database enforces.
# - Counted but without a Stock row: nothing to allocate against, so 0 and never orderable,
#   backorders or not (stock_allocate refuses it too).


def _stock_row(variant: ProductVariant) -> Stock | None:
    try:
        return variant.stock
    except Stock.DoesNotExist:
        return None


def available_units(variant: ProductVariant) -> int | None:
    """Units of `variant` free to order now; None when its stock is not counted."""
    if not variant.track_inventory:
        return None
    stock = _stock_row(variant)
    return 0 if stock is None else stock.available


def can_order(variant: ProductVariant, quantity: int = 1) -> bool:
    units = available_units(variant)
    if units is None:
        return True
    stock = _stock_row(variant)
    return stock is not None and (stock.allow_backorder or units >= quantity)


def available_units_expression() -> Case:
    """available_units for each row of a Stock queryset (to annotate or filter by)."""
    return Case(
        When(variant__track_inventory=False, then=Value(None)),
        default=Greatest(F("on_hand") - F("allocated"), Value(0)),
        output_field=IntegerField(),
    )


def can_order_condition() -> Q:
    """can_order(variant) for one unit, for a ProductVariant queryset. A variant without a
    Stock row meets neither stock condition (NULL), as can_order wants."""
    return (
        Q(track_inventory=False)
        | Q(stock__allow_backorder=True)
        | Q(stock__on_hand__gt=F("stock__allocated"))
    )


def stock_list_for_staff(*, user: Viewer) -> QuerySet[Stock]:
    return scope_queryset(
        Stock.objects.select_related("variant", "variant__product", "store"), user
    ).annotate(available_units=available_units_expression())


def stock_filter_level(queryset: QuerySet[Stock], level: str) -> QuerySet[Stock]:
    """out: nothing available; low: at or under the variant's threshold; in: above it or not
    counted."""
    units = available_units_expression()
    threshold = F("variant__low_stock_threshold")
    if level == "out":
        return queryset.filter(Exact(units, 0))
    if level == "low":
        return queryset.filter(GreaterThan(units, 0), LessThanOrEqual(units, threshold))
    if level == "in":
        return queryset.filter(Q(IsNull(units, True)) | Q(GreaterThan(units, threshold)))
    return queryset


def stock_level(stock: Stock) -> str:
    """The level of one row, by the same rule as stock_filter_level: out, low or in."""
    units = available_units(stock.variant)
    if units == 0:
        return "out"
    if units is not None and units <= stock.variant.low_stock_threshold:
        return "low"
    return "in"


def movement_list_for_staff(*, user: Viewer) -> QuerySet[StockMovement]:
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
