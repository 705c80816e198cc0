"""What every order endpoint shares: finding the order (and its shipment, return or line) by
the number in the path within what the caller may see, and the staff order answer."""

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.response import Response

from apps.orders.api.serializers import StaffOrderDetailSerializer
from apps.orders.models import Order
from apps.orders.selectors import AFTER_SALE_PREFETCHES, order_detail_queryset, order_list_for_staff

CUSTOMER_TAGS = ["orders"]
STAFF_TAGS = ["staff: orders"]

NUMBER_PARAMETER = OpenApiParameter(
    "number", OpenApiTypes.STR, OpenApiParameter.PATH, description="Order number, e.g. ACME-100042."
)
SHIPMENT_PARAMETER = OpenApiParameter(
    "shipment_number",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="Shipment number, e.g. ACME-100042-S1.",
)
RETURN_PARAMETER = OpenApiParameter(
    "return_number",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="Return number, e.g. ACME-100042-R1.",
)
LINE_PARAMETER = OpenApiParameter(
    "line_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Id of a line of the order."
)

# The refund lines each payment record shows, after AFTER_SALE_PREFETCHES has its payments.
REFUND_LINES = "payments__refund_lines"


def get_by_number(queryset: QuerySet, number: str):
    """The object of `queryset` with this number, or 404: another store's or another
    customer's order is simply not found."""
    found = queryset.filter(number=number).first()
    if found is None:
        raise Http404
    return found


def staff_order_list(user) -> QuerySet[Order]:
    return order_list_for_staff(user=user).prefetch_related(*AFTER_SALE_PREFETCHES, REFUND_LINES)


def staff_order_detail(user) -> QuerySet[Order]:
    return order_detail_queryset(user=user).prefetch_related(REFUND_LINES)


def staff_order(request, number: str) -> Order:
    """The order to act on: one of the caller's stores, without its records (the service
    locks and reads what it needs)."""
    return get_by_number(order_list_for_staff(user=request.user), number)


def staff_order_answer(request, order: Order, *, status: int = 200) -> Response:
    """The order as it is now, with everything the staff order page shows."""
    fresh = staff_order_detail(request.user).get(pk=order.pk)
    return Response(
        StaffOrderDetailSerializer(fresh, context={"request": request}).data, status=status
    )
