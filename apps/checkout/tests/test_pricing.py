"""The pricing rules as tables: every amount worked out by hand beside its case."""

from decimal import Decimal

import pytest

from apps.checkout.pricing import (
    CartLine,
    DiscountRule,
    ShippingRule,
    TaxRules,
    allocate,
    price_cart,
)

D = Decimal
MUG = CartLine(1, "MUG", D("19.99"), 3, weight_grams=500, product_id=10, category_id=1)
TEA = CartLine(2, "TEA", D("5.00"), 1, weight_grams=100, product_id=20, category_id=2)
FLAT = ShippingRule(price=D("4.90"))
EXCLUSIVE_25 = TaxRules(rate=D("0.25"))


def test_exclusive_tax_rounded_per_line():
    # 59.97 × 25 % = 14.9925 → 14.99; 5.00 → 1.25; shipping 4.90 → 1.225 → 1.23.
    price = price_cart(currency="EUR", lines=[MUG, TEA], tax=EXCLUSIVE_25, shipping=FLAT)
    assert [line.tax for line in price.lines] == [D("14.99"), D("1.25")]
    assert (price.subtotal, price.shipping_total, price.shipping_tax) == (
        D("64.97"),
        D("4.90"),
        D("1.23"),
    )
    assert (price.tax_total, price.total) == (D("17.47"), D("87.34"))


@pytest.mark.parametrize(
    ("per_line", "tax_total"),
    [(True, D("0.09")), (False, D("0.08"))],  # 3 × round(0.025) against round(0.075)
)
def test_rounding_per_line_or_per_order(per_line, tax_total):
    dime = [CartLine(i, f"D{i}", D("0.10"), 1) for i in range(3)]
    tax = TaxRules(rate=D("0.25"), round_per_line=per_line)
    price = price_cart(currency="EUR", lines=dime, tax=tax, shipping=None)
    assert price.tax_total == tax_total
    assert sum(line.tax for line in price.lines) == tax_total
    assert price.total == D("0.30") + tax_total


def test_inclusive_tax_is_inside_the_prices():
    # 125.00 holds 25.00 of 25 % tax; shipping 10.00 holds 2.00.
    coat = CartLine(3, "COAT", D("125.00"), 1)
    tax = TaxRules(prices_include_tax=True, rate=D("0.25"))
    price = price_cart(currency="EUR", lines=[coat], tax=tax, shipping=ShippingRule(D("10.00")))
    assert (price.lines[0].tax, price.shipping_tax, price.tax_total) == (
        D("25.00"),
        D("2.00"),
        D("27.00"),
    )
    assert price.total == D("135.00")


def test_a_category_may_have_its_own_rate():
    tax = TaxRules(rate=D("0.25"), category_rates={2: D("0.12")})
    price = price_cart(currency="EUR", lines=[MUG, TEA], tax=tax, shipping=None)
    assert [line.tax for line in price.lines] == [D("14.99"), D("0.60")]


def test_percentage_code_spread_over_lines_before_tax():
    # 10 % of 64.97 = 6.497 → 6.50, split 6.00 / 0.50; tax on 53.97 and 4.50.
    code = DiscountRule("TEN", percentage=D("10"))
    price = price_cart(
        currency="EUR", lines=[MUG, TEA], tax=EXCLUSIVE_25, shipping=FLAT, discount=code
    )
    assert [line.discount for line in price.lines] == [D("6.00"), D("0.50")]
    assert [line.tax for line in price.lines] == [D("13.49"), D("1.13")]
    assert price.discount_total == D("6.50") and price.discount_code == "TEN"
    assert price.total == D("64.97") - D("6.50") + D("4.90") + D("13.49") + D("1.13") + D("1.23")


@pytest.mark.parametrize(
    ("rule", "discounts"),
    [
        (DiscountRule("CAT", fixed_amount=D("10.00"), category_ids=frozenset({1})), ["10.00", "0"]),
        (DiscountRule("PRD", fixed_amount=D("50.00"), product_ids=frozenset({20})), ["0", "5.00"]),
        (DiscountRule("ALL", fixed_amount=D("1.00")), ["0.92", "0.08"]),
    ],
)
def test_fixed_codes_on_chosen_products_or_categories(rule, discounts):
    price = price_cart(
        currency="EUR", lines=[MUG, TEA], tax=TaxRules(), shipping=None, discount=rule
    )
    assert [line.discount for line in price.lines] == [D(d) for d in discounts]


def test_free_shipping_code_and_threshold():
    code = DiscountRule("SHIP", free_shipping=True)
    price = price_cart(currency="EUR", lines=[TEA], tax=TaxRules(), shipping=FLAT, discount=code)
    assert (price.shipping_total, price.discount_total, price.total) == (D(0), D(0), D("5.00"))
    threshold = ShippingRule(D("4.90"), free_over=D("60.00"))
    below = price_cart(currency="EUR", lines=[TEA], tax=TaxRules(), shipping=threshold)
    above = price_cart(currency="EUR", lines=[MUG, TEA], tax=TaxRules(), shipping=threshold)
    assert (below.shipping_total, above.shipping_total) == (D("4.90"), D(0))


def test_a_minimum_not_reached_leaves_the_code_out_and_says_so():
    code = DiscountRule("BIG", percentage=D("10"), min_subtotal=D("100.00"))
    price = price_cart(currency="EUR", lines=[MUG], tax=TaxRules(), shipping=None, discount=code)
    assert price.discount_total == 0 and price.discount_code == ""
    assert [p.code for p in price.problems] == ["minimum_not_reached"]


@pytest.mark.parametrize(
    ("quantity", "shipping", "problem"),
    [(1, "5.00", None), (3, "8.00", None), (5, "0", "method_too_heavy")],
)
def test_weight_bands(quantity, shipping, problem):
    bands = ShippingRule(D("99"), weight_bands=((1000, D("5.00")), (2000, D("8.00"))))
    mugs = CartLine(1, "MUG", D("19.99"), quantity, weight_grams=500)
    price = price_cart(currency="EUR", lines=[mugs], tax=TaxRules(), shipping=bands)
    assert price.shipping_total == D(shipping)
    assert [p.code for p in price.problems] == ([problem] if problem else [])


def test_a_currency_without_decimals():
    # JPY: 1999 × 2 = 3998, 10 % = 399.8 → 400; shipping 500 → tax 50.
    tea = CartLine(1, "SENCHA", D("1999"), 2)
    price = price_cart(
        currency="JPY", lines=[tea], tax=TaxRules(rate=D("0.10")), shipping=ShippingRule(D("500"))
    )
    assert (price.tax_total, price.total) == (D("450"), D("4948"))
    assert price.total.as_tuple().exponent == 0


def test_allocate_always_adds_up():
    assert allocate(D("0.10"), [D(1), D(1), D(1)], "EUR") == [D("0.04"), D("0.03"), D("0.03")]
    assert allocate(D("7"), [D("0.5"), D("2.5")], "JPY") == [D(1), D(6)]
