"""Checkout: a cart's exact price for an address, shipping method and discount code, with every
problem named, and the counting of a code's uses.

`quote_cart` writes nothing; order placement (apps/orders/services.py) prices with the same
function and then redeems the code in its own transaction, so a quote and the order it leads
to agree to the cent unless something changed between them.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import F, Q
from django.utils import timezone

from apps.catalog.models import ProductStatus, ProductVariant
from apps.checkout.models import (
    DiscountCode,
    DiscountKind,
    DiscountRedemption,
    ShippingMethod,
    TaxRate,
)
from apps.checkout.pricing import (
    HUNDRED,
    CartLine,
    DiscountRule,
    Price,
    Problem,
    ShippingRule,
    TaxRules,
    price_cart,
)
from apps.core.errors import Conflict
from apps.inventory.selectors import available_units, can_order
from apps.stores.models import Store


@dataclass(frozen=True)
class LineAvailability:
    variant_id: int
    sku: str
    requested: int
    available: int | None  # None: not counted, always available
    can_order: bool


@dataclass(frozen=True)
class ShippingOption:
    """A method that can carry this cart to this country, and what it would cost it."""

    method: ShippingMethod
    price: Decimal


@dataclass
class Quote:
    price: Price
    availability: list[LineAvailability]
    problems: list[Problem] = field(default_factory=list)
    shipping_method: ShippingMethod | None = None
    discount: DiscountCode | None = None
    variants: dict[int, ProductVariant] = field(default_factory=dict)
    shipping_options: list[ShippingOption] = field(default_factory=list)

    @property
    def orderable(self) -> bool:
        return not self.problems


def tax_rules_for(store: Store, country: str) -> TaxRules:
    rates = TaxRate.objects.filter(store=store, country=country.upper())
    country_rate = Decimal(0)
    category_rates: dict[int, Decimal] = {}
    for rate in rates:
        if rate.category_id is None:
            country_rate = rate.rate / HUNDRED
        else:
            category_rates[rate.category_id] = rate.rate / HUNDRED
    return TaxRules(
        prices_include_tax=store.prices_include_tax,
        round_per_line=store.tax_rounding == Store.TaxRounding.PER_LINE,
        rate=country_rate,
        category_rates=category_rates,
    )


def shipping_rule(method: ShippingMethod) -> ShippingRule:
    return ShippingRule(
        price=method.price,
        free_over=method.free_over,
        weight_bands=tuple((band.up_to_grams, band.price) for band in method.weight_bands.all()),
    )


def discount_rule(code: DiscountCode) -> DiscountRule:
    percentage = code.value if code.kind == DiscountKind.PERCENTAGE else None
    return DiscountRule(
        code=code.code,
        percentage=percentage,
        fixed_amount=None if percentage is not None else code.value,
        product_ids=frozenset(product.pk for product in code.products.all()),
        category_ids=frozenset(category.pk for category in code.categories.all()),
        free_shipping=code.free_shipping,
        min_subtotal=code.min_subtotal,
    )


def find_discount(
    store: Store, raw_code: str, *, email: str, customer_id: int | None, now: datetime
) -> tuple[DiscountCode | None, list[Problem]]:
    """The store's code (any letter case) if it may be used now by this customer."""
    code = (
        DiscountCode.objects.prefetch_related("products", "categories")
        .filter(store=store, code__iexact=raw_code.strip())
        .first()
    )
    name = raw_code.strip()
    if code is None or not code.is_active:
        return None, [Problem("unknown_code", f"{name} is not a code of this store.")]
    if code.starts_at and now < code.starts_at:
        return None, [Problem("code_not_started", f"{code.code} is not valid yet.")]
    if code.ends_at and now >= code.ends_at:
        return None, [Problem("code_expired", f"{code.code} has expired.")]
    if code.usage_limit is not None and code.used_count >= code.usage_limit:
        return None, [Problem("code_used_up", f"{code.code} has been used up.")]
    if code.once_per_customer and _used_by(code, email=email, customer_id=customer_id):
        return None, [Problem("code_already_used", f"You have used {code.code} already.")]
    return code, []


def _used_by(code: DiscountCode, *, email: str, customer_id: int | None) -> bool:
    by_customer = Q(email=email.lower()) if email else Q(pk__in=[])
    if customer_id is not None:
        by_customer |= Q(customer_id=customer_id)
    return code.redemptions.filter(by_customer, given_back_at__isnull=True).exists()


def _cart(
    store: Store, quantities: Mapping[int, int]
) -> tuple[dict[int, ProductVariant], list[Problem]]:
    found = {
        variant.pk: variant
        for variant in ProductVariant.objects.select_related("product", "stock").filter(
            pk__in=list(quantities), store=store
        )
    }
    # In the cart's order: the order's lines keep the order the customer put them in.
    variants = {pk: found[pk] for pk in quantities if pk in found}
    problems = [
        Problem("unknown_variant", f"Variant {variant_id} is not sold by this store.")
        for variant_id in quantities
        if variant_id not in variants
    ]
    problems += [
        Problem("variant_not_for_sale", f"{variant.sku} is not for sale.", variant.sku)
        for variant in variants.values()
        if variant.product.status != ProductStatus.ACTIVE
    ]
    return variants, problems


def _availability(
    variants: dict[int, ProductVariant],
    quantities: Mapping[int, int],
    held: Mapping[int, int],
) -> list[LineAvailability]:
    """What each line may have now; units the cart's own reservation holds count as its."""
    lines = []
    for variant in variants.values():
        wanted = quantities[variant.pk]
        units = available_units(variant)
        mine = held.get(variant.pk, 0)
        lines.append(
            LineAvailability(
                variant_id=variant.pk,
                sku=variant.sku,
                requested=wanted,
                available=None if units is None else units + mine,
                can_order=wanted <= mine or can_order(variant, wanted - mine),
            )
        )
    return lines


def _shipping_method(
    methods: list[ShippingMethod], method_id: int | None, country: str
) -> tuple[ShippingMethod | None, list[Problem]]:
    """The chosen method, or without a choice the first that ships to the country."""
    if method_id:
        method = next((m for m in methods if m.pk == method_id), None)
    else:
        method = next((m for m in methods if m.serves(country)), methods[0] if methods else None)
    if method is None:
        return None, [Problem("method_unknown", "Choose one of the store's shipping methods.")]
    if not method.serves(country):
        return None, [
            Problem("method_not_for_country", f"{method.name} does not ship to {country}.")
        ]
    return method, []


def quote_cart(
    *,
    store: Store,
    quantities: Mapping[int, int],
    country: str,
    shipping_method_id: int | None = None,
    discount_code: str = "",
    email: str = "",
    customer_id: int | None = None,
    held: Mapping[int, int] | None = None,
) -> Quote:
    """The exact amounts an order of this cart would get now, and every reason it could not
    be placed (unknown variant, short stock, code problems, method problems). `held`: units
    the cart's own reservation holds (apps/checkout/reservations.py), its to order."""
    variants, problems = _cart(store, quantities)
    availability = _availability(variants, quantities, held or {})
    problems += [
        Problem(
            "short_stock",
            f"{line.sku}: {line.requested} asked, {line.available} available.",
            line.sku,
        )
        for line in availability
        if not line.can_order
    ]
    methods = list(
        ShippingMethod.objects.prefetch_related("weight_bands").filter(store=store, is_active=True)
    )
    method, method_problems = _shipping_method(methods, shipping_method_id, country)
    problems += method_problems
    code: DiscountCode | None = None
    if discount_code.strip():
        code, code_problems = find_discount(
            store, discount_code, email=email, customer_id=customer_id, now=timezone.now()
        )
        problems += code_problems
    lines = [cart_line(variant, quantities[variant.pk]) for variant in variants.values()]
    tax = tax_rules_for(store, country)
    rule = discount_rule(code) if code else None

    def priced(with_method: ShippingMethod | None) -> Price:
        return price_cart(
            currency=store.currency,
            lines=lines,
            tax=tax,
            shipping=shipping_rule(with_method) if with_method else None,
            discount=rule,
        )

    price = priced(method)
    problems += price.problems
    options = []
    for other in methods:
        if other.serves(country):
            other_price = price if other == method else priced(other)
            if not any(p.code == "method_too_heavy" for p in other_price.problems):
                options.append(ShippingOption(other, other_price.shipping_total))
    return Quote(
        price=price,
        availability=availability,
        problems=problems,
        shipping_method=method,
        discount=code if price.discount_code else None,
        variants=variants,
        shipping_options=options,
    )


def cart_line(variant: ProductVariant, quantity: int) -> CartLine:
    return CartLine(
        variant_id=variant.pk,
        sku=variant.sku,
        unit_price=variant.price,
        quantity=quantity,
        weight_grams=variant.weight_grams,
        product_id=variant.product_id,
        category_id=variant.product.category_id,
    )


class DiscountCodeRefused(Conflict):
    """The code was fine when quoted and is not now: used up, or used by this customer."""


def discount_redeem(
    code: DiscountCode, *, email: str, customer_id: int | None, order_number: str
) -> DiscountRedemption:
    """Count one use, inside the order's transaction. The conditional UPDATE takes the code's
    row lock, so concurrent checkouts queue on it: the limit can never be passed, and the
    once-per-customer check below sees every use committed before it."""
    counted = (
        DiscountCode.objects.filter(pk=code.pk)
        .filter(Q(usage_limit__isnull=True) | Q(used_count__lt=F("usage_limit")))
        .update(used_count=F("used_count") + 1)
    )
    if not counted:
        raise DiscountCodeRefused(f"{code.code} has been used up.", code="code_used_up")
    if code.once_per_customer and _used_by(code, email=email, customer_id=customer_id):
        raise DiscountCodeRefused(f"You have used {code.code} already.", code="code_already_used")
    return DiscountRedemption.objects.create(
        code=code, customer_id=customer_id, email=email.lower(), order_number=order_number
    )


def discount_give_back(*, order_number: str) -> None:
    """A cancelled order's use is free again (and its customer may use a once-only code)."""
    redemptions = DiscountRedemption.objects.select_for_update().filter(
        order_number=order_number, given_back_at__isnull=True
    )
    for redemption in redemptions:
        DiscountCode.objects.filter(pk=redemption.code_id, used_count__gt=0).update(
            used_count=F("used_count") - 1
        )
        redemption.given_back_at = timezone.now()
        redemption.save(update_fields=["given_back_at"])
