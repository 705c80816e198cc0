"""Order reads, with the joins each surface needs."""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, QuerySet

from apps.orders.models import (
    Order,
    OrderEvent,
    OrderEventType,
    OrderLine,
    OrderReturn,
    Payment,
    PaymentKind,
    ReturnLine,
    Shipment,
)
from apps.orders.order_state import totals_from_sums
from apps.orders.returns import claimed_by_returns
from apps.orders.statuses import ZERO, PaymentTotals
from apps.orders.transitions import Transition, open_to, transitions_from
from apps.stores.scoping import Viewer, scope_queryset, user_can
from apps.users.models import User


def order_list_for_staff(*, user: Viewer) -> QuerySet[Order]:
    return scope_queryset(Order.objects.select_related("store", "customer"), user)


# An order's after-sale records with what each shows: a fixed number of queries per order
# page or API answer, however many lines, shipments, returns and payments it has.
AFTER_SALE_PREFETCHES = (
    "lines",
    Prefetch(
        "shipments",
        queryset=Shipment.objects.select_related("created_by").prefetch_related("lines"),
    ),
    Prefetch("returns", queryset=OrderReturn.objects.prefetch_related("lines")),
    Prefetch("payments", queryset=Payment.objects.select_related("actor")),
)


def order_detail_queryset(*, user: Viewer) -> QuerySet[Order]:
    return order_list_for_staff(user=user).prefetch_related(
        *AFTER_SALE_PREFETCHES,
        Prefetch("events", queryset=OrderEvent.objects.select_related("actor")),
    )


def prefetched_payment_totals(order: Order) -> PaymentTotals:
    """payment_totals from the order's prefetched payments: no query on a page that has them."""
    sums: dict[str, Decimal] = dict.fromkeys(PaymentKind.values, ZERO)
    for payment in order.payments.all():
        sums[payment.kind] += payment.amount
    return totals_from_sums(order, sums)


# Internal notes, edits and stock bookkeeping are for staff; customers see what happened to
# the order, its shipments, returns and money.
CUSTOMER_EVENT_TYPES = (
    OrderEventType.PLACED,
    OrderEventType.STATUS_CHANGED,
    OrderEventType.PAYMENT,
    OrderEventType.SHIPMENT,
    OrderEventType.RETURN,
)


def order_list_for_customer(*, customer: User) -> QuerySet[Order]:
    return Order.objects.filter(customer=customer).select_related("store")


def _as_the_customer_sees_them(orders: QuerySet[Order]) -> QuerySet[Order]:
    return orders.prefetch_related(
        *AFTER_SALE_PREFETCHES,
        Prefetch(
            "events",
            queryset=OrderEvent.objects.filter(type__in=CUSTOMER_EVENT_TYPES),
            to_attr="customer_timeline",
        ),
    )


def order_detail_for_customer(*, customer: User) -> QuerySet[Order]:
    """The customer's orders with their lines and the part of the timeline they may see
    (in `customer_timeline`)."""
    return _as_the_customer_sees_them(order_list_for_customer(customer=customer))


def order_detail_for_guest(*, order: Order) -> Order:
    """A guest's order (opened by its link or a code) as its customer sees it."""
    return _as_the_customer_sees_them(
        Order.objects.filter(pk=order.pk, customer__isnull=True).select_related("store")
    ).get()


def allowed_transitions(*, order: Order, user: Viewer) -> list[Transition]:
    """The transitions the table allows from the order's status, its goods allow, and the
    user's role permits."""
    return [
        t
        for t in transitions_from(order.status)
        if open_to(t, fulfilment_status=order.fulfilment_status)
        and user_can(user, order.store_id, t.capability)
    ]


# --- the order page ----------------------------------------------------------------------

# What the order page draws, all prefetched: a fixed number of queries however many lines,
# shipments, returns, payments and events the order has. Applied to one order already
# scoped (prefetch_related_objects), so the admin's own scoping stays the one that finds it.
ORDER_PAGE_PREFETCHES = (
    *AFTER_SALE_PREFETCHES,
    "payments__refund_lines",
    Prefetch("events", queryset=OrderEvent.objects.select_related("actor")),
)


@dataclass(frozen=True)
class LineUnits:
    """Some units of one order line: unshipped, in a shipment, returnable, refundable."""

    line: OrderLine
    quantity: int


@dataclass(frozen=True)
class ShipmentWork:
    shipment: Shipment
    lines: list[LineUnits]


@dataclass(frozen=True)
class ReturnWork:
    order_return: OrderReturn
    lines: list[tuple[ReturnLine, OrderLine]]
    refunds: list[Payment]


@dataclass(frozen=True)
class OrderWork:
    """An order's lines grouped by what is left to do with them, from its prefetched
    records (ORDER_PAGE_PREFETCHES): no query."""

    lines: list[OrderLine]
    unfulfilled: list[LineUnits]
    shipments: list[ShipmentWork]
    returns: list[ReturnWork]
    # Shipped units not yet in a return (the fulfilment service's own rule).
    returnable: list[LineUnits]
    # Units not yet paid back by a refund record.
    refundable: list[LineUnits]
    payments: list[Payment]
    totals: PaymentTotals


def order_work(order: Order) -> OrderWork:
    lines = list(order.lines.all())
    by_id = {line.pk: line for line in lines}
    payments = list(order.payments.all())
    returns = list(order.returns.all())
    claimed = claimed_by_returns(returns)
    refunded: dict[int, int] = {}
    for payment in payments:
        for refund_line in payment.refund_lines.all():
            refunded[refund_line.order_line_id] = (
                refunded.get(refund_line.order_line_id, 0) + refund_line.quantity
            )
    shipments = [
        ShipmentWork(
            shipment,
            [
                LineUnits(by_id[item.order_line_id], item.quantity)
                for item in shipment.lines.all()
                if item.order_line_id in by_id
            ],
        )
        for shipment in order.shipments.all()
    ]
    return_work = [
        ReturnWork(
            order_return,
            [
                (item, by_id[item.order_line_id])
                for item in order_return.lines.all()
                if item.order_line_id in by_id
            ],
            [p for p in payments if p.order_return_id == order_return.pk],
        )
        for order_return in returns
    ]
    return OrderWork(
        lines=lines,
        unfulfilled=[
            LineUnits(line, line.quantity_unshipped) for line in lines if line.quantity_unshipped
        ],
        shipments=shipments,
        returns=return_work,
        returnable=_units(lines, lambda line: line.quantity_shipped - claimed.get(line.pk, 0)),
        refundable=_units(lines, lambda line: line.quantity - refunded.get(line.pk, 0)),
        payments=payments,
        totals=prefetched_payment_totals(order),
    )


def _units(lines: list[OrderLine], units: Callable[[OrderLine], int]) -> list[LineUnits]:
    return [LineUnits(line, count) for line in lines if (count := units(line)) > 0]
