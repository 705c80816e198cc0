"""The order lifecycle as data (DESIGN.md §4). `order_transition` is the only code that moves
an order along it; surfaces read this table to decide which buttons to show."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.orders.statuses import FulfilmentStatus
from apps.stores.roles import Capability

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class OrderStatus(models.TextChoices):
    """Where the order stands as a sale. What happened to its goods and its money is told by
    its fulfilment and payment statuses (apps/orders/statuses.py), derived from its records."""

    PENDING = "pending", _("Pending")
    CONFIRMED = "confirmed", _("Confirmed")
    CANCELLED = "cancelled", _("Cancelled")


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    capability: Capability
    # Lazy: translated when a page shows it, in the reader's language.
    label: "StrOrPromise"
    # Cannot be undone: every surface asks for confirmation and a reason.
    destructive: bool = False


TRANSITIONS: tuple[Transition, ...] = (
    Transition(OrderStatus.PENDING, OrderStatus.CONFIRMED, Capability.FULFIL_ORDERS, _("Confirm")),
    Transition(
        OrderStatus.PENDING,
        OrderStatus.CANCELLED,
        Capability.MANAGE_ORDERS,
        _("Cancel"),
        destructive=True,
    ),
    Transition(
        OrderStatus.CONFIRMED,
        OrderStatus.CANCELLED,
        Capability.MANAGE_ORDERS,
        _("Cancel"),
        destructive=True,
    ),
)

_BY_EDGE = {(t.source, t.target): t for t in TRANSITIONS}

# Orders in these states may hold allocated stock and take shipments.
ALLOCATING_STATUSES = (OrderStatus.PENDING, OrderStatus.CONFIRMED)


def open_to(transition: Transition, *, fulfilment_status: str) -> bool:
    """Whether the order's goods allow the transition: what has left the building comes back
    by a return, not by cancelling (a cancelled shipment counts as never shipped)."""
    if transition.target == OrderStatus.CANCELLED:
        return fulfilment_status == FulfilmentStatus.UNFULFILLED
    return True


def find_transition(source: str, target: str) -> Transition | None:
    return _BY_EDGE.get((source, target))


def transitions_from(source: str) -> list[Transition]:
    return [t for t in TRANSITIONS if t.source == source]
