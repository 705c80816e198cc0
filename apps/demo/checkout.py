"""One demo store's checkout: its shipping methods, tax rates and discount codes written as
its owner would set them up (apps/demo/checkout_data.py), and, for each seeded order, the
method and code its customer chooses, priced by apps/orders/pricing.order_price.

A code is used only where order_place would take it: active, within its window, with uses
left, once per customer if it says so, and applying to the cart (its minimum reached, its
products in it). Each use is a DiscountRedemption as discount_redeem writes it; a cancelled
order gives its use back (given_back_at, as discount_give_back), and each code's used_count
is its uses not given back. A limited code goes only to orders that will not be cancelled,
so its count never passes its limit at any moment.
"""

import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from apps.catalog.models import Category, ProductVariant
from apps.checkout.models import (
    DiscountCode,
    DiscountRedemption,
    ShippingMethod,
    ShippingWeightBand,
    TaxRate,
)
from apps.checkout.pricing import TaxRules, price_cart
from apps.checkout.services import cart_line, shipping_rule, tax_rules_for
from apps.core.bulk import BulkWriter
from apps.core.money import to_money
from apps.demo.checkout_data import CODE_EVERY, CheckoutSpec, CodeSpec, checkout_spec
from apps.demo.context import Customer, StoreRun
from apps.demo.data import CATALOGUE, CITIES
from apps.demo.lifecycle import SCENARIOS, Act
from apps.orders.pricing import OrderPrice, order_price

REDEMPTION_FIELDS = [
    "id",
    "code",
    "customer",
    "email",
    "order_number",
    "created_at",
    "given_back_at",
]
CUSTOMER_COUNTRIES = sorted({country for _city, country, _postal in CITIES})
DAY_DELTA = timedelta(days=1)


@dataclass(frozen=True)
class Choice:
    """What an order was placed with: its method, its code (None: none) and their price."""

    price: OrderPrice
    method: ShippingMethod
    code: DiscountCode | None


def write_setup(run: StoreRun, spec: CheckoutSpec, categories: dict[str, Category]) -> None:
    """The store's methods (after its standard one), rates and codes: a few rows each."""
    run.pipe.drain()  # the connection is the ORM's only while no COPY runs
    store, theme = run.store, CATALOGUE[run.spec.theme]
    for position, method in enumerate(spec.methods, start=1):
        created = ShippingMethod.objects.create(
            store=store,
            name=method.name,
            price=to_money(method.price),
            free_over=to_money(method.free_from) if method.free_from else None,
            countries=list(method.countries),
            position=position,
        )
        ShippingWeightBand.objects.bulk_create(
            ShippingWeightBand(method=created, up_to_grams=grams, price=to_money(price))
            for grams, price in method.bands
        )
    rates = dict.fromkeys(CUSTOMER_COUNTRIES, "0") | spec.rates
    reduced_category, reduced = spec.reduced
    category = categories[f"{theme.root}/{reduced_category}"]
    TaxRate.objects.bulk_create(
        [TaxRate(store=store, country=c, rate=Decimal(rate)) for c, rate in rates.items()]
        + [
            TaxRate(store=store, country=c, category=category, rate=Decimal(rate))
            for c, rate in reduced.items()
        ]
    )
    for code in spec.codes:
        _write_code(run, code, categories)


def _write_code(run: StoreRun, spec: CodeSpec, categories: dict[str, Category]) -> None:
    starts, ends = spec.window
    # Windows open and close at midnight, as a person sets them.
    today = run.now.replace(hour=0, minute=0, second=0)
    code = DiscountCode.objects.create(
        store=run.store,
        code=spec.code,
        kind=spec.kind,
        value=Decimal(spec.value),
        free_shipping=spec.free_shipping,
        min_subtotal=to_money(spec.min_subtotal) if spec.min_subtotal else None,
        starts_at=None if starts is None else today + starts * DAY_DELTA,
        ends_at=None if ends is None else today + ends * DAY_DELTA,
        usage_limit=spec.usage_limit,
        once_per_customer=spec.once_per_customer,
    )
    if spec.category:
        code.categories.add(categories[f"{CATALOGUE[run.spec.theme].root}/{spec.category}"])


class Checkout:
    """The store's checkout as its customers meet it, order after order (in time order).

    Everything is read here, once, and written in finish(): in between, the connection
    belongs to the COPY pipe (apps/core/bulk.CopyPipe), so pricing reads nothing."""

    def __init__(self, run: StoreRun):
        run.pipe.drain()
        self.run = run
        self.rng: random.Random = run.rng
        store = run.store
        self.spec = checkout_spec(run.spec.slug, run.spec.theme)
        methods = store.shipping_methods.prefetch_related("weight_bands").filter(is_active=True)
        self.methods = list(methods.order_by("position", "pk"))
        self.shares = {spec.name: spec.share for spec in self.spec.methods}
        self.codes = list(
            DiscountCode.objects.prefetch_related("products", "categories")
            .filter(store=store, is_active=True)
            .order_by("pk")
        )
        self.code_shares = {spec.code: spec.share for spec in self.spec.codes}
        self._tax = {country: tax_rules_for(store, country) for country in CUSTOMER_COUNTRIES}
        self.redemptions = BulkWriter(DiscountRedemption, REDEMPTION_FIELDS, pipe=run.pipe)
        self.live: Counter[int] = Counter()
        self.used_by: defaultdict[int, set[str]] = defaultdict(set)

    def choose(
        self,
        lines: list[tuple[ProductVariant, int]],
        customer: Customer,
        *,
        placed_ts: float,
        scenario: str,
    ) -> Choice:
        method = self._method(lines, customer.country)
        tax = self._tax[customer.country]
        for code in self._codes(customer, placed_ts, cancels=Act.CANCEL in SCENARIOS[scenario]):
            price = order_price(
                store=self.run.store, lines=lines, tax=tax, shipping_method=method, discount=code
            )
            # Not applied (its minimum, its products): the quote would have named a problem.
            if price.discount_code:
                return Choice(price, method, code)
        price = order_price(store=self.run.store, lines=lines, tax=tax, shipping_method=method)
        return Choice(price, method, None)

    def _method(self, lines: list[tuple[ProductVariant, int]], country: str) -> ShippingMethod:
        """The first method that ships there, or now and then another that can carry it."""
        serving = [m for m in self.methods if m.serves(country)]
        roll = self.rng.random() * 100
        for method in serving[1:]:
            roll -= self.shares.get(method.name, 0)
            if roll < 0:
                return method if self._carries(method, lines) else serving[0]
        return serving[0]

    def _carries(self, method: ShippingMethod, lines: list[tuple[ProductVariant, int]]) -> bool:
        """The cart is not too heavy for the method's weight bands (the pricing's rule)."""
        price = price_cart(
            currency=self.run.store.currency,
            lines=[cart_line(variant, quantity) for variant, quantity in lines],
            tax=TaxRules(),
            shipping=shipping_rule(method),
        )
        return not price.problems

    def _codes(self, customer: Customer, placed_ts: float, *, cancels: bool) -> list:
        """The codes to try, in order: a limited offer with uses left goes to the first orders
        that can take it; otherwise, now and then, one the customer may use."""
        at = self.run.at(placed_ts)
        usable = [c for c in self.codes if self._usable(c, customer, at, cancels)]
        limited = [c for c in usable if c.usage_limit is not None]
        if limited:
            return limited[:1]
        if not usable or self.rng.random() * CODE_EVERY >= 1:
            return []
        weights = [self.code_shares.get(c.code, 1) for c in usable]
        return self.rng.choices(usable, weights)

    def _usable(self, code: DiscountCode, customer: Customer, at: datetime, cancels: bool) -> bool:
        if (code.starts_at and at < code.starts_at) or (code.ends_at and at >= code.ends_at):
            return False
        if code.usage_limit is not None and (cancels or self.live[code.pk] >= code.usage_limit):
            return False
        return not (code.once_per_customer and customer.email in self.used_by[code.pk])

    def redeem(
        self,
        choice: Choice,
        customer: Customer,
        *,
        number: str,
        placed_ts: float,
        cancelled_ts: float | None,
    ) -> None:
        """discount_redeem at placing, discount_give_back at cancelling."""
        code = choice.code
        if code is None:
            return
        if cancelled_ts is None:
            self.live[code.pk] += 1
        self.used_by[code.pk].add(customer.email)
        self.redemptions.add(
            (
                self.run.take_id(DiscountRedemption),
                code.pk,
                customer.id,
                customer.email.lower(),
                number,
                self.run.at(placed_ts),
                None if cancelled_ts is None else self.run.at(cancelled_ts),
            )
        )

    def finish(self) -> None:
        """Each code's count: its uses not given back."""
        self.redemptions.flush()
        self.run.pipe.drain()
        for code in self.codes:
            DiscountCode.objects.filter(pk=code.pk).update(used_count=self.live[code.pk])
