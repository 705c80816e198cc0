"""What an order costs. order_place prices its cart here, and so does the demo seeder, which
writes its orders by COPY: a price or shipping rule changed here changes both.

Amounts are Decimals with two places in the store's currency (apps/core/money.py).
"""

from collections.abc import Iterable
from decimal import Decimal
from typing import NamedTuple

from apps.catalog.models import ProductVariant
from apps.core.money import CENT
from apps.stores.models import Store

NOTHING = Decimal("0.00")


class PricedLine(NamedTuple):
    """A line as the order keeps it (OrderLine's fields): what the variant was called and cost
    when it was bought, so that the order survives its product being renamed or repriced."""

    variant_id: int
    sku: str
    product_title: str
    variant_title: str
    unit_price: Decimal
    quantity: int
    line_total: Decimal


class OrderPrice(NamedTuple):
    lines: list[PricedLine]
    subtotal: Decimal
    shipping: Decimal
    total: Decimal


def _shipping(store: Store, subtotal: Decimal) -> Decimal:
    if store.free_shipping_threshold is not None and subtotal >= store.free_shipping_threshold:
        return NOTHING
    return store.shipping_flat_rate


def order_totals(*, store: Store, subtotal: Decimal) -> tuple[Decimal, Decimal]:
    """(shipping, total) for a subtotal: placing prices a cart with it, an edit re-totals the
    order's kept line prices with it."""
    shipping = _shipping(store, subtotal)
    return shipping, subtotal + shipping


def price_line(variant: ProductVariant, quantity: int) -> PricedLine:
    return PricedLine(
        variant_id=variant.pk,
        sku=variant.sku,
        product_title=variant.product.title,
        variant_title=variant.title,
        unit_price=variant.price,
        quantity=quantity,
        line_total=(variant.price * quantity).quantize(CENT),
    )


def order_price(*, store: Store, lines: Iterable[tuple[ProductVariant, int]]) -> OrderPrice:
    """Price (variant, quantity) pairs at the variants' prices (each with its product loaded)
    and add the store's shipping: its flat rate, free from its threshold on."""
    priced = [price_line(variant, quantity) for variant, quantity in lines]
    subtotal = sum((line.line_total for line in priced), NOTHING)
    shipping, total = order_totals(store=store, subtotal=subtotal)
    return OrderPrice(lines=priced, subtotal=subtotal, shipping=shipping, total=total)
