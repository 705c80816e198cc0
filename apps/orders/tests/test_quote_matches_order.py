"""Quote and order agree to the cent, for a thousand generated carts (hypothesis): every
combination of lines, tax inclusive or not, rounding per line or per order, codes on the
subtotal or on a category, fixed or percentage, free shipping, thresholds and weight bands."""

from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.catalog.models import Category
from apps.catalog.tests.factories import make_variant
from apps.checkout.models import (
    DiscountCode,
    DiscountKind,
    ShippingMethod,
    ShippingWeightBand,
    TaxRate,
)
from apps.checkout.services import quote_cart
from apps.inventory.tests.factories import receive
from apps.orders.services import CheckoutChoice, OrderLineInput, order_place
from apps.orders.tests.factories import ADDRESS
from apps.stores.models import Store
from apps.stores.tests.factories import StoreFactory
from apps.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
AMOUNTS = ("subtotal", "discount_total", "shipping_total", "tax_total", "total")


@pytest.fixture
def world():
    store = StoreFactory(shipping_flat_rate=Decimal("4.90"), free_shipping_threshold=Decimal("80"))
    heavy = ShippingMethod.objects.create(store=store, name="Freight", price=Decimal("0"))
    ShippingWeightBand.objects.create(method=heavy, up_to_grams=2000, price=Decimal("7.50"))
    ShippingWeightBand.objects.create(method=heavy, up_to_grams=20000, price=Decimal("19.00"))
    food = Category.objects.create(name="Food", slug="food")
    TaxRate.objects.create(store=store, country="GB", rate=Decimal("20"))
    TaxRate.objects.create(store=store, country="GB", category=food, rate=Decimal("5"))
    variants = []
    for n, price in enumerate(("0.99", "3.33", "12.50", "19.99", "149.00")):
        variant = make_variant(store, price=price, weight_grams=150 * (n + 1))
        if n % 2:
            variant.product.category = food
            variant.product.save()
        receive(variant, 10_000)
        variants.append(variant)
    codes = [
        DiscountCode.objects.create(
            store=store, code="TEN", kind=DiscountKind.PERCENTAGE, value=Decimal("10")
        ),
        DiscountCode.objects.create(
            store=store, code="FIVER", kind=DiscountKind.FIXED, value=Decimal("5")
        ),
        DiscountCode.objects.create(
            store=store, code="FREESHIP", kind=DiscountKind.FIXED, value=0, free_shipping=True
        ),
    ]
    food_code = DiscountCode.objects.create(
        store=store, code="FOOD15", kind=DiscountKind.PERCENTAGE, value=Decimal("15")
    )
    food_code.categories.add(food)
    codes.append(food_code)
    return store, variants, [None, *codes], [None, heavy], UserFactory()


carts = st.fixed_dictionaries(
    {
        "lines": st.dictionaries(st.integers(0, 4), st.integers(1, 7), min_size=1, max_size=5),
        "code": st.integers(0, 4),
        "method": st.integers(0, 1),
        "inclusive": st.booleans(),
        "per_line": st.booleans(),
    }
)


@settings(
    max_examples=1000,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(cart=carts)
def test_quote_and_order_agree_on_every_amount(world, cart):
    store, variants, codes, methods, customer = world
    Store.objects.filter(pk=store.pk).update(
        prices_include_tax=cart["inclusive"],
        tax_rounding=Store.TaxRounding.PER_LINE
        if cart["per_line"]
        else Store.TaxRounding.PER_ORDER,
    )
    store.refresh_from_db()
    quantities = {variants[index].pk: quantity for index, quantity in cart["lines"].items()}
    code = codes[cart["code"]]
    method = methods[cart["method"]]
    choice = CheckoutChoice(
        shipping_method_id=method.pk if method else None,
        discount_code=code.code if code else "",
    )
    quote = quote_cart(
        store=store,
        quantities=quantities,
        country="GB",
        shipping_method_id=choice.shipping_method_id,
        discount_code=choice.discount_code,
        customer_id=customer.pk,
        email=customer.email,
    )
    if not quote.orderable:
        # A weight band the cart is too heavy for, or a code that applies to nothing in it.
        assert {p.code for p in quote.problems} <= {"method_too_heavy", "code_not_applicable"}
        return
    with transaction.atomic():
        order, _created = order_place(
            store=store,
            customer=customer,
            lines=[OrderLineInput(pk, quantity) for pk, quantity in quantities.items()],
            shipping_address=ADDRESS,
            choice=choice,
        )
        price = quote.price
        assert [getattr(order, field) for field in AMOUNTS] == [
            price.subtotal,
            price.discount_total,
            price.shipping_total,
            price.tax_total,
            price.total,
        ]
        lines = list(order.lines.order_by("pk"))
        assert [(line.line_total, line.discount_total, line.tax_total) for line in lines] == [
            (priced.total, priced.discount, priced.tax) for priced in price.lines
        ]
        # Whatever the rounding, the parts add up to the whole.
        assert sum(line.discount_total for line in lines) == order.discount_total
        transaction.set_rollback(True)
