"""The signed-in customer's address book: `/api/v1/auth/me/addresses/`.

An entry's `address` has the fields of an order's `shipping_address` (the same serializer), so
a storefront can send it as it is with an order. Another person's entry answers 404.
"""

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from apps.orders.address_book import MAX_LABEL, address_add, address_remove, address_update
from apps.orders.api.serializers import AddressSerializer
from apps.users.models import CustomerAddress
from apps.users.selectors import address_for, addresses_for

TAGS = ["auth"]

ADDRESS_PARAMETER = OpenApiParameter(
    "address_id",
    OpenApiTypes.INT,
    OpenApiParameter.PATH,
    description="Id of an entry of your address book.",
)


class CustomerAddressSerializer(serializers.ModelSerializer):
    address = AddressSerializer(help_text="Send it as an order's `shipping_address`.")

    class Meta:
        model = CustomerAddress
        fields = ("id", "label", "is_default_shipping", "address")
        read_only_fields = fields


class CustomerAddressInputSerializer(serializers.Serializer):
    label = serializers.CharField(
        max_length=MAX_LABEL, required=False, allow_blank=True, help_text="e.g. Home."
    )
    is_default_shipping = serializers.BooleanField(
        required=False,
        help_text="True makes this your default shipping address (the previous default stops "
        "being one); false leaves you without one.",
    )
    address = AddressSerializer()


def _validated(request, *, partial: bool) -> dict:
    data = CustomerAddressInputSerializer(data=request.data, partial=partial)
    data.is_valid(raise_exception=True)
    return dict(data.validated_data)


class AddressListView(generics.GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = CustomerAddressSerializer
    # Read through the selectors; this only tells the schema what the view is about.
    queryset = CustomerAddress.objects.none()
    pagination_class = None
    filter_backends: list = []

    @extend_schema(
        tags=TAGS,
        summary="Your address book",
        description="Every entry, the default shipping address first (at most "
        "CUSTOMER_ADDRESSES_MAX, so the list is never paged).",
        responses={200: CustomerAddressSerializer(many=True)},
    )
    def get(self, request):
        entries = addresses_for(request.user)
        return Response(CustomerAddressSerializer(entries, many=True).data)

    @extend_schema(
        tags=TAGS,
        summary="Add an address to your address book",
        description="The address is checked as an order's shipping address is. A book holds "
        f"at most CUSTOMER_ADDRESSES_MAX ({settings.CUSTOMER_ADDRESSES_MAX} by default) "
        "entries (`too_many_addresses`).",
        request=CustomerAddressInputSerializer,
        responses={201: CustomerAddressSerializer},
    )
    def post(self, request):
        entry = address_add(user=request.user, **_validated(request, partial=False))
        return Response(CustomerAddressSerializer(entry).data, status=status.HTTP_201_CREATED)


class AddressDetailView(generics.GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = CustomerAddressSerializer
    queryset = CustomerAddress.objects.none()

    @extend_schema(
        tags=TAGS,
        summary="One address of your address book",
        parameters=[ADDRESS_PARAMETER],
        responses={200: CustomerAddressSerializer},
    )
    def get(self, request, address_id):
        entry = address_for(request.user, address_id)
        return Response(CustomerAddressSerializer(entry).data)

    @extend_schema(
        tags=TAGS,
        summary="Change an address of your address book",
        description="Send only what changes; `address` may name only some of its fields.",
        parameters=[ADDRESS_PARAMETER],
        request=CustomerAddressInputSerializer,
        responses={200: CustomerAddressSerializer},
    )
    def patch(self, request, address_id):
        entry = address_for(request.user, address_id)
        entry = address_update(entry=entry, **_validated(request, partial=True))
        return Response(CustomerAddressSerializer(entry).data)

    @extend_schema(
        tags=TAGS,
        summary="Remove an address from your address book",
        description="Removing the default shipping address leaves you without one.",
        parameters=[ADDRESS_PARAMETER],
        responses={204: None},
    )
    def delete(self, request, address_id):
        address_remove(entry=address_for(request.user, address_id))
        return Response(status=status.HTTP_204_NO_CONTENT)
