"""One demo order after its sale, played act by act as the order services would play it.

Each act does what its service does (apps/orders/services.py, fulfilment.py, payments.py): the
same checks (only confirmed orders ship, a shipment needs the order paid or authorised, a
customer returns within the store's window), the same records (shipments, returns, payment
records, refund lines, numbered as the services number them), the same line counters, the same
timeline parts (apps/orders/event_texts.py) and the same stock movements with the same
references. The fulfilment and payment statuses are derived after every act with the
functions the services use (apps/orders/statuses.py), never chosen.

tests/test_seeded_orders.py plays every seeded order again through the services and compares
the two record by record.
"""

import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from django.db.models import Model

from apps.core.money import CENT
from apps.inventory.ledger import StockReference
from apps.inventory.models import MovementReason
from apps.orders.event_texts import Part, items, part
from apps.orders.models import (
    OrderEventType,
    PaymentKind,
    ReturnStatus,
    ShipmentStatus,
)
from apps.orders.order_state import ORDER_REFERENCE
from apps.orders.statuses import PaymentTotals, fulfilment_status_for, payment_status_for
from apps.orders.transitions import OrderStatus, find_transition, open_to
from apps.stores.roles import Capability

ZERO = Decimal("0.00")
# Read once: a Choices' values are rebuilt on every access, and a million orders ask often.
PAYMENT_KINDS = tuple(PaymentKind.values)
CANCEL_REASONS = (
    "Customer asked to cancel by phone.",
    "Duplicate order.",
    "Payment never arrived.",
    "Address could not be verified.",
)


class Books(Protocol):
    """Where a sale writes what it does, and whose hands do it: apps/demo/orders.py."""

    rng: random.Random

    def take_id(self, model: type[Model]) -> int: ...

    def actor(self, capability: Capability) -> int: ...

    def event(self, sale: "Sale", event_type: str, ts: float, **values: Any) -> None: ...

    def stock(
        self,
        line: "SaleLine",
        reason: str,
        quantity: int,
        *,
        actor: int | None,
        reference: StockReference,
        ts: float,
    ) -> None:
        """One line's movement, by order_stock's rule (a write-off is `MovementReason.DAMAGED`)."""


@dataclass
class SaleLine:
    id: int
    variant: Any  # ProductVariant, with its stock
    sku: str
    unit_price: Decimal
    quantity: int
    quantity_shipped: int = 0
    quantity_delivered: int = 0
    quantity_returned: int = 0
    refunded: int = 0
    claimed: int = 0  # units in returns that are open or were received
    # What the customer paid for the line: after its share of the discount, with its tax
    # when the store's prices leave tax out.
    paid: Decimal = ZERO

    def paid_for(self, quantity: int) -> Decimal:
        return (self.paid * quantity / self.quantity).quantize(CENT)


@dataclass
class SaleShipment:
    id: int
    number: str
    lines: list[tuple[int, SaleLine, int]]  # (shipment line id, line, quantity)
    carrier: str
    tracking_number: str
    created_by: int
    created_at: float
    status: str = ShipmentStatus.SHIPPED
    delivered_at: float | None = None
    cancelled_at: float | None = None


@dataclass
class ReturnItem:
    id: int
    line: SaleLine
    quantity: int
    reason: str
    decision: str = ""


@dataclass
class SaleReturn:
    id: int
    number: str
    lines: list[ReturnItem]
    customer_note: str
    requested_by: int
    created_at: float
    status: str = ReturnStatus.REQUESTED
    received_at: float | None = None
    closed_at: float | None = None
    close_reason: str = ""
    refunded: bool = False


@dataclass
class SalePayment:
    id: int
    kind: str
    amount: Decimal
    method: str
    provider: str
    external_reference: str
    order_return: SaleReturn | None
    note: str
    actor: int | None
    created_at: float
    refund_lines: list[tuple[int, SaleLine, int, Decimal]] = field(default_factory=list)


@dataclass
class Sale:
    """An order as the services would hold it: its status, its lines' counters, its records."""

    id: int
    number: str
    customer_id: int
    currency: str
    total: Decimal
    return_window_days: int
    lines: list[SaleLine]
    books: Books
    status: str = OrderStatus.PENDING
    fulfilment_status: str = ""
    payment_status: str = ""
    shipments: list[SaleShipment] = field(default_factory=list)
    returns: list[SaleReturn] = field(default_factory=list)
    payments: list[SalePayment] = field(default_factory=list)
    card: tuple[str, str] | None = None  # the card provider and its id for the payment
    cancelled_at: float | None = None  # when it was cancelled: its code's use is given back
    totals: PaymentTotals = field(init=False)
    last_ts: float = 0.0

    def __post_init__(self) -> None:
        self.refresh()

    def _payment_totals(self) -> PaymentTotals:
        """order_state.payment_totals, from the records in memory."""
        sums = dict.fromkeys(PAYMENT_KINDS, ZERO)
        for payment in self.payments:
            sums[payment.kind] += payment.amount
        return PaymentTotals(
            total=self.total,
            authorised=sums[PaymentKind.AUTHORISATION],
            captured=sums[PaymentKind.CAPTURE],
            refunded=sums[PaymentKind.REFUND],
            voided=sums[PaymentKind.VOID],
            cancelled=self.status == OrderStatus.CANCELLED,
        )

    def refresh(self) -> None:
        """order_state.refresh_statuses: both statuses derived from the records. Every act
        that adds a payment or changes the status ends here, so `totals` stays current."""
        self.totals = self._payment_totals()
        self.fulfilment_status = fulfilment_status_for(self.lines)
        self.payment_status = payment_status_for(self.totals)

    def event(self, event_type: str, ts: float, *, actor: int | None, **values: Any) -> None:
        self.last_ts = max(self.last_ts, ts)
        self.books.event(self, event_type, ts, actor=actor, **values)

    def after_change(self, event_type: str, parts: list[Part], *, actor: int, ts: float, **more):
        """fulfilment._after_change: the counters moved, the statuses follow, the timeline
        says from which fulfilment status to which."""
        source = self.fulfilment_status
        self.refresh()
        self.event(
            event_type,
            ts,
            actor=actor,
            parts=parts,
            from_value=source,
            to_value=self.fulfilment_status,
            **more,
        )

    def move_stock(
        self, pairs, reason: str, *, actor: int | None, reference: StockReference, ts: float
    ) -> None:
        for line, quantity in pairs:
            self.books.stock(line, reason, quantity, actor=actor, reference=reference, ts=ts)

    def live_shipments(self) -> list[SaleShipment]:
        return [s for s in self.shipments if s.status != ShipmentStatus.CANCELLED]


def line_items(pairs) -> list:
    """(line, quantity) pairs as the timeline lists them."""
    return items((quantity, line.sku) for line, quantity in pairs)


# The sale itself: services.order_transition and order_cancel_by_customer.


def _move(sale: Sale, target: str, *, actor: int, ts: float, parts: list[Part], message=""):
    transition = find_transition(sale.status, target)
    if transition is None or not open_to(transition, fulfilment_status=sale.fulfilment_status):
        raise AssertionError(f"demo plan breaks the lifecycle: {sale.number} → {target}")
    source, sale.status = sale.status, target
    sale.refresh()
    sale.event(
        OrderEventType.STATUS_CHANGED,
        ts,
        actor=actor,
        parts=parts,
        message=message,
        from_value=source,
        to_value=target,
    )


def confirm(sale: Sale, ts: float) -> None:
    actor = sale.books.actor(Capability.FULFIL_ORDERS)
    _move(sale, OrderStatus.CONFIRMED, actor=actor, ts=ts, parts=[])


def cancel(sale: Sale, ts: float) -> None:
    """Before anything shipped: the customer while it is pending, or a manager, with a reason."""
    rng = sale.books.rng
    by_customer = sale.status == OrderStatus.PENDING and rng.random() < 0.5
    actor = sale.customer_id if by_customer else sale.books.actor(Capability.MANAGE_ORDERS)
    sale.move_stock(
        [(line, line.quantity) for line in sale.lines],
        MovementReason.ORDER_RELEASED,
        actor=actor,
        reference=StockReference(ORDER_REFERENCE, sale.number),
        ts=ts,
    )
    parts = [part("cancelled_by_customer")] if by_customer else []
    message = "" if by_customer else rng.choice(CANCEL_REASONS)
    sale.cancelled_at = ts
    _move(
        sale,
        OrderStatus.CANCELLED,
        actor=actor,
        ts=ts,
        parts=[*parts, part("stock_released")],
        message=message,
    )
