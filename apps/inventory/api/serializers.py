from django.utils.translation import gettext as _
from rest_framework import serializers

from apps.core.api import fields
from apps.core.models import MAX_ID
from apps.inventory.models import STAFF_REASONS, Stock

MAX_UNITS = 1_000_000


class StockLevelSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="variant.sku", read_only=True)
    product = serializers.IntegerField(source="variant.product_id", read_only=True)
    product_title = serializers.CharField(source="variant.product.title", read_only=True)
    variant_title = serializers.CharField(source="variant.title", read_only=True)
    low_stock_threshold = serializers.IntegerField(
        source="variant.low_stock_threshold", read_only=True
    )
    available = serializers.IntegerField(
        source="available_units",
        read_only=True,
        allow_null=True,
        help_text="Units that can be ordered now; null when the variant's stock is not counted.",
    )

    class Meta:
        model = Stock
        fields = (
            "id",
            "store",
            "variant",
            "product",
            "sku",
            "product_title",
            "variant_title",
            "on_hand",
            "allocated",
            "available",
            "allow_backorder",
            "low_stock_threshold",
            "updated_at",
        )
        read_only_fields = fields


class StockAdjustmentInputSerializer(serializers.Serializer):
    """Either `delta` or `set_on_hand`, never both (the schema's oneOf)."""

    variant = fields.IntegerField(min_value=1, max_value=MAX_ID, help_text="Variant id.")
    delta = fields.IntegerField(
        required=False,
        min_value=-MAX_UNITS,
        max_value=MAX_UNITS,
        help_text="Change to on hand, never 0: +5 received, -2 damaged. Give this or "
        "set_on_hand. A change against its reason's direction (received, returned add; "
        "damaged removes) is refused with 422 `wrong_direction`.",
    )
    set_on_hand = fields.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_UNITS,
        help_text="New on-hand figure after a count. Give this or delta.",
    )
    reason = serializers.ChoiceField(
        choices=[(r.value, r.label) for r in STAFF_REASONS],
        help_text="Why the shelf changed.",
    )
    note = fields.CharField(max_length=255, required=False, allow_blank=True)

    # NexusAutoSchema adds these to the request schema: exactly one of the two (both match
    # both branches, which oneOf refuses), and a delta is not 0.
    openapi_one_of = [{"required": ["delta"]}, {"required": ["set_on_hand"]}]
    openapi_properties = {"delta": {"not": {"enum": [0]}}}

    def validate_delta(self, value):
        if value == 0:
            raise serializers.ValidationError(_("A change of 0 records nothing."))
        return value

    def validate(self, attrs):
        if ("delta" in attrs) == ("set_on_hand" in attrs):
            raise serializers.ValidationError(_("Give either delta or set_on_hand."))
        return attrs
