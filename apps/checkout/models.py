"""What a store charges at checkout besides its prices: shipping methods, discount codes and
tax rates. apps/checkout/pricing.py turns them into amounts; apps/checkout/services.py reads
them for a cart and counts a code's uses."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from apps.catalog.models import Category, Product
from apps.core.models import TimeStampedModel
from apps.stores.models import Store


class ShippingMethod(TimeStampedModel):
    store = models.ForeignKey(
        Store, on_delete=models.CASCADE, related_name="shipping_methods", verbose_name=_("store")
    )
    name = models.CharField(_("name"), max_length=120)
    price = models.DecimalField(
        _("price"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    free_over = models.DecimalField(
        _("free from"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("Carts at or above this amount (after discounts) ship free. Empty: never."),
    )
    # ISO 3166 alpha-2 codes; empty serves every country.
    countries = models.JSONField(_("countries"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("shipping method")
        verbose_name_plural = _("shipping methods")
        ordering = ["store", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="shippingmethod_price_gte_0")
        ]

    def __str__(self):
        return self.name

    def serves(self, country: str) -> bool:
        return not self.countries or country.upper() in self.countries


class ShippingWeightBand(models.Model):
    """Price by the cart's weight: the first band the cart fits in. A method with bands does
    not carry carts heavier than its last one."""

    method = models.ForeignKey(
        ShippingMethod,
        on_delete=models.CASCADE,
        related_name="weight_bands",
        verbose_name=_("shipping method"),
    )
    up_to_grams = models.PositiveIntegerField(_("up to (g)"))
    price = models.DecimalField(
        _("price"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )

    class Meta:
        verbose_name = _("weight band")
        verbose_name_plural = _("weight bands")
        ordering = ["method", "up_to_grams"]
        constraints = [
            models.UniqueConstraint(
                fields=["method", "up_to_grams"], name="weightband_method_weight_unique"
            )
        ]

    def __str__(self):
        return f"≤ {self.up_to_grams} g"


class DiscountKind(models.TextChoices):
    PERCENTAGE = "percentage", _("Percentage")
    FIXED = "fixed", _("Fixed amount")


class DiscountCode(TimeStampedModel):
    store = models.ForeignKey(
        Store, on_delete=models.CASCADE, related_name="discount_codes", verbose_name=_("store")
    )
    code = models.CharField(_("code"), max_length=40)
    kind = models.CharField(_("kind"), max_length=16, choices=DiscountKind.choices)
    value = models.DecimalField(
        _("value"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(0)],
        help_text=_("Percent for a percentage code, an amount for a fixed one."),
    )
    products = models.ManyToManyField(
        Product, blank=True, related_name="+", verbose_name=_("only these products")
    )
    categories = models.ManyToManyField(
        Category, blank=True, related_name="+", verbose_name=_("only these categories")
    )
    free_shipping = models.BooleanField(_("free shipping"), default=False)
    min_subtotal = models.DecimalField(
        _("minimum subtotal"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    starts_at = models.DateTimeField(_("starts"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    usage_limit = models.PositiveIntegerField(_("total uses allowed"), null=True, blank=True)
    # Counted in the transaction that places (or cancels) the order: never above the limit.
    used_count = models.PositiveIntegerField(_("used"), default=0, editable=False)
    once_per_customer = models.BooleanField(_("once per customer"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("discount code")
        verbose_name_plural = _("discount codes")
        ordering = ["store", "code"]
        constraints = [
            models.UniqueConstraint("store", Lower("code"), name="discountcode_store_code_unique"),
            models.CheckConstraint(
                condition=~Q(kind="percentage") | Q(value__lte=Decimal(100)),
                name="discountcode_percentage_lte_100",
            ),
            models.CheckConstraint(
                condition=Q(usage_limit__isnull=True) | Q(used_count__lte=F("usage_limit")),
                name="discountcode_used_lte_limit",
            ),
        ]

    def __str__(self):
        return self.code


class DiscountRedemption(models.Model):
    """One use of a code by an order: what "once per customer" reads, and what a cancelled
    order gives back."""

    code = models.ForeignKey(
        DiscountCode, on_delete=models.CASCADE, related_name="redemptions", verbose_name=_("code")
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("customer"),
    )
    email = models.EmailField(_("email"))
    order_number = models.CharField(_("order"), max_length=32)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)
    given_back_at = models.DateTimeField(_("given back at"), null=True, blank=True)

    class Meta:
        verbose_name = _("code use")
        verbose_name_plural = _("code uses")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["code", "email"], name="redemption_code_email_idx"),
            models.Index(fields=["order_number"], name="redemption_order_idx"),
        ]

    def __str__(self):
        return f"{self.code_id} {self.order_number}"


class TaxRate(models.Model):
    store = models.ForeignKey(
        Store, on_delete=models.CASCADE, related_name="tax_rates", verbose_name=_("store")
    )
    country = models.CharField(_("country"), max_length=2)
    category = models.ForeignKey(
        Category,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("category"),
        help_text=_("Empty: the country's rate for everything without a category rate."),
    )
    rate = models.DecimalField(
        _("rate (%)"),
        max_digits=6,
        decimal_places=3,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )

    class Meta:
        verbose_name = _("tax rate")
        verbose_name_plural = _("tax rates")
        ordering = ["store", "country", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "country", "category"],
                condition=Q(category__isnull=False),
                name="taxrate_store_country_category_unique",
            ),
            models.UniqueConstraint(
                fields=["store", "country"],
                condition=Q(category__isnull=True),
                name="taxrate_store_country_unique",
            ),
            models.CheckConstraint(
                condition=Q(rate__gte=0) & Q(rate__lte=100), name="taxrate_rate_0_100"
            ),
        ]

    def __str__(self):
        return f"{self.country} {self.rate} %"


class CartReservation(models.Model):
    """Stock held for a cart for a few minutes (the store's reservation_minutes), so what the
    customer is paying for is still there when the order is placed. Its units count as
    allocated; the order consumes it, the worker releases it when it runs out."""

    store = models.ForeignKey(
        Store, on_delete=models.CASCADE, related_name="reservations", verbose_name=_("store")
    )
    # The SHA-256 of the token the storefront holds; the token itself is never stored.
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The stock ledger's reference for its movements (the token stays secret).
    reference = models.CharField(_("reference"), max_length=32, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    order_number = models.CharField(_("order"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("cart reservation")
        verbose_name_plural = _("cart reservations")
        indexes = [
            models.Index(
                fields=["expires_at"],
                condition=Q(ended_at__isnull=True),
                name="reservation_open_expiry_idx",
            )
        ]

    def __str__(self):
        return self.reference


class CartReservationLine(models.Model):
    reservation = models.ForeignKey(
        CartReservation, on_delete=models.CASCADE, related_name="lines", verbose_name=_("cart")
    )
    variant = models.ForeignKey(
        "catalog.ProductVariant",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("variant"),
    )
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        verbose_name = _("reserved line")
        verbose_name_plural = _("reserved lines")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="reservationline_qty_gt_0")
        ]

    def __str__(self):
        return f"{self.quantity} × {self.variant_id}"
