"""Catalogue import: Nexus beside django-import-export's defaults and a raw PostgreSQL COPY.

A generated catalogue of 100 000 variants (30 000 products, 3 or 4 variants each, categories,
opening stock) is imported into an empty store with `manage.py import_catalog` (the admin's
code path: parse, validate against the database, stage, then apply in one transaction with
the stock ledger), then re-imported with 10 % of the rows changed. Each Nexus import runs in
a child process that reports its own peak RSS (ru_maxrss).

Baselines from the same run:
- django-import-export, plain ModelResources with default settings (row by row), timed on a
  slice of the file (10 000 rows by default) and scaled linearly to the full file;
- COPY: psycopg2 copy_expert of the same rows into the same data tables (products, variants,
  stock, stock movements): the physical floor.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/nexus_transfer_bench \\
        .venv/bin/python bench/import_catalog.py

The database is created and migrated if needed; every run adds new stores, nothing is dropped.
"""

import argparse
import csv
import io
import json
import os
import random
import resource
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/nexus_transfer_bench"
HEADER = [
    "handle",
    "title",
    "description",
    "category",
    "status",
    "sku",
    "option",
    "price",
    "compare_at_price",
    "barcode",
    "track_inventory",
    "allow_backorder",
    "low_stock_threshold",
    "on_hand",
]
GOAL_VS_LIBRARY = 10
GOAL_VS_COPY = 10
GOAL_PEAK_MB = 500


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nexus.settings")
    os.environ.setdefault("ENVIRONMENT", "test")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("DATABASE_URL", DEFAULT_DB)
    if not os.environ["DATABASE_URL"].startswith("postgres"):
        sys.exit("bench/import_catalog.py measures PostgreSQL: set DATABASE_URL=postgres://...")
    import django

    django.setup()


def ensure_database() -> None:
    import psycopg2
    from django.conf import settings

    db = settings.DATABASES["default"]
    conn = psycopg2.connect(
        dbname="postgres", user=db["USER"], host=db["HOST"], port=db["PORT"] or 5432
    )
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{db["NAME"]}"')
    conn.close()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def generate(products: int, variants: int, seed: int = 7) -> list[list[str]]:
    from apps.catalog.models import Category

    rng = random.Random(seed)
    slugs = []
    for i in range(20):
        category, _created = Category.objects.get_or_create(
            slug=f"bench-category-{i}", defaults={"name": f"Bench category {i}"}
        )
        slugs.append(category.slug)
    four = variants - 3 * products  # products that get a fourth variant
    rows = []
    for p in range(products):
        handle = f"bench-product-{p:06d}"
        title = f"Bench product {p}"
        description = f"A generated product number {p}, good for measuring imports."
        category = slugs[p % len(slugs)]
        for v in range(4 if p < four else 3):
            price = Decimal(rng.randint(100, 99999)) / 100
            rows.append(
                [
                    handle,
                    title if v == 0 else "",
                    description if v == 0 else "",
                    category if v == 0 else "",
                    "active" if v == 0 else "",
                    f"B-{p:06d}-{v}",
                    f"Size {'SMLX'[v]}",
                    f"{price}",
                    f"{price * 2}" if v == 0 else "",
                    f"{4000000000000 + p * 4 + v}",
                    "true",
                    "false",
                    "5",
                    str(rng.randint(0, 100)),
                ]
            )
    return rows


def changed(rows: list[list[str]], share: float = 0.10) -> list[list[str]]:
    """Every tenth row gets a new price (and every other one of those a new on_hand)."""
    step = round(1 / share)
    out = []
    for index, row in enumerate(rows):
        row = list(row)
        if index % step == 0:
            row[7] = str(Decimal(row[7]) + Decimal("1.00"))
            if index % (2 * step) == 0:
                row[13] = str(int(row[13]) + 3)
        out.append(row)
    return out


def write_csv(path: Path, rows) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)


def new_store(label: str):
    from apps.stores.models import Store

    stamp = f"{int(time.time() * 1000) % 10**9:09d}"
    return Store.objects.create(
        name=f"Bench {label} {stamp}",
        slug=f"bench-{label}-{stamp}",
        order_prefix=f"B{stamp[-7:]}",
    )


def run_child(path: Path, slug: str) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--child", str(path), slug],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        cwd=ROOT,
    )
    if result.returncode != 0:
        sys.exit(f"child failed:\n{result.stdout}\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def child(path: str, slug: str) -> None:
    setup_django()
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    from django.core.management import call_command

    started = time.perf_counter()
    out = io.StringIO()
    call_command("import_catalog", path, "--store", slug, stdout=out, stderr=out)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {"seconds": seconds, "peak_mb": peak, "baseline_mb": baseline, "out": out.getvalue()}
        )
    )


def library_baseline(rows: list[list[str]], slice_rows: int) -> float:
    """Seconds for django-import-export's default ModelResources on `slice_rows` rows."""
    import tablib
    from import_export import resources

    from apps.catalog.models import Category, Product, ProductVariant

    store = new_store("library")
    rows = rows[:slice_rows]
    categories = dict(Category.objects.values_list("slug", "pk"))

    class ProductResource(resources.ModelResource):
        class Meta:
            model = Product
            fields = ("store", "handle", "title", "description", "category", "status")
            import_id_fields = ("store", "handle")

    class VariantResource(resources.ModelResource):
        class Meta:
            model = ProductVariant
            fields = (
                "product",
                "store",
                "sku",
                "title",
                "price",
                "compare_at_price",
                "barcode",
                "track_inventory",
                "allow_backorder",
                "low_stock_threshold",
            )
            import_id_fields = ("store", "sku")

    products = tablib.Dataset(headers=list(ProductResource.Meta.fields))
    for row in rows:
        if row[1]:
            products.append([store.pk, row[0], row[1], row[2], categories[row[3]], row[4]])
    started = time.perf_counter()
    result = ProductResource().import_data(products, raise_errors=True)
    product_ids = dict(Product.objects.filter(store=store).values_list("handle", "pk"))
    variants = tablib.Dataset(headers=list(VariantResource.Meta.fields))
    for row in rows:
        variants.append(
            [
                product_ids[row[0]],
                store.pk,
                row[5],
                row[6],
                row[7],
                row[8] or None,
                row[9],
                row[10] == "true",
                row[11] == "true",
                row[12],
            ]
        )
    result = VariantResource().import_data(variants, raise_errors=True)
    seconds = time.perf_counter() - started
    assert not result.has_errors()
    return seconds


def copy_floor(rows: list[list[str]]) -> float:
    """COPY the same rows into products, variants, stock and movements (ids read back)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from apps.catalog.models import Category

    store = new_store("copy")
    categories = dict(Category.objects.values_list("slug", "pk"))
    now = timezone.now().isoformat()

    escapes = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})

    def text(value) -> str:
        if value is None:
            return "\\N"
        if isinstance(value, bool):
            return "t" if value else "f"
        return str(value).translate(escapes)

    def copy(cursor, table, columns, lines):
        buffer = io.StringIO()
        buffer.writelines("\t".join(map(text, line)) + "\n" for line in lines)
        buffer.seek(0)
        cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor
        products = [r for r in rows if r[1]]
        copy(
            raw,
            "catalog_product",
            [
                "store_id",
                "handle",
                "title",
                "description",
                "category_id",
                "status",
                "created_at",
                "updated_at",
            ],
            ([store.pk, r[0], r[1], r[2], categories[r[3]], r[4], now, now] for r in products),
        )
        cursor.execute("SELECT handle, id FROM catalog_product WHERE store_id = %s", [store.pk])
        product_ids = dict(cursor.fetchall())
        positions: dict[str, int] = {}
        variant_lines = []
        for r in rows:
            position = positions.get(r[0], 0)
            positions[r[0]] = position + 1
            variant_lines.append(
                [
                    product_ids[r[0]],
                    store.pk,
                    r[5],
                    r[6],
                    "{}",
                    r[7],
                    r[8] or None,
                    r[9],
                    r[10] == "true",
                    r[11] == "true",
                    r[12],
                    position,
                    now,
                    now,
                ]
            )
        copy(
            raw,
            "catalog_productvariant",
            [
                "product_id",
                "store_id",
                "sku",
                "title",
                "options",
                "price",
                "compare_at_price",
                "barcode",
                "track_inventory",
                "allow_backorder",
                "low_stock_threshold",
                "position",
                "created_at",
                "updated_at",
            ],
            variant_lines,
        )
        cursor.execute("SELECT sku, id FROM catalog_productvariant WHERE store_id = %s", [store.pk])
        variant_ids = dict(cursor.fetchall())
        copy(
            raw,
            "inventory_stock",
            ["variant_id", "store_id", "on_hand", "allocated", "allow_backorder", "updated_at"],
            ([variant_ids[r[5]], store.pk, int(r[13]), 0, False, now] for r in rows),
        )
        cursor.execute("SELECT variant_id, id FROM inventory_stock WHERE store_id = %s", [store.pk])
        stock_ids = dict(cursor.fetchall())
        copy(
            raw,
            "inventory_stockmovement",
            [
                "stock_id",
                "store_id",
                "reason",
                "on_hand_delta",
                "allocated_delta",
                "on_hand_after",
                "allocated_after",
                "reference_type",
                "reference_id",
                "note",
                "created_at",
            ],
            (
                [
                    stock_ids[variant_ids[r[5]]],
                    store.pk,
                    "import",
                    int(r[13]),
                    0,
                    int(r[13]),
                    0,
                    "import",
                    "copy",
                    "",
                    now,
                ]
                for r in rows
                if int(r[13])
            ),
        )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--products", type=int, default=30_000)
    parser.add_argument("--variants", type=int, default=100_000)
    parser.add_argument("--library-rows", type=int, default=10_000)
    parser.add_argument("--child", nargs=2, metavar=("FILE", "STORE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return

    setup_django()
    ensure_database()
    from apps.inventory.selectors import ledger_mismatches

    rows = generate(args.products, args.variants)
    workdir = Path(os.environ.get("TMPDIR", "/tmp")) / "nexus-bench-import"
    workdir.mkdir(exist_ok=True)
    first, second = workdir / "catalog.csv", workdir / "catalog-10pct-changed.csv"
    write_csv(first, rows)
    write_csv(second, changed(rows))
    size_mb = first.stat().st_size / 1048576
    print(f"file: {len(rows):,} variants, {args.products:,} products, {size_mb:.1f} MB CSV")

    store = new_store("nexus")
    initial = run_child(first, store.slug)
    again = run_child(second, store.slug)
    print(
        f"nexus import into an empty store : {initial['seconds']:7.2f} s  "
        f"({len(rows) / initial['seconds']:,.0f} rows/s)  peak RSS {initial['peak_mb']:.0f} MB "
        f"(Django alone {initial['baseline_mb']:.0f} MB)"
    )
    print(f"    {initial['out'].strip().splitlines()[-1]}")
    print(
        f"nexus re-import, 10% changed     : {again['seconds']:7.2f} s  "
        f"({len(rows) / again['seconds']:,.0f} rows/s)  peak RSS {again['peak_mb']:.0f} MB"
    )
    print(f"    {again['out'].strip().splitlines()[0]}")
    mismatches = ledger_mismatches(store_id=store.pk)
    print(f"    stock ledger consistent: {not mismatches}")

    library_slice = library_baseline(rows, args.library_rows)
    library = library_slice * len(rows) / args.library_rows
    print(
        f"django-import-export defaults    : {library_slice:7.2f} s for {args.library_rows:,} "
        f"rows ({args.library_rows / library_slice:,.0f} rows/s) → {library:,.0f} s scaled "
        f"to {len(rows):,} rows (one pass; the admin runs it twice; no stock/ledger)"
    )
    floor = copy_floor(rows)
    print(f"raw COPY (products, variants, stock, movements): {floor:7.2f} s")
    vs_library = library / initial["seconds"]
    vs_copy = initial["seconds"] / floor
    print(
        f"nexus vs library: {vs_library:.1f}× faster (goal ≥{GOAL_VS_LIBRARY}×) · "
        f"nexus vs COPY: {vs_copy:.1f}× (goal ≤{GOAL_VS_COPY}×) · "
        f"peak {max(initial['peak_mb'], again['peak_mb']):.0f} MB (goal <{GOAL_PEAK_MB} MB)"
    )


if __name__ == "__main__":
    main()
