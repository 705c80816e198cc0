"""What a cart costs: lines, discount, shipping, tax and total, by one set of rules.

Pure: it takes plain values (the cart, the store's tax rules for the destination, the shipping
method, the discount) and reads nothing, so the quote, order placement, order edits and the demo
seeder get the same cents from the same code, and the tests can state it as tables.

Amounts are Decimals in the currency's own precision (0 decimals for JPY, 2 for EUR, 3 for
KWD: ISO 4217 via CLDR), rounded half up as tills do.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from babel.numbers import get_currency_precision

ZERO = Decimal(0)
HUNDRED = Decimal(100)


def quantum(currency: str) -> Decimal:
    """The currency's smallest unit as a Decimal exponent: Decimal('0.01') for EUR."""
    return Decimal(1).scaleb(-get_currency_precision(currency))


def round_money(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(quantum(currency), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class CartLine:
    variant_id: int
    sku: str
    unit_price: Decimal
    quantity: int
    weight_grams: int = 0
    product_id: int | None = None
    category_id: int | None = None


@dataclass(frozen=True)
class TaxRules:
    """The store's way with tax, for one destination country."""

    prices_include_tax: bool = False
    round_per_line: bool = True
    rate: Decimal = ZERO  # the country's rate, 0.25 for 25 %
    category_rates: Mapping[int, Decimal] = field(default_factory=dict)

    def rate_for(self, line: CartLine) -> Decimal:
        if line.category_id is not None and line.category_id in self.category_rates:
            return self.category_rates[line.category_id]
        return self.rate


@dataclass(frozen=True)
class ShippingRule:
    price: Decimal
    free_over: Decimal | None = None
    # (up to this many grams, price), ascending; a cart heavier than the last band cannot go.
    weight_bands: Sequence[tuple[int, Decimal]] = ()


@dataclass(frozen=True)
class DiscountRule:
    code: str
    percentage: Decimal | None = None  # 10 for 10 %
    fixed_amount: Decimal | None = None
    product_ids: frozenset[int] = frozenset()
    category_ids: frozenset[int] = frozenset()
    free_shipping: bool = False
    min_subtotal: Decimal | None = None

    def applies_to(self, line: CartLine) -> bool:
        if not self.product_ids and not self.category_ids:
            return True
        return line.product_id in self.product_ids or line.category_id in self.category_ids


@dataclass(frozen=True)
class Problem:
    """Why something in the cart was not applied or cannot be ordered; `code` is stable."""

    code: str
    message: str
    sku: str = ""


@dataclass(frozen=True)
class PricedLine:
    line: CartLine
    total: Decimal  # unit price × quantity
    discount: Decimal
    tax: Decimal


@dataclass(frozen=True)
class Price:
    currency: str
    lines: list[PricedLine]
    subtotal: Decimal
    discount_total: Decimal
    shipping_total: Decimal
    shipping_tax: Decimal
    tax_total: Decimal  # lines' and shipping's
    total: Decimal
    prices_include_tax: bool
    discount_code: str = ""
    problems: list[Problem] = field(default_factory=list)


def allocate(amount: Decimal, weights: Sequence[Decimal], currency: str) -> list[Decimal]:
    """Split `amount` in proportion to `weights`, in whole units of the currency, so that the
    parts add up to it exactly (largest remainder first)."""
    unit = quantum(currency)
    total_weight = sum(weights, ZERO)
    if not weights or total_weight <= 0 or amount == 0:
        return [ZERO] * len(weights)
    raw = [amount * weight / total_weight for weight in weights]
    parts = [value.quantize(unit, rounding=ROUND_DOWN) for value in raw]
    left = int((amount - sum(parts, ZERO)) / unit)
    by_remainder = sorted(range(len(raw)), key=lambda i: (raw[i] - parts[i], -i), reverse=True)
    for index in by_remainder[:left]:
        parts[index] += unit
    return parts


def _discounts(
    lines: list[CartLine], totals: list[Decimal], rule: DiscountRule | None, currency: str
) -> tuple[list[Decimal], list[Problem]]:
    none = [ZERO] * len(lines)
    if rule is None:
        return none, []
    subtotal = sum(totals, ZERO)
    if rule.min_subtotal is not None and subtotal < rule.min_subtotal:
        return none, [
            Problem(
                "minimum_not_reached",
                f"{rule.code} needs a subtotal of at least {rule.min_subtotal}.",
            )
        ]
    eligible = [
        total if rule.applies_to(line) else ZERO for line, total in zip(lines, totals, strict=True)
    ]
    base = sum(eligible, ZERO)
    if base == 0 and not rule.free_shipping:
        return none, [
            Problem("code_not_applicable", f"{rule.code} applies to nothing in the cart.")
        ]
    if rule.percentage is not None:
        amount = round_money(base * rule.percentage / HUNDRED, currency)
    else:
        amount = rule.fixed_amount or ZERO
    return allocate(min(amount, base), eligible, currency), []


def _shipping(
    lines: list[CartLine],
    rule: ShippingRule | None,
    *,
    after_discount: Decimal,
    free: bool,
) -> tuple[Decimal, list[Problem]]:
    if rule is None:
        return ZERO, []
    price = rule.price
    if rule.weight_bands:
        weight = sum(line.weight_grams * line.quantity for line in lines)
        band = next((p for up_to, p in rule.weight_bands if weight <= up_to), None)
        if band is None:
            return ZERO, [
                Problem("method_too_heavy", f"The cart weighs {weight} g: too heavy for it.")
            ]
        price = band
    if free or (rule.free_over is not None and after_discount >= rule.free_over):
        return ZERO, []
    return price, []


def _tax(amount: Decimal, rate: Decimal, *, included: bool) -> Decimal:
    """Unrounded tax in `amount`, or on it."""
    if not rate:
        return ZERO
    return amount * rate / (1 + rate) if included else amount * rate


def _taxes(
    taxable: list[Decimal], rates: list[Decimal], tax: TaxRules, currency: str
) -> list[Decimal]:
    raw = [
        _tax(amount, rate, included=tax.prices_include_tax)
        for amount, rate in zip(taxable, rates, strict=True)
    ]
    if tax.round_per_line:
        return [round_money(value, currency) for value in raw]
    # Rounded once for the order, then spread over the amounts so each keeps its share.
    return allocate(round_money(sum(raw, ZERO), currency), raw, currency)


def price_cart(
    *,
    currency: str,
    lines: Sequence[CartLine],
    tax: TaxRules,
    shipping: ShippingRule | None,
    discount: DiscountRule | None = None,
) -> Price:
    """Every amount of an order for this cart. A discount that cannot apply is left out and
    named in `problems`; so is a shipping method the cart is too heavy for."""
    lines = list(lines)
    totals = [round_money(line.unit_price * line.quantity, currency) for line in lines]
    discounts, problems = _discounts(lines, totals, discount, currency)
    subtotal = sum(totals, ZERO)
    discount_total = sum(discounts, ZERO)
    applied = discount is not None and not problems
    shipping_total, shipping_problems = _shipping(
        lines,
        shipping,
        after_discount=subtotal - discount_total,
        free=applied and discount is not None and discount.free_shipping,
    )
    problems += shipping_problems
    taxable = [
        total - line_discount for total, line_discount in zip(totals, discounts, strict=True)
    ]
    line_taxes = _taxes(taxable, [tax.rate_for(line) for line in lines], tax, currency)
    shipping_tax = round_money(
        _tax(shipping_total, tax.rate, included=tax.prices_include_tax), currency
    )
    tax_total = sum(line_taxes, ZERO) + shipping_tax
    total = subtotal - discount_total + shipping_total
    if not tax.prices_include_tax:
        total += tax_total
    return Price(
        currency=currency,
        lines=[
            PricedLine(line, line_total, line_discount, line_tax)
            for line, line_total, line_discount, line_tax in zip(
                lines, totals, discounts, line_taxes, strict=False
            )
        ],
        subtotal=subtotal,
        discount_total=discount_total,
        shipping_total=shipping_total,
        shipping_tax=shipping_tax,
        tax_total=tax_total,
        total=total,
        prices_include_tax=tax.prices_include_tax,
        discount_code=discount.code if applied and discount is not None else "",
        problems=problems,
    )
