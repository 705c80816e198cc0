from datetime import UTC

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError

from apps.orders.models import Order, OrderLine
from apps.orders.statuses import FulfilmentStatus, PaymentStatus
from apps.orders.transitions import OrderStatus
from apps.stores.api.filters import store_id_filter


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    """Compares in UTC. PostgreSQL refuses UTC offsets beyond ±15:59 that ISO 8601 allows."""

    def filter(self, qs, value):
        if value is not None:
            try:
                value = value.astimezone(UTC)
            except OverflowError:
                raise ValidationError({self.field_name: [_("Date out of range.")]}) from None
        return super().filter(qs, value)


class StaffOrderFilter(django_filters.FilterSet):
    store = store_id_filter()
    status = django_filters.ChoiceFilter(choices=OrderStatus.choices)
    fulfilment_status = django_filters.ChoiceFilter(choices=FulfilmentStatus.choices)
    payment_status = django_filters.ChoiceFilter(choices=PaymentStatus.choices)
    placed_after = UtcDateTimeFilter(
        field_name="placed_at", lookup_expr="gte", label=_("Placed at or after")
    )
    placed_before = UtcDateTimeFilter(
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
