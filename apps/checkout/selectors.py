"""Checkout reads for the back office: what each discount code sold, and the products a code
of a store may be limited to."""

from collections.abc import Collection
from decimal import Decimal
from typing import cast

from django.db.models import (
    Count,
    DecimalField,
    IntegerField,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce

from apps.catalog.models import Product, ProductVariant
from apps.checkout.models import DiscountCode, ShippingMethod, ShippingWeightBand


def discount_codes_with_sales(
    codes: QuerySet[DiscountCode], *, not_sales: Collection[str]
) -> QuerySet[DiscountCode]:
    """Each code with `order_count` and `revenue` (the sum of the orders' totals): its orders,
    read through the `orders` relation, leaving out those whose status is in `not_sales`
    (cancelled ones). Correlated subqueries: they run for the rows shown only, where a JOIN
    and GROUP BY would first add up every discounted order of the store."""
    # The orders app sits above this one: its model is reached through the relation.
    order_model = cast(type[Model], DiscountCode._meta.get_field("orders").related_model)
    orders = order_model._default_manager
    sold = (
        orders.filter(discount=OuterRef("pk"))
        .exclude(status__in=list(not_sales))
        .order_by()
        .values("discount")
    )
    count = sold.annotate(n=Count("pk")).values("n")
    total = sold.annotate(amount=Sum("total")).values("amount")
    money: DecimalField[Decimal, Decimal] = DecimalField(max_digits=16, decimal_places=2)
    return codes.annotate(
        order_count=Coalesce(Subquery(count, output_field=IntegerField()), 0),
        revenue=Coalesce(Subquery(total, output_field=money), Decimal("0.00"), output_field=money),
    )


def shipping_methods_with_bands(methods: QuerySet[ShippingMethod]) -> QuerySet[ShippingMethod]:
    """Each method with `band_count`: a method priced by weight ignores its flat price."""
    bands = (
        ShippingWeightBand.objects.filter(method=OuterRef("pk"))
        .order_by()
        .values("method")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return methods.annotate(band_count=Coalesce(Subquery(bands, output_field=IntegerField()), 0))


def product_choices(*, store_id: int, term: str = "") -> QuerySet[Product]:
    """The store's products a code may be limited to, by title words or exact handle/SKU.
    Only ever one store's: a code applies to the products of its own store."""
    products = Product.objects.filter(store_id=store_id)
    term = term.strip()
    if term:
        by_sku = ProductVariant.objects.filter(store_id=store_id, sku=term).values("product_id")
        products = products.filter(
            Q(title__icontains=term) | Q(handle=term.lower()) | Q(pk__in=by_sku)
        )
    return products.order_by("title", "pk")
