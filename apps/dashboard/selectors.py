"""KPI reads for the back-office dashboard.

Every figure is an aggregate over indexed columns (orders by store and placed_at, stock by
store), scoped to the stores the person may see; the number of queries is fixed, whatever
the number of orders.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from apps.inventory.models import Stock
from apps.inventory.selectors import stock_filter_level
from apps.orders.models import Order, OrderLine
from apps.orders.transitions import OrderStatus
from apps.stores.admin_mixins import current_store_id
from apps.stores.scoping import store_ids_for

# Cancelled orders never became sales; returned ones were sales that came back.
NOT_SALES = (OrderStatus.CANCELLED, OrderStatus.RETURNED)
WAITING = (OrderStatus.PENDING, OrderStatus.CONFIRMED)
CHART_DAYS = 30
LIST_SIZE = 5


@dataclass(frozen=True)
class Period:
    label: str
    current: Decimal
    previous: Decimal

    @property
    def change(self) -> float | None:
        """Percentage change against the previous period; None when there was nothing."""
        if not self.previous:
            return None
        return float((self.current - self.previous) / self.previous * 100)


@dataclass
class CurrencySales:
    currency: str
    today: Period
    week: Period
    month: Period
    orders_month: int
    average_order_value: Decimal | None


@dataclass
class Dashboard:
    sales: list[CurrencySales]
    status_counts: dict[str, int]
    waiting: dict[str, int]
    out_of_stock: int
    low_stock: int
    low_stock_items: list[Stock]
    out_of_stock_items: list[Stock]
    top_products: list[dict]
    chart_days: list[date]
    chart_series: dict[str, list[Decimal]] = field(default_factory=dict)


def scoped_store_ids(*, user, request=None) -> list[int] | None:
    """The stores the dashboard covers: the one chosen in the switcher, or all the user's."""
    selected = current_store_id(request) if request is not None else None
    if selected:
        return [selected]
    store_ids = store_ids_for(user)
    return None if store_ids is None else sorted(store_ids)


def _scope(queryset: QuerySet, store_ids, store_field="store") -> QuerySet:
    if store_ids is None:
        return queryset
    return queryset.filter(**{f"{store_field}_id__in": store_ids})


def pending_order_count(*, user, request=None) -> int:
    store_ids = scoped_store_ids(user=user, request=request)
    if store_ids == []:
        return 0
    return _scope(Order.objects.filter(status=OrderStatus.PENDING), store_ids).count()


def _day_start(moment: datetime) -> datetime:
    return timezone.localtime(moment).replace(hour=0, minute=0, second=0, microsecond=0)


def dashboard_data(*, user, request=None, now: datetime | None = None) -> Dashboard:
    store_ids = scoped_store_ids(user=user, request=request)
    now = now or timezone.now()
    today = _day_start(now)
    starts = {
        "today": (today, today - timedelta(days=1)),
        "week": (today - timedelta(days=6), today - timedelta(days=13)),
        "month": (
            today - timedelta(days=CHART_DAYS - 1),
            today - timedelta(days=2 * CHART_DAYS - 1),
        ),
    }
    oldest = starts["month"][1]
    orders = _scope(Order.objects.all(), store_ids)
    recent = orders.filter(placed_at__gte=oldest)
    sales = recent.exclude(status__in=NOT_SALES)

    aggregates = {}
    for name, (start, previous_start) in starts.items():
        # The previous period is cut at the same point of its course: today until now
        # against yesterday until this time, not against the whole of yesterday.
        previous_end = previous_start + (now - start)
        aggregates[f"{name}_now"] = Sum("total", filter=Q(placed_at__gte=start))
        aggregates[f"{name}_before"] = Sum(
            "total", filter=Q(placed_at__gte=previous_start, placed_at__lt=previous_end)
        )
    aggregates["orders_month"] = Count("id", filter=Q(placed_at__gte=starts["month"][0]))
    sales_rows = sales.values("currency").annotate(**aggregates).order_by("currency")

    zero = Decimal("0")
    currency_sales = []
    for row in sales_rows:
        month_total = row["month_now"] or zero
        currency_sales.append(
            CurrencySales(
                currency=row["currency"],
                today=Period("today", row["today_now"] or zero, row["today_before"] or zero),
                week=Period("week", row["week_now"] or zero, row["week_before"] or zero),
                month=Period("month", month_total, row["month_before"] or zero),
                orders_month=row["orders_month"],
                average_order_value=(
                    (month_total / row["orders_month"]).quantize(Decimal("0.01"))
                    if row["orders_month"]
                    else None
                ),
            )
        )

    status_counts = dict(
        recent.filter(placed_at__gte=starts["month"][0])
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    waiting = dict(
        orders.filter(status__in=WAITING).values_list("status").annotate(n=Count("id")).order_by()
    )

    stocks = _scope(Stock.objects.all(), store_ids)
    with_variant = stocks.select_related("variant", "variant__product", "store").annotate(
        available_units=F("on_hand") - F("allocated")
    )
    low_items = list(
        stock_filter_level(with_variant, "low").order_by("available_units", "pk")[:LIST_SIZE]
    )
    out_items = list(
        stock_filter_level(with_variant, "out").order_by("available_units", "pk")[:LIST_SIZE]
    )

    top_products = list(
        _scope(OrderLine.objects.all(), store_ids, "order__store")
        .filter(order__placed_at__gte=starts["month"][0])
        .exclude(order__status__in=NOT_SALES)
        .values("sku", "product_title", "order__currency")
        .annotate(units=Sum("quantity"), revenue=Sum("line_total"))
        .order_by("-units", "sku")[:LIST_SIZE]
    )

    days = [(today - timedelta(days=offset)).date() for offset in range(CHART_DAYS - 1, -1, -1)]
    series: dict[str, dict[date, Decimal]] = {}
    daily = (
        sales.filter(placed_at__gte=starts["month"][0])
        .annotate(day=TruncDate("placed_at"))
        .values("currency", "day")
        .annotate(amount=Sum("total"))
        .order_by()
    )
    for row in daily:
        series.setdefault(row["currency"], {})[row["day"]] = row["amount"]

    return Dashboard(
        sales=currency_sales,
        status_counts=status_counts,
        waiting=waiting,
        out_of_stock=stock_filter_level(stocks, "out").count(),
        low_stock=stock_filter_level(stocks, "low").count(),
        low_stock_items=low_items,
        out_of_stock_items=out_items,
        top_products=top_products,
        chart_days=days,
        chart_series={
            currency: [amounts.get(day, zero) for day in days]
            for currency, amounts in sorted(series.items())
        },
    )
