"""KPI reads for the back-office dashboard.

Every figure is an aggregate over indexed columns (orders by store and placed_at, stock by
store), scoped to the stores the person may see; the number of queries is fixed, whatever
the number of orders.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.http import HttpRequest
from django.utils import timezone

from apps.inventory.models import Stock
from apps.inventory.selectors import available_units_expression, stock_filter_level
from apps.orders.models import Order, OrderLine
from apps.orders.transitions import OrderStatus
from apps.stores.scoping import Viewer, current_store_id, scope_to_current_store, store_ids_for

# Cancelled orders never became sales; returned ones were sales that came back.
NOT_SALES = (OrderStatus.CANCELLED,)
WAITING = (OrderStatus.PENDING, OrderStatus.CONFIRMED)
CHART_DAYS = 30
LIST_SIZE = 5
# Sales figures may be this old; a dashboard reloaded all day must not rescan the orders.
CACHE_SECONDS = 120


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
    top_products: list[dict[str, Any]]
    chart_days: list[date]
    chart_series: dict[str, list[Decimal]] = field(default_factory=dict)
    computed_at: datetime | None = None


def scoped_store_ids(*, user: Viewer, request: HttpRequest | None = None) -> list[int] | None:
    """The stores the dashboard covers (the key of its cache): the one chosen in the switcher,
    or all the user's."""
    selected = current_store_id(request) if request is not None else None
    if selected:
        return [selected]
    store_ids = store_ids_for(user)
    return None if store_ids is None else sorted(store_ids)


def pending_order_count(*, user: Viewer, request: HttpRequest | None = None) -> int:
    pending = Order.objects.filter(status=OrderStatus.PENDING)
    return scope_to_current_store(pending, user, request).count()


def _daily_rollup(orders: QuerySet[Order], *, since: date, now: datetime) -> list[dict[str, Any]]:
    """One scan of the last 60 days: per currency, day and status, the number of orders, their
    total, and the part placed before this time of day (to cut a previous period where the
    current one stands). Everything else on the dashboard is summed from these few rows."""
    return list(
        orders.filter(placed_at__gte=_day_start_of(since))
        .annotate(day=TruncDate("placed_at"))
        .values("currency", "day", "status")
        .annotate(
            n=Count("id"),
            amount=Sum("total"),
            amount_by_now=Sum(
                "total", filter=Q(placed_at__time__lte=timezone.localtime(now).time())
            ),
        )
        .order_by()
    )


def _day_start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def _sales(rows: list[dict[str, Any]], today: date) -> list[CurrencySales]:
    zero = Decimal("0")
    spans = {"today": 1, "week": 7, "month": CHART_DAYS}
    by_currency: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if row["status"] not in NOT_SALES:
            by_currency.setdefault(row["currency"], []).append(row)

    def period(name: str, currency_rows: list[dict[str, Any]]) -> Period:
        span = spans[name]
        start = today - timedelta(days=span - 1)
        previous_start = start - timedelta(days=span)
        # The previous period is cut at the same point of its course: today until now
        # against yesterday until this time, not against the whole of yesterday.
        previous_cut = previous_start + (today - start)
        current = sum((r["amount"] for r in currency_rows if r["day"] >= start), zero)
        previous = sum(
            (r["amount"] for r in currency_rows if previous_start <= r["day"] < previous_cut),
            zero,
        ) + sum(
            (r["amount_by_now"] or zero for r in currency_rows if r["day"] == previous_cut), zero
        )
        return Period(name, current, previous)

    result = []
    for currency, currency_rows in sorted(by_currency.items()):
        month = period("month", currency_rows)
        orders_month = sum(
            r["n"] for r in currency_rows if r["day"] >= today - timedelta(days=CHART_DAYS - 1)
        )
        result.append(
            CurrencySales(
                currency=currency,
                today=period("today", currency_rows),
                week=period("week", currency_rows),
                month=month,
                orders_month=orders_month,
                average_order_value=(
                    (month.current / orders_month).quantize(Decimal("0.01"))
                    if orders_month
                    else None
                ),
            )
        )
    return result


def dashboard_data(
    *, user: Viewer, request: HttpRequest | None = None, now: datetime | None = None
) -> Dashboard:
    """The dashboard of the user's stores. The heavy part (sales, chart, top products, stock
    lists) is cached for CACHE_SECONDS per set of stores; orders waiting for action are
    always live."""
    store_ids = scoped_store_ids(user=user, request=request)
    now = now or timezone.now()
    key = f"nexus:dashboard:{'all' if store_ids is None else ','.join(map(str, store_ids))}"
    data: Dashboard | None = cache.get(key)
    if data is None:
        data = _compute(user, request, now)
        cache.set(key, data, CACHE_SECONDS)
    orders = scope_to_current_store(Order.objects.all(), user, request)
    data.waiting = dict(
        orders.filter(status__in=WAITING).values_list("status").annotate(n=Count("id")).order_by()
    )
    return data


def _compute(user: Viewer, request: HttpRequest | None, now: datetime) -> Dashboard:
    today = timezone.localdate(now)
    month_start = today - timedelta(days=CHART_DAYS - 1)
    orders = scope_to_current_store(Order.objects.all(), user, request)
    rows = _daily_rollup(orders, since=today - timedelta(days=2 * CHART_DAYS - 1), now=now)

    status_counts: dict[str, int] = {}
    series: dict[str, dict[date, Decimal]] = {}
    for row in rows:
        if row["day"] < month_start:
            continue
        status_counts[row["status"]] = status_counts.get(row["status"], 0) + row["n"]
        if row["status"] not in NOT_SALES:
            amounts = series.setdefault(row["currency"], {})
            amounts[row["day"]] = amounts.get(row["day"], Decimal("0")) + row["amount"]

    stocks = scope_to_current_store(Stock.objects.all(), user, request)
    with_variant = stocks.select_related("variant", "variant__product", "store").annotate(
        available_units=available_units_expression()
    )
    low_items = list(
        stock_filter_level(with_variant, "low").order_by("available_units", "pk")[:LIST_SIZE]
    )
    out_items = list(
        stock_filter_level(with_variant, "out").order_by("available_units", "pk")[:LIST_SIZE]
    )

    top_products = list(
        scope_to_current_store(OrderLine.objects.all(), user, request, store_field="order__store")
        .filter(order__placed_at__gte=_day_start_of(month_start))
        .exclude(order__status__in=NOT_SALES)
        .values("sku", "product_title", "order__currency")
        .annotate(units=Sum("quantity"), revenue=Sum("line_total"))
        .order_by("-units", "sku")[:LIST_SIZE]
    )

    days = [month_start + timedelta(days=offset) for offset in range(CHART_DAYS)]
    return Dashboard(
        sales=_sales(rows, today),
        status_counts=status_counts,
        waiting={},
        out_of_stock=stock_filter_level(stocks, "out").count(),
        low_stock=stock_filter_level(stocks, "low").count(),
        low_stock_items=low_items,
        out_of_stock_items=out_items,
        top_products=top_products,
        chart_days=days,
        chart_series={
            currency: [amounts.get(day, Decimal("0")) for day in days]
            for currency, amounts in sorted(series.items())
        },
        computed_at=now,
    )
