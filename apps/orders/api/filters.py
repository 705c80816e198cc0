import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from apps.orders.models import Order, OrderLine
from apps.orders.transitions import OrderStatus, PaymentStatus


class StaffOrderFilter(django_filters.FilterSet):
    store = django_filters.NumberFilter(field_name="store_id", label=_("Store id"))
    status = django_filters.ChoiceFilter(choices=OrderStatus.choices)
    payment_status = django_filters.ChoiceFilter(choices=PaymentStatus.choices)
    placed_after = django_filters.IsoDateTimeFilter(
        field_name="placed_at", lookup_expr="gte", label=_("Placed at or after")
    )
    placed_before = django_filters.IsoDateTimeFilter(
        field_name="placed_at", lookup_expr="lt", label=_("Placed before")
    )
    search = django_filters.CharFilter(
        method="filter_search", label=_("Order number, email or an exact SKU"), max_length=100
    )

    class Meta:
        model = Order
        fields: list[str] = []

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        with_sku = OrderLine.objects.filter(order=OuterRef("pk"), sku__iexact=value)
        return queryset.filter(
            Q(number__icontains=value) | Q(email__icontains=value) | Q(Exists(with_sku))
        )
