from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from apps.catalog.models import ProductVariant
from apps.stores.models import Store


class Stock(models.Model):
    """Counters for one tracked variant. Changed only by apps.inventory.services, which
    write a StockMovement for every change in the same transaction."""

    variant = models.OneToOneField(
        ProductVariant, on_delete=models.CASCADE, related_name="stock", verbose_name=_("variant")
    )
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="stocks", verbose_name=_("store")
    )
    on_hand = models.IntegerField(_("on hand"), default=0)
    allocated = models.IntegerField(_("allocated"), default=0)
    # Mirrors the variant's flag so the database itself can refuse overselling.
    allow_backorder = models.BooleanField(_("allow backorder"), default=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        constraints = [
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_on_hand_gte_0"),
            models.CheckConstraint(condition=Q(allocated__gte=0), name="stock_allocated_gte_0"),
            models.CheckConstraint(
                condition=Q(allow_backorder=True) | Q(allocated__lte=F("on_hand")),
                name="stock_allocated_lte_on_hand_unless_backorder",
            ),
        ]
        indexes = [models.Index(fields=["store", "on_hand"], name="stock_store_on_hand_idx")]

    def __str__(self):
        return _("%(sku)s: %(on_hand)s on hand, %(allocated)s allocated") % {
            "sku": self.variant.sku,
            "on_hand": self.on_hand,
            "allocated": self.allocated,
        }

    @property
    def available(self) -> int:
        """Units of this row free to order; under backorder more can be allocated than is on
        hand, and that is still none free. Whether the variant counts its stock at all is
        apps.inventory.selectors.available_units's business: ask that."""
        return max(self.on_hand - self.allocated, 0)


class MovementReason(models.TextChoices):
    RECEIVED = "received", _("Received")
    SOLD = "sold", _("Sold")
    RETURNED = "returned", _("Returned")
    CORRECTION = "correction", _("Correction")
    DAMAGED = "damaged", _("Damaged")
    COUNT = "count", _("Stock count")
    IMPORT = "import", _("Import")
    ORDER_ALLOCATED = "order_allocated", _("Allocated to order")
    ORDER_RELEASED = "order_released", _("Released from order")
    ORDER_SHIPPED = "order_shipped", _("Shipped with order")
    SHIPMENT_CANCELLED = "shipment_cancelled", _("Shipment cancelled")
    RESERVED = "reserved", _("Reserved for a cart")
    RESERVATION_RELEASED = "reservation_released", _("Cart reservation released")


STAFF_REASONS = (
    MovementReason.RECEIVED,
    MovementReason.CORRECTION,
    MovementReason.DAMAGED,
    MovementReason.COUNT,
    MovementReason.RETURNED,
)


# The columns of the two tables, written once: the admin shows them, bulk writers COPY them.
STOCK_FIELDS = ("variant", "store", "on_hand", "allocated", "allow_backorder", "updated_at")
MOVEMENT_FIELDS = (
    "stock",
    "store",
    "reason",
    "on_hand_delta",
    "allocated_delta",
    "on_hand_after",
    "allocated_after",
    "actor",
    "reference_type",
    "reference_id",
    "note",
    "created_at",
)


class StockMovement(models.Model):
    """Append-only ledger. Replaying a variant's movements gives its current Stock."""

    stock = models.ForeignKey(
        Stock, on_delete=models.PROTECT, related_name="movements", verbose_name=_("stock")
    )
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="stock_movements", verbose_name=_("store")
    )
    reason = models.CharField(_("reason"), max_length=24, choices=MovementReason.choices)
    on_hand_delta = models.IntegerField(_("on-hand change"), default=0)
    allocated_delta = models.IntegerField(_("allocated change"), default=0)
    on_hand_after = models.IntegerField(_("on hand after"))
    allocated_after = models.IntegerField(_("allocated after"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    # Inventory does not import orders or imports: a typed reference keeps the link.
    reference_type = models.CharField(_("reference type"), max_length=16, blank=True)
    reference_id = models.CharField(_("reference"), max_length=64, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["stock", "-created_at"], name="movement_stock_created_idx"),
            models.Index(fields=["store", "-created_at"], name="movement_store_created_idx"),
            models.Index(fields=["reference_type", "reference_id"], name="movement_reference_idx"),
        ]

    def __str__(self):
        return f"{self.get_reason_display()} {self.on_hand_delta:+d}/{self.allocated_delta:+d}"
