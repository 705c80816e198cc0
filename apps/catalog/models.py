from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from apps.core.models import TimeStampedModel
from apps.stores.models import Store


class Category(TimeStampedModel):
    """Platform-wide category tree; a parent link is enough at this size."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["name"]

    def __str__(self):
        return self.name


class ProductStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    ARCHIVED = "archived", _("Archived")


class Product(TimeStampedModel):
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="products", verbose_name=_("store")
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="products",
        verbose_name=_("category"),
    )
    title = models.CharField(_("title"), max_length=255)
    handle = models.SlugField(_("handle"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ProductStatus.choices, default=ProductStatus.DRAFT
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(fields=["store", "handle"], name="product_store_handle_unique"),
        ]
        indexes = [
            models.Index(fields=["store", "status"], name="product_store_status_idx"),
            models.Index(fields=["title"], name="product_title_idx"),
            # The storefront's default listing: active products by title, read in index order.
            models.Index(fields=["status", "title", "id"], name="product_status_title_idx"),
        ]

    def __str__(self):
        return self.title


class ProductVariant(TimeStampedModel):
    """A sellable unit (SKU). `store` repeats the product's store so that the SKU can be
    unique per store in the database and every stock and order query can filter on it."""

    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="variants", verbose_name=_("product")
    )
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="variants", verbose_name=_("store")
    )
    sku = models.CharField(_("SKU"), max_length=64)
    title = models.CharField(_("variant title"), max_length=255, blank=True)
    options = models.JSONField(_("options"), default=dict, blank=True)
    price = models.DecimalField(
        _("price"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    compare_at_price = models.DecimalField(
        _("compare-at price"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    barcode = models.CharField(_("barcode"), max_length=64, blank=True)
    track_inventory = models.BooleanField(_("track inventory"), default=True)
    allow_backorder = models.BooleanField(_("allow backorder"), default=False)
    low_stock_threshold = models.PositiveIntegerField(_("low-stock threshold"), default=5)
    # Shipping methods priced by weight add up the cart's grams (apps/checkout/pricing.py).
    weight_grams = models.PositiveIntegerField(_("weight (g)"), default=0, db_default=0)
    position = models.PositiveIntegerField(_("position"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("variant")
        verbose_name_plural = _("variants")
        ordering = ["product_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "sku"], name="variant_store_sku_unique"),
            models.CheckConstraint(condition=models.Q(price__gte=0), name="variant_price_gte_0"),
            models.CheckConstraint(
                condition=models.Q(compare_at_price__isnull=True)
                | models.Q(compare_at_price__gte=0),
                name="variant_compare_at_price_gte_0",
            ),
        ]
        indexes = [
            models.Index(fields=["store", "barcode"], name="variant_store_barcode_idx"),
        ]

    def __str__(self):
        return f"{self.sku} · {self.display_title}"

    @property
    def display_title(self) -> str:
        product_title = self.product.title if self.product_id else ""
        if self.title and self.title != product_title:
            return f"{product_title} — {self.title}"
        return product_title


# What a person sets on a product and on a variant, in the order forms, files and bulk writes
# list them. The services, the admin, the API, the catalogue file, the bulk writer and the
# demo seeder all read these two tuples: a new field is added here once.
PRODUCT_FIELDS = ("category", "title", "handle", "description", "status")
VARIANT_FIELDS = (
    "sku",
    "title",
    "options",
    "price",
    "compare_at_price",
    "barcode",
    "track_inventory",
    "allow_backorder",
    "low_stock_threshold",
    "weight_grams",
    "position",
)
