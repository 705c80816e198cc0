"""Demo and scale data for development and benchmarks (`manage.py seed_demo`).

A million orders cannot go through `order_place` and `order_transition` one by one in minutes,
so rows are generated in Python and written in bulk (COPY on PostgreSQL). To keep them honest,
each order is walked through the transition table of apps/orders/transitions.py in time
order, and every stock effect of that table is written as the movement the services would
write (allocated on placing, released on cancel, shipped on ship, returned on restock), with
the running on-hand/allocated figures. The Stock counters are the end of that replay, so
`check_stock_ledger` holds. When a line needs more units than are available, a supplier
delivery ("received") is booked just before it, as a store would reorder.

Demo data is recognised by store slug: a store that exists is left alone, so running the
command again changes nothing and takes a moment.
"""

import heapq
import json
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from apps.catalog.models import VARIANT_FIELDS, Category, Product, ProductStatus, ProductVariant
from apps.core.bulk import (
    BulkWriter,
    CopyPipe,
    JsonText,
    analyze,
    lock_tables,
    next_id,
    reset_sequences,
)
from apps.core.money import format_cents
from apps.inventory.models import MovementReason, Stock, StockMovement
from apps.orders.models import Order, OrderEvent, OrderEventType, OrderLine
from apps.orders.services import order_number_for
from apps.orders.transitions import OrderStatus, PaymentStatus, StockEffect, find_transition
from apps.stores.models import Store
from apps.stores.roles import Capability, Role
from apps.stores.services import membership_create
from apps.users.models import User

DEMO_PASSWORD = "nexus-demo"
CUSTOMER_DOMAIN = "shopper.example"
YEAR = timedelta(days=365)

BULK_MODELS = [User, Product, ProductVariant, Stock, StockMovement, Order, OrderLine, OrderEvent]


@dataclass(frozen=True)
class StoreSpec:
    name: str
    slug: str
    currency: str
    order_prefix: str
    theme: str
    shipping_cents: int
    free_from_cents: int | None
    city: str


NAMED_STORES = [
    StoreSpec(
        "Northwind Outfitters", "northwind-outfitters", "EUR", "NWO", "apparel", 490, 7500, "Berlin"
    ),
    StoreSpec(
        "Blue Harbor Coffee Roasters",
        "blue-harbor-coffee",
        "USD",
        "BHC",
        "coffee",
        599,
        5000,
        "Portland",
    ),
    StoreSpec("Fjord & Pine Home", "fjord-pine-home", "SEK", "FJP", "home", 5900, 80000, "Bergen"),
    StoreSpec("Thames Paper Co.", "thames-paper", "GBP", "TPC", "stationery", 350, 4000, "London"),
    StoreSpec("Maple Lane Books", "maple-lane-books", "CAD", "MLB", "books", 600, 6000, "Toronto"),
]
THEMES = ["apparel", "coffee", "home", "stationery", "books"]


def store_specs(count: int) -> list[StoreSpec]:
    specs = NAMED_STORES[:count]
    for n in range(len(specs) + 1, count + 1):
        theme = THEMES[n % len(THEMES)]
        specs.append(
            StoreSpec(
                f"Demo Store {n}", f"demo-store-{n}", "EUR", f"DS{n:04d}", theme, 490, 6000, "Lyon"
            )
        )
    return specs


@dataclass(frozen=True)
class Theme:
    root: str
    subcategories: dict[str, list[str]]  # subcategory → product nouns
    adjectives: list[str]
    axes: list[tuple[str, list[str]]]  # variant options, e.g. ("Size", ["S", "M"])
    price_cents: tuple[int, int]
    untracked_values: frozenset[str] = frozenset()


CATALOGUE: dict[str, Theme] = {
    "apparel": Theme(
        "Apparel",
        {
            "Tops": ["T-shirt", "Polo shirt", "Henley", "Linen shirt", "Tank top"],
            "Knitwear": ["Crew sweater", "Cardigan", "Turtleneck", "Zip hoodie"],
            "Outerwear": ["Rain jacket", "Parka", "Field jacket", "Gilet"],
            "Accessories": ["Beanie", "Scarf", "Canvas tote", "Wool socks"],
        },
        ["Merino", "Organic cotton", "Heritage", "Everyday", "Alpine", "Harbour", "Recycled"],
        [("Size", ["S", "M", "L", "XL"]), ("Colour", ["Navy", "Oat", "Forest", "Charcoal"])],
        (1900, 18900),
    ),
    "coffee": Theme(
        "Coffee & Tea",
        {
            "Coffee beans": ["Espresso blend", "Single origin", "Decaf", "House roast"],
            "Tea": ["Sencha", "Earl Grey", "Rooibos", "Chai", "Oolong"],
            "Brewing gear": ["Pour-over kit", "French press", "Burr grinder", "Travel mug"],
        },
        ["Ethiopia", "Colombia", "Morning", "Midnight", "Harbor", "Sunrise", "Highland"],
        [("Weight", ["250 g", "500 g", "1 kg"]), ("Grind", ["Whole bean", "Filter", "Espresso"])],
        (900, 8900),
    ),
    "home": Theme(
        "Home",
        {
            "Kitchen": ["Chef's knife", "Cutting board", "Enamel pot", "Stoneware mug"],
            "Lighting": ["Table lamp", "Pendant light", "Candle holder", "Floor lamp"],
            "Textiles": ["Linen throw", "Wool blanket", "Cushion cover", "Bath towel"],
        },
        ["Nordic", "Oak", "Fjord", "Birch", "Pine", "Granite", "Coastal"],
        [("Colour", ["White", "Sand", "Slate", "Moss", "Rust"]), ("Size", ["Small", "Large"])],
        (14900, 249900),
    ),
    "stationery": Theme(
        "Stationery",
        {
            "Notebooks": ["Dot grid notebook", "Pocket journal", "Sketchbook", "Planner"],
            "Pens": ["Fountain pen", "Gel pen set", "Brass pencil", "Fineliner set"],
            "Desk": ["Desk pad", "Letter tray", "Bookends", "Pen pot"],
        },
        ["Classic", "Thames", "Studio", "Archive", "Bloomsbury", "Field"],
        [("Colour", ["Black", "Navy", "Sage", "Terracotta"]), ("Ruling", ["Dotted", "Lined"])],
        (450, 6500),
    ),
    "books": Theme(
        "Books",
        {
            "Fiction": ["The Quiet Harbour", "Winter Lanterns", "A Map of Rivers", "Salt Roads"],
            "Non-fiction": ["Bread at Home", "The Curious Garden", "Small Engines", "Night Sky"],
            "Children": ["Otto the Otter", "The Lost Kite", "Moon Boots", "Pip and the Bear"],
        },
        ["", "", "Illustrated:", "Collected:", "New edition:"],
        [("Format", ["Paperback", "Hardcover", "Large print", "E-book", "Audiobook"])],
        (999, 4500),
        frozenset({"E-book", "Audiobook"}),
    ),
}

# Variants per product, cycled: averages 3, so --products N gives about 3N variants a store.
VARIANT_COUNTS = (1, 2, 3, 3, 4, 3, 2, 4, 3, 5)

FIRST_NAMES = [
    "Ada", "Alan", "Grace", "Linus", "Margaret", "Tim", "Hedy", "Dennis", "Barbara", "Ken",
    "Frances", "Edsger", "Katherine", "Niklaus", "Radia", "Guido", "Sophie", "Yukihiro",
    "Anita", "Bjarne", "Elena", "Mateo", "Ingrid", "Olu", "Priya", "Lars", "Chloé", "Tomasz",
]  # fmt: skip
LAST_NAMES = [
    "Lovelace", "Turing", "Hopper", "Torvalds", "Hamilton", "Berners-Lee", "Lamarr", "Ritchie",
    "Liskov", "Thompson", "Allen", "Dijkstra", "Johnson", "Wirth", "Perlman", "van Rossum",
    "Wilson", "Matsumoto", "Borg", "Stroustrup", "Nowak", "García", "Larsen", "Adeyemi",
]  # fmt: skip
STREETS = [
    "Analytical Row", "Harbour Street", "Mill Lane", "Station Road", "Kingsway", "Elm Avenue",
    "Canal Walk", "Orchard Close", "Market Square", "Bridge Street", "Church Lane",
]  # fmt: skip
CITIES = [
    ("London", "GB", "N1 9GU"), ("Manchester", "GB", "M1 1AE"), ("Berlin", "DE", "10115"),
    ("Paris", "FR", "75011"), ("Lyon", "FR", "69002"), ("Amsterdam", "NL", "1012 AB"),
    ("Stockholm", "SE", "111 20"), ("Oslo", "NO", "0150"), ("Portland", "US", "97205"),
    ("Boston", "US", "02116"), ("Toronto", "CA", "M5V 2T6"), ("Madrid", "ES", "28004"),
]  # fmt: skip
CUSTOMER_NOTES = [
    "Please leave the parcel with the neighbour.",
    "Gift — no invoice in the box, please.",
    "Ring twice, the bell is quiet.",
    "Deliver after 5 pm if possible.",
]

# How old orders tend to be in each status: (max age in days, [(status, weight), …]).
STATUS_BY_AGE = [
    (
        2,
        [
            (OrderStatus.PENDING, 45),
            (OrderStatus.CONFIRMED, 30),
            (OrderStatus.SHIPPED, 12),
            (OrderStatus.CANCELLED, 8),
            (OrderStatus.DELIVERED, 5),
        ],
    ),
    (
        10,
        [
            (OrderStatus.PENDING, 4),
            (OrderStatus.CONFIRMED, 10),
            (OrderStatus.SHIPPED, 36),
            (OrderStatus.DELIVERED, 38),
            (OrderStatus.CANCELLED, 9),
            (OrderStatus.RETURNED, 3),
        ],
    ),
    (
        10_000,
        [
            (OrderStatus.DELIVERED, 84),
            (OrderStatus.CANCELLED, 8),
            (OrderStatus.RETURNED, 6),
            (OrderStatus.SHIPPED, 2),
        ],
    ),
]
# The newest orders of every store cycle through these, so each store shows every status.
EVERY_STATUS = [
    OrderStatus.PENDING,
    OrderStatus.CONFIRMED,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
    OrderStatus.CANCELLED,
    OrderStatus.RETURNED,
]

HOUR = 3600.0
DAY = 24 * HOUR


def staff_email(role: str, store_slug: str) -> str:
    return f"{role}.{store_slug}@nexus.local"


@dataclass
class Sellable:
    variant_id: int
    stock_id: int | None
    backorder: bool
    sku: str
    product_title: str
    variant_title: str
    price_cents: int


@dataclass
class Customer:
    id: int
    email: str
    phone: str
    address: JsonText


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
        existing = set(
            Store.objects.filter(slug__in=[s.slug for s in self.specs]).values_list(
                "slug", flat=True
            )
        )
        todo = [s for s in self.specs if s.slug not in existing]
        self.report.existing_stores = [s.slug for s in self.specs if s.slug in existing]
        if not todo:
            return self.report
        started = time.monotonic()
        # One hash for every demo login: hashing is deliberately slow, and they share a password.
        self.password_hash = make_password(DEMO_PASSWORD)
        categories = self._categories()
        customers = self._customers()
        base, extra = divmod(self.orders_total, len(self.specs))
        for index, spec in enumerate(self.specs):
            if spec.slug in existing:
                continue
            n_orders = base + (1 if index < extra else 0)
            with transaction.atomic():
                _StoreSeeder(self, spec, categories, customers, n_orders).run()
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

    def _customers(self) -> list[Customer]:
        rng = random.Random(f"{self.seed}:customers")
        planned = []
        for n in range(1, self.customer_count + 1):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            city, country, postal_code = rng.choice(CITIES)
            email = f"{slugify(first)}.{slugify(last)}.{n}@{CUSTOMER_DOMAIN}"
            address = {
                "name": f"{first} {last}",
                "line1": f"{rng.randint(1, 240)} {rng.choice(STREETS)}",
                "line2": "",
                "city": city,
                "postal_code": postal_code,
                "region": "",
                "country": country,
            }
            phone = f"+{rng.randint(30, 49)} {rng.randint(100, 999)} {rng.randint(100000, 999999)}"
            planned.append((email, first, last, phone, address))

        existing = dict(
            User.objects.filter(email__endswith=f"@{CUSTOMER_DOMAIN}").values_list("email", "id")
        )
        missing = [p for p in planned if p[0] not in existing]
        if missing:
            with transaction.atomic():
                lock_tables([User])
                writer = BulkWriter(
                    User,
                    [
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
                    ],
                )
                user_id = next_id(User)
                joined = self.now - YEAR - timedelta(days=30)
                for email, first, last, phone, _address in missing:
                    writer.add(
                        (
                            user_id,
                            self.password_hash,
                            False,
                            email,
                            first,
                            last,
                            phone,
                            False,
                            True,
                            joined,
                            0,
                        )
                    )
                    existing[email] = user_id
                    user_id += 1
                writer.flush()
                reset_sequences([User])
            self.report.customers += len(missing)
            self.log(f"  {len(missing)} customers")
        return [
            Customer(
                existing[email], email, phone, JsonText(json.dumps(address, ensure_ascii=False))
            )
            for email, _first, _last, phone, address in planned
        ]


class _StoreSeeder:
    def __init__(self, owner: DemoSeeder, spec: StoreSpec, categories, customers, n_orders):
        self.owner = owner
        self.spec = spec
        self.theme = CATALOGUE[spec.theme]
        self.categories = categories
        self.customers = customers
        self.n_orders = n_orders
        self.rng = random.Random(f"{owner.seed}:{spec.slug}")
        self.now = owner.now
        self.started = time.monotonic()
        self.stock: dict[int, list[int]] = {}  # stock id → [on_hand, allocated]
        # (time, sequence, apply): a heap of lifecycle steps that are due later.
        self.steps: list[tuple[float, int, Callable[[float], None]]] = []
        self.step_seq = 0

    def run(self) -> None:
        lock_tables(BULK_MODELS)
        self.store = Store.objects.create(
            name=self.spec.name,
            slug=self.spec.slug,
            currency=self.spec.currency,
            order_prefix=self.spec.order_prefix,
            email=f"hello@{self.spec.slug}.example",
            phone="+44 20 7946 0000",
            address=f"1 Market Square\n{self.spec.city}",
            shipping_flat_rate=format_cents(self.spec.shipping_cents),
            free_shipping_threshold=(
                format_cents(self.spec.free_from_cents) if self.spec.free_from_cents else None
            ),
        )
        self.staff = self._staff()
        self.ids = {model: next_id(model) for model in BULK_MODELS}
        with CopyPipe() as self.pipe:
            self._generate()
        reset_sequences(BULK_MODELS)

    def _generate(self) -> None:
        self.movements = BulkWriter(
            StockMovement,
            [
                "id",
                "stock",
                "store",
                "reason",
                "on_hand_delta",
                "allocated_delta",
                "on_hand_after",
                "allocated_after",
                "actor",
                "reference_type",
                "reference_id",
                "note",
                "created_at",
            ],
            batch_size=50_000,
            pipe=self.pipe,
        )
        sellable = self._catalogue()
        self._orders(sellable)
        self._stocks()
        self.movements.flush()
        self.owner.report.movements += self.movements.written

    def _take_id(self, model) -> int:
        value = self.ids[model]
        self.ids[model] = value + 1
        return value

    def _log(self, message: str) -> None:
        self.owner.log(f"  {self.spec.name}: {message} ({time.monotonic() - self.started:.1f} s)")

    def _staff(self) -> dict[str, User]:
        staff = {}
        first_names = self.rng.sample(FIRST_NAMES, len(Role.values))
        for role, first in zip(Role.values, first_names, strict=True):
            email = staff_email(role, self.spec.slug)
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User(
                    email=email,
                    first_name=first,
                    last_name=str(Role(role).label),
                    password=self.owner.password_hash,
                )
                user.save()
            membership_create(user=user, store=self.store, role=role)
            staff[role] = user
        return staff

    # --- catalogue -------------------------------------------------------------------------

    def _catalogue(self) -> list[Sellable]:
        rng, theme, store = self.rng, self.theme, self.store
        products = BulkWriter(
            Product,
            [
                "id",
                "created_at",
                "updated_at",
                "store",
                "category",
                "title",
                "handle",
                "description",
                "status",
            ],
            pipe=self.pipe,
        )
        variants = BulkWriter(
            ProductVariant,
            ["id", "created_at", "updated_at", "product", "store", *VARIANT_FIELDS],
            pipe=self.pipe,
        )
        subcategories = list(theme.subcategories.items())
        combos = _combinations(theme.axes)
        created = self.now - YEAR - timedelta(days=20)
        received_at = self.now - YEAR - timedelta(days=7)
        manager = self.staff[Role.MANAGER]
        sellable: list[Sellable] = []
        self.stock_rows: list[tuple[int, int, bool]] = []
        for index in range(self.owner.products_per_store):
            subcategory, nouns = subcategories[index % len(subcategories)]
            adjective = rng.choice(theme.adjectives)
            title = f"{adjective} {rng.choice(nouns)}".strip()
            roll = rng.random()
            status = (
                ProductStatus.DRAFT
                if roll < 0.04
                else ProductStatus.ARCHIVED
                if roll < 0.07
                else ProductStatus.ACTIVE
            )
            product_id = self._take_id(Product)
            products.add(
                (
                    product_id,
                    created,
                    created,
                    store.pk,
                    self.categories[f"{theme.root}/{subcategory}"].pk,
                    title,
                    f"{slugify(title)}-{index + 1}",
                    f"{title}, from the {subcategory.lower()} range of {store.name}.",
                    status,
                )
            )
            base_price = rng.randrange(*theme.price_cents, 100) - 1
            count = VARIANT_COUNTS[index % len(VARIANT_COUNTS)]
            for position, options in enumerate(combos[:count]):
                variant_id = self._take_id(ProductVariant)
                sku = f"{self.spec.order_prefix}-{index + 1:05d}-{position + 1}"
                variant_title = " / ".join(options.values())
                tracked = not (set(options.values()) & theme.untracked_values)
                backorder = tracked and rng.random() < 0.04
                price = base_price + position * 100
                compare_at = format_cents(price + price // 5) if rng.random() < 0.15 else None
                variants.add(
                    (
                        variant_id,
                        created,
                        created,
                        product_id,
                        store.pk,
                        sku,
                        variant_title,
                        options,
                        format_cents(price),
                        compare_at,
                        f"{rng.randrange(10**12, 10**13)}",
                        tracked,
                        backorder,
                        5,
                        position,
                    )
                )
                stock_id = None
                if tracked:
                    stock_id = self._take_id(Stock)
                    self.stock[stock_id] = [0, 0]
                    self.stock_rows.append((stock_id, variant_id, backorder))
                    # A few variants were never delivered: they show as out of stock.
                    if rng.random() > 0.03:
                        self._move(
                            stock_id,
                            MovementReason.RECEIVED,
                            rng.randint(15, 120),
                            0,
                            manager.pk,
                            "",
                            received_at,
                            note="Opening stock",
                        )
                if status == ProductStatus.ACTIVE:
                    sellable.append(
                        Sellable(variant_id, stock_id, backorder, sku, title, variant_title, price)
                    )
        products.flush()
        variants.flush()
        self.owner.report.products += products.written
        self.owner.report.variants += variants.written
        self._log(f"{products.written} products, {variants.written} variants")
        return sellable

    def _stocks(self) -> None:
        writer = BulkWriter(
            Stock,
            ["id", "variant", "store", "on_hand", "allocated", "allow_backorder", "updated_at"],
            pipe=self.pipe,
        )
        for stock_id, variant_id, backorder in self.stock_rows:
            on_hand, allocated = self.stock[stock_id]
            writer.add(
                (stock_id, variant_id, self.store.pk, on_hand, allocated, backorder, self.now)
            )
        writer.flush()

    # --- stock ledger ----------------------------------------------------------------------

    def _move(
        self,
        stock_id: int,
        reason: str,
        on_hand_delta: int,
        allocated_delta: int,
        actor_id: int | None,
        reference: str,
        at: datetime,
        note: str = "",
    ) -> None:
        counters = self.stock[stock_id]
        counters[0] += on_hand_delta
        counters[1] += allocated_delta
        self.movements.add(
            (
                self._take_id(StockMovement),
                stock_id,
                self.store.pk,
                reason,
                on_hand_delta,
                allocated_delta,
                counters[0],
                counters[1],
                actor_id,
                "order" if reference else "",
                reference,
                note,
                at,
            )
        )

    def _reorder(self, stock_id: int, needed: int, at: datetime) -> None:
        """Book a supplier delivery so that `needed` more units are on the shelf."""
        self._move(
            stock_id,
            MovementReason.RECEIVED,
            needed + self.rng.randint(20, 120),
            0,
            self.staff[Role.MANAGER].pk,
            "",
            at,
            note="Supplier delivery",
        )

    # --- orders ----------------------------------------------------------------------------

    def _orders(self, sellable: list[Sellable]) -> None:
        if not sellable or not self.n_orders:
            return
        rng = self.rng
        self.orders = BulkWriter(
            Order,
            [
                "id",
                "created_at",
                "updated_at",
                "store",
                "customer",
                "number",
                "status",
                "payment_status",
                "currency",
                "subtotal",
                "shipping_total",
                "total",
                "email",
                "phone",
                "shipping_address",
                "customer_note",
                "tracking_number",
                "idempotency_key",
                "request_fingerprint",
                "placed_at",
            ],
            pipe=self.pipe,
        )
        self.lines = BulkWriter(
            OrderLine,
            [
                "id",
                "order",
                "variant",
                "sku",
                "product_title",
                "variant_title",
                "unit_price",
                "quantity",
                "line_total",
            ],
            batch_size=50_000,
            pipe=self.pipe,
        )
        self.events = BulkWriter(
            OrderEvent,
            ["id", "order", "type", "from_value", "to_value", "actor", "message", "created_at"],
            batch_size=50_000,
            pipe=self.pipe,
        )
        now_ts = self.now.timestamp()
        # Order volume grows through the year: newer days see more orders.
        ages = sorted(
            (YEAR.total_seconds() * (1 - math.sqrt(rng.random())) for _ in range(self.n_orders)),
            reverse=True,
        )
        ages[-1] = min(ages[-1], HOUR)  # the newest order is fresh, whatever the sample
        forced = {self.n_orders - 1 - i: s for i, s in enumerate(EVERY_STATUS)}
        report_every = max(self.n_orders // 10, 50_000)
        for index, age in enumerate(ages):
            placed_ts = now_ts - max(age, 300.0)
            self._run_steps_until(placed_ts)
            status = forced.get(index) or _weighted(rng, _statuses_for_age(age / DAY))
            self._place(sellable, placed_ts, status)
            if (index + 1) % report_every == 0:
                self._log(f"{index + 1:,}/{self.n_orders:,} orders")
        self._run_steps_until(math.inf)
        for writer in (self.orders, self.lines, self.events):
            writer.flush()
        report = self.owner.report
        report.orders += self.orders.written
        report.lines += self.lines.written
        report.events += self.events.written
        self._log(
            f"{self.orders.written:,} orders, {self.lines.written:,} lines, "
            f"{self.events.written:,} events"
        )

    def _run_steps_until(self, ts: float) -> None:
        while self.steps and self.steps[0][0] <= ts:
            at, _seq, apply = heapq.heappop(self.steps)
            apply(at)

    def _schedule(self, at: float, apply: Callable[[float], None]) -> None:
        self.step_seq += 1
        heapq.heappush(self.steps, (at, self.step_seq, apply))

    def _place(self, sellable: list[Sellable], placed_ts: float, status: str) -> None:
        rng = self.rng
        customer = self.customers[int(len(self.customers) * rng.random() ** 1.5)]
        count = min(len(sellable), rng.choices((1, 2, 3, 4), (50, 30, 15, 5))[0])
        chosen: dict[int, Sellable] = {}
        while len(chosen) < count:
            # A few bestsellers, a long tail.
            item = sellable[int(len(sellable) * rng.random() ** 2)]
            chosen[item.variant_id] = item
        order_id = self._take_id(Order)
        number = order_number_for(prefix=self.spec.order_prefix, order_id=order_id)
        placed_at = datetime.fromtimestamp(placed_ts, tz=self.now.tzinfo)
        lines = [(item, rng.choices((1, 2, 3), (75, 20, 5))[0]) for item in chosen.values()]
        subtotal = 0
        for item, quantity in lines:
            subtotal += item.price_cents * quantity
            self.lines.add(
                (
                    self._take_id(OrderLine),
                    order_id,
                    item.variant_id,
                    item.sku,
                    item.product_title,
                    item.variant_title,
                    format_cents(item.price_cents),
                    quantity,
                    format_cents(item.price_cents * quantity),
                )
            )
        free_from = self.spec.free_from_cents
        shipping = (
            0 if free_from is not None and subtotal >= free_from else self.spec.shipping_cents
        )

        tracked = [(item.stock_id, q, item.backorder) for item, q in lines if item.stock_id]
        for stock_id, quantity, backorder in tracked:
            on_hand, allocated = self.stock[stock_id]
            if not backorder and on_hand - allocated < quantity:
                self._reorder(stock_id, quantity - (on_hand - allocated), placed_at)
            self._move(
                stock_id,
                MovementReason.ORDER_ALLOCATED,
                0,
                quantity,
                customer.id,
                number,
                placed_at,
            )
        total = subtotal + shipping
        self._event(
            order_id,
            OrderEventType.PLACED,
            "",
            OrderStatus.PENDING,
            customer.id,
            f"Order placed: {len(lines)} line(s), "
            f"total {format_cents(total)} {self.spec.currency}.",
            placed_at,
        )

        plan = self._plan(status, placed_ts)
        payment = PaymentStatus.UNPAID
        tracking = ""
        order = _OrderState(order_id, number, tracked)
        for at, kind, target in plan:
            if kind == "payment":
                self._schedule(at, self._payment_step(order, payment, target))
                payment = target
            else:
                if target == OrderStatus.SHIPPED:
                    tracking = f"1Z{rng.randrange(10**9, 10**10)}"
                restock = rng.random() < 0.75
                self._schedule(at, self._status_step(order, target, tracking, restock))
        last_ts = plan[-1][0] if plan else placed_ts
        note = rng.choice(CUSTOMER_NOTES) if rng.random() < 0.08 else ""
        self.orders.add(
            (
                order_id,
                placed_at,
                datetime.fromtimestamp(last_ts, tz=self.now.tzinfo),
                self.store.pk,
                customer.id,
                number,
                status,
                payment,
                self.spec.currency,
                format_cents(subtotal),
                format_cents(shipping),
                format_cents(total),
                customer.email,
                customer.phone,
                customer.address,
                note,
                tracking,
                "",
                "",
                placed_at,
            )
        )

    def _plan(self, status: str, placed_ts: float) -> list[tuple[float, str, str]]:
        """The steps after placing that lead to `status`, with times (not in the future)."""
        rng = self.rng
        path = {
            OrderStatus.PENDING: [],
            OrderStatus.CONFIRMED: [OrderStatus.CONFIRMED],
            OrderStatus.SHIPPED: [OrderStatus.CONFIRMED, OrderStatus.SHIPPED],
            OrderStatus.DELIVERED: [
                OrderStatus.CONFIRMED,
                OrderStatus.SHIPPED,
                OrderStatus.DELIVERED,
            ],
            OrderStatus.CANCELLED: rng.choice(
                [[OrderStatus.CANCELLED], [OrderStatus.CONFIRMED, OrderStatus.CANCELLED]]
            ),
            OrderStatus.RETURNED: rng.choice(
                [
                    [OrderStatus.CONFIRMED, OrderStatus.SHIPPED, OrderStatus.RETURNED],
                    [
                        OrderStatus.CONFIRMED,
                        OrderStatus.SHIPPED,
                        OrderStatus.DELIVERED,
                        OrderStatus.RETURNED,
                    ],
                ]
            ),
        }[status]
        delays = {
            OrderStatus.CONFIRMED: (0.2 * HOUR, 12 * HOUR),
            OrderStatus.SHIPPED: (2 * HOUR, 2 * DAY),
            OrderStatus.DELIVERED: (1 * DAY, 5 * DAY),
            OrderStatus.CANCELLED: (0.5 * HOUR, 2 * DAY),
            OrderStatus.RETURNED: (3 * DAY, 20 * DAY),
        }
        steps: list[tuple[float, str, str]] = []
        at = placed_ts
        paid = status != OrderStatus.PENDING or rng.random() < 0.3
        if status == OrderStatus.CANCELLED and path == [OrderStatus.CANCELLED]:
            paid = rng.random() < 0.4
        if paid:
            steps.append((at + rng.uniform(60, 0.5 * HOUR), "payment", PaymentStatus.PAID))
            at = steps[-1][0]
        for target in path:
            at += rng.uniform(*delays[target])
            steps.append((at, "status", target))
        refund = paid and (
            status == OrderStatus.CANCELLED
            or (status == OrderStatus.RETURNED and rng.random() < 0.9)
        )
        if refund:
            steps.append((at + rng.uniform(0.2 * HOUR, DAY), "payment", PaymentStatus.REFUNDED))
        # Squeeze recent orders' steps into the time between placing and now.
        latest = self.now.timestamp() - 60
        if steps and steps[-1][0] > latest:
            span = steps[-1][0] - placed_ts
            room = max(latest - placed_ts, 1.0)
            steps = [(placed_ts + (at - placed_ts) * room / span, k, t) for at, k, t in steps]
        return steps

    def _actor_for(self, capability: Capability) -> int:
        if capability == Capability.FULFIL_ORDERS:
            role = Role.CLERK if self.rng.random() < 0.8 else Role.MANAGER
        else:
            role = Role.MANAGER if self.rng.random() < 0.8 else Role.OWNER
        return self.staff[role].pk

    def _status_step(self, order: "_OrderState", target: str, tracking: str, restock: bool):
        def apply(ts: float) -> None:
            at = datetime.fromtimestamp(ts, tz=self.now.tzinfo)
            transition = find_transition(order.status, target)
            if transition is None:
                raise AssertionError(f"demo plan breaks the lifecycle: {order.status} → {target}")
            actor = self._actor_for(transition.capability)
            notes = []
            for stock_id, quantity, _backorder in order.tracked:
                on_hand, allocated = self.stock[stock_id]
                if transition.stock_effect == StockEffect.RELEASE:
                    released = min(quantity, allocated)
                    if released:
                        self._move(
                            stock_id,
                            MovementReason.ORDER_RELEASED,
                            0,
                            -released,
                            actor,
                            order.number,
                            at,
                        )
                elif transition.stock_effect == StockEffect.CONSUME:
                    if on_hand < quantity:
                        self._reorder(stock_id, quantity - on_hand, at)
                    self._move(
                        stock_id,
                        MovementReason.ORDER_SHIPPED,
                        -quantity,
                        -min(quantity, allocated),
                        actor,
                        order.number,
                        at,
                    )
                elif transition.stock_effect == StockEffect.RESTOCK and restock:
                    self._move(
                        stock_id, MovementReason.RETURNED, quantity, 0, actor, order.number, at
                    )
            if order.tracked:
                notes.append(
                    {
                        StockEffect.RELEASE: "Allocated stock released.",
                        StockEffect.CONSUME: "Stock shipped.",
                        StockEffect.RESTOCK: "Returned goods restocked."
                        if restock
                        else "Returned goods not restocked.",
                    }.get(transition.stock_effect, "")
                )
            if target == OrderStatus.SHIPPED:
                notes.append(f"Tracking number: {tracking}.")
            self._event(
                order.id,
                OrderEventType.STATUS_CHANGED,
                order.status,
                target,
                actor,
                " ".join(n for n in notes if n),
                at,
            )
            order.status = target

        return apply

    def _payment_step(self, order: "_OrderState", source: str, target: str):
        def apply(ts: float) -> None:
            self._event(
                order.id,
                OrderEventType.PAYMENT,
                source,
                target,
                self._actor_for(Capability.MANAGE_ORDERS),
                "Card payment captured." if target == PaymentStatus.PAID else "Refund issued.",
                datetime.fromtimestamp(ts, tz=self.now.tzinfo),
            )

        return apply

    def _event(self, order_id, type_, source, target, actor_id, message, at) -> None:
        self.events.add(
            (self._take_id(OrderEvent), order_id, type_, source, target, actor_id, message, at)
        )


@dataclass
class _OrderState:
    id: int
    number: str
    tracked: list[tuple[int, int, bool]]
    status: str = OrderStatus.PENDING


def _combinations(axes: list[tuple[str, list[str]]]) -> list[dict[str, str]]:
    combos: list[dict[str, str]] = [{}]
    for name, values in axes:
        combos = [{**combo, name: value} for combo in combos for value in values]
    # The first axis varies fastest: a product's first variants are its sizes, then colours.
    return sorted(combos, key=lambda c: [values.index(c[name]) for name, values in axes[::-1]])


def _statuses_for_age(age_days: float) -> list[tuple[str, int]]:
    for max_age, weights in STATUS_BY_AGE:
        if age_days <= max_age:
            return weights
    return STATUS_BY_AGE[-1][1]


def _weighted(rng: random.Random, weights: list[tuple[str, int]]) -> str:
    return rng.choices([s for s, _ in weights], [w for _, w in weights])[0]
