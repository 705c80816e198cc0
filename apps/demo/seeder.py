"""Demo and scale data for development and benchmarks (`manage.py seed_demo`).

A million orders cannot go through the order services one by one in minutes, so rows are
generated in Python and written in bulk (COPY on PostgreSQL). They stay honest because every
value is computed by the function the services use: prices and shipping, order numbers, the
lifecycle table, the derived fulfilment and payment statuses, the timeline's parts, the stock
rules, the availability rules, memberships. tests/test_seeded_orders.py holds every seeded
order to the same order placed and moved through the services, record by record.

Demo data is recognised by store slug: a store that exists is left alone, so running the
command again changes nothing and takes a moment.
"""

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from apps.catalog.models import Category, Product, ProductVariant
from apps.checkout.models import DiscountRedemption, ShippingMethod
from apps.core.bulk import (
    BulkWriter,
    CopyPipe,
    JsonText,
    analyze,
    lock_tables,
    next_id,
    reset_sequences,
)
from apps.core.money import to_money
from apps.demo.catalogue import CatalogueWriter
from apps.demo.checkout import write_setup
from apps.demo.checkout_data import checkout_spec
from apps.demo.context import Customer, StoreRun
from apps.demo.data import (
    CATALOGUE,
    CITIES,
    CUSTOMER_DOMAIN,
    DEMO_PASSWORD,
    FIRST_NAMES,
    LAST_NAMES,
    STREETS,
    StoreSpec,
    staff_email,
    store_specs,
)
from apps.demo.ledger import StockLedger
from apps.demo.orders import OrderWriter
from apps.inventory.models import Stock, StockMovement
from apps.orders.customers import store_customers_rebuild
from apps.orders.models import (
    Order,
    OrderEvent,
    OrderLine,
    OrderReturn,
    Payment,
    RefundLine,
    ReturnLine,
    Shipment,
    ShipmentLine,
)
from apps.orders.services import clean_address
from apps.stores.models import Store
from apps.stores.roles import Role
from apps.stores.services import membership_create
from apps.users.models import User

BULK_MODELS = [User, Product, ProductVariant, Stock, StockMovement, Order, OrderLine, OrderEvent]
BULK_MODELS += [Shipment, ShipmentLine, OrderReturn, ReturnLine, Payment, RefundLine]
BULK_MODELS += [DiscountRedemption]
CUSTOMER_FIELDS = [
    "id",
    "password",
    "is_superuser",
    "email",
    "first_name",
    "last_name",
    "phone",
    "is_staff",
    "is_active",
    "date_joined",
    "token_generation",
]


@dataclass
class SeedReport:
    created_stores: list[str] = field(default_factory=list)
    existing_stores: list[str] = field(default_factory=list)
    customers: int = 0
    products: int = 0
    variants: int = 0
    orders: int = 0
    lines: int = 0
    events: int = 0
    shipments: int = 0
    returns: int = 0
    payments: int = 0
    movements: int = 0


class DemoSeeder:
    """Generates one store at a time, each in its own transaction."""

    def __init__(
        self,
        *,
        stores: int,
        products: int,
        orders: int,
        customers: int | None = None,
        seed: int = 42,
        log: Callable[[str], None] = lambda line: None,
    ):
        self.specs = store_specs(stores)
        self.products_per_store = products
        self.orders_total = orders
        self.customer_count = customers or max(20, min(orders // 10, 100_000))
        self.seed = seed
        self.log = log
        self.now = timezone.now().replace(microsecond=0)
        self.report = SeedReport()

    def run(self) -> SeedReport:
        slugs = [spec.slug for spec in self.specs]
        existing = set(Store.objects.filter(slug__in=slugs).values_list("slug", flat=True))
        self.report.existing_stores = [slug for slug in slugs if slug in existing]
        todo = [(i, spec) for i, spec in enumerate(self.specs) if spec.slug not in existing]
        if not todo:
            return self.report
        started = time.monotonic()
        # One hash for every demo login: hashing is deliberately slow, and they share a password.
        self.password_hash = make_password(DEMO_PASSWORD)
        categories = self._categories()
        customers = self._customers()
        base, extra = divmod(self.orders_total, len(self.specs))
        for index, spec in todo:
            with transaction.atomic():
                self._seed_store(spec, categories, customers, base + (1 if index < extra else 0))
            self.report.created_stores.append(spec.slug)
            self.log(f"  {spec.name}: done after {time.monotonic() - started:.1f} s")
        analyze(BULK_MODELS)
        return self.report

    def _categories(self) -> dict[str, Category]:
        by_name: dict[str, Category] = {}
        for theme in CATALOGUE.values():
            root, _ = Category.objects.get_or_create(
                slug=slugify(theme.root), defaults={"name": theme.root}
            )
            for name in theme.subcategories:
                by_name[f"{theme.root}/{name}"], _ = Category.objects.get_or_create(
                    slug=slugify(f"{theme.root} {name}"), defaults={"name": name, "parent": root}
                )
        return by_name

    def _planned_customers(self) -> list[tuple[str, str, str, str, dict]]:
        """(email, first name, last name, phone, address) of every demo customer."""
        rng = random.Random(f"{self.seed}:customers")
        planned = []
        for n in range(1, self.customer_count + 1):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            city, country, postal_code = rng.choice(CITIES)
            address = clean_address(
                {
                    "name": f"{first} {last}",
                    "line1": f"{rng.randint(1, 240)} {rng.choice(STREETS)}",
                    "city": city,
                    "postal_code": postal_code,
                    "country": country,
                }
            )
            phone = f"+{rng.randint(30, 49)} {rng.randint(100, 999)} {rng.randint(100000, 999999)}"
            email = f"{slugify(first)}.{slugify(last)}.{n}@{CUSTOMER_DOMAIN}"
            planned.append((email, first, last, phone, address))
        return planned

    def _customers(self) -> list[Customer]:
        planned = self._planned_customers()
        ids = dict(
            User.objects.filter(email__endswith=f"@{CUSTOMER_DOMAIN}").values_list("email", "id")
        )
        missing = [p for p in planned if p[0] not in ids]
        if missing:
            with transaction.atomic():
                lock_tables([User])
                writer = BulkWriter(User, CUSTOMER_FIELDS)
                user_id = next_id(User)
                # Customers joined before the catalogue's first products (a year and 20 days ago).
                joined = self.now - timedelta(days=395)
                for email, first, last, phone, _address in missing:
                    row = (user_id, self.password_hash, False, email, first, last, phone)
                    writer.add((*row, False, True, joined, 0))
                    ids[email] = user_id
                    user_id += 1
                writer.flush()
                reset_sequences([User])
            self.report.customers += len(missing)
            self.log(f"  {len(missing)} customers")
        return [
            Customer(
                ids[email],
                email,
                phone,
                JsonText(json.dumps(address, ensure_ascii=False)),
                address["country"],
            )
            for email, _first, _last, phone, address in planned
        ]

    def _seed_store(self, spec: StoreSpec, categories, customers, n_orders: int) -> None:
        started = time.monotonic()

        def log(message: str) -> None:
            self.log(f"  {spec.name}: {message} ({time.monotonic() - started:.1f} s)")

        lock_tables(BULK_MODELS)
        checkout = checkout_spec(spec.slug, spec.theme)
        store = Store.objects.create(
            name=spec.name,
            slug=spec.slug,
            currency=spec.currency,
            order_prefix=spec.order_prefix,
            email=f"hello@{spec.slug}.example",
            phone="+44 20 7946 0000",
            address=f"1 Market Square\n{spec.city}",
            prices_include_tax=checkout.prices_include_tax,
            tax_rounding=checkout.tax_rounding,
        )
        ShippingMethod.objects.create(
            store=store,
            name="Standard shipping",
            price=to_money(spec.shipping_flat_rate),
            free_over=to_money(spec.free_shipping_from) if spec.free_shipping_from else None,
        )
        rng = random.Random(f"{self.seed}:{spec.slug}")
        staff = self._staff(store, rng)
        next_ids = {model: next_id(model) for model in BULK_MODELS}
        with CopyPipe() as pipe:
            run = StoreRun(store, spec, staff, rng, self.now, pipe, next_ids, log)
            write_setup(run, checkout, categories)
            self._generate(run, categories, customers, n_orders)
        reset_sequences(BULK_MODELS)
        # Orders were written by COPY, past order_place: its customers are read from them.
        store_customers_rebuild(store_id=store.pk)

    def _generate(self, run: StoreRun, categories, customers, n_orders: int) -> None:
        ledger = StockLedger(run)
        catalogue = CatalogueWriter(run, ledger, categories)
        sellable = catalogue.write(self.products_per_store)
        report = self.report
        report.products += catalogue.products.written
        report.variants += catalogue.variants.written
        run.log(f"{catalogue.products.written} products, {catalogue.variants.written} variants")
        orders = OrderWriter(run, ledger, customers)
        orders.write(sellable, n_orders)
        rows = orders.rows
        report.orders += rows.orders.written
        report.lines += rows.lines.written
        report.events += orders.events.written
        report.shipments += rows.shipments.written
        report.returns += rows.returns.written
        report.payments += rows.payments.written
        run.log(
            f"{rows.orders.written:,} orders, {rows.lines.written:,} lines, "
            f"{rows.shipments.written:,} shipments, {rows.returns.written:,} returns, "
            f"{rows.payments.written:,} payments, {orders.events.written:,} events"
        )
        report.movements += ledger.write_rows()

    def _staff(self, store: Store, rng: random.Random) -> dict[str, User]:
        """A login in every role, joined through the membership service (which also opens
        the back office to them)."""
        staff = {}
        first_names = rng.sample(FIRST_NAMES, len(Role.values))
        for role, first in zip(Role.values, first_names, strict=True):
            email = staff_email(role, store.slug)
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User(
                    email=email,
                    first_name=first,
                    last_name=str(Role(role).label),
                    password=self.password_hash,
                )
                user.save()
            membership_create(user=user, store=store, role=role)
            staff[role] = user
        return staff
