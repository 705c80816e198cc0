from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.api.representation import iso_datetime
from apps.core.models import MAX_ID
from apps.orders.api.after_sale_serializers import (
    PaymentSerializer,
    PaymentSummarySerializer,
    ReturnSerializer,
    ShipmentSerializer,
    StaffReturnSerializer,
    StaffShipmentSerializer,
)
from apps.orders.api.representation import (
    after_sale_data,
    lines_data,
    payment_summary_data,
    sale_data,
)
from apps.orders.guests import order_access_token
from apps.orders.models import ORDER_SALE_FIELDS, Order, OrderEvent, OrderLine
from apps.orders.selectors import allowed_transitions, order_detail_for_guest
from apps.orders.services import MAX_LINES, MAX_QUANTITY, CheckoutChoice
from apps.orders.transitions import OrderStatus, find_transition, open_to
from apps.stores.models import Store
from apps.stores.roles import Capability
from apps.stores.scoping import user_can

# What a person may do to an order, by the store's role table: which actions a client offers.
ORDER_CAPABILITIES = (
    Capability.FULFIL_ORDERS,
    Capability.MANAGE_ORDERS,
    Capability.EDIT_ORDERS,
    Capability.RECORD_PAYMENTS,
    Capability.REFUND,
    Capability.WRITE_OFF,
)


def open_store_field() -> serializers.SlugRelatedField:
    """The store a checkout (an order, a quote, a cart's reservation) is for: an open one."""
    return serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Store.objects.filter(is_active=True),
        help_text="Slug of the store to order from.",
    )


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
    store = open_store_field()
    lines = OrderLineInputSerializer(many=True, min_length=1, max_length=MAX_LINES)
    shipping_address = AddressSerializer()
    email = serializers.EmailField(
        required=False, allow_blank=True, help_text="Defaults to the account's email."
    )
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    shipping_method = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        help_text="A shipping method id from the quote's `shipping_methods`; without one, the "
        "store's first method that ships to the address.",
    )
    discount_code = serializers.CharField(
        max_length=40, required=False, allow_blank=True, help_text="Any letter case."
    )
    expected_total = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0"),
        required=False,
        help_text="The quote's total: the order is placed only at it (else 409 "
        "`total_changed`). Ignored by the quote itself.",
    )

    reservation = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text="A cart reservation's token (`POST /api/v1/checkout/reservations/`): the "
        "order takes the units it holds.",
    )

    def checkout_choice(self) -> CheckoutChoice:
        values = self.validated_data
        return CheckoutChoice(
            shipping_method_id=values.get("shipping_method"),
            discount_code=values.get("discount_code", ""),
            expected_total=values.get("expected_total"),
            reservation_token=values.get("reservation", ""),
        )


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
            "discount_total",
            "tax_total",
        )
        read_only_fields = fields


EVENT_TEXT_HELP = (
    "What happened, in the request's language (Accept-Language), then what the person "
    "wrote (`message`)."
)
EVENT_MESSAGE_HELP = "What a person wrote: a note, a reason; blank for most events."


class OrderEventPublicSerializer(serializers.ModelSerializer):
    text = serializers.CharField(read_only=True, help_text=EVENT_TEXT_HELP)

    class Meta:
        model = OrderEvent
        fields = ("type", "from_value", "to_value", "text", "message", "created_at")
        read_only_fields = fields
        extra_kwargs = {"message": {"help_text": EVENT_MESSAGE_HELP}}


class OrderEventStaffSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="email", read_only=True, allow_null=True)
    text = serializers.CharField(read_only=True, help_text=EVENT_TEXT_HELP)

    class Meta:
        model = OrderEvent
        fields = ("id", "type", "from_value", "to_value", "actor", "text", "message", "created_at")
        read_only_fields = fields
        extra_kwargs = {"message": {"help_text": EVENT_MESSAGE_HELP}}


ORDER_FIELDS = ("number", *ORDER_SALE_FIELDS, "placed_at")


def can_cancel(order: Order) -> bool:
    """What order_transition would allow: the table's edge, while nothing of it is out."""
    transition = find_transition(order.status, OrderStatus.CANCELLED)
    return transition is not None and open_to(transition, fulfilment_status=order.fulfilment_status)


class CustomerOrderSerializer(serializers.ModelSerializer):
    store = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    shipping_address = AddressSerializer(read_only=True)
    lines = OrderLineSerializer(many=True, read_only=True)
    shipments = ShipmentSerializer(many=True, read_only=True)
    returns = ReturnSerializer(many=True, read_only=True)
    timeline = OrderEventPublicSerializer(many=True, read_only=True, source="customer_timeline")
    can_cancel = serializers.SerializerMethodField()
    access_token = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text="A guest's order only (null for an account's): the key that opens it "
        "(`POST /api/v1/orders/lookup/`), given when it is placed or opened.",
    )

    class Meta:
        model = Order
        fields = (
            "store",
            *ORDER_FIELDS,
            "lines",
            "shipments",
            "returns",
            "timeline",
            "can_cancel",
            "access_token",
        )
        read_only_fields = fields

    def get_can_cancel(self, order) -> bool:
        return can_cancel(order)

    def to_representation(self, order):
        # Every order page and checkout answer goes through here: built by hand
        # (apps/orders/api/representation.py). The declared fields stay the schema.
        return {
            "store": order.store.slug,
            **sale_data(order),
            "lines": lines_data(order),
            **after_sale_data(order, staff=False),
            "timeline": [
                {
                    "type": event.type,
                    "from_value": event.from_value,
                    "to_value": event.to_value,
                    "text": event.text,
                    "message": event.message,
                    "created_at": iso_datetime(event.created_at),
                }
                for event in order.customer_timeline
            ],
            "can_cancel": can_cancel(order),
            "access_token": None,
        }


class StaffOrderListSerializer(serializers.ModelSerializer):
    """An order with what happened after the sale: shipments, returns, payment records and
    their sums. Built by hand from the prefetched records (a fixed number of queries a page)."""

    shipping_address = AddressSerializer(read_only=True)
    shipments = StaffShipmentSerializer(many=True, read_only=True)
    returns = StaffReturnSerializer(many=True, read_only=True)
    payments = PaymentSerializer(many=True, read_only=True)
    payment_summary = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = (
            "store",
            "customer",
            *ORDER_FIELDS,
            "shipments",
            "returns",
            "payments",
            "payment_summary",
        )
        read_only_fields = fields

    @extend_schema_field(PaymentSummarySerializer)
    def get_payment_summary(self, order):
        return payment_summary_data(order)

    def to_representation(self, order):
        return {
            "store": order.store_id,
            "customer": order.customer_id,
            **sale_data(order),
            **after_sale_data(order, staff=True),
        }


class AllowedTransitionSerializer(serializers.Serializer):
    to_status = serializers.ChoiceField(choices=OrderStatus.choices)
    label = serializers.CharField()
    destructive = serializers.BooleanField(
        help_text="Cannot be undone: ask for confirmation and send a `reason`."
    )


class StaffOrderDetailSerializer(StaffOrderListSerializer):
    lines = OrderLineSerializer(many=True, read_only=True)
    timeline = OrderEventStaffSerializer(many=True, read_only=True, source="events")
    allowed_transitions = serializers.SerializerMethodField()
    capabilities = serializers.SerializerMethodField(
        help_text="What your role lets you do to this order: fulfil_orders (confirm, ship, "
        "deliver, take returns back), manage_orders (cancel, close returns, ship unpaid), "
        "edit_orders, record_payments, refund, write_off. The services check them anyway."
    )

    class Meta(StaffOrderListSerializer.Meta):
        fields = (
            "store",
            "customer",
            *ORDER_FIELDS,
            "lines",
            "shipments",
            "returns",
            "payments",
            "payment_summary",
            "timeline",
            "allowed_transitions",
            "capabilities",
        )
        read_only_fields = fields

    @extend_schema_field(AllowedTransitionSerializer(many=True))
    def get_allowed_transitions(self, order):
        user = self.context["request"].user
        return [
            {"to_status": t.target, "label": str(t.label), "destructive": t.destructive}
            for t in allowed_transitions(order=order, user=user)
        ]

    @extend_schema_field(
        serializers.ListField(child=serializers.ChoiceField(choices=ORDER_CAPABILITIES))
    )
    def get_capabilities(self, order):
        user = self.context["request"].user
        return [str(c) for c in ORDER_CAPABILITIES if user_can(user, order.store_id, c)]

    def to_representation(self, order):
        data = super().to_representation(order)
        data["lines"] = lines_data(order)
        data["timeline"] = [
            {
                "id": event.pk,
                "type": event.type,
                "from_value": event.from_value,
                "to_value": event.to_value,
                "actor": event.actor.email if event.actor is not None else None,
                "text": event.text,
                "message": event.message,
                "created_at": iso_datetime(event.created_at),
            }
            for event in order.events.all()
        ]
        data["allowed_transitions"] = self.get_allowed_transitions(order)
        data["capabilities"] = self.get_capabilities(order)
        return {field: data[field] for field in self.Meta.fields}


class OrderTransitionInputSerializer(serializers.Serializer):
    to_status = serializers.ChoiceField(choices=OrderStatus.choices)
    reason = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        help_text="Why; required to cancel (`reason_required` without it). Kept on the "
        "order's timeline with your name.",
    )


class OrderLineQuantityInputSerializer(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)


def guest_order_data(order: Order) -> dict:
    """A guest's order as its customer sees it, with its key: the guest's only way back to
    it (also in the confirmation e-mail)."""
    data = CustomerOrderSerializer(order_detail_for_guest(order=order)).data
    data["access_token"] = order_access_token(order)
    return data
