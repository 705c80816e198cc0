"""The checkout quote: what an order with this body would cost, to the cent, and every reason
it could not be placed, without writing anything. The storefront shows it before the customer
pays; placing the order (apps/orders/api/views.py) prices the same body the same way."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from apps.checkout.reservations import reservation_cancel, reservation_create, reservation_held
from apps.checkout.services import Quote, quote_cart
from apps.core.api.representation import iso_datetime
from apps.core.api.schema import error_response
from apps.core.money import format_money
from apps.core.throttling import GuestRateThrottle, UserThrottle
from apps.orders.api.serializers import (
    OrderCreateInputSerializer,
    OrderLineInputSerializer,
    open_store_field,
)
from apps.orders.services import MAX_LINES, OrderLineInput, clean_address, merge_lines

CHECKOUT_TAGS = ["Checkout"]


class QuoteLineSerializer(serializers.Serializer):
    variant = serializers.IntegerField()
    sku = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price = serializers.CharField()
    line_total = serializers.CharField(help_text="Unit price × quantity.")
    discount = serializers.CharField()
    tax = serializers.CharField(help_text="Included in the price or added, as the store says.")
    available = serializers.IntegerField(
        allow_null=True, help_text="Units free to order now; null when stock is not counted."
    )
    can_order = serializers.BooleanField()


class QuoteProblemSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="unknown_variant, variant_not_for_sale, short_stock, unknown_code, "
        "code_not_started, code_expired, code_used_up, code_already_used, "
        "minimum_not_reached, code_not_applicable, method_unknown, method_not_for_country, "
        "method_too_heavy."
    )
    message = serializers.CharField()
    sku = serializers.CharField(help_text="The line it concerns; blank for the whole cart.")


class ShippingOptionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    price = serializers.CharField(help_text="What this cart would pay with it.")


class QuoteSerializer(serializers.Serializer):
    currency = serializers.CharField()
    lines = QuoteLineSerializer(many=True)
    subtotal = serializers.CharField()
    discount_code = serializers.CharField(help_text="The code applied; blank when none is.")
    discount_total = serializers.CharField()
    shipping_method = ShippingOptionSerializer(allow_null=True)
    shipping_total = serializers.CharField()
    tax_total = serializers.CharField()
    prices_include_tax = serializers.BooleanField()
    total = serializers.CharField()
    orderable = serializers.BooleanField(help_text="True when `problems` is empty.")
    problems = QuoteProblemSerializer(many=True)
    shipping_methods = ShippingOptionSerializer(
        many=True, help_text="Every method that can carry this cart to this address."
    )


def quote_data(quote: Quote) -> dict[str, Any]:
    price = quote.price
    availability = {line.variant_id: line for line in quote.availability}
    method = quote.shipping_method
    return {
        "currency": price.currency,
        "lines": [
            {
                "variant": priced.line.variant_id,
                "sku": priced.line.sku,
                "quantity": priced.line.quantity,
                "unit_price": format_money(priced.line.unit_price),
                "line_total": format_money(priced.total),
                "discount": format_money(priced.discount),
                "tax": format_money(priced.tax),
                "available": availability[priced.line.variant_id].available,
                "can_order": availability[priced.line.variant_id].can_order,
            }
            for priced in price.lines
        ],
        "subtotal": format_money(price.subtotal),
        "discount_code": price.discount_code,
        "discount_total": format_money(price.discount_total),
        "shipping_method": (
            {"id": method.pk, "name": method.name, "price": format_money(price.shipping_total)}
            if method
            else None
        ),
        "shipping_total": format_money(price.shipping_total),
        "tax_total": format_money(price.tax_total),
        "prices_include_tax": price.prices_include_tax,
        "total": format_money(price.total),
        "orderable": quote.orderable,
        "problems": [
            {"code": problem.code, "message": problem.message, "sku": problem.sku}
            for problem in quote.problems
        ],
        "shipping_methods": [
            {
                "id": option.method.pk,
                "name": option.method.name,
                "price": format_money(option.price),
            }
            for option in quote.shipping_options
        ],
    }


class CheckoutQuoteView(generics.GenericAPIView):
    """Anyone may ask (a storefront quotes before sign-in); a signed-in customer's quote also
    checks their once-per-customer codes."""

    permission_classes = [AllowAny]
    serializer_class = OrderCreateInputSerializer

    @extend_schema(
        tags=CHECKOUT_TAGS,
        summary="What an order with this body would cost, and what stands in its way",
        description=(
            "Takes the body of `POST /api/v1/orders/` and answers the exact amounts the order "
            "would get — lines, discount, shipping, tax, total — with availability per line and "
            "every problem named in `problems`, without writing anything. A problem is not an "
            "error: the answer is 200 and `orderable` is false."
        ),
        request=OrderCreateInputSerializer,
        responses={200: QuoteSerializer, 400: error_response(400)},
    )
    def post(self, request):
        data = OrderCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        choice = data.checkout_choice()
        customer = request.user if request.user.is_authenticated else None
        quote = quote_cart(
            store=values["store"],
            quantities=merge_lines(
                [OrderLineInput(line["variant"], line["quantity"]) for line in values["lines"]]
            ),
            country=clean_address(values["shipping_address"])["country"],
            shipping_method_id=choice.shipping_method_id,
            discount_code=choice.discount_code,
            email=values.get("email") or (customer.email if customer else ""),
            customer_id=customer.pk if customer else None,
            held=(
                reservation_held(store=values["store"], token=choice.reservation_token)
                if choice.reservation_token
                else None
            ),
        )
        return Response(quote_data(quote))


class ReservationInputSerializer(serializers.Serializer):
    store = open_store_field()
    lines = OrderLineInputSerializer(many=True, min_length=1, max_length=MAX_LINES)


class ReservationSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send it as `reservation` with the order.")
    expires_at = serializers.DateTimeField()


class ReservationCancelInputSerializer(serializers.Serializer):
    store = open_store_field()
    token = serializers.CharField(max_length=100)


class CheckoutReservationView(generics.GenericAPIView):
    permission_classes = [AllowAny]
    throttle_classes = [GuestRateThrottle, UserThrottle]
    serializer_class = ReservationInputSerializer

    @extend_schema(
        tags=CHECKOUT_TAGS,
        summary="Hold a cart's stock for the store's reservation minutes",
        description=(
            "All lines or none: short stock answers 409 naming each SKU; a store that does not "
            "hold carts answers 400 `reservations_off`. The order placed with the token takes "
            "the held units; when the time is up, the worker gives them back."
        ),
        request=ReservationInputSerializer,
        responses={
            201: ReservationSerializer,
            400: error_response(400),
            409: error_response(409),
        },
    )
    def post(self, request):
        data = ReservationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        reservation, token = reservation_create(
            store=values["store"],
            quantities=merge_lines(
                [OrderLineInput(line["variant"], line["quantity"]) for line in values["lines"]]
            ),
        )
        return Response(
            {"token": token, "expires_at": iso_datetime(reservation.expires_at)},
            status=status.HTTP_201_CREATED,
        )


class CheckoutReservationCancelView(generics.GenericAPIView):
    permission_classes = [AllowAny]
    throttle_classes = [GuestRateThrottle, UserThrottle]
    serializer_class = ReservationCancelInputSerializer

    @extend_schema(
        tags=CHECKOUT_TAGS,
        summary="Give a cart's held stock back before its time is up",
        request=ReservationCancelInputSerializer,
        responses={204: None, 400: error_response(400), 409: error_response(409)},
    )
    def post(self, request):
        data = ReservationCancelInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reservation_cancel(store=data.validated_data["store"], token=data.validated_data["token"])
        return Response(status=status.HTTP_204_NO_CONTENT)
