"""Order-line export: 1 000 000 lines streamed to CSV through the same generator the admin's
StreamingHttpResponse sends, with peak memory read at 100 000 and at 1 000 000 lines (flat
means memory does not grow with the row count), beside a raw PostgreSQL
`COPY (SELECT …) TO STDOUT` of the same columns as the floor (the after-sale ones summed and
joined by lateral subqueries).

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


ADDRESS = {"name": "Ada", "line1": "1 Row", "city": "London", "postal_code": "N1", "country": "GB"}
ORDER_COLUMNS = [
    "id",
    "store",
    "number",
    "status",
    "fulfilment_status",
    "payment_status",
    "currency",
    "subtotal",
    "shipping_total",
    "total",
    "email",
    "phone",
    "shipping_address",
    "customer_note",
    "idempotency_key",
    "request_fingerprint",
    "placed_at",
    "created_at",
    "updated_at",
]
LINE_COLUMNS = [
    "id",
    "order",
    "sku",
    "product_title",
    "variant_title",
    "unit_price",
    "quantity",
    "line_total",
    "quantity_shipped",
    "quantity_delivered",
    "quantity_returned",
]
# Bulk rows skip the ORM's defaults: every column that cannot be NULL is written.
SHIPMENT_COLUMNS = ["id", "order", "number", "status", "carrier", "tracking_number"]
SHIPMENT_COLUMNS += ["tracking_url", "created_at"]
PAYMENT_COLUMNS = ["id", "order", "kind", "amount", "currency", "method", "provider"]
PAYMENT_COLUMNS += ["external_reference", "note", "created_at"]


def generate(lines_wanted: int) -> None:
    """Enough orders (4 lines each) in a bench store, written with the bulk writer. Every other
    order has shipped in one parcel and been paid; every fourth has a line refunded, so the
    export's after-sale columns have something to read."""
    from django.core.management import call_command
    from django.db import transaction

    from apps.orders.models import OrderLine
    from apps.stores.models import Store

    call_command("migrate", verbosity=0)
    have = OrderLine.objects.count()
    if have >= lines_wanted:
        return
    store, _created = Store.objects.get_or_create(
        slug="bench-export", defaults={"name": "Bench export", "order_prefix": "BEXP"}
    )
    with transaction.atomic():
        _write_orders(store, (lines_wanted - have) // 4 + 1)


def _write_orders(store, count: int) -> None:
    from decimal import Decimal

    from django.utils import timezone

    from apps.core.bulk import BulkWriter
    from apps.core.sequences import reserve_ids
    from apps.orders.models import Order, OrderLine, Payment, RefundLine, Shipment, ShipmentLine

    now = timezone.now()
    ten, total = Decimal("10.00"), Decimal("44.90")
    orders = BulkWriter(Order, ORDER_COLUMNS)
    lines = BulkWriter(OrderLine, LINE_COLUMNS)
    shipments = BulkWriter(Shipment, SHIPMENT_COLUMNS)
    shipment_lines = BulkWriter(ShipmentLine, ["shipment", "order_line", "quantity"])
    payments = BulkWriter(Payment, PAYMENT_COLUMNS)
    refund_lines = BulkWriter(RefundLine, ["payment", "order_line", "quantity", "amount"])
    line_ids = iter(reserve_ids(OrderLine, count * 4))
    shipment_ids = iter(reserve_ids(Shipment, count // 2 + 1))
    payment_ids = iter(reserve_ids(Payment, count))
    for n, order_id in enumerate(reserve_ids(Order, count)):
        shipped, refunded = n % 2 == 1, n % 4 == 3
        payment = "partially_refunded" if refunded else "paid" if shipped else "unpaid"
        status, fulfilment = ("confirmed", "shipped") if shipped else ("pending", "unfulfilled")
        number = f"BEXP-{order_id}"
        orders.add(
            (order_id, store.pk, number, status, fulfilment, payment, "EUR", Decimal("40.00"))
            + (Decimal("4.90"), total, f"c{order_id}@example.com", "", ADDRESS, "", "", "")
            + (now, now, now)
        )
        ids = [next(line_ids) for _ in range(4)]
        for k, line_id in enumerate(ids):
            units = 1 if shipped else 0
            row = (line_id, order_id, f"SKU-{k}", f"Product {k}", "M", ten, 1, ten)
            lines.add((*row, units, 0, 0))
        if not shipped:
            continue
        shipment_id = next(shipment_ids)
        shipments.add(
            (shipment_id, order_id, f"{number}-S1", "shipped", "UPS", f"1Z{order_id}", "", now)
        )
        for line_id in ids:
            shipment_lines.add((shipment_id, line_id, 1))
        payments.add(
            (next(payment_ids), order_id, "capture", total, "EUR", "card", "", "", "", now)
        )
        if refunded:
            refund_id = next(payment_ids)
            payments.add(
                (refund_id, order_id, "refund", ten, "EUR", "card", "", "", "Damaged", now)
            )
            refund_lines.add((refund_id, ids[0], 1, ten))
    for writer in (orders, lines, shipments, shipment_lines, payments, refund_lines):
        writer.flush()


def floor_query(limit: int) -> str:
    """The export's rows in SQL, its columns in its order: the order's and the line's columns,
    shipments and tracking joined, money and refunded units summed by lateral subqueries."""
    from apps.transfer.order_tables import LINE_PATHS

    columns = [
        *("o.number", "o.placed_at", "o.status", "o.fulfilment_status", "o.payment_status"),
        *("o.currency", "o.subtotal", "o.shipping_total", "o.total"),
        *("COALESCE(pay.captured, 0)", "COALESCE(pay.refunded, 0)"),
        *("o.email", "o.phone", "o.shipping_address"),
        *("COALESCE(sh.numbers, '')", "COALESCE(sh.tracking, '')", "o.customer_note"),
        *(f"l.{path}" for path in LINE_PATHS),
        *("COALESCE(rl.units, 0)", "COALESCE(rl.amount, 0)"),
    ]
    return (
        f"SELECT s.slug, {', '.join(columns)} FROM orders_orderline l "
        "JOIN orders_order o ON o.id = l.order_id JOIN stores_store s ON s.id = o.store_id "
        "LEFT JOIN LATERAL (SELECT SUM(amount) FILTER (WHERE kind = 'capture') AS captured, "
        "SUM(amount) FILTER (WHERE kind = 'refund') AS refunded "
        "FROM orders_payment WHERE order_id = o.id) pay ON true "
        "LEFT JOIN LATERAL (SELECT string_agg(number, ', ' ORDER BY created_at, id) AS numbers, "
        "string_agg(NULLIF(tracking_number, ''), ', ' ORDER BY created_at, id) AS tracking "
        "FROM orders_shipment WHERE order_id = o.id AND status <> 'cancelled') sh ON true "
        "LEFT JOIN LATERAL (SELECT SUM(quantity) AS units, SUM(amount) AS amount "
        "FROM orders_refundline WHERE order_line_id = l.id) rl ON true "
        f"ORDER BY o.placed_at DESC, o.id DESC, l.id LIMIT {limit}"
    )


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
    started = time.perf_counter()
    with open(os.devnull, "w") as sink, connection.cursor() as cursor:
        copy = f"COPY ({floor_query(lines_done)}) TO STDOUT WITH (FORMAT csv, HEADER)"
        cursor.copy_expert(copy, sink)
    floor = time.perf_counter() - started
    print(f"raw COPY (SELECT …) TO STDOUT, same rows: {floor:.1f} s → nexus {total / floor:.1f}×")
    out_path.unlink()


if __name__ == "__main__":
    main()
