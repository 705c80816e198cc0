"""Query-string filters of the catalogue endpoints."""

import django_filters
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils.translation import gettext_lazy as _

from apps.catalog.models import Category, Product, ProductStatus, ProductVariant
from apps.catalog.selectors import category_descendant_ids
from apps.inventory.selectors import can_order_condition
from apps.stores.api.filters import store_id_filter

PUBLIC_ORDERINGS = {
    "title": ("title", "id"),
    "-title": ("-title", "-id"),
    "price": ("price_from", "id"),
    "-price": ("-price_from", "-id"),
    "newest": ("-created_at", "-id"),
    "oldest": ("created_at", "id"),
}


def _price_from():
    return Subquery(
        ProductVariant.objects.filter(product=OuterRef("pk")).order_by("price").values("price")[:1]
    )


def _orderable_variants():
    return ProductVariant.objects.filter(product=OuterRef("pk")).filter(can_order_condition())


class ProductPublicFilter(django_filters.FilterSet):
    store = django_filters.CharFilter(
        field_name="store__slug", label=_("Store slug"), max_length=80
    )
    category = django_filters.CharFilter(
        method="filter_category",
        label=_("Category slug (includes its subcategories)"),
        max_length=120,
    )
    search = django_filters.CharFilter(
        method="filter_search", label=_("Words in the title, or part of a SKU"), max_length=100
    )
    min_price = django_filters.NumberFilter(
        method="filter_min_price", label=_("Starting price at least")
    )
    max_price = django_filters.NumberFilter(
        method="filter_max_price", label=_("Starting price at most")
    )
    in_stock = django_filters.BooleanFilter(
        method="filter_in_stock", label=_("Only products that can be ordered now")
    )
    ordering = django_filters.ChoiceFilter(
        method="filter_ordering",
        choices=[(key, key) for key in PUBLIC_ORDERINGS],
        empty_label=None,
        label=_("Sort order (default: title)"),
    )

    class Meta:
        model = Product
        fields: list[str] = []

    def filter_category(self, queryset, name, value):
        category = Category.objects.filter(slug=value).first()
        if category is None:
            return queryset.none()
        return queryset.filter(category_id__in=category_descendant_ids(category))

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        sku_match = ProductVariant.objects.filter(product=OuterRef("pk"), sku__icontains=value)
        return queryset.filter(Q(title__icontains=value) | Q(Exists(sku_match)))

    def filter_min_price(self, queryset, name, value):
        return queryset.alias(price_from=_price_from()).filter(price_from__gte=value)

    def filter_max_price(self, queryset, name, value):
        return queryset.alias(price_from=_price_from()).filter(price_from__lte=value)

    def filter_in_stock(self, queryset, name, value):
        orderable = Exists(_orderable_variants())
        return queryset.filter(orderable if value else ~orderable)

    def filter_ordering(self, queryset, name, value):
        return queryset.alias(price_from=_price_from()).order_by(*PUBLIC_ORDERINGS[value])


class ProductStaffFilter(django_filters.FilterSet):
    store = store_id_filter()
    status = django_filters.ChoiceFilter(choices=ProductStatus.choices)
    search = django_filters.CharFilter(
        method="filter_search", label=_("Title, handle or SKU"), max_length=100
    )

    class Meta:
        model = Product
        fields: list[str] = []

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        sku_match = ProductVariant.objects.filter(product=OuterRef("pk"), sku__icontains=value)
        return queryset.filter(
            Q(title__icontains=value) | Q(handle__icontains=value) | Q(Exists(sku_match))
        )
