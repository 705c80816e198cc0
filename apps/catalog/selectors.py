"""Catalogue reads, with the joins each surface needs."""

from django.db.models import QuerySet

from apps.catalog.models import Category, Product, ProductStatus, ProductVariant
from apps.stores.scoping import Viewer, scope_queryset


def category_descendant_ids(category: Category) -> list[int]:
    """The category and every category below it (one query per tree level)."""
    ids = [category.pk]
    frontier = [category.pk]
    while frontier:
        frontier = list(
            Category.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)
        )
        ids.extend(frontier)
    return ids


def product_list_for_staff(*, user: Viewer) -> QuerySet[Product]:
    return scope_queryset(Product.objects.select_related("store", "category"), user)


def variant_list_for_staff(*, user: Viewer) -> QuerySet[ProductVariant]:
    return scope_queryset(ProductVariant.objects.select_related("product", "store", "stock"), user)


def product_list_public() -> QuerySet[Product]:
    """Products a storefront may show: active products of active stores."""
    return Product.objects.filter(status=ProductStatus.ACTIVE, store__is_active=True)
