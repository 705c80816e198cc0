from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.catalog.models import VARIANT_FIELDS, Category, Product, ProductStatus, ProductVariant
from apps.core.api import fields
from apps.core.api.representation import iso_datetime
from apps.core.errors import Unprocessable
from apps.core.models import MAX_ID
from apps.core.money import format_money
from apps.inventory.selectors import available_units, can_order


def variant_public_data(variant: ProductVariant) -> dict:
    """Hot path of every catalogue page: built directly rather than field by field."""
    compare_at = variant.compare_at_price
    return {
        "id": variant.pk,
        "sku": variant.sku,
        "title": variant.title,
        "options": variant.options,
        "price": format_money(variant.price),
        "compare_at_price": None if compare_at is None else format_money(compare_at),
        "available": available_units(variant),
        "in_stock": can_order(variant),
    }


# Views prefetch a product's variants into this attribute (a list, in position order).
PREFETCHED_VARIANTS = "prefetched_variants"


class CategoryPublicSerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ("id", "name", "slug", "parent")


class VariantPublicSerializer(serializers.Serializer):
    """Storefront view of a variant: price and whether it can be ordered."""

    id = serializers.IntegerField()
    sku = serializers.CharField()
    title = serializers.CharField()
    options = serializers.DictField(child=serializers.CharField())
    price = serializers.DecimalField(max_digits=12, decimal_places=2)
    compare_at_price = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    available = serializers.IntegerField(
        allow_null=True, help_text="Units that can be ordered; null when stock is not counted."
    )
    in_stock = serializers.BooleanField(help_text="Can be ordered now (stock or backorder).")

    def to_representation(self, variant):
        return variant_public_data(variant)


class ProductPublicSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    store = serializers.SlugField(help_text="Slug of the store selling it.")
    currency = serializers.CharField()
    category = serializers.IntegerField(allow_null=True)
    title = serializers.CharField()
    handle = serializers.SlugField()
    price_from = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    in_stock = serializers.BooleanField(help_text="At least one variant can be ordered now.")
    updated_at = serializers.DateTimeField()
    variants = VariantPublicSerializer(many=True)

    def to_representation(self, product):
        variant_objects = getattr(product, PREFETCHED_VARIANTS)
        variants = [variant_public_data(v) for v in variant_objects]
        prices = [v.price for v in variant_objects]
        return {
            "id": product.pk,
            "store": product.store.slug,
            "currency": product.store.currency,
            "category": product.category_id,
            "title": product.title,
            "handle": product.handle,
            "price_from": format_money(min(prices)) if prices else None,
            "in_stock": any(v["in_stock"] for v in variants),
            "updated_at": iso_datetime(product.updated_at),
            "variants": variants,
        }


class ProductPublicDetailSerializer(ProductPublicSerializer):
    description = serializers.CharField()
    category_detail = CategoryPublicSerializer(allow_null=True)

    def to_representation(self, product):
        data = super().to_representation(product)
        data["description"] = product.description
        category = product.category
        data["category_detail"] = (
            None
            if category is None
            else {
                "id": category.pk,
                "name": category.name,
                "slug": category.slug,
                "parent": category.parent_id,
            }
        )
        return data


# Staff


class StockFiguresMixin(serializers.Serializer):
    on_hand = serializers.SerializerMethodField()
    allocated = serializers.SerializerMethodField()
    available = serializers.SerializerMethodField()

    @staticmethod
    def _stock(variant):
        try:
            return variant.stock
        except ObjectDoesNotExist:
            return None

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_on_hand(self, variant):
        stock = self._stock(variant)
        return stock.on_hand if stock else None

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_allocated(self, variant):
        stock = self._stock(variant)
        return stock.allocated if stock else None

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_available(self, variant):
        return available_units(variant)


class VariantStaffSerializer(StockFiguresMixin, serializers.ModelSerializer):
    class Meta:
        model = ProductVariant
        fields = ("id", "product", "store", *VARIANT_FIELDS, "on_hand", "allocated", "available")
        fields += ("updated_at",)
        read_only_fields = fields


class ProductStaffSerializer(serializers.ModelSerializer):
    variants = VariantStaffSerializer(many=True, read_only=True, source=PREFETCHED_VARIANTS)

    class Meta:
        model = Product
        fields = (
            "id",
            "store",
            "category",
            "title",
            "handle",
            "description",
            "status",
            "created_at",
            "updated_at",
            "variants",
        )
        read_only_fields = fields


# Validation only, with the model's limits: the catalogue service writes.
class VariantInputSerializer(fields.ModelSerializer):
    """A variant of a product."""

    # A JSON column holds anything; a variant's options are names and values.
    options = serializers.DictField(
        child=fields.CharField(max_length=100),
        required=False,
        help_text='Option name → value, e.g. {"Size": "M"}. A name holding a NUL '
        "character is refused with 422 `invalid_option`.",
    )
    price = fields.MoneyField()
    compare_at_price = fields.MoneyField(required=False, allow_null=True)

    class Meta:
        model = ProductVariant
        fields = VARIANT_FIELDS
        # PostgreSQL's integer columns; on SQLite Django would allow 64 bits.
        extra_kwargs = {
            name: {"max_value": 2**31 - 1} for name in ("low_stock_threshold", "position")
        }

    def validate(self, attrs):
        # OpenAPI 3.0 cannot say what an object's keys may be; PostgreSQL cannot store NUL.
        if any("\x00" in name for name in attrs.get("options") or {}):
            raise Unprocessable(
                _("An option name cannot hold a NUL character."), code="invalid_option"
            )
        return attrs


class ProductVariantInputSerializer(VariantInputSerializer):
    """A variant created with its product: positions follow the list order."""

    class Meta(VariantInputSerializer.Meta):
        fields = tuple(f for f in VARIANT_FIELDS if f != "position")


class VariantUpdateInputSerializer(VariantInputSerializer):
    price = fields.MoneyField(required=False)

    class Meta(VariantInputSerializer.Meta):
        extra_kwargs = {**VariantInputSerializer.Meta.extra_kwargs, "sku": {"required": False}}


class ProductInputSerializer(serializers.Serializer):
    category = fields.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_ID,
        help_text="Category id; an unknown one answers 404 `unknown_category`.",
    )
    title = fields.CharField(max_length=255)
    handle = fields.SlugField(
        max_length=255, required=False, allow_blank=True, help_text="Defaults to the title."
    )
    description = fields.CharField(required=False, allow_blank=True, max_length=20000)
    status = serializers.ChoiceField(choices=ProductStatus.choices, required=False)


class ProductCreateInputSerializer(ProductInputSerializer):
    store = fields.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="Id of one of your stores (else 404)."
    )
    variants = ProductVariantInputSerializer(many=True, min_length=1, max_length=100)


class ProductUpdateInputSerializer(ProductInputSerializer):
    title = fields.CharField(max_length=255, required=False)
