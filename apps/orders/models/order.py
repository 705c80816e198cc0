from collections.abc import Callable

from django.conf import settings
from django.db import models
from django.db.models import F, JSONField, Q, Value
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from apps.catalog.models import ProductVariant
from apps.checkout.models import DiscountCode, ShippingMethod
from apps.core.models import TimeStampedModel
from apps.orders.event_texts import render_parts
from apps.orders.statuses import FulfilmentStatus, PaymentStatus
from apps.orders.transitions import OrderStatus
from apps.stores.models import Store

# What an order records about the sale itself (state, money, contact, address), written once:
# the API shows it, the demo seeder writes it, the seeder's test compares it.
ORDER_SALE_FIELDS = (
    "status",
    "fulfilment_status",
    "payment_status",
    "currency",
    "subtotal",
    "discount_total",
    "shipping_total",
    "tax_total",
    "prices_include_tax",
    "discount_code",
    "shipping_method_name",
    "total",
    "email",
    "phone",
    "shipping_address",
    "customer_note",
)


class Order(TimeStampedModel):
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="orders", verbose_name=_("store")
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("customer"),
    )
    number = models.CharField(_("number"), max_length=32, unique=True)
    status = models.CharField(
        _("status"), max_length=16, choices=OrderStatus.choices, default=OrderStatus.PENDING
    )
    # Derived (apps/orders/statuses.py) and stored by the services that change their inputs.
    fulfilment_status = models.CharField(
        _("fulfilment"),
        max_length=24,
        choices=FulfilmentStatus.choices,
        default=FulfilmentStatus.UNFULFILLED,
    )
    payment_status = models.CharField(
        _("payment"), max_length=24, choices=PaymentStatus.choices, default=PaymentStatus.UNPAID
    )
    currency = models.CharField(_("currency"), max_length=3)
    subtotal = models.DecimalField(_("subtotal"), max_digits=14, decimal_places=2)
    # What apps/checkout/pricing.py charged; database defaults so that bulk writers (the
    # demo seeder's COPY) may leave out what they do not price.
    discount_total = models.DecimalField(
        _("discount"), max_digits=14, decimal_places=2, default=0, db_default=0
    )
    shipping_total = models.DecimalField(_("shipping"), max_digits=12, decimal_places=2)
    tax_total = models.DecimalField(
        _("tax"), max_digits=14, decimal_places=2, default=0, db_default=0
    )
    prices_include_tax = models.BooleanField(
        _("prices include tax"), default=False, db_default=False
    )
    discount_code = models.CharField(
        _("discount code"), max_length=40, blank=True, default="", db_default=""
    )
    discount = models.ForeignKey(
        DiscountCode,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("discount code"),
    )
    shipping_method_name = models.CharField(
        _("shipping method"), max_length=120, blank=True, default="", db_default=""
    )
    shipping_method = models.ForeignKey(
        ShippingMethod,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("shipping method"),
    )
    total = models.DecimalField(_("total"), max_digits=14, decimal_places=2)
    email = models.EmailField(_("email"))
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    shipping_address = models.JSONField(_("shipping address"), default=dict)
    customer_note = models.TextField(_("customer note"), blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=64, blank=True)
    request_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    placed_at = models.DateTimeField(_("placed at"))

    history = HistoricalRecords(excluded_fields=["request_fingerprint"])
    # Added to the class by HistoricalRecords; declared here for the type checker.
    save_without_historical_record: Callable[..., None]

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="order_customer_idempotency_key_unique",
            ),
            # A guest's key is theirs by the e-mail they gave, in the store they ordered from.
            models.UniqueConstraint(
                fields=["store", "email", "idempotency_key"],
                condition=~Q(idempotency_key="") & Q(customer__isnull=True),
                name="order_guest_idempotency_key_unique",
            ),
            models.CheckConstraint(condition=Q(subtotal__gte=0), name="order_subtotal_gte_0"),
            models.CheckConstraint(condition=Q(shipping_total__gte=0), name="order_shipping_gte_0"),
            models.CheckConstraint(condition=Q(total__gte=0), name="order_total_gte_0"),
        ]
        indexes = [
            models.Index(fields=["store", "-placed_at"], name="order_store_placed_idx"),
            models.Index(
                fields=["store", "status", "-placed_at"], name="order_store_status_placed_idx"
            ),
            models.Index(fields=["-placed_at", "-id"], name="order_placed_idx"),
            models.Index(fields=["status", "-placed_at"], name="order_status_placed_idx"),
            models.Index(fields=["email"], name="order_email_idx"),
            models.Index(
                fields=["store", "fulfilment_status", "-placed_at"],
                name="order_store_fulfil_placed_idx",
            ),
            # A store's customer's orders (the Customers section reads them by e-mail).
            models.Index(fields=["store", "email"], name="order_store_email_idx"),
        ]

    def __str__(self):
        return self.number


class OrderLine(models.Model):
    """A line and its snapshot: it survives its variant being repriced or deleted."""

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="lines", verbose_name=_("order")
    )
    variant = models.ForeignKey(
        ProductVariant,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="order_lines",
        verbose_name=_("variant"),
    )
    sku = models.CharField(_("SKU"), max_length=64)
    product_title = models.CharField(_("product"), max_length=255)
    variant_title = models.CharField(_("variant"), max_length=255, blank=True)
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2)
    quantity = models.PositiveIntegerField(_("quantity"))
    line_total = models.DecimalField(_("line total"), max_digits=14, decimal_places=2)
    discount_total = models.DecimalField(
        _("discount"), max_digits=14, decimal_places=2, default=0, db_default=0
    )
    tax_total = models.DecimalField(
        _("tax"), max_digits=14, decimal_places=2, default=0, db_default=0
    )
    # Kept by the shipment and return services under the order's lock; the order's
    # fulfilment status is derived from them.
    quantity_shipped = models.PositiveIntegerField(_("shipped"), default=0)
    quantity_delivered = models.PositiveIntegerField(_("delivered"), default=0)
    quantity_returned = models.PositiveIntegerField(_("returned"), default=0)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="orderline_quantity_gt_0"),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="orderline_unit_price_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(quantity_shipped__lte=F("quantity")),
                name="orderline_shipped_lte_quantity",
            ),
            models.CheckConstraint(
                condition=Q(quantity_delivered__lte=F("quantity_shipped")),
                name="orderline_delivered_lte_shipped",
            ),
            models.CheckConstraint(
                condition=Q(quantity_returned__lte=F("quantity_shipped")),
                name="orderline_returned_lte_shipped",
            ),
        ]
        indexes = [models.Index(fields=["sku"], name="orderline_sku_idx")]

    def __str__(self):
        return f"{self.quantity} × {self.sku}"

    @property
    def quantity_unshipped(self) -> int:
        return self.quantity - self.quantity_shipped


class OrderEventType(models.TextChoices):
    PLACED = "placed", _("Placed")
    STATUS_CHANGED = "status_changed", _("Status changed")
    PAYMENT = "payment", _("Payment")
    NOTE = "note", _("Note")
    STOCK = "stock", _("Stock")
    EXPORT = "export", _("Export")
    SHIPMENT = "shipment", _("Shipment")
    RETURN = "return", _("Return")
    EDIT = "edit", _("Edit")


class OrderEvent(models.Model):
    """The order's timeline: what happened, who did it, when."""

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="events", verbose_name=_("order")
    )
    type = models.CharField(_("type"), max_length=16, choices=OrderEventType.choices)
    from_value = models.CharField(_("from"), max_length=32, blank=True)
    to_value = models.CharField(_("to"), max_length=32, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    # What happened, as parts rendered in the reader's language (apps/orders/event_texts.py)…
    data = models.JSONField(_("data"), default=dict, db_default=Value({}, JSONField()), blank=True)
    # …and what a person wrote: a note, a reason. Events from before `data` keep their sentence.
    message = models.TextField(_("message"), blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("order event")
        verbose_name_plural = _("order events")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["order", "-created_at"], name="orderevent_order_idx")]

    def __str__(self):
        return f"{self.order_id} {self.get_type_display()}"

    @property
    def text(self) -> str:
        """The event in the active language, then the person's own words."""
        described = render_parts(self.data.get("parts", ())) if self.data else ""
        return " ".join(part for part in (described, self.message) if part)


class StoreCustomer(models.Model):
    """Someone who ordered from a store, by the e-mail their orders went to: the back office's
    Customers section. Placing an order keeps it (apps/orders/customers.py); the figures
    (orders, spent, last order) are read from the orders themselves, a page at a time."""

    store = models.ForeignKey(
        Store, on_delete=models.CASCADE, related_name="customers", verbose_name=_("store")
    )
    email = models.EmailField(_("email"))
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="store_customers",
        verbose_name=_("account"),
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    first_order_at = models.DateTimeField(_("first order"))
    last_order_at = models.DateTimeField(_("last order"))
    note = models.TextField(_("staff notes"), blank=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["-last_order_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "email"], name="storecustomer_store_email")
        ]
        indexes = [
            models.Index(fields=["store", "-last_order_at"], name="storecustomer_recent_idx")
        ]

    def __str__(self):
        return self.name or self.email
