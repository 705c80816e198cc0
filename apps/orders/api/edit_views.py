"""Edits before shipping: a line's quantity, a line removed or added, the shipping address.
Each answers the order as it is now: new totals, and what is due or to refund in
`payment_summary.balance`."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status

from apps.core.api.schema import error_response
from apps.core.models import MAX_ID
from apps.orders.api.common import (
    LINE_PARAMETER,
    NUMBER_PARAMETER,
    staff_order,
    staff_order_answer,
)
from apps.orders.api.serializers import (
    AddressSerializer,
    OrderLineInputSerializer,
    OrderLineQuantityInputSerializer,
    StaffOrderDetailSerializer,
)
from apps.orders.edits import (
    order_change_address,
    order_line_add,
    order_line_remove,
    order_line_set_quantity,
)
from apps.orders.models import Order
from apps.stores.api.permissions import IsStoreStaff

EDIT_TAGS = ["staff: order edits"]
EDIT_RULES = (
    "Needs the order-editing role; only while the order is pending or confirmed and nothing "
    "of what changes has shipped (`line_shipped`, `order_shipped`, `order_not_editable`). "
    "Stock is allocated or released at once; the totals are recomputed and the timeline says "
    "before → after."
)


def _line_of(request, number: str, line_id: int) -> Order:
    """The order, once the line is known to be one of its lines (else 404)."""
    order = staff_order(request, number)
    if not 0 < line_id <= MAX_ID or not order.lines.filter(pk=line_id).exists():
        raise Http404
    return order


class StaffOrderLineAddView(generics.GenericAPIView):
    permission_classes = [IsStoreStaff]
    serializer_class = StaffOrderDetailSerializer

    @extend_schema(
        tags=EDIT_TAGS,
        summary="Add a variant to an order",
        description=f"A variant of the order's store, not on the order yet (`line_exists`: "
        f"change that line's quantity). {EDIT_RULES}",
        parameters=[NUMBER_PARAMETER],
        request=OrderLineInputSerializer,
        responses={201: StaffOrderDetailSerializer, 409: error_response(409)},
    )
    def post(self, request, number):
        order = staff_order(request, number)
        data = OrderLineInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order_line_add(
            order=order,
            variant_id=data.validated_data["variant"],
            quantity=data.validated_data["quantity"],
            actor=request.user,
        )
        return staff_order_answer(request, order, status=status.HTTP_201_CREATED)


class StaffOrderLineView(generics.GenericAPIView):
    permission_classes = [IsStoreStaff]
    serializer_class = StaffOrderDetailSerializer

    @extend_schema(
        tags=EDIT_TAGS,
        summary="Change a line's quantity",
        description=f"The line keeps the price it was sold at. {EDIT_RULES}",
        parameters=[NUMBER_PARAMETER, LINE_PARAMETER],
        request=OrderLineQuantityInputSerializer,
        responses={200: StaffOrderDetailSerializer, 409: error_response(409)},
    )
    def patch(self, request, number, line_id):
        order = _line_of(request, number, line_id)
        data = OrderLineQuantityInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order_line_set_quantity(
            order=order,
            line_id=line_id,
            quantity=data.validated_data["quantity"],
            actor=request.user,
        )
        return staff_order_answer(request, order)

    @extend_schema(
        tags=EDIT_TAGS,
        summary="Remove a line",
        description=f"An order keeps at least one line (`last_line`: cancel it instead). "
        f"{EDIT_RULES}",
        parameters=[NUMBER_PARAMETER, LINE_PARAMETER],
        request=None,
        responses={
            200: StaffOrderDetailSerializer,
            400: error_response(400),
            409: error_response(409),
        },
    )
    def delete(self, request, number, line_id):
        order = _line_of(request, number, line_id)
        order_line_remove(order=order, line_id=line_id, actor=request.user)
        return staff_order_answer(request, order)


class StaffOrderAddressView(generics.GenericAPIView):
    permission_classes = [IsStoreStaff]
    serializer_class = StaffOrderDetailSerializer

    @extend_schema(
        tags=EDIT_TAGS,
        summary="Change the shipping address",
        description=f"Send the fields that change; the others stay. {EDIT_RULES}",
        parameters=[NUMBER_PARAMETER],
        request=AddressSerializer,
        responses={200: StaffOrderDetailSerializer},
    )
    def patch(self, request, number):
        order = staff_order(request, number)
        data = AddressSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        address = {**(order.shipping_address or {}), **data.validated_data}
        order_change_address(order=order, address=address, actor=request.user)
        return staff_order_answer(request, order)
