"""Guests' orders: open one with its link's token or an e-mailed one-time code, and claim
them into an account once its e-mail is proven."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from apps.core.api.schema import error_response
from apps.core.throttling import GuestRateThrottle
from apps.orders.api.common import CUSTOMER_TAGS
from apps.orders.api.serializers import CustomerOrderSerializer, guest_order_data
from apps.orders.guests import (
    guest_orders_claim,
    lookup_code_send,
    order_for_access_token,
    order_for_lookup_code,
)


class OrderLookupInputSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=32)
    token = serializers.CharField(
        max_length=100, required=False, help_text="The order's link token (from placing it)."
    )
    email = serializers.EmailField(required=False, help_text="With `code`: the order's e-mail.")
    code = serializers.RegexField(
        r"^\d{6}$", required=False, help_text="The six digits e-mailed by lookup/code/."
    )

    def validate(self, attrs):
        if "token" not in attrs and not ("email" in attrs and "code" in attrs):
            raise serializers.ValidationError("Give the token, or the e-mail and the code.")
        return attrs


class LookupCodeInputSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=32)
    email = serializers.EmailField()


class OrderLookupView(generics.GenericAPIView):
    permission_classes = [AllowAny]
    throttle_classes = [GuestRateThrottle]
    serializer_class = OrderLookupInputSerializer

    @extend_schema(
        tags=CUSTOMER_TAGS,
        summary="Open a guest order by its link token, or by e-mail and a one-time code",
        description="A wrong token, code or number answers 404 alike.",
        request=OrderLookupInputSerializer,
        responses={200: CustomerOrderSerializer, 400: error_response(400)},
    )
    def post(self, request):
        data = OrderLookupInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if "token" in values:
            order = order_for_access_token(number=values["number"], token=values["token"])
        else:
            order = order_for_lookup_code(
                number=values["number"], email=values["email"], code=values["code"]
            )
        return Response(guest_order_data(order))


class LookupCodeView(generics.GenericAPIView):
    permission_classes = [AllowAny]
    throttle_classes = [GuestRateThrottle]
    serializer_class = LookupCodeInputSerializer

    @extend_schema(
        tags=CUSTOMER_TAGS,
        summary="E-mail a one-time code that opens a guest order",
        description="Always 202: the answer never says whether such an order exists.",
        request=LookupCodeInputSerializer,
        responses={
            202: OpenApiResponse(description="A code is on its way if the order exists."),
            400: error_response(400),
        },
    )
    def post(self, request):
        data = LookupCodeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        lookup_code_send(**data.validated_data)
        return Response(status=status.HTTP_202_ACCEPTED)


class GuestOrdersClaimedSerializer(serializers.Serializer):
    claimed = serializers.IntegerField(help_text="How many guest orders joined the account.")


class GuestOrderClaimView(generics.GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = GuestOrdersClaimedSerializer

    @extend_schema(
        tags=CUSTOMER_TAGS,
        summary="Claim the guest orders placed with your verified e-mail into your account",
        request=None,
        responses={
            200: GuestOrdersClaimedSerializer,
            400: error_response(400),
        },
    )
    def post(self, request):
        return Response({"claimed": guest_orders_claim(user=request.user)})
