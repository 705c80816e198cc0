"""After the sale: staff ship, take returns back and record payments, line by line; customers
ask to return what they received. Each endpoint finds the order within the caller's stores (or
the customer's own orders), then calls the one service that does it; the service checks the
role, the rules and the quantities."""

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from apps.core.api.schema import error_response
from apps.orders.api.after_sale_serializers import (
    LineErrorResponseSerializer,
    PaymentCreateInputSerializer,
    PaymentSerializer,
    ReasonInputSerializer,
    ReturnCloseInputSerializer,
    ReturnCreateInputSerializer,
    ReturnReceiveInputSerializer,
    ReturnSerializer,
    ShipmentCreateInputSerializer,
    StaffReturnSerializer,
    StaffShipmentSerializer,
)
from apps.orders.api.common import (
    CUSTOMER_TAGS,
    NUMBER_PARAMETER,
    RETURN_PARAMETER,
    SHIPMENT_PARAMETER,
    get_by_number,
    staff_order,
)
from apps.orders.api.representation import payment_data, return_data, shipment_data
from apps.orders.fulfilment import shipment_cancel, shipment_create, shipment_deliver
from apps.orders.models import Order
from apps.orders.payments import payment_record
from apps.orders.returns import ReturnLineInput, return_close, return_create, return_receive
from apps.orders.selectors import order_list_for_customer
from apps.stores.api.permissions import IsStoreStaff

SHIPMENT_TAGS = ["staff: shipments"]
RETURN_TAGS = ["staff: returns"]
PAYMENT_TAGS = ["staff: payments"]

# Stock the shelf does not have, or a counted variant without a stock record.
STOCK_CONFLICT = error_response(409)

# The line a quantity refers to, its SKU and what it still has room for.
LINE_REFUSAL = OpenApiResponse(
    LineErrorResponseSerializer,
    description="Invalid input, or a rule refused it: e.g. `quantity_exceeded` naming the "
    "line, its SKU and how many units it can still take.",
)


def _skus(order: Order) -> dict[int, str]:
    return dict(order.lines.values_list("pk", "sku"))


def _shipments_data(order: Order, **lookup) -> list[dict]:
    skus = _skus(order)
    shipments = order.shipments.filter(**lookup).select_related("created_by")
    return [shipment_data(s, skus, staff=True) for s in shipments.prefetch_related("lines")]


def _returns_data(order: Order, *, staff: bool, **lookup) -> list[dict]:
    skus = _skus(order)
    returns = order.returns.filter(**lookup).prefetch_related("lines")
    return [return_data(r, skus, staff=staff) for r in returns]


def _payments_data(order: Order, **lookup) -> list[dict]:
    skus = _skus(order)
    numbers = dict(order.returns.values_list("pk", "number"))
    payments = order.payments.filter(**lookup).select_related("actor")
    return [payment_data(p, skus, numbers) for p in payments.prefetch_related("refund_lines")]


def _one(items: list[dict]) -> dict:
    return items[0]


def _pairs(lines) -> list[tuple[int, int]]:
    return [(line["line"], line["quantity"]) for line in lines]


def _validated(serializer_class, request, **kwargs) -> dict:
    data = serializer_class(data=request.data, **kwargs)
    data.is_valid(raise_exception=True)
    return data.validated_data


# Shipments


class StaffShipmentListView(generics.GenericAPIView):
    permission_classes = [IsStoreStaff]
    serializer_class = StaffShipmentSerializer
    pagination_class = None
    filter_backends = ()

    @extend_schema(
        tags=SHIPMENT_TAGS,
        summary="The shipments of an order, oldest first",
        parameters=[NUMBER_PARAMETER],
        responses={200: StaffShipmentSerializer(many=True)},
    )
    def get(self, request, number):
        return Response(_shipments_data(staff_order(request, number)))

    @extend_schema(
        tags=SHIPMENT_TAGS,
        summary="Ship some or all of what is left",
        description="Ships the given quantities of the order's lines (leave `lines` out for "
        "everything not shipped yet) and consumes exactly that stock. Only confirmed orders "
        "ship. An order that is not paid for is refused (`order_unpaid`) unless the store "
        "ships unpaid orders, or a manager gives an `unpaid_reason`. More than a line has "
        "left answers `quantity_exceeded` naming the line.",
        parameters=[NUMBER_PARAMETER],
        request=ShipmentCreateInputSerializer,
        responses={201: StaffShipmentSerializer, 400: LINE_REFUSAL, 409: STOCK_CONFLICT},
    )
    def post(self, request, number):
        order = staff_order(request, number)
        values = _validated(ShipmentCreateInputSerializer, request)
        shipment = shipment_create(
            order=order,
            lines=_pairs(values["lines"]) if "lines" in values else None,
            actor=request.user,
            carrier=values.get("carrier", ""),
            tracking_number=values.get("tracking_number", ""),
            tracking_url=values.get("tracking_url", ""),
            unpaid_reason=values.get("unpaid_reason", ""),
        )
        data = _one(_shipments_data(order, pk=shipment.pk))
        return Response(data, status=status.HTTP_201_CREATED)


def _shipment(request, number, shipment_number):
    order = staff_order(request, number)
    shipment = order.shipments.filter(number=shipment_number).first()
    if shipment is None:
        raise Http404
    return order, shipment


class StaffShipmentCancelView(generics.GenericAPIView):
    permission_classes = [IsStoreStaff]
    serializer_class = StaffShipmentSerializer

    @extend_schema(
        tags=SHIPMENT_TAGS,
        summary="Cancel a shipment that has not been delivered",
        description="Its goods go back on the shelf, allocated to the order again. Needs a "
        "`reason`. Refused once delivered or cancelled (`shipment_not_cancellable`), or while "
        "its units are in a return (`shipment_in_return`).",
        parameters=[NUMBER_PARAMETER, SHIPMENT_PARAMETER],
        request=ReasonInputSerializer,
        responses={200: StaffShipmentSerializer, 409: STOCK_CONFLICT},
    )
    def post(self, request, number, shipment_number):
        order, shipment = _shipment(request, number, shipment_number)
        values = _validated(ReasonInputSerializer, request)
        shipment_cancel(shipment=shipment, actor=request.user, reason=values["reason"])
        return Response(_one(_shipments_data(order, pk=shipment.pk)))


class StaffShipmentDeliverView(generics.GenericAPIView):
    permission_classes = [IsStoreStaff]
    serializer_class = StaffShipmentSerializer

    @extend_schema(
        tags=SHIPMENT_TAGS,
        summary="Mark a shipment delivered",
        parameters=[NUMBER_PARAMETER, SHIPMENT_PARAMETER],
        request=None,
        responses={200: StaffShipmentSerializer},
    )
    def post(self, request, number, shipment_number):
        order, shipment = _shipment(request, number, shipment_number)
        shipment_deliver(shipment=shipment, actor=request.user)
        return Response(_one(_shipments_data(order, pk=shipment.pk)))


# Returns


def _return_lines(values) -> list[ReturnLineInput]:
    return [
        ReturnLineInput(line["line"], line["quantity"], line["reason"]) for line in values["lines"]
    ]


class StaffReturnListView(generics.GenericAPIView):
    permission_classes = [IsStoreStaff]
    serializer_class = StaffReturnSerializer
    pagination_class = None
    filter_backends = ()

    @extend_schema(
        tags=RETURN_TAGS,
        summary="The returns of an order, oldest first",
        parameters=[NUMBER_PARAMETER],
        responses={200: StaffReturnSerializer(many=True)},
    )
    def get(self, request, number):
        return Response(_returns_data(staff_order(request, number), staff=True))

    @extend_schema(
        tags=RETURN_TAGS,
        summary="Open a return of shipped units",
        description="Each line with a quantity (at most what shipped and is not in another "
        "return: else `quantity_exceeded` naming the line) and a reason. Stock moves when "
        "the goods are received.",
        parameters=[NUMBER_PARAMETER],
        request=ReturnCreateInputSerializer,
        responses={201: StaffReturnSerializer, 400: LINE_REFUSAL},
    )
    def post(self, request, number):
        order = staff_order(request, number)
        values = _validated(ReturnCreateInputSerializer, request)
        order_return = return_create(
            order=order,
            lines=_return_lines(values),
            actor=request.user,
            note=values.get("note", ""),
        )
        data = _one(_returns_data(order, staff=True, pk=order_return.pk))
        return Response(data, status=status.HTTP_201_CREATED)


def _order_return(request, number, return_number):
    order = staff_order(request, number)
    order_return = order.returns.filter(number=return_number).first()
    if order_return is None:
        raise Http404
    return order, order_return


class StaffReturnReceiveView(generics.GenericAPIView):
    permission_classes = [IsStoreStaff]
    serializer_class = StaffReturnSerializer

    @extend_schema(
        tags=RETURN_TAGS,
        summary="Receive a return: restock or write off each line",
        description="A line without a decision is restocked; writing off needs a manager. "
        "Only requested returns can be received (`return_not_receivable`).",
        parameters=[NUMBER_PARAMETER, RETURN_PARAMETER],
        request=ReturnReceiveInputSerializer,
        responses={200: StaffReturnSerializer, 409: STOCK_CONFLICT},
    )
    def post(self, request, number, return_number):
        order, order_return = _order_return(request, number, return_number)
        values = _validated(ReturnReceiveInputSerializer, request)
        decisions = {item["line"]: item["decision"] for item in values.get("decisions", [])}
        return_receive(
            order_return=order_return,
            actor=request.user,
            decisions=decisions,
            reason=values.get("reason", ""),
        )
        return Response(_one(_returns_data(order, staff=True, pk=order_return.pk)))


class StaffReturnCloseView(generics.GenericAPIView):
    permission_classes = [IsStoreStaff]
    serializer_class = StaffReturnSerializer

    @extend_schema(
        tags=RETURN_TAGS,
        summary="Close a return",
        description="After its refund, without one, or (never received) declined with a "
        "`note` saying why. Needs a manager.",
        parameters=[NUMBER_PARAMETER, RETURN_PARAMETER],
        request=ReturnCloseInputSerializer,
        responses={200: StaffReturnSerializer},
    )
    def post(self, request, number, return_number):
        order, order_return = _order_return(request, number, return_number)
        values = _validated(ReturnCloseInputSerializer, request)
        return_close(order_return=order_return, actor=request.user, note=values.get("note", ""))
        return Response(_one(_returns_data(order, staff=True, pk=order_return.pk)))


# Payments


class StaffPaymentListView(generics.GenericAPIView):
    permission_classes = [IsStoreStaff]
    serializer_class = PaymentSerializer
    pagination_class = None
    filter_backends = ()

    @extend_schema(
        tags=PAYMENT_TAGS,
        summary="The payment records of an order, oldest first",
        parameters=[NUMBER_PARAMETER],
        responses={200: PaymentSerializer(many=True)},
    )
    def get(self, request, number):
        return Response(_payments_data(staff_order(request, number)))

    @extend_schema(
        tags=PAYMENT_TAGS,
        summary="Record a payment: authorisation, capture, refund or void",
        description="The order's payment status follows from its records. Authorisations, "
        "captures and voids need a manager's payment role, refunds the refund role. A "
        "refund needs a `note` (the reason, else `reason_required`) and never exceeds what "
        "was captured and not yet refunded (`refund_exceeds_captured`, with `refundable`). "
        "A payment provider's webhook sends its own id as `external_reference`: the same "
        "kind, provider and reference again answers 200 with the first record and counts "
        "nothing twice; with another amount it answers 400 `external_reference_reused`.",
        parameters=[NUMBER_PARAMETER],
        request=PaymentCreateInputSerializer,
        responses={
            201: PaymentSerializer,
            200: OpenApiResponse(PaymentSerializer, description="Recorded before: the record."),
            400: LINE_REFUSAL,
        },
    )
    def post(self, request, number):
        order = staff_order(request, number)
        values = _validated(PaymentCreateInputSerializer, request, order=order)
        lines = values.get("lines")
        payment, created = payment_record(
            order=order,
            kind=values["kind"],
            actor=request.user,
            amount=values.get("amount"),
            method=values.get("method", ""),
            provider=values.get("provider", ""),
            external_reference=values.get("external_reference", ""),
            note=values.get("note", ""),
            order_return=values.get("return_number"),
            lines=_pairs(lines) if lines else None,
        )
        return Response(
            _one(_payments_data(order, pk=payment.pk)),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


# Customers


class CustomerReturnCreateView(generics.GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = ReturnSerializer

    @extend_schema(
        tags=CUSTOMER_TAGS,
        summary="Ask to return what you received",
        description="Shipped units of your order, each line with a quantity and a reason, "
        "within the store's return window after the last shipment (else "
        "`return_window_passed`; `return_not_allowed` when nothing shipped or the store "
        "takes no returns online). The store tells you what happens when the goods arrive.",
        parameters=[NUMBER_PARAMETER],
        request=ReturnCreateInputSerializer,
        responses={201: ReturnSerializer, 400: LINE_REFUSAL},
    )
    def post(self, request, number):
        order = get_by_number(order_list_for_customer(customer=request.user), number)
        values = _validated(ReturnCreateInputSerializer, request)
        order_return = return_create(
            order=order,
            lines=_return_lines(values),
            actor=request.user,
            note=values.get("note", ""),
        )
        data = _one(_returns_data(order, staff=False, pk=order_return.pk))
        return Response(data, status=status.HTTP_201_CREATED)
