"""Staff stock endpoints: levels of their stores and shelf adjustments through the ledger."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.response import Response

from apps.catalog.selectors import variant_list_for_staff
from apps.core.api.schema import error_response
from apps.inventory.api.filters import StockLevelFilter
from apps.inventory.api.serializers import StockAdjustmentInputSerializer, StockLevelSerializer
from apps.inventory.selectors import stock_list_for_staff
from apps.inventory.services import stock_adjust
from apps.stores.api.permissions import IsStoreStaff
from apps.stores.scoping import get_scoped_or_404

TAGS = ["staff: stock"]


@extend_schema_view(
    get=extend_schema(
        tags=TAGS,
        summary="Stock levels of your stores",
        description="Filter by store, level (out / low / in) or search by SKU and title.",
    )
)
class StockLevelListView(generics.ListAPIView):
    permission_classes = [IsStoreStaff]
    serializer_class = StockLevelSerializer
    filterset_class = StockLevelFilter

    def get_queryset(self):
        return stock_list_for_staff(user=self.request.user).order_by("variant__sku", "id")


class StockAdjustmentView(generics.GenericAPIView):
    permission_classes = [IsStoreStaff]
    serializer_class = StockLevelSerializer

    @extend_schema(
        tags=TAGS,
        summary="Record a stock change (received, damaged, counted…)",
        description="Writes a ledger movement with you as the actor. Needs the stock "
        "capability in the variant's store.",
        request=StockAdjustmentInputSerializer,
        responses={
            201: StockLevelSerializer,
            409: error_response(
                409, "negative_stock", "below_allocated", "untracked", "backorders_outstanding"
            ),
            422: error_response(422, "wrong_direction"),
        },
    )
    def post(self, request):
        data = StockAdjustmentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        variant = get_scoped_or_404(
            variant_list_for_staff(user=request.user), request.user, pk=values.pop("variant")
        )
        stock = stock_adjust(variant=variant, actor=request.user, **values)
        stock = stock_list_for_staff(user=request.user).get(pk=stock.pk)
        return Response(StockLevelSerializer(stock).data, status=status.HTTP_201_CREATED)
