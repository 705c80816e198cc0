"""What happens to an order after the sale: shipments and returns, line by line, and the
payment records its payment status is derived from. Written only by apps/orders/fulfilment.py
and apps/orders/payments.py, under the order's row lock."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.orders.models.order import Order, OrderLine


# A shipment's words are its own (Russian agrees them with "отправление"), apart from the order's.
class ShipmentStatus(models.TextChoices):
    SHIPPED = "shipped", pgettext_lazy("shipment status", "Shipped")
    DELIVERED = "delivered", pgettext_lazy("shipment status", "Delivered")
    CANCELLED = "cancelled", pgettext_lazy("shipment status", "Cancelled")


class Shipment(models.Model):
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="shipments", verbose_name=_("order")
    )
    # The order's number and a sequence (ACME-100042-S2): the stock ledger's reference.
    number = models.CharField(_("number"), max_length=40, unique=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ShipmentStatus.choices, default=ShipmentStatus.SHIPPED
    )
    carrier = models.CharField(_("carrier"), max_length=64, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=64, blank=True)
    tracking_url = models.URLField(_("tracking URL"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("shipped by"),
    )
    created_at = models.DateTimeField(_("shipped at"))
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["order", "created_at"], name="shipment_order_idx")]

    def __str__(self):
        return self.number


class ShipmentLine(models.Model):
    shipment = models.ForeignKey(
        Shipment, on_delete=models.CASCADE, related_name="lines", verbose_name=_("shipment")
    )
    order_line = models.ForeignKey(
        OrderLine, on_delete=models.CASCADE, related_name="shipment_lines", verbose_name=_("line")
    )
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        verbose_name = _("shipment line")
        verbose_name_plural = _("shipment lines")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="shipmentline_quantity_gt_0"),
            models.UniqueConstraint(
                fields=["shipment", "order_line"], name="shipmentline_shipment_line_unique"
            ),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.order_line_id}"


class ReturnStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    RECEIVED = "received", pgettext_lazy("return status", "Received")  # not the stock reason
    CLOSED = "closed", _("Closed")


class ReturnReason(models.TextChoices):
    DAMAGED = "damaged", _("Damaged")
    WRONG_ITEM = "wrong_item", _("Wrong item")
    CHANGED_MIND = "changed_mind", _("Changed mind")
    OTHER = "other", _("Other")


class ReturnDecision(models.TextChoices):
    RESTOCK = "restock", _("Restock")
    WRITE_OFF = "write_off", _("Write off")


class OrderReturn(models.Model):
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="returns", verbose_name=_("order")
    )
    number = models.CharField(_("number"), max_length=40, unique=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ReturnStatus.choices, default=ReturnStatus.REQUESTED
    )
    customer_note = models.TextField(_("customer note"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    created_at = models.DateTimeField(_("requested at"))
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    close_reason = models.CharField(_("closing note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("return")
        verbose_name_plural = _("returns")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["order", "created_at"], name="return_order_idx"),
            models.Index(fields=["status"], name="return_status_idx"),
        ]

    def __str__(self):
        return self.number


class ReturnLine(models.Model):
    order_return = models.ForeignKey(
        OrderReturn, on_delete=models.CASCADE, related_name="lines", verbose_name=_("return")
    )
    order_line = models.ForeignKey(
        OrderLine, on_delete=models.CASCADE, related_name="return_lines", verbose_name=_("line")
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    reason = models.CharField(_("reason"), max_length=16, choices=ReturnReason.choices)
    # Chosen when the goods arrive; blank until then.
    decision = models.CharField(
        _("decision"), max_length=16, choices=ReturnDecision.choices, blank=True
    )

    class Meta:
        verbose_name = _("return line")
        verbose_name_plural = _("return lines")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="returnline_quantity_gt_0"),
            models.UniqueConstraint(
                fields=["order_return", "order_line"], name="returnline_return_line_unique"
            ),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.order_line_id}"


class PaymentKind(models.TextChoices):
    AUTHORISATION = "authorisation", _("Authorisation")
    CAPTURE = "capture", _("Capture")
    REFUND = "refund", _("Refund")
    VOID = "void", _("Void")


class Payment(models.Model):
    """One money movement of an order, as a provider (or a person at the till) reports it.
    Append-only: a mistake is corrected by another record, as on a bank statement."""

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="payments", verbose_name=_("order")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=PaymentKind.choices)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    method = models.CharField(_("method"), max_length=64, blank=True)
    provider = models.CharField(_("provider"), max_length=64, blank=True)
    # The provider's id for this movement: a webhook delivered twice finds its first record.
    external_reference = models.CharField(_("external reference"), max_length=128, blank=True)
    order_return = models.ForeignKey(
        OrderReturn,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="refunds",
        verbose_name=_("return"),
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    created_at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_gt_0"),
            models.UniqueConstraint(
                fields=["order", "provider", "kind", "external_reference"],
                condition=~Q(external_reference=""),
                name="payment_external_reference_unique",
            ),
        ]
        indexes = [models.Index(fields=["order", "created_at"], name="payment_order_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount} {self.currency}"


class RefundLine(models.Model):
    """Which units of which line a refund pays back; the export's refunded columns."""

    payment = models.ForeignKey(
        Payment, on_delete=models.CASCADE, related_name="refund_lines", verbose_name=_("refund")
    )
    # Money paid back stays on record: a refunded line cannot be deleted from under it.
    order_line = models.ForeignKey(
        OrderLine, on_delete=models.PROTECT, related_name="refund_lines", verbose_name=_("line")
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("refunded line")
        verbose_name_plural = _("refunded lines")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="refundline_quantity_gt_0"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="refundline_amount_gte_0"),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.order_line_id}"


class OrderLookupCode(models.Model):
    """A one-time code e-mailed to a guest to open their order (apps/orders/guests.py)."""

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="lookup_codes", verbose_name=_("order")
    )
    code_hash = models.CharField(max_length=64, editable=False)
    expires_at = models.DateTimeField(_("expires at"))
    tries = models.PositiveSmallIntegerField(_("wrong tries"), default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("order lookup code")
        verbose_name_plural = _("order lookup codes")
        indexes = [models.Index(fields=["order", "expires_at"], name="lookupcode_order_idx")]

    def __str__(self):
        return f"{self.order_id} {self.expires_at:%Y-%m-%d %H:%M}"
