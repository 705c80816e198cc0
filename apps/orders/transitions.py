"""The order lifecycle as data (DESIGN.md §4). `order_transition` is the only code that moves
an order along it; surfaces read this table to decide which buttons to show."""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.stores.roles import Capability


class OrderStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    CONFIRMED = "confirmed", _("Confirmed")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")
    RETURNED = "returned", _("Returned")


class PaymentStatus(models.TextChoices):
    UNPAID = "unpaid", _("Unpaid")
    PAID = "paid", _("Paid")
    REFUNDED = "refunded", _("Refunded")


class StockEffect(models.TextChoices):
    NONE = "none"
    RELEASE = "release"  # allocations go back to available
    CONSUME = "consume"  # on_hand and allocated both drop
    RESTOCK = "restock"  # returned goods go back on hand, if staff say so


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    capability: Capability
    stock_effect: str
    label: str


TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        OrderStatus.PENDING,
        OrderStatus.CONFIRMED,
        Capability.FULFIL_ORDERS,
        StockEffect.NONE,
        _("Confirm"),
    ),
    Transition(
        OrderStatus.PENDING,
        OrderStatus.CANCELLED,
        Capability.MANAGE_ORDERS,
        StockEffect.RELEASE,
        _("Cancel"),
    ),
    Transition(
        OrderStatus.CONFIRMED,
        OrderStatus.CANCELLED,
        Capability.MANAGE_ORDERS,
        StockEffect.RELEASE,
        _("Cancel"),
    ),
    Transition(
        OrderStatus.CONFIRMED,
        OrderStatus.SHIPPED,
        Capability.FULFIL_ORDERS,
        StockEffect.CONSUME,
        _("Ship"),
    ),
    Transition(
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
        Capability.FULFIL_ORDERS,
        StockEffect.NONE,
        _("Mark delivered"),
    ),
    Transition(
        OrderStatus.SHIPPED,
        OrderStatus.RETURNED,
        Capability.MANAGE_ORDERS,
        StockEffect.RESTOCK,
        _("Return"),
    ),
    Transition(
        OrderStatus.DELIVERED,
        OrderStatus.RETURNED,
        Capability.MANAGE_ORDERS,
        StockEffect.RESTOCK,
        _("Return"),
    ),
)

_BY_EDGE = {(t.source, t.target): t for t in TRANSITIONS}

# Orders in these states still hold allocated stock.
ALLOCATING_STATUSES = (OrderStatus.PENDING, OrderStatus.CONFIRMED)
# Orders staff still have to act on.
OPEN_STATUSES = (OrderStatus.PENDING, OrderStatus.CONFIRMED, OrderStatus.SHIPPED)


def find_transition(source: str, target: str) -> Transition | None:
    return _BY_EDGE.get((source, target))


def transitions_from(source: str) -> list[Transition]:
    return [t for t in TRANSITIONS if t.source == source]


PAYMENT_TRANSITIONS: dict[tuple[str, str], Capability] = {
    (PaymentStatus.UNPAID, PaymentStatus.PAID): Capability.MANAGE_ORDERS,
    (PaymentStatus.PAID, PaymentStatus.REFUNDED): Capability.MANAGE_ORDERS,
}
