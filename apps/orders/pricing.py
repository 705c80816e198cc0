"""What an order costs, in the shape an order keeps it: apps/checkout/pricing.py computes every
amount; this module feeds it a cart (placing: the catalogue's prices; an edit: the prices the
lines were sold at) and reads the answer back as the order's and its lines' fields.

order_place, the order edits and the demo seeder (which writes its orders by COPY) all price
here, so a rule changed in the checkout pricing changes them all alike.
"""

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, NamedTuple

from apps.catalog.models import ProductVariant
from apps.checkout.models import DiscountCode, ShippingMethod
from apps.checkout.pricing import CartLine, Price, ShippingRule, TaxRules, price_cart
from apps.checkout.services import (
    Quote,
    cart_line,
    discount_rule,
    shipping_rule,
    tax_rules_for,
)
from apps.core.errors import ApplicationError, Conflict
from apps.stores.models import Store

if TYPE_CHECKING:
    from apps.orders.models import Order

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
    discount_total: Decimal
    tax_total: Decimal


class OrderPrice(NamedTuple):
    lines: list[PricedLine]
    subtotal: Decimal
    discount_total: Decimal
    shipping: Decimal
    tax_total: Decimal
    total: Decimal
    prices_include_tax: bool
    discount_code: str
    shipping_method_name: str


def order_price_of(
    price: Price, variants: Mapping[int, ProductVariant], *, shipping_method_name: str
) -> OrderPrice:
    """The checkout's answer as an order's fields, each line named after its variant."""
    return OrderPrice(
        lines=[
            PricedLine(
                variant_id=priced.line.variant_id,
                sku=priced.line.sku,
                product_title=variants[priced.line.variant_id].product.title,
                variant_title=variants[priced.line.variant_id].title,
                unit_price=priced.line.unit_price,
                quantity=priced.line.quantity,
                line_total=priced.total,
                discount_total=priced.discount,
                tax_total=priced.tax,
            )
            for priced in price.lines
        ],
        subtotal=price.subtotal,
        discount_total=price.discount_total,
        shipping=price.shipping_total,
        tax_total=price.tax_total,
        total=price.total,
        prices_include_tax=price.prices_include_tax,
        discount_code=price.discount_code,
        shipping_method_name=shipping_method_name,
    )


def order_price(
    *,
    store: Store,
    lines: Iterable[tuple[ProductVariant, int]],
    tax: TaxRules,
    shipping_method: ShippingMethod | None,
    discount: DiscountCode | None = None,
) -> OrderPrice:
    """Price (variant, quantity) pairs at the catalogue's prices (each variant with its product
    loaded) with the destination's tax rules (tax_rules_for), a shipping method (its weight
    bands prefetched) and a code already found valid. The demo seeder's bulk path."""
    pairs = list(lines)
    price = price_cart(
        currency=store.currency,
        lines=[cart_line(variant, quantity) for variant, quantity in pairs],
        tax=tax,
        shipping=shipping_rule(shipping_method) if shipping_method else None,
        discount=discount_rule(discount) if discount else None,
    )
    return order_price_of(
        price,
        {variant.pk: variant for variant, _quantity in pairs},
        shipping_method_name=shipping_method.name if shipping_method else "",
    )


def reprice(order: "Order") -> Price:
    """The order's amounts again after an edit: its lines at the prices they were sold at,
    its shipping method (or, if that was deleted since, the shipping it was charged), its
    code's rule and the tax of its destination today."""
    lines = [
        CartLine(
            variant_id=line.variant_id or 0,
            sku=line.sku,
            unit_price=line.unit_price,
            quantity=line.quantity,
            weight_grams=line.variant.weight_grams if line.variant else 0,
            product_id=line.variant.product_id if line.variant else None,
            category_id=line.variant.product.category_id if line.variant else None,
        )
        for line in order.lines.select_related("variant__product").order_by("pk")
    ]
    method = order.shipping_method
    return price_cart(
        currency=order.currency,
        lines=lines,
        tax=tax_rules_for(order.store, order.shipping_address.get("country", "")),
        shipping=shipping_rule(method) if method else ShippingRule(price=order.shipping_total),
        discount=discount_rule(order.discount) if order.discount else None,
    )


# A cart the client got wrong answers 400; a cart that was fine and is not any more (a code
# used up or expired since the quote, a total that moved) answers 409, naming what changed.
CHANGED_SINCE_QUOTE = frozenset(
    {"code_used_up", "code_expired", "code_not_started", "code_already_used"}
)


class CheckoutChanged(Conflict):
    code = "checkout_changed"


def refuse_quote(quote: Quote, *, expected_total: Decimal | None) -> None:
    """Refuse an order whose quote names a problem. Short stock is left to the allocation,
    which decides under the stock rows' locks and answers with the shortages."""
    problems = [problem for problem in quote.problems if problem.code != "short_stock"]
    extra = {
        "problems": [
            {"code": problem.code, "message": problem.message, "sku": problem.sku}
            for problem in problems
        ]
    }
    if problems:
        first = problems[0]
        error_class = CheckoutChanged if first.code in CHANGED_SINCE_QUOTE else ApplicationError
        raise error_class(
            " ".join(problem.message for problem in problems), code=first.code, extra=extra
        )
    if expected_total is not None and expected_total != quote.price.total:
        raise CheckoutChanged(
            f"The total is {quote.price.total} now, not {expected_total}: quote again.",
            code="total_changed",
            extra={"expected_total": f"{expected_total}", "total": f"{quote.price.total}"},
        )
