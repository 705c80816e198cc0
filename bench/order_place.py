"""Order placement under contention, on PostgreSQL.

N clients (threads, each with its own connection) place orders through
apps.orders.services.order_place against a fresh bench store: a few "hot" variants with little
stock that many orders fight over, and plentiful ones. Beside it, the baseline of the same run:
the same clients each doing one plain INSERT in a transaction. Then the same orders again with
a discount code (its uses counted under its row lock) and the store's 20 % tax, the checkout a
storefront sends. Afterwards it counts oversold units (allocated beyond on hand for stock
without backorders) and replays the stock ledger.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/nexus_bench_orders \\
        .venv/bin/python bench/order_place.py --clients 16 --orders 4000

The database is created and migrated when missing. Each run adds a new store; nothing else is
touched.
"""

import argparse
import logging
import os
import random
import statistics
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/nexus_bench_orders"
BASELINE_TABLE = "bench_order_place_baseline"
BENCH_CODE = "BENCH10"


def setup_django() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nexus.settings")
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    _create_database(os.environ["DATABASE_URL"])

    import django
    from django.conf import settings
    from django.core.management import call_command

    django.setup()
    # The debug query log and a log line per order would be part of what we measure.
    settings.DEBUG = False
    logging.getLogger("apps.orders").setLevel(logging.WARNING)
    call_command("migrate", verbosity=0)


def _create_database(url: str) -> None:
    import psycopg2

    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        sys.exit("bench/order_place.py measures row locking: DATABASE_URL must be PostgreSQL.")
    name = parts.path.lstrip("/")
    admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def make_store(*, hot: int, hot_stock: int, plentiful: int):
    from apps.catalog.models import ProductStatus
    from apps.checkout.models import DiscountCode, DiscountKind, ShippingMethod, TaxRate
    from apps.inventory.catalog_writes import product_create
    from apps.inventory.models import MovementReason
    from apps.inventory.services import stock_adjust
    from apps.stores.models import Store
    from apps.stores.scoping import SYSTEM

    tag = f"{int(time.time() * 1000) % 10**7:07d}"
    store = Store.objects.create(
        name=f"Bench store {tag}",
        slug=f"bench-{tag}",
        order_prefix=f"B{tag}",
    )
    ShippingMethod.objects.create(store=store, name="Standard shipping", price=Decimal("4.90"))
    TaxRate.objects.create(store=store, country="GB", rate=Decimal("20"))
    DiscountCode.objects.create(
        store=store, code=BENCH_CODE, kind=DiscountKind.PERCENTAGE, value=Decimal("10")
    )

    def variants(count: int, stock: int, label: str) -> list[int]:
        ids = []
        for n in range(count):
            product = product_create(
                store=store,
                actor=SYSTEM,
                title=f"{label} {n}",
                handle=f"{label}-{n}",
                status=ProductStatus.ACTIVE,
                variants=[{"sku": f"{label}-{n}", "price": "12.50"}],
            )
            variant = product.variants.get()
            stock_adjust(
                variant=variant,
                delta=stock,
                reason=MovementReason.RECEIVED,
                actor=SYSTEM,
            )
            ids.append(variant.pk)
        return ids

    return store, variants(hot, hot_stock, "hot"), variants(plentiful, 10**7, "plenty")


def run_clients(clients: int, operations: int, work) -> tuple[float, list]:
    """Run `operations` calls of work(client, rng) spread over `clients` threads started
    together; returns (seconds, [(outcome, latency), …])."""
    from django.db import connections

    barrier = threading.Barrier(clients + 1)
    remaining = iter(range(operations))
    lock = threading.Lock()
    results: list = []

    def client(index: int) -> None:
        rng = random.Random(index)
        mine = []
        try:
            barrier.wait()
            while True:
                with lock:
                    if next(remaining, None) is None:
                        break
                started = time.perf_counter()
                try:
                    outcome = work(index, rng)
                except Exception as error:  # reported as an outcome, and fails the run
                    outcome = f"exception: {type(error).__name__}: {error}"[:120]
                mine.append((outcome, time.perf_counter() - started))
        finally:
            connections.close_all()
            with lock:
                results.extend(mine)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, results


def baseline(clients: int, operations: int) -> tuple[float, list]:
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {BASELINE_TABLE} "
            "(id bigserial PRIMARY KEY, client int NOT NULL, payload text NOT NULL, "
            "created_at timestamptz NOT NULL DEFAULT now())"
        )

    def insert(index: int, rng) -> str:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {BASELINE_TABLE} (client, payload) VALUES (%s, %s)",
                [index, "x" * 64],
            )
        return "inserted"

    try:
        return run_clients(clients, operations, insert)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {BASELINE_TABLE}")


def place_orders(store, hot_ids, plenty_ids, clients: int, operations: int, *, code: str = ""):
    from apps.core.errors import ApplicationError
    from apps.inventory.order_stock import InsufficientStock
    from apps.orders.services import CheckoutChoice, OrderLineInput, order_place
    from apps.users.models import User

    address = {
        "name": "Bench Client",
        "line1": "1 Load Street",
        "city": "London",
        "postal_code": "N1 9GU",
        "country": "GB",
    }
    customer_ids = [
        User.objects.create_user(f"client{i}.{code or 'plain'}.{store.slug}@bench.example").pk
        for i in range(clients)
    ]
    choice = CheckoutChoice(discount_code=code)
    customers: dict[int, object] = {}

    def place(index: int, rng) -> str:
        if index not in customers:
            customers[index] = User.objects.get(pk=customer_ids[index])
        chosen = set(rng.sample(plenty_ids, rng.randint(1, 3)))
        if rng.random() < 0.5:
            chosen.add(rng.choice(hot_ids))
        lines = [OrderLineInput(variant_id, rng.randint(1, 2)) for variant_id in chosen]
        try:
            order_place(
                store=store,
                customer=customers[index],
                lines=lines,
                shipping_address=address,
                choice=choice,
            )
        except InsufficientStock:
            return "short"
        except ApplicationError as error:
            return f"error: {error.code}"
        return "placed"

    return run_clients(clients, operations, place)


def oversold(store) -> tuple[int, int]:
    from django.db.models import F, Sum

    from apps.inventory.models import Stock
    from apps.inventory.selectors import ledger_mismatches

    units = (
        Stock.objects.filter(store=store, allow_backorder=False, allocated__gt=F("on_hand"))
        .annotate(over=F("allocated") - F("on_hand"))
        .aggregate(total=Sum("over"))["total"]
        or 0
    )
    return units, len(ledger_mismatches(store_id=store.pk))


def describe(label: str, seconds: float, results: list, count_as: set[str]) -> float:
    done = sum(1 for outcome, _ in results if outcome in count_as)
    latencies = sorted(latency for _, latency in results)
    rate = len(results) / seconds
    p50 = statistics.median(latencies) * 1000
    p95 = latencies[int(len(latencies) * 0.95) - 1] * 1000
    print(
        f"{label:<28} {len(results):>6} calls in {seconds:6.2f} s = {rate:8.1f}/s "
        f"({done} {'/'.join(sorted(count_as))}); p50 {p50:.1f} ms, p95 {p95:.1f} ms"
    )
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--orders", type=int, default=4000, help="order attempts in total")
    parser.add_argument("--hot", type=int, default=4, help="variants with little stock")
    parser.add_argument("--hot-stock", type=int, default=300, help="units of each hot variant")
    parser.add_argument("--plentiful", type=int, default=40, help="variants with ample stock")
    args = parser.parse_args()

    setup_django()
    from collections import Counter

    from django.db import connection

    store, hot_ids, plenty_ids = make_store(
        hot=args.hot, hot_stock=args.hot_stock, plentiful=args.plentiful
    )
    print(
        f"PostgreSQL {connection.pg_version // 10000}, database {connection.settings_dict['NAME']}"
        f", store {store.slug}: {args.hot} hot variants x {args.hot_stock} units, "
        f"{args.plentiful} plentiful; {args.clients} clients, {args.orders} operations each run"
    )
    base_seconds, base_results = baseline(args.clients, args.orders)
    base_rate = describe("baseline: INSERT + COMMIT", base_seconds, base_results, {"inserted"})
    seconds, results = place_orders(store, hot_ids, plenty_ids, args.clients, args.orders)
    rate = describe("order_place", seconds, results, {"placed"})
    outcomes = Counter(outcome for outcome, _ in results)
    print(f"outcomes: {dict(sorted(outcomes.items()))}")
    print(f"order_place / baseline: {rate / base_rate:.2f}x ({base_rate / rate:.1f}x slower)")
    seconds, coded = place_orders(
        store, hot_ids, plenty_ids, args.clients, args.orders, code=BENCH_CODE
    )
    coded_rate = describe("order_place, code + tax", seconds, coded, {"placed"})
    outcomes += Counter(outcome for outcome, _ in coded)
    print(f"with a code and tax / without: {coded_rate / rate:.2f}x")

    units, mismatches = oversold(store)
    print(f"oversold units: {units}; stock rows disagreeing with the ledger: {mismatches}")
    unexpected = {k: v for k, v in outcomes.items() if k not in {"placed", "short"}}
    if units or mismatches or unexpected:
        sys.exit(1)


if __name__ == "__main__":
    main()
