"""Shipments, returns and payment records in the API: what they look like and what creating
or moving one takes. The order answers embed the same shapes (built by hand in
apps/orders/api/representation.py; these declarations are the schema)."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from apps.core.api.schema import ErrorDetailSerializer
from apps.core.models import MAX_ID
from apps.orders.models import (
    OrderReturn,
    Payment,
    PaymentKind,
    RefundLine,
    ReturnDecision,
    ReturnLine,
    ReturnReason,
    Shipment,
    ShipmentLine,
)
from apps.orders.services import MAX_LINES, MAX_QUANTITY

ORDER_LINE_HELP = _("Id of a line of this order (`lines[].id` on the order).")


# Representations


class ShipmentLineSerializer(serializers.ModelSerializer):
    line = serializers.IntegerField(
        source="order_line_id", read_only=True, help_text=ORDER_LINE_HELP
    )
    sku = serializers.CharField(source="order_line.sku", read_only=True)

    class Meta:
        model = ShipmentLine
        fields = ("line", "sku", "quantity")
        read_only_fields = fields


class ShipmentSerializer(serializers.ModelSerializer):
    """A shipment as its customer sees it: what left, how it travels, where it is."""

    tracking_url = serializers.CharField(
        read_only=True, help_text=_("Where the customer follows the parcel; may be blank.")
    )
    lines = ShipmentLineSerializer(many=True, read_only=True)

    class Meta:
        model = Shipment
        fields = (
            "number",
            "status",
            "carrier",
            "tracking_number",
            "tracking_url",
            "created_at",
            "delivered_at",
            "cancelled_at",
            "lines",
        )
        read_only_fields = fields


class StaffShipmentSerializer(ShipmentSerializer):
    """A shipment with who shipped it."""

    created_by = serializers.SlugRelatedField(slug_field="email", read_only=True, allow_null=True)

    class Meta(ShipmentSerializer.Meta):
        fields = (*ShipmentSerializer.Meta.fields, "created_by")
        read_only_fields = fields


class ReturnLineSerializer(serializers.ModelSerializer):
    line = serializers.IntegerField(
        source="order_line_id", read_only=True, help_text=ORDER_LINE_HELP
    )
    sku = serializers.CharField(source="order_line.sku", read_only=True)

    class Meta:
        model = ReturnLine
        fields = ("id", "line", "sku", "quantity", "reason")
        read_only_fields = fields


class StaffReturnLineSerializer(ReturnLineSerializer):
    decision = serializers.ChoiceField(
        choices=ReturnDecision.choices,
        allow_blank=True,
        read_only=True,
        help_text=_("Blank until the goods are received."),
    )

    class Meta(ReturnLineSerializer.Meta):
        fields = (*ReturnLineSerializer.Meta.fields, "decision")
        read_only_fields = fields
        extra_kwargs = {
            "id": {"help_text": _("Return line id: what a decision on receiving names.")},
        }


class ReturnSerializer(serializers.ModelSerializer):
    """A return as its customer sees it: what goes back and how far it got."""

    note = serializers.CharField(source="customer_note", read_only=True)
    lines = ReturnLineSerializer(many=True, read_only=True)

    class Meta:
        model = OrderReturn
        fields = ("number", "status", "note", "created_at", "received_at", "closed_at", "lines")
        read_only_fields = fields


class StaffReturnSerializer(ReturnSerializer):
    """A return with each line's decision and the note it was closed with."""

    lines = StaffReturnLineSerializer(many=True, read_only=True)

    class Meta(ReturnSerializer.Meta):
        fields = (*ReturnSerializer.Meta.fields, "close_reason")
        read_only_fields = fields


class RefundLineSerializer(serializers.ModelSerializer):
    line = serializers.IntegerField(
        source="order_line_id", read_only=True, help_text=ORDER_LINE_HELP
    )
    sku = serializers.CharField(source="order_line.sku", read_only=True)

    class Meta:
        model = RefundLine
        fields = ("line", "sku", "quantity", "amount")
        read_only_fields = fields


class PaymentSerializer(serializers.ModelSerializer):
    """One money movement of the order; the payment status is derived from all of them."""

    # Named as in the request; the reserved word is only a problem for Python.
    return_number = serializers.CharField(
        source="order_return.number",
        read_only=True,
        allow_null=True,
        help_text=_("The return a refund pays back, if any."),
    )
    actor = serializers.SlugRelatedField(slug_field="email", read_only=True, allow_null=True)
    lines = RefundLineSerializer(
        source="refund_lines",
        many=True,
        read_only=True,
        help_text=_("The units a refund pays back (refunds only)."),
    )

    class Meta:
        model = Payment
        fields = (
            "id",
            "kind",
            "amount",
            "currency",
            "method",
            "provider",
            "external_reference",
            "return_number",
            "note",
            "actor",
            "created_at",
            "lines",
        )
        read_only_fields = fields


class PaymentSummarySerializer(serializers.Serializer):
    """The sums of the payment records against what the order costs."""

    authorised = serializers.DecimalField(max_digits=14, decimal_places=2)
    captured = serializers.DecimalField(max_digits=14, decimal_places=2)
    refunded = serializers.DecimalField(max_digits=14, decimal_places=2)
    voided = serializers.DecimalField(max_digits=14, decimal_places=2)
    open_authorisation = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        help_text=_("Authorised, not yet captured or voided."),
    )
    refundable = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text=_("Captured and not yet refunded.")
    )
    balance = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        help_text=_("Above zero: still due from the customer. Below zero: to refund to them."),
    )


# Requests


class LineQuantityInputSerializer(serializers.Serializer):
    line = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text=ORDER_LINE_HELP)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)


class ShipmentCreateInputSerializer(serializers.Serializer):
    lines = LineQuantityInputSerializer(
        many=True,
        required=False,
        min_length=1,
        max_length=MAX_LINES,
        help_text=_("What to ship; leave out to ship everything not shipped yet."),
    )
    carrier = serializers.CharField(max_length=64, required=False, allow_blank=True)
    tracking_number = serializers.CharField(max_length=64, required=False, allow_blank=True)
    tracking_url = serializers.URLField(max_length=500, required=False, allow_blank=True)
    unpaid_reason = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        help_text=_(
            "Ship an order that is not paid for (when the store does not allow it): why. "
            "Needs a manager."
        ),
    )


class ReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=500, help_text=_("Why: kept on the order's timeline with your name.")
    )


class ReturnLineInputSerializer(LineQuantityInputSerializer):
    reason = serializers.ChoiceField(choices=ReturnReason.choices, default=ReturnReason.OTHER)


class ReturnCreateInputSerializer(serializers.Serializer):
    lines = ReturnLineInputSerializer(many=True, min_length=1, max_length=MAX_LINES)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class ReturnDecisionInputSerializer(serializers.Serializer):
    line = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text=_("Id of a line of this return (`lines[].id`).")
    )
    decision = serializers.ChoiceField(choices=ReturnDecision.choices)


class ReturnReceiveInputSerializer(serializers.Serializer):
    decisions = ReturnDecisionInputSerializer(
        many=True,
        required=False,
        max_length=MAX_LINES,
        help_text=_(
            "Restock or write off, per return line; a line left out is restocked. Writing "
            "off needs a manager."
        ),
    )
    reason = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        help_text=_(
            "Why the goods are written off: required when any line is (`reason_required`); "
            "kept on the order's timeline with your name."
        ),
    )


class ReturnCloseInputSerializer(serializers.Serializer):
    note = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        help_text=_("Required to decline a return that never arrived: why."),
    )


class PaymentCreateInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PaymentKind.choices)
    amount = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        allow_null=True,
        help_text=_(
            "Leave out for the default: a capture or authorisation covers what is due, a "
            "void ends the open authorisation, a refund pays back its lines (or everything "
            "refundable)."
        ),
    )
    method = serializers.CharField(max_length=64, required=False, allow_blank=True)
    provider = serializers.CharField(max_length=64, required=False, allow_blank=True)
    external_reference = serializers.CharField(
        max_length=128,
        required=False,
        allow_blank=True,
        help_text=_(
            "The provider's id of this movement. Recording it again answers the first "
            "record (200) instead of counting the money twice."
        ),
    )
    note = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        help_text=_("Required for refunds: the reason, kept on the timeline."),
    )
    return_number = serializers.SlugRelatedField(
        slug_field="number",
        queryset=OrderReturn.objects.none(),
        required=False,
        allow_null=True,
        help_text=_("A refund may name the return of this order it pays back."),
    )
    lines = LineQuantityInputSerializer(
        many=True,
        required=False,
        min_length=1,
        max_length=MAX_LINES,
        help_text=_("Refunds only: the units paid back; their value is the default amount."),
    )

    def __init__(self, *args, order=None, **kwargs):
        super().__init__(*args, **kwargs)
        if order is not None:
            self.fields["return_number"].queryset = order.returns.all()


# Errors


class LineErrorDetailSerializer(ErrorDetailSerializer):
    line = serializers.IntegerField(
        required=False, help_text=_("The refused line's id (quantity_exceeded).")
    )
    sku = serializers.CharField(required=False, help_text=_("The refused line's SKU."))
    available = serializers.IntegerField(
        required=False, help_text=_("How many units of the line the action can still take.")
    )
    refundable = serializers.CharField(
        required=False,
        help_text=_("Captured and not yet refunded (refund_exceeds_captured)."),
    )


class LineErrorResponseSerializer(serializers.Serializer):
    error = LineErrorDetailSerializer()
