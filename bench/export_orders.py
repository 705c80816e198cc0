"""Order-line export: 1 000 000 lines streamed to CSV through the same generator the admin's
StreamingHttpResponse sends, with peak memory read at 100 000 and at 1 000 000 lines (flat
means memory does not grow with the row count), beside a raw PostgreSQL
`COPY (SELECT …) TO STDOUT` of the same columns as the floor.

    .venv/bin/python bench/export_orders.py

Data: the seeded scale database when /tmp/nexus_bench_ready names one (read only), else
DATABASE_URL, else nexus_transfer_bench, where orders are generated if there are too few.
"""

import argparse
import os
import resource
import sys
import time
from itertools import islice
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READY = Path("/tmp/nexus_bench_ready")
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/nexus_transfer_bench"


def setup_django() -> str:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nexus.settings")
    os.environ.setdefault("ENVIRONMENT", "test")
    os.environ.setdefault("DEBUG", "false")
    if READY.exists() and READY.read_text().strip().startswith("postgres"):
        os.environ["DATABASE_URL"] = READY.read_text().strip()
        source = "seeded scale database (read only)"
    else:
        os.environ.setdefault("DATABASE_URL", DEFAULT_DB)
        source = "generated orders"
    if not os.environ["DATABASE_URL"].startswith("postgres"):
        sys.exit("bench/export_orders.py measures PostgreSQL: set DATABASE_URL=postgres://...")
    import django

    django.setup()
    return source


def generate(lines_wanted: int) -> None:
    """Enough orders (4 lines each) in a bench store, written with the bulk writer."""
    from decimal import Decimal

    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from apps.core.bulk import BulkWriter
    from apps.core.sequences import reserve_ids
    from apps.orders.models import Order, OrderLine
    from apps.stores.models import Store

    call_command("migrate", verbosity=0)
    have = OrderLine.objects.count()
    if have >= lines_wanted:
        return
    store, _created = Store.objects.get_or_create(
        slug="bench-export", defaults={"name": "Bench export", "order_prefix": "BEXP"}
    )
    orders_needed = (lines_wanted - have) // 4 + 1
    now = timezone.now()
    address = {
        "name": "Ada",
        "line1": "1 Row",
        "city": "London",
        "postal_code": "N1",
        "country": "GB",
    }
    with transaction.atomic():
        order_ids = reserve_ids(Order, orders_needed)
        orders = BulkWriter(
            Order,
            [
                "id",
                "store",
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
                "created_at",
                "updated_at",
            ],
        )
        lines = BulkWriter(
            OrderLine,
            [
                "order",
                "sku",
                "product_title",
                "variant_title",
                "unit_price",
                "quantity",
                "line_total",
            ],
        )
        for order_id in order_ids:
            orders.add(
                (
                    order_id,
                    store.pk,
                    f"BEXP-{order_id}",
                    "pending",
                    "unpaid",
                    "EUR",
                    Decimal("40.00"),
                    Decimal("4.90"),
                    Decimal("44.90"),
                    f"c{order_id}@example.com",
                    "",
                    address,
                    "",
                    "",
                    "",
                    "",
                    now,
                    now,
                    now,
                )
            )
            for n in range(4):
                lines.add(
                    (
                        order_id,
                        f"SKU-{n}",
                        f"Product {n}",
                        "M",
                        Decimal("10.00"),
                        1,
                        Decimal("10.00"),
                    )
                )
        orders.flush()
        lines.flush()


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--checkpoint", type=int, default=100_000)
    args = parser.parse_args()
    source = setup_django()
    if source == "generated orders":
        generate(args.lines)

    from django.db import connection

    from apps.orders.models import OrderLine
    from apps.orders.tables import LINE_FIELDS, ORDER_FIELDS
    from apps.transfer.exporting import csv_chunks
    from apps.transfer.services.export_jobs import export_spec

    print(f"data: {source}, {OrderLine.objects.count():,} order lines in the database")
    out_path = Path(os.environ.get("TMPDIR", "/tmp")) / "nexus-bench-order-lines.csv"
    spec = export_spec(kind="order_lines", user=None)
    marks: dict[int, tuple[float, float]] = {}
    started = time.perf_counter()
    before = peak_mb()

    def counted(rows):
        for count, row in enumerate(islice(rows, args.lines), start=1):
            yield row
            if count in (args.checkpoint, args.lines):
                marks[count] = (time.perf_counter() - started, peak_mb())

    written = 0
    with open(out_path, "w", encoding="utf-8") as handle:
        for chunk in csv_chunks(spec.headers, counted(spec.rows)):
            handle.write(chunk)
            written += len(chunk)
    total = time.perf_counter() - started
    print(f"before streaming: peak RSS {before:.0f} MB")
    for count, (seconds, mb) in sorted(marks.items()):
        print(f"after {count:>9,} lines: {seconds:6.1f} s, peak RSS {mb:.0f} MB")
    lines_done = max(marks) if marks else 0
    print(
        f"nexus streamed CSV: {lines_done:,} lines, {written / 1048576:.0f} MB in {total:.1f} s "
        f"({lines_done / total:,.0f} lines/s)"
    )

    # Floor: PostgreSQL writes the same columns itself, no Python per row.
    columns = [
        f"o.{c}"
        for c in (
            "number",
            "placed_at",
            "status",
            "payment_status",
            "currency",
            "subtotal",
            "shipping_total",
            "total",
            "email",
            "phone",
            "shipping_address",
            "tracking_number",
            "customer_note",
        )
    ]
    columns += [f"l.{path}" for _name, path in LINE_FIELDS]
    assert len(ORDER_FIELDS) == len(columns) - len(LINE_FIELDS) + 1
    query = (
        f"SELECT s.slug, {', '.join(columns)} FROM orders_orderline l "
        "JOIN orders_order o ON o.id = l.order_id JOIN stores_store s ON s.id = o.store_id "
        f"ORDER BY o.placed_at DESC, o.id DESC, l.id LIMIT {lines_done}"
    )
    started = time.perf_counter()
    with open(os.devnull, "w") as sink, connection.cursor() as cursor:
        cursor.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER)", sink)
    floor = time.perf_counter() - started
    print(f"raw COPY (SELECT …) TO STDOUT, same rows: {floor:.1f} s → nexus {total / floor:.1f}×")
    out_path.unlink()


if __name__ == "__main__":
    main()
