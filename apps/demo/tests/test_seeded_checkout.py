"""The demo stores' checkout: each store is set up as a shop would be (several shipping methods,
tax rates for its customers' countries with a reduced one, a few codes in every state), and the
seeded orders used them by their rules: a code only while it was valid, its uses counted as
discount_redeem counts them and given back by a cancellation, a method only where it ships.
(test_seeded_orders replays every order through the services and compares the records.)"""

import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.checkout.models import (
    DiscountCode,
    DiscountKind,
    DiscountRedemption,
    ShippingMethod,
    TaxRate,
)
from apps.demo.checkout import CUSTOMER_COUNTRIES
from apps.orders.models import Order
from apps.orders.transitions import OrderStatus
from apps.stores.models import Store

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    """The three stores `make run` seeds."""
    call_command("seed_demo", stores=3, products=10, orders=150, stdout=io.StringIO())


def test_every_store_is_set_up_as_a_shop_would_be(seeded):
    stores = {store.slug: store for store in Store.objects.all()}
    assert {s: stores[s].prices_include_tax for s in stores} == {
        "northwind-outfitters": True,
        "blue-harbor-coffee": False,
        "fjord-pine-home": True,
    }
    for store in stores.values():
        methods = list(ShippingMethod.objects.filter(store=store).order_by("position"))
        assert len(methods) >= 2 and methods[0].countries == []
        assert any(m.countries for m in methods[1:])
        rates = TaxRate.objects.filter(store=store)
        assert set(rates.filter(category=None).values_list("country", flat=True)) == set(
            CUSTOMER_COUNTRIES
        )
        assert rates.exclude(category=None).exists()
        codes = DiscountCode.objects.filter(store=store)
        assert set(codes.values_list("kind", flat=True)) == set(DiscountKind.values)
        assert codes.filter(free_shipping=True).exists()
        assert codes.filter(ends_at__lt=timezone.now()).exists()
        used_up = [c for c in codes if c.usage_limit and c.used_count == c.usage_limit]
        assert used_up
    freight = ShippingMethod.objects.get(store=stores["fjord-pine-home"], name="Freight")
    assert freight.weight_bands.count() == 3


def test_orders_used_codes_only_while_they_were_valid(seeded):
    for code in DiscountCode.objects.prefetch_related("redemptions"):
        uses = list(code.redemptions.all())
        live = [use for use in uses if use.given_back_at is None]
        assert code.used_count == len(live)
        assert code.usage_limit is None or code.used_count <= code.usage_limit
        if code.once_per_customer:
            assert max(Counter(use.email for use in live).values(), default=0) <= 1
        orders = {o.number: o for o in Order.objects.filter(discount=code)}
        assert set(orders) == {use.order_number for use in uses}
        for use in uses:
            order = orders[use.order_number]
            assert (order.discount_code, order.customer_id, order.email) == (
                code.code,
                use.customer_id,
                use.email,
            )
            assert use.created_at == order.placed_at
            assert code.starts_at is None or code.starts_at <= order.placed_at
            assert code.ends_at is None or order.placed_at < code.ends_at
            cancelled = order.status == OrderStatus.CANCELLED
            assert (use.given_back_at is not None) is cancelled
            assert use.given_back_at is None or use.given_back_at > order.placed_at
    assert DiscountRedemption.objects.filter(given_back_at__isnull=False).exists()
    # Orders without a code have no use; a code's text and its row go together.
    assert not Order.objects.filter(discount=None).exclude(discount_code="").exists()
    assert not DiscountRedemption.objects.exclude(
        order_number__in=Order.objects.exclude(discount=None).values("number")
    ).exists()


def test_orders_went_by_methods_that_ship_to_them(seeded):
    orders = Order.objects.select_related("shipping_method")
    assert not orders.filter(shipping_method=None).exists()
    for order in orders:
        method = order.shipping_method
        assert method.store_id == order.store_id and method.serves(
            order.shipping_address["country"]
        )
        assert order.shipping_method_name == method.name
    assert orders.exclude(shipping_method__position=0).exists()
    assert orders.filter(shipping_method__name="Freight").exists()
