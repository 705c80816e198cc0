"""Catalogue endpoints: the public storefront read and the staff catalogue editor."""

from django.db.models import Prefetch
from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.response import Response

from apps.catalog.api.filters import ProductPublicFilter, ProductStaffFilter
from apps.catalog.api.serializers import (
    PREFETCHED_VARIANTS,
    CategoryPublicSerializer,
    ProductCreateInputSerializer,
    ProductPublicDetailSerializer,
    ProductPublicSerializer,
    ProductStaffSerializer,
    ProductUpdateInputSerializer,
    VariantInputSerializer,
    VariantStaffSerializer,
    VariantUpdateInputSerializer,
)
from apps.catalog.models import Category, ProductVariant
from apps.catalog.selectors import (
    product_list_for_staff,
    product_list_public,
    variant_list_for_staff,
)
from apps.catalog.services import product_update
from apps.core.api.caching import PublicReadMixin
from apps.core.api.schema import error_response
from apps.inventory.catalog_writes import product_create, variant_create, variant_update
from apps.stores.api.permissions import IsStoreStaff
from apps.stores.scoping import stores_for

PUBLIC_TAGS = ["catalogue"]
STAFF_TAGS = ["staff: catalogue"]


def _variants_with_stock():
    # to_attr: Django then stores a plain list per product instead of building a queryset
    # per product, which was a tenth of a catalogue page's CPU.
    return Prefetch(
        "variants",
        queryset=ProductVariant.objects.select_related("stock").order_by("position", "id"),
        to_attr=PREFETCHED_VARIANTS,
    )


# Public


@extend_schema_view(get=extend_schema(tags=PUBLIC_TAGS, summary="List the categories"))
class CategoryListView(PublicReadMixin, generics.ListAPIView):
    serializer_class = CategoryPublicSerializer

    def get_queryset(self):
        return Category.objects.order_by("name", "id")


@extend_schema_view(
    get=extend_schema(
        tags=PUBLIC_TAGS,
        summary="Browse products",
        description="Active products of active stores, with their variants, prices and "
        "availability. Filters: store, category (with its subcategories), search, price "
        "range, in stock; stable ordering.",
    )
)
class ProductListView(PublicReadMixin, generics.ListAPIView):
    serializer_class = ProductPublicSerializer
    filterset_class = ProductPublicFilter

    def get_queryset(self):
        return (
            product_list_public()
            .select_related("store")
            .prefetch_related(_variants_with_stock())
            .order_by("title", "id")
        )


@extend_schema_view(
    get=extend_schema(tags=PUBLIC_TAGS, summary="One product with variants and availability")
)
class ProductDetailView(PublicReadMixin, generics.RetrieveAPIView):
    serializer_class = ProductPublicDetailSerializer

    def get_queryset(self):
        return (
            product_list_public()
            .select_related("store", "category")
            .prefetch_related(_variants_with_stock())
        )


# Staff


def _staff_products(user):
    return product_list_for_staff(user=user).prefetch_related(_variants_with_stock())


@extend_schema_view(
    get=extend_schema(tags=STAFF_TAGS, summary="List the products of your stores"),
)
class StaffProductListView(generics.ListCreateAPIView):
    permission_classes = [IsStoreStaff]
    serializer_class = ProductStaffSerializer
    filterset_class = ProductStaffFilter

    def get_queryset(self):
        return _staff_products(self.request.user).order_by("title", "id")

    @extend_schema(
        tags=STAFF_TAGS,
        summary="Create a product with its variants",
        description="Needs the catalogue-editing capability in the store.",
        request=ProductCreateInputSerializer,
        responses={
            201: ProductStaffSerializer,
            404: error_response(404, "unknown_category"),
            409: error_response(409, "duplicate_sku", "duplicate_handle"),
            422: error_response(422, "invalid_option"),
        },
    )
    def post(self, request):
        data = ProductCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        store = stores_for(request.user).filter(pk=fields.pop("store")).first()
        if store is None:
            raise Http404
        product = product_create(store=store, actor=request.user, **fields)
        product = _staff_products(request.user).get(pk=product.pk)
        return Response(ProductStaffSerializer(product).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(tags=STAFF_TAGS, summary="One product of your stores"),
)
class StaffProductDetailView(generics.GenericAPIView):
    permission_classes = [IsStoreStaff]
    serializer_class = ProductStaffSerializer

    def get_queryset(self):
        return _staff_products(self.request.user)

    def get(self, request, pk):
        return Response(ProductStaffSerializer(self.get_object()).data)

    @extend_schema(
        tags=STAFF_TAGS,
        summary="Change a product",
        request=ProductUpdateInputSerializer,
        responses={
            200: ProductStaffSerializer,
            404: error_response(404, "unknown_category"),
            409: error_response(409, "duplicate_handle"),
        },
    )
    def patch(self, request, pk):
        product = self.get_object()
        data = ProductUpdateInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        product_update(product=product, actor=request.user, **data.validated_data)
        return Response(ProductStaffSerializer(self.get_object()).data)


class StaffVariantCreateView(generics.GenericAPIView):
    permission_classes = [IsStoreStaff]
    serializer_class = VariantStaffSerializer

    def get_queryset(self):
        return product_list_for_staff(user=self.request.user)

    @extend_schema(
        tags=STAFF_TAGS,
        summary="Add a variant to a product",
        request=VariantInputSerializer,
        responses={
            201: VariantStaffSerializer,
            409: error_response(409, "duplicate_sku"),
            422: error_response(422, "invalid_option"),
        },
    )
    def post(self, request, pk):
        product = self.get_object()
        data = VariantInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        variant = variant_create(product=product, actor=request.user, **data.validated_data)
        variant = variant_list_for_staff(user=request.user).get(pk=variant.pk)
        return Response(VariantStaffSerializer(variant).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(tags=STAFF_TAGS, summary="One variant with its stock figures"),
)
class StaffVariantDetailView(generics.GenericAPIView):
    permission_classes = [IsStoreStaff]
    serializer_class = VariantStaffSerializer

    def get_queryset(self):
        return variant_list_for_staff(user=self.request.user)

    def get(self, request, pk):
        return Response(VariantStaffSerializer(self.get_object()).data)

    @extend_schema(
        tags=STAFF_TAGS,
        summary="Change a variant (price, SKU, stock settings…)",
        request=VariantUpdateInputSerializer,
        responses={
            200: VariantStaffSerializer,
            409: error_response(409, "duplicate_sku", "backorders_outstanding"),
            422: error_response(422, "invalid_option"),
        },
    )
    def patch(self, request, pk):
        variant = self.get_object()
        data = VariantUpdateInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        variant_update(variant=variant, actor=request.user, **data.validated_data)
        return Response(VariantStaffSerializer(self.get_object()).data)
