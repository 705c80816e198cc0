"""quote_cart on the database: the store's methods, codes and rates read for a cart, every
problem named, nothing written."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.catalog.tests.factories import make_variant
from apps.checkout.models import DiscountCode, DiscountKind, ShippingMethod, TaxRate
from apps.checkout.services import discount_give_back, discount_redeem, quote_cart
from apps.core.errors import Conflict
from apps.inventory.tests.factories import receive
from apps.stores.tests.factories import StoreFactory

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def store():
    store = StoreFactory(currency="EUR", standard_shipping=None)
    ShippingMethod.objects.create(store=store, name="Post", price=D("4.90"), countries=["DE"])
    TaxRate.objects.create(store=store, country="DE", rate=D("19"))
    return store


@pytest.fixture
def mug(store):
    variant = make_variant(store, price="10.00")
    receive(variant, 5)
    return variant


def code(store, **kwargs):
    values = {"code": "Welcome10", "kind": DiscountKind.PERCENTAGE, "value": D("10")}
    return DiscountCode.objects.create(store=store, **{**values, **kwargs})


def test_a_quote_prices_the_cart_for_its_destination(store, mug, django_assert_max_num_queries):
    code(store)
    with django_assert_max_num_queries(8):
        quote = quote_cart(
            store=store, quantities={mug.pk: 2}, country="de", discount_code="welcome10"
        )
    price = quote.price
    assert quote.problems == [] and quote.orderable
    assert (price.subtotal, price.discount_total, price.shipping_total) == (
        D("20.00"),
        D("2.00"),
        D("4.90"),
    )
    # 19 % of 18.00 = 3.42; of 4.90 = 0.931 → 0.93.
    assert (price.tax_total, price.total) == (D("4.35"), D("27.25"))
    assert price.discount_code == "Welcome10"
    assert quote.availability[0].available == 5


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"is_active": False}, "unknown_code"),
        ({"ends_at": timezone.now() - timedelta(days=1)}, "code_expired"),
        ({"starts_at": timezone.now() + timedelta(days=1)}, "code_not_started"),
        ({"usage_limit": 3, "used_count": 3}, "code_used_up"),
        ({"min_subtotal": D("100")}, "minimum_not_reached"),
    ],
)
def test_every_code_problem_is_named_and_the_code_left_out(store, mug, changes, problem):
    code(store, **changes)
    quote = quote_cart(store=store, quantities={mug.pk: 1}, country="DE", discount_code="WELCOME10")
    assert [p.code for p in quote.problems] == [problem]
    assert quote.price.discount_total == 0 and not quote.orderable


def test_short_stock_and_a_method_for_another_country(store, mug):
    quote = quote_cart(store=store, quantities={mug.pk: 9}, country="FR")
    assert sorted(p.code for p in quote.problems) == ["method_not_for_country", "short_stock"]
    short = next(p for p in quote.problems if p.code == "short_stock")
    assert short.sku == mug.sku and "9 asked, 5 available" in short.message


def test_another_stores_code_and_variant_are_unknown(store, mug):
    other = StoreFactory()
    code(other, code="OTHER")
    foreign = make_variant(other)
    quote = quote_cart(
        store=store, quantities={mug.pk: 1, foreign.pk: 1}, country="DE", discount_code="OTHER"
    )
    assert sorted(p.code for p in quote.problems) == ["unknown_code", "unknown_variant"]


def test_uses_are_counted_up_to_the_limit_and_given_back(store):
    limited = code(store, usage_limit=1)
    discount_redeem(limited, email="a@example.com", customer_id=None, order_number="X-1")
    with pytest.raises(Conflict) as used_up:
        discount_redeem(limited, email="b@example.com", customer_id=None, order_number="X-2")
    assert used_up.value.code == "code_used_up"
    discount_give_back(order_number="X-1")
    limited.refresh_from_db()
    assert limited.used_count == 0


def test_once_per_customer_by_email_until_given_back(store, mug):
    once = code(store, once_per_customer=True)
    discount_redeem(once, email="Ada@example.com", customer_id=None, order_number="X-1")
    again = quote_cart(
        store=store,
        quantities={mug.pk: 1},
        country="DE",
        discount_code="welcome10",
        email="ada@example.com",
    )
    assert [p.code for p in again.problems] == ["code_already_used"]
    with pytest.raises(Conflict) as refused:
        discount_redeem(once, email="ada@example.com", customer_id=None, order_number="X-2")
    assert refused.value.code == "code_already_used"
    discount_give_back(order_number="X-1")
    assert quote_cart(
        store=store,
        quantities={mug.pk: 1},
        country="DE",
        discount_code="welcome10",
        email="ada@example.com",
    ).orderable
