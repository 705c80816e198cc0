"""Order reads, with the joins each surface needs."""

from decimal import Decimal

from django.db.models import Prefetch, QuerySet

from apps.orders.models import (
    Order,
    OrderEvent,
    OrderEventType,
    OrderReturn,
    Payment,
    PaymentKind,
    Shipment,
)
from apps.orders.statuses import ZERO, PaymentTotals
from apps.orders.transitions import OrderStatus, Transition, transitions_from
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
    return PaymentTotals(
        total=order.total,
        authorised=sums[PaymentKind.AUTHORISATION],
        captured=sums[PaymentKind.CAPTURE],
        refunded=sums[PaymentKind.REFUND],
        voided=sums[PaymentKind.VOID],
        cancelled=order.status == OrderStatus.CANCELLED,
    )


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


def order_detail_for_customer(*, customer: User) -> QuerySet[Order]:
    """The customer's orders with their lines and the part of the timeline they may see
    (in `customer_timeline`)."""
    return order_list_for_customer(customer=customer).prefetch_related(
        *AFTER_SALE_PREFETCHES,
        Prefetch(
            "events",
            queryset=OrderEvent.objects.filter(type__in=CUSTOMER_EVENT_TYPES),
            to_attr="customer_timeline",
        ),
    )


def allowed_transitions(*, order: Order, user: Viewer) -> list[Transition]:
    """The transitions the table allows from the order's status and the user's role permits."""
    return [
        t for t in transitions_from(order.status) if user_can(user, order.store_id, t.capability)
    ]
