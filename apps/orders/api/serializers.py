from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.api.representation import iso_datetime
from apps.core.models import MAX_ID
from apps.core.money import format_money
from apps.orders.models import ORDER_SALE_FIELDS, Order, OrderEvent, OrderLine
from apps.orders.selectors import allowed_transitions
from apps.orders.services import ADDRESS_FIELDS, MAX_LINES, MAX_QUANTITY
from apps.orders.transitions import OrderStatus, find_transition
from apps.stores.models import Store


class AddressSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    line1 = serializers.CharField(max_length=200)
    line2 = serializers.CharField(max_length=200, required=False, allow_blank=True)
    city = serializers.CharField(max_length=100)
    postal_code = serializers.CharField(max_length=20)
    region = serializers.CharField(max_length=100, required=False, allow_blank=True)
    country = serializers.RegexField(
        r"^[A-Za-z]{2}$", max_length=2, help_text="ISO 3166-1 alpha-2 code, e.g. DE."
    )


class OrderLineInputSerializer(serializers.Serializer):
    variant = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="Variant id.")
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)


class OrderCreateInputSerializer(serializers.Serializer):
    store = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Store.objects.filter(is_active=True),
        help_text="Slug of the store to order from.",
    )
    lines = OrderLineInputSerializer(many=True, min_length=1, max_length=MAX_LINES)
    shipping_address = AddressSerializer()
    email = serializers.EmailField(
        required=False, allow_blank=True, help_text="Defaults to the account's email."
    )
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class OrderLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderLine
        fields = (
            "id",
            "variant",
            "sku",
            "product_title",
            "variant_title",
            "unit_price",
            "quantity",
            "line_total",
        )
        read_only_fields = fields


class OrderEventPublicSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderEvent
        fields = ("type", "from_value", "to_value", "message", "created_at")
        read_only_fields = fields


class OrderEventStaffSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="email", read_only=True, allow_null=True)

    class Meta:
        model = OrderEvent
        fields = ("id", "type", "from_value", "to_value", "actor", "message", "created_at")
        read_only_fields = fields


ORDER_FIELDS = ("number", *ORDER_SALE_FIELDS, "placed_at")


class CustomerOrderSerializer(serializers.ModelSerializer):
    store = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    shipping_address = AddressSerializer(read_only=True)
    lines = OrderLineSerializer(many=True, read_only=True)
    timeline = OrderEventPublicSerializer(many=True, read_only=True, source="customer_timeline")
    can_cancel = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = ("store", *ORDER_FIELDS, "lines", "timeline", "can_cancel")
        read_only_fields = fields

    def get_can_cancel(self, order) -> bool:
        return find_transition(order.status, OrderStatus.CANCELLED) is not None

    def to_representation(self, order):
        # Every order page and checkout answer goes through here: built by hand, it costs a
        # tenth of the field-by-field ModelSerializer. The declared fields stay the schema.
        address = order.shipping_address or {}
        return {
            "store": order.store.slug,
            "number": order.number,
            "status": order.status,
            "payment_status": order.payment_status,
            "currency": order.currency,
            "subtotal": format_money(order.subtotal),
            "shipping_total": format_money(order.shipping_total),
            "total": format_money(order.total),
            "email": order.email,
            "phone": order.phone,
            "shipping_address": {
                field: str(address[field]) for field in ADDRESS_FIELDS if field in address
            },
            "customer_note": order.customer_note,
            "tracking_number": order.tracking_number,
            "placed_at": iso_datetime(order.placed_at),
            "lines": [
                {
                    "id": line.pk,
                    "variant": line.variant_id,
                    "sku": line.sku,
                    "product_title": line.product_title,
                    "variant_title": line.variant_title,
                    "unit_price": format_money(line.unit_price),
                    "quantity": line.quantity,
                    "line_total": format_money(line.line_total),
                }
                for line in order.lines.all()
            ],
            "timeline": [
                {
                    "type": event.type,
                    "from_value": event.from_value,
                    "to_value": event.to_value,
                    "message": event.message,
                    "created_at": iso_datetime(event.created_at),
                }
                for event in order.customer_timeline
            ],
            "can_cancel": self.get_can_cancel(order),
        }


class StaffOrderListSerializer(serializers.ModelSerializer):
    class Meta:
        model = Order
        fields = ("store", "customer", *ORDER_FIELDS)
        read_only_fields = fields


class AllowedTransitionSerializer(serializers.Serializer):
    to_status = serializers.ChoiceField(choices=OrderStatus.choices)
    label = serializers.CharField()


class StaffOrderDetailSerializer(StaffOrderListSerializer):
    shipping_address = AddressSerializer(read_only=True)
    lines = OrderLineSerializer(many=True, read_only=True)
    timeline = OrderEventStaffSerializer(many=True, read_only=True, source="events")
    allowed_transitions = serializers.SerializerMethodField()

    class Meta(StaffOrderListSerializer.Meta):
        fields = (*StaffOrderListSerializer.Meta.fields, "lines", "timeline", "allowed_transitions")
        read_only_fields = fields

    @extend_schema_field(AllowedTransitionSerializer(many=True))
    def get_allowed_transitions(self, order):
        user = self.context["request"].user
        return [
            {"to_status": t.target, "label": str(t.label)}
            for t in allowed_transitions(order=order, user=user)
        ]


class OrderTransitionInputSerializer(serializers.Serializer):
    to_status = serializers.ChoiceField(choices=OrderStatus.choices)
    tracking_number = serializers.CharField(max_length=64, required=False, allow_blank=True)
    restock = serializers.BooleanField(
        default=True, help_text="On a return: put the goods back on the shelf."
    )
    message = serializers.CharField(max_length=2000, required=False, allow_blank=True)
