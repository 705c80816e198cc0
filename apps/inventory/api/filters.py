import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.inventory.models import Stock
from apps.inventory.selectors import stock_filter_level
from apps.stores.api.filters import store_id_filter


class StockLevelFilter(django_filters.FilterSet):
    store = store_id_filter()
    level = django_filters.ChoiceFilter(
        method="filter_level",
        choices=[("out", _("Out of stock")), ("low", _("Low")), ("in", _("In stock"))],
        label=_("Stock level"),
    )
    search = django_filters.CharFilter(
        method="filter_search", label=_("SKU or product title"), max_length=100
    )

    class Meta:
        model = Stock
        fields: list[str] = []

    def filter_level(self, queryset, name, value):
        return stock_filter_level(queryset, value)

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(variant__sku__icontains=value) | Q(variant__product__title__icontains=value)
        )
