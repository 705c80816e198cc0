"""Order reads, with the joins each surface needs."""

from django.db.models import Prefetch, QuerySet

from apps.orders.models import Order, OrderEvent, OrderEventType
from apps.orders.transitions import PAYMENT_TRANSITIONS, Transition, transitions_from
from apps.stores.scoping import Viewer, scope_queryset, user_can
from apps.users.models import User


def order_list_for_staff(*, user: Viewer) -> QuerySet[Order]:
    return scope_queryset(Order.objects.select_related("store", "customer"), user)


def order_detail_queryset(*, user: Viewer) -> QuerySet[Order]:
    return order_list_for_staff(user=user).prefetch_related(
        "lines",
        Prefetch("events", queryset=OrderEvent.objects.select_related("actor")),
    )


# Internal notes and stock bookkeeping are for staff; customers see what happened to the order.
CUSTOMER_EVENT_TYPES = (
    OrderEventType.PLACED,
    OrderEventType.STATUS_CHANGED,
    OrderEventType.PAYMENT,
)


def order_list_for_customer(*, customer: User) -> QuerySet[Order]:
    return Order.objects.filter(customer=customer).select_related("store")


def order_detail_for_customer(*, customer: User) -> QuerySet[Order]:
    """The customer's orders with their lines and the part of the timeline they may see
    (in `customer_timeline`)."""
    return order_list_for_customer(customer=customer).prefetch_related(
        "lines",
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


def allowed_payment_statuses(*, order: Order, user: Viewer) -> list[str]:
    """The payment statuses the table allows next and the user's role permits."""
    return [
        target
        for (source, target), capability in PAYMENT_TRANSITIONS.items()
        if source == order.payment_status and user_can(user, order.store_id, capability)
    ]
