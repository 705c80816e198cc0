"""An order's fulfilment and payment statuses, derived and never set by hand.

Both are pure functions of what the order's records say: fulfilment from its lines' shipped,
delivered and returned quantities, payment from the sums of its payment records. The services
store the result on the order in the same transaction as the change (so lists filter and count
by an indexed column), and nothing else writes those columns.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.db import models
from django.utils.translation import gettext_lazy as _

ZERO = Decimal("0.00")


class FulfilmentStatus(models.TextChoices):
    UNFULFILLED = "unfulfilled", _("Unfulfilled")
    PARTIALLY_SHIPPED = "partially_shipped", _("Partially shipped")
    SHIPPED = "shipped", _("Shipped")
    PARTIALLY_DELIVERED = "partially_delivered", _("Partially delivered")
    DELIVERED = "delivered", _("Delivered")
    PARTIALLY_RETURNED = "partially_returned", _("Partially returned")
    RETURNED = "returned", _("Returned")


class PaymentStatus(models.TextChoices):
    UNPAID = "unpaid", _("Unpaid")
    AUTHORISED = "authorised", _("Authorised")
    PARTIALLY_PAID = "partially_paid", _("Partially paid")
    PAID = "paid", _("Paid")
    PARTIALLY_REFUNDED = "partially_refunded", _("Partially refunded")
    REFUNDED = "refunded", _("Refunded")
    OVERPAID = "overpaid", _("Overpaid")


class LineQuantities(Protocol):
    quantity: int
    quantity_shipped: int
    quantity_delivered: int
    quantity_returned: int


def fulfilment_status_for(lines: Iterable[LineQuantities]) -> str:
    """Returns come first (goods came back), then anything still to ship, then delivery.

    "Partially delivered" means everything left the building and some of it arrived; while
    units are still on the shelf the order reads "partially shipped", the work left to do.
    """
    ordered = shipped = delivered = returned = 0
    for line in lines:
        ordered += line.quantity
        shipped += line.quantity_shipped
        delivered += line.quantity_delivered
        returned += line.quantity_returned
    if returned:
        return (
            FulfilmentStatus.RETURNED
            if returned >= ordered
            else FulfilmentStatus.PARTIALLY_RETURNED
        )
    if not shipped:
        return FulfilmentStatus.UNFULFILLED
    if shipped < ordered:
        return FulfilmentStatus.PARTIALLY_SHIPPED
    if delivered >= ordered:
        return FulfilmentStatus.DELIVERED
    if delivered:
        return FulfilmentStatus.PARTIALLY_DELIVERED
    return FulfilmentStatus.SHIPPED


@dataclass(frozen=True)
class PaymentTotals:
    """The sums of an order's payment records by kind, against what the order costs."""

    total: Decimal
    authorised: Decimal = ZERO
    captured: Decimal = ZERO
    refunded: Decimal = ZERO
    voided: Decimal = ZERO
    cancelled: bool = False

    @property
    def open_authorisation(self) -> Decimal:
        """Authorised money not yet captured or voided: promised, not taken."""
        return max(self.authorised - self.captured - self.voided, ZERO)

    @property
    def refundable(self) -> Decimal:
        return self.captured - self.refunded

    @property
    def owed(self) -> Decimal:
        """What the customer owes: nothing once cancelled; refunds are money the store
        agreed it is not owed."""
        return ZERO if self.cancelled else max(self.total - self.refunded, ZERO)

    @property
    def balance(self) -> Decimal:
        """Positive: still due from the customer. Negative: to refund to them."""
        return self.owed - self.refundable

    @property
    def covered(self) -> bool:
        """Paid for, or an authorisation holds the rest: safe to ship."""
        return self.balance - self.open_authorisation <= ZERO


def payment_status_for(totals: PaymentTotals) -> str:
    if not totals.captured:
        return PaymentStatus.AUTHORISED if totals.open_authorisation else PaymentStatus.UNPAID
    if totals.refunded >= totals.captured:
        return PaymentStatus.REFUNDED
    if totals.refunded:
        return PaymentStatus.PARTIALLY_REFUNDED
    if totals.captured > totals.total:
        return PaymentStatus.OVERPAID
    if totals.captured == totals.total:
        return PaymentStatus.PAID
    return PaymentStatus.PARTIALLY_PAID
