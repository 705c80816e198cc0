"""Order endpoints: customers place and follow their own orders; staff work the queue."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response

from apps.core.api.schema import error_response
from apps.core.throttling import GuestRateThrottle
from apps.orders.api.common import (
    CUSTOMER_TAGS,
    NUMBER_PARAMETER,
    STAFF_TAGS,
    get_by_number,
    staff_order,
    staff_order_answer,
    staff_order_detail,
    staff_order_list,
)
from apps.orders.api.filters import StaffOrderFilter
from apps.orders.api.serializers import (
    CustomerOrderSerializer,
    OrderCreateInputSerializer,
    OrderTransitionInputSerializer,
    StaffOrderDetailSerializer,
    StaffOrderListSerializer,
    guest_order_data,
)
from apps.orders.models import Order
from apps.orders.selectors import (
    order_detail_for_customer,
    order_list_for_customer,
)
from apps.orders.services import (
    OrderLineInput,
    order_cancel_by_customer,
    order_place,
    order_transition,
)
from apps.stores.api.permissions import IsStoreStaff

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"


class SignedInToRead(BasePermission):
    """Anyone may place an order (a guest, with an e-mail); only its customer lists them."""

    def has_permission(self, request, view):
        return request.method == "POST" or bool(request.user and request.user.is_authenticated)


@extend_schema_view(get=extend_schema(tags=CUSTOMER_TAGS, summary="Your orders, newest first"))
class CustomerOrderListView(generics.ListCreateAPIView):
    permission_classes = [SignedInToRead]
    serializer_class = CustomerOrderSerializer

    def get_throttles(self):
        if self.request.method == "POST":
            return [*super().get_throttles(), GuestRateThrottle()]
        return super().get_throttles()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Order.objects.none()
        return order_detail_for_customer(customer=self.request.user).order_by("-placed_at", "-id")

    @extend_schema(
        tags=CUSTOMER_TAGS,
        summary="Place an order",
        description=(
            "Prices and totals are computed by the server; every line's stock is allocated or "
            "none is. Send an `Idempotency-Key` header to retry safely: the first request "
            "answers 201, a replay with the same key and body answers 200 with the same order "
            "(and the header `Idempotent-Replayed: true`); the same key with a different body "
            "answers 422. Not enough stock answers 409 with `error.shortages` naming each SKU "
            "and the quantity available; a counted variant with no stock record answers 409 "
            "`no_stock_record` naming its SKUs (it is never sold unallocated). The amounts are "
            "exactly what `POST /api/v1/checkout/quote/` answers for the same body; a code that "
            "was used up or expired since answers 409 (`code_used_up`, `code_expired`, "
            "`code_not_started`, `code_already_used`), an `expected_total` that is not the "
            "total any more answers 409 `total_changed`, and `error.problems` names each "
            "problem. A cart the store cannot price (unknown code, method or variant, a "
            "minimum not reached) answers 400 naming them the same way."
        ),
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="Any unique string up to 64 characters, e.g. a UUID per checkout.",
            )
        ],
        request=OrderCreateInputSerializer,
        responses={
            201: CustomerOrderSerializer,
            200: OpenApiResponse(
                CustomerOrderSerializer, description="Replay of an earlier request."
            ),
            409: error_response(409),
            422: error_response(422),
        },
    )
    def post(self, request):
        data = OrderCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        customer = request.user if request.user.is_authenticated else None
        order, created = order_place(
            store=values["store"],
            customer=customer,
            lines=[OrderLineInput(line["variant"], line["quantity"]) for line in values["lines"]],
            shipping_address=values["shipping_address"],
            email=values.get("email", ""),
            phone=values.get("phone", ""),
            customer_note=values.get("note", ""),
            idempotency_key=request.headers.get(IDEMPOTENCY_HEADER, ""),
            choice=data.checkout_choice(),
        )
        if customer is None:
            data = guest_order_data(order)
        else:
            data = CustomerOrderSerializer(
                order_detail_for_customer(customer=customer).get(pk=order.pk)
            ).data
        response = Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
        if not created:
            response[REPLAYED_HEADER] = "true"
        return response


@extend_schema_view(
    get=extend_schema(
        tags=CUSTOMER_TAGS,
        summary="One of your orders with its lines, shipments, returns and timeline",
        parameters=[NUMBER_PARAMETER],
    )
)
class CustomerOrderDetailView(generics.GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = CustomerOrderSerializer

    def get(self, request, number):
        return Response(
            CustomerOrderSerializer(
                get_by_number(order_detail_for_customer(customer=request.user), number)
            ).data
        )


class CustomerOrderCancelView(generics.GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = CustomerOrderSerializer

    @extend_schema(
        tags=CUSTOMER_TAGS,
        summary="Cancel one of your orders",
        description="Allowed while the order is pending or confirmed and nothing of it has "
        "shipped (`can_cancel`); the allocated stock is released. Once goods are on their "
        "way, request a return instead.",
        parameters=[NUMBER_PARAMETER],
        request=None,
        responses={200: CustomerOrderSerializer},
    )
    def post(self, request, number):
        order = get_by_number(order_list_for_customer(customer=request.user), number)
        order_cancel_by_customer(order=order, customer=request.user)
        order = order_detail_for_customer(customer=request.user).get(pk=order.pk)
        return Response(CustomerOrderSerializer(order).data)


# Staff


@extend_schema_view(
    get=extend_schema(
        tags=STAFF_TAGS,
        summary="Orders of your stores",
        description="Each with its shipments, returns, payment records and their sums. "
        "Filter by store, status, fulfilment status, payment status, placing time; search by "
        "number, email or SKU.",
    )
)
class StaffOrderListView(generics.ListAPIView):
    permission_classes = [IsStoreStaff]
    serializer_class = StaffOrderListSerializer
    filterset_class = StaffOrderFilter

    def get_queryset(self):
        return staff_order_list(self.request.user).order_by("-placed_at", "-id")


@extend_schema_view(
    get=extend_schema(
        tags=STAFF_TAGS,
        summary="One order of your stores, with everything that happened to it",
        description="Lines, shipments, returns, payment records and their sums, the timeline "
        "and the transitions your role allows.",
        parameters=[NUMBER_PARAMETER],
    )
)
class StaffOrderDetailView(generics.GenericAPIView):
    permission_classes = [IsStoreStaff]
    serializer_class = StaffOrderDetailSerializer

    def get(self, request, number):
        order = get_by_number(staff_order_detail(request.user), number)
        return Response(StaffOrderDetailSerializer(order, context={"request": request}).data)


class StaffOrderTransitionView(generics.GenericAPIView):
    permission_classes = [IsStoreStaff]
    serializer_class = StaffOrderDetailSerializer

    @extend_schema(
        tags=STAFF_TAGS,
        summary="Confirm or cancel an order",
        description="The transition table and your role decide (`allowed_transitions` on the "
        "order). Cancelling needs a `reason` (else 400 `reason_required`), releases the "
        "allocated stock and is refused while shipments are on their way or delivered "
        "(`order_has_shipments`): cancel them or take the goods back with a return. "
        "Shipping and delivery are shipments (`.../shipments/`).",
        parameters=[NUMBER_PARAMETER],
        request=OrderTransitionInputSerializer,
        responses={200: StaffOrderDetailSerializer, 409: error_response(409)},
    )
    def post(self, request, number):
        order = staff_order(request, number)
        data = OrderTransitionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        order_transition(
            order=order,
            to_status=values["to_status"],
            actor=request.user,
            message=values.get("reason", ""),
        )
        return staff_order_answer(request, order)
