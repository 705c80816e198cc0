"""The order lifecycle as data (DESIGN.md §4). `order_transition` is the only code that moves
an order along it; surfaces read this table to decide which buttons to show."""

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.money import format_money
from apps.inventory.models import MovementReason
from apps.stores.roles import Capability

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


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
    # Lazy: translated when a page shows it, in the reader's language.
    label: "StrOrPromise"


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


@dataclass(frozen=True)
class StockOutcome:
    """What a transition's stock effect does to each line's Stock row, and the timeline's
    words for it. order_transition runs it through the stock services; the demo seeder
    replays the same movement in memory."""

    reason: str  # the movement each line's row gets; "" when the rows keep their counters
    note: str


_STOCK_OUTCOMES: dict[str, StockOutcome] = {
    StockEffect.RELEASE: StockOutcome(MovementReason.ORDER_RELEASED, "Allocated stock released."),
    StockEffect.CONSUME: StockOutcome(MovementReason.ORDER_SHIPPED, "Stock shipped."),
    StockEffect.RESTOCK: StockOutcome(MovementReason.RETURNED, "Returned goods restocked."),
}
_NOT_RESTOCKED = StockOutcome("", "Returned goods not restocked.")


def stock_outcome(transition: Transition, *, restock: bool) -> StockOutcome | None:
    """None when the transition leaves stock alone. `restock` is the staff member's word on
    returned goods; only a return asks for it."""
    if transition.stock_effect == StockEffect.RESTOCK and not restock:
        return _NOT_RESTOCKED
    return _STOCK_OUTCOMES.get(transition.stock_effect)


def placed_message(*, line_count: int, total: Decimal, currency: str) -> str:
    return f"Order placed: {line_count} line(s), total {format_money(total)} {currency}."


def status_change_message(*, message: str, stock_note: str, tracking_number: str) -> str:
    """The timeline's words for a status change: the staff member's, then the stock's."""
    parts = [message.strip(), stock_note]
    if tracking_number:
        parts.append(f"Tracking number: {tracking_number}.")
    return " ".join(part for part in parts if part)
