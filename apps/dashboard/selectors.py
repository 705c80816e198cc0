"""KPI reads for the back-office dashboard.

Every figure is an aggregate over indexed columns (orders by store and placed_at, refunds by
order and time, stock by store), scoped to the stores the person may see; the number of queries
is fixed, whatever the number of orders.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.money import CENT
from apps.inventory.models import Stock
from apps.inventory.selectors import available_units_expression, stock_filter_level
from apps.orders.models import Order, OrderLine, OrderReturn, Payment, PaymentKind, ReturnStatus
from apps.orders.statuses import FulfilmentStatus
from apps.orders.transitions import OrderStatus
from apps.stores.scoping import Viewer, current_store_id, scope_to_current_store, store_ids_for

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Cancelled orders never became sales. Goods that came back are not a status any more: their
# refunds come off the sales of the day they are recorded (see _daily_figures).
NOT_SALES = (OrderStatus.CANCELLED,)
CHART_DAYS = 30
LIST_SIZE = 5
# Sales figures may be this old; a dashboard reloaded all day must not rescan the orders.
CACHE_SECONDS = 120
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class WaitingFor:
    """A kind of work waiting for someone: orders in a status (and a fulfilment status), or,
    without a status, returns."""

    key: str
    label: "StrOrPromise"
    status: str = ""
    fulfilment: str = ""

    @property
    def order_filters(self) -> str:
        """The order list's filter that shows these orders; empty for returns."""
        filters = [("status__exact", self.status), ("fulfilment_status__exact", self.fulfilment)]
        return "&".join(f"{name}={value}" for name, value in filters if value)

    def orders(self) -> Q:
        condition = Q(status=self.status)
        return condition & Q(fulfilment_status=self.fulfilment) if self.fulfilment else condition

    def matches(self, status: str, fulfilment: str) -> bool:
        return status == self.status and self.fulfilment in ("", fulfilment)


RETURNS_RECEIVED = "returns_received"
# The work the dashboard counts live. Confirmed orders with nothing shipped are the ones to
# pick and pack; partially shipped ones have units left on the shelf; received returns have
# their goods back in the building and wait for a refund or to be closed.
WAITING_FOR = (
    WaitingFor(OrderStatus.PENDING, _("Pending"), OrderStatus.PENDING),
    WaitingFor(
        OrderStatus.CONFIRMED, _("To ship"), OrderStatus.CONFIRMED, FulfilmentStatus.UNFULFILLED
    ),
    WaitingFor(
        FulfilmentStatus.PARTIALLY_SHIPPED,
        _("Partially shipped"),
        OrderStatus.CONFIRMED,
        FulfilmentStatus.PARTIALLY_SHIPPED,
    ),
    WaitingFor(RETURNS_RECEIVED, _("Returns received")),
)


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
    """Sales in one currency, net of refunds: what was ordered (cancelled orders left out)
    minus what was refunded, each on its own day."""

    currency: str
    today: Period
    week: Period
    month: Period
    orders_month: int
    # Of what was ordered, before refunds: a refund of last month's order says nothing about
    # what an order is worth.
    average_order_value: Decimal | None
    refunded_month: Decimal = ZERO


@dataclass
class Dashboard:
    sales: list[CurrencySales]
    status_counts: dict[str, int]
    # WaitingFor.key → count, live (never cached).
    waiting: dict[str, int]
    out_of_stock: int
    low_stock: int
    low_stock_items: list[Stock]
    out_of_stock_items: list[Stock]
    top_products: list[dict[str, Any]]
    chart_days: list[date]
    chart_series: dict[str, list[Decimal]] = field(default_factory=dict)
    computed_at: datetime | None = None
    # Orders placed in the last 30 days and not cancelled, by fulfilment status.
    fulfilment_counts: dict[str, int] = field(default_factory=dict)

    @property
    def waiting_rows(self) -> list[tuple[WaitingFor, int]]:
        """Each kind of waiting work with its count, in WAITING_FOR's order."""
        return [(waiting, self.waiting.get(waiting.key, 0)) for waiting in WAITING_FOR]


@dataclass
class _Day:
    """One currency's day: orders placed, what they cost, what was refunded that day, and
    the part of both before this time of day (to cut a previous period where today stands)."""

    orders: int = 0
    ordered: Decimal = ZERO
    ordered_by_now: Decimal = ZERO
    refunded: Decimal = ZERO
    refunded_by_now: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        return self.ordered - self.refunded

    @property
    def net_by_now(self) -> Decimal:
        return self.ordered_by_now - self.refunded_by_now


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
    """One scan of the last 60 days: per currency, day, status and fulfilment status, the
    number of orders, their total, and the part placed before this time of day. Everything
    else on the dashboard is summed from these few rows and the refunds'."""
    return list(
        orders.filter(placed_at__gte=_day_start_of(since))
        .annotate(day=TruncDate("placed_at"))
        .values("currency", "day", "status", "fulfilment_status")
        .annotate(
            n=Count("id"),
            amount=Sum("total"),
            amount_by_now=Sum(
                "total", filter=Q(placed_at__time__lte=timezone.localtime(now).time())
            ),
        )
        .order_by()
    )


def _refund_rollup(
    refunds: QuerySet[Payment], *, since: date, now: datetime
) -> list[dict[str, Any]]:
    """Refunds of the last 60 days per currency and the day they were recorded. A cancelled
    order's refund is left out: the order was never counted as a sale."""
    return list(
        refunds.filter(kind=PaymentKind.REFUND, created_at__gte=_day_start_of(since))
        .exclude(order__status__in=NOT_SALES)
        .annotate(day=TruncDate("created_at"))
        .values("currency", "day")
        .annotate(
            refunded=Sum("amount"),
            refunded_by_now=Sum(
                "amount", filter=Q(created_at__time__lte=timezone.localtime(now).time())
            ),
        )
        .order_by()
    )


def _daily_figures(
    order_rows: list[dict[str, Any]], refund_rows: list[dict[str, Any]]
) -> dict[str, dict[date, _Day]]:
    """Net sales per currency and day, the way Shopify counts them: an order adds to the day
    it was placed, a refund takes off the day it was made (not the day of its order, which a
    chart already showed and a report already closed)."""
    days: dict[str, dict[date, _Day]] = {}
    for row in order_rows:
        if row["status"] in NOT_SALES:
            continue
        day = days.setdefault(row["currency"], {}).setdefault(row["day"], _Day())
        day.orders += row["n"]
        day.ordered += row["amount"]
        day.ordered_by_now += row["amount_by_now"] or ZERO
    for row in refund_rows:
        day = days.setdefault(row["currency"], {}).setdefault(row["day"], _Day())
        day.refunded += row["refunded"]
        day.refunded_by_now += row["refunded_by_now"] or ZERO
    return days


def _day_start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def _period(name: str, days: dict[date, _Day], today: date, span: int) -> Period:
    start = today - timedelta(days=span - 1)
    previous_start = start - timedelta(days=span)
    # The previous period is cut at the same point of its course: today until now
    # against yesterday until this time, not against the whole of yesterday.
    previous_cut = previous_start + (today - start)
    current = sum((d.net for day, d in days.items() if day >= start), ZERO)
    previous = sum((d.net for day, d in days.items() if previous_start <= day < previous_cut), ZERO)
    if previous_cut in days:
        previous += days[previous_cut].net_by_now
    return Period(name, _cents(current), _cents(previous))


def _cents(amount: Decimal) -> Decimal:
    # SQLite sums decimals as floats.
    return amount.quantize(CENT)


def _sales(by_currency: dict[str, dict[date, _Day]], today: date) -> list[CurrencySales]:
    month_start = today - timedelta(days=CHART_DAYS - 1)
    result = []
    for currency, days in sorted(by_currency.items()):
        month = [d for day, d in days.items() if day >= month_start]
        orders_month = sum(d.orders for d in month)
        ordered_month = sum((d.ordered for d in month), ZERO)
        result.append(
            CurrencySales(
                currency=currency,
                today=_period("today", days, today, 1),
                week=_period("week", days, today, 7),
                month=_period("month", days, today, CHART_DAYS),
                orders_month=orders_month,
                average_order_value=(
                    (ordered_month / orders_month).quantize(CENT) if orders_month else None
                ),
                refunded_month=_cents(sum((d.refunded for d in month), ZERO)),
            )
        )
    return result


def dashboard_data(
    *, user: Viewer, request: HttpRequest | None = None, now: datetime | None = None
) -> Dashboard:
    """The dashboard of the user's stores. The heavy part (sales, chart, top products, stock
    lists) is cached for CACHE_SECONDS per set of stores; work waiting for action is always
    live."""
    store_ids = scoped_store_ids(user=user, request=request)
    now = now or timezone.now()
    key = f"nexus:dashboard:{'all' if store_ids is None else ','.join(map(str, store_ids))}"
    data: Dashboard | None = cache.get(key)
    if data is None:
        data = _compute(user, request, now)
        cache.set(key, data, CACHE_SECONDS)
    data.waiting = waiting_counts(user=user, request=request)
    return data


def waiting_counts(*, user: Viewer, request: HttpRequest | None = None) -> dict[str, int]:
    """WaitingFor.key → count, in two queries: the waiting orders by status and fulfilment
    status (the status index narrows them to the open ones), and the received returns."""
    kinds = [waiting for waiting in WAITING_FOR if waiting.status]
    open_orders = Q()
    for waiting in kinds:
        open_orders |= waiting.orders()
    rows = (
        scope_to_current_store(Order.objects.filter(open_orders), user, request)
        .values_list("status", "fulfilment_status")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = dict.fromkeys((waiting.key for waiting in WAITING_FOR), 0)
    for status, fulfilment, n in rows:
        for waiting in kinds:
            if waiting.matches(status, fulfilment):
                counts[waiting.key] += n
    returns = OrderReturn.objects.filter(status=ReturnStatus.RECEIVED)
    counts[RETURNS_RECEIVED] = scope_to_current_store(
        returns, user, request, store_field="order__store"
    ).count()
    return counts


def _top_products(
    user: Viewer, request: HttpRequest | None, month_start: date
) -> list[dict[str, Any]]:
    """Best sellers of the month by units kept: units that came back are not sold, and their
    revenue is what the kept units cost."""
    kept = F("quantity") - F("quantity_returned")
    return [
        {**row, "revenue": _cents(row["revenue"])}
        for row in scope_to_current_store(
            OrderLine.objects.all(), user, request, store_field="order__store"
        )
        .filter(order__placed_at__gte=_day_start_of(month_start))
        .exclude(order__status__in=NOT_SALES)
        .values("sku", "product_title", "order__currency")
        .annotate(
            units=Sum(kept),
            revenue=Sum(
                ExpressionWrapper(
                    F("unit_price") * kept,
                    output_field=DecimalField(max_digits=14, decimal_places=2),
                )
            ),
        )
        .filter(units__gt=0)
        .order_by("-units", "sku")[:LIST_SIZE]
    ]


def _compute(user: Viewer, request: HttpRequest | None, now: datetime) -> Dashboard:
    today = timezone.localdate(now)
    month_start = today - timedelta(days=CHART_DAYS - 1)
    since = today - timedelta(days=2 * CHART_DAYS - 1)
    orders = scope_to_current_store(Order.objects.all(), user, request)
    rows = _daily_rollup(orders, since=since, now=now)
    refunds = scope_to_current_store(
        Payment.objects.all(), user, request, store_field="order__store"
    )
    by_currency = _daily_figures(rows, _refund_rollup(refunds, since=since, now=now))

    status_counts: dict[str, int] = {}
    fulfilment_counts: dict[str, int] = {}
    for row in rows:
        if row["day"] < month_start:
            continue
        status_counts[row["status"]] = status_counts.get(row["status"], 0) + row["n"]
        if row["status"] not in NOT_SALES:
            fulfilment = row["fulfilment_status"]
            fulfilment_counts[fulfilment] = fulfilment_counts.get(fulfilment, 0) + row["n"]

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

    days = [month_start + timedelta(days=offset) for offset in range(CHART_DAYS)]
    return Dashboard(
        sales=_sales(by_currency, today),
        status_counts=status_counts,
        waiting={},
        out_of_stock=stock_filter_level(stocks, "out").count(),
        low_stock=stock_filter_level(stocks, "low").count(),
        low_stock_items=low_items,
        out_of_stock_items=out_items,
        top_products=_top_products(user, request, month_start),
        chart_days=days,
        chart_series={
            currency: [_cents(figures[day].net) if day in figures else ZERO for day in days]
            for currency, figures in sorted(by_currency.items())
        },
        computed_at=now,
        fulfilment_counts=fulfilment_counts,
    )
