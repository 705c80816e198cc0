from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.catalog.models import Product, ProductVariant
from apps.catalog.tests.factories import make_product
from apps.inventory.models import MovementReason, Stock, StockMovement
from apps.inventory.selectors import ledger_mismatches
from apps.stores.scoping import SYSTEM
from apps.transfer.models import JobStatus
from apps.transfer.tests.conftest import csv_bytes, row, run_import

pytestmark = pytest.mark.django_db


def test_creates_products_variants_and_opening_stock(store, manager, category):
    content = csv_bytes(
        [
            row("tee", "TEE-S", "19,90", option="S", category="shirts", on_hand="7"),
            row("tee", "TEE-M", "19.90", option="M", title="", status="", on_hand="0"),
            row("mug", "MUG-1", "5", title="Mug", track_inventory="false"),
        ]
    )
    job = run_import(store, content, actor=manager)
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert (job.created_count, job.updated_count, job.skipped_count) == (3, 0, 0)
    tee = Product.objects.get(store=store, handle="tee")
    assert tee.category == category
    assert [v.sku for v in tee.variants.order_by("position")] == ["TEE-S", "TEE-M"]
    small = ProductVariant.objects.get(sku="TEE-S")
    assert small.price == Decimal("19.90")
    assert small.options == {} and small.title == "S"
    assert small.stock.on_hand == 7
    assert Stock.objects.get(variant__sku="TEE-M").on_hand == 0
    assert not Stock.objects.filter(variant__sku="MUG-1").exists()
    movement = StockMovement.objects.get()
    assert movement.reason == MovementReason.IMPORT
    assert (movement.reference_type, movement.reference_id) == ("import", str(job.pk))
    assert movement.actor == manager
    assert ledger_mismatches() == []
    assert tee.history.count() == 1


def test_update_and_skip_counts(store, monkeypatch):
    # The clock stands still for each import: the timestamps tell which import wrote a row.
    first_import, second_import = (
        datetime(2024, 3, 1, 9, tzinfo=UTC),
        datetime(2024, 3, 2, 9, tzinfo=UTC),
    )
    monkeypatch.setattr(timezone, "now", lambda: first_import)
    content = csv_bytes([row("tee", "TEE-S", "10"), row("tee", "TEE-M", "10", title="")])
    run_import(store, content)
    monkeypatch.setattr(timezone, "now", lambda: second_import)
    changed = csv_bytes(
        [
            row("tee", "TEE-S", "12.50", on_hand="4"),
            row("tee", "TEE-M", "10", title=""),
            row("tee", "TEE-L", "10", title=""),
        ]
    )
    job = run_import(store, changed)
    assert (job.created_count, job.updated_count, job.skipped_count) == (1, 1, 1)
    assert ProductVariant.objects.get(sku="TEE-S").price == Decimal("12.50")
    assert ProductVariant.objects.get(sku="TEE-L").position == 2
    assert Stock.objects.get(variant__sku="TEE-S").on_hand == 4
    assert ledger_mismatches() == []
    small = ProductVariant.objects.get(sku="TEE-S")
    assert (small.created_at, small.updated_at) == (first_import, second_import)
    unchanged = ProductVariant.objects.get(sku="TEE-M")
    assert (unchanged.created_at, unchanged.updated_at) == (first_import, first_import)
    assert [h.history_type for h in small.history.order_by("history_id")] == ["+", "~"]
    assert small.history.latest("history_id").price == Decimal("12.50")


def test_product_fields_update_with_history(store, category):
    run_import(store, csv_bytes([row("tee", "A", "1")]))
    job = run_import(
        store,
        csv_bytes([row("tee", "A", "1", title="Better tee", category="shirts", status="archived")]),
    )
    assert (job.updated_count, job.skipped_count) == (1, 0)
    product = Product.objects.get()
    assert (product.title, product.category, product.status) == ("Better tee", category, "archived")
    assert product.history.latest("history_id").history_change_reason == f"Import #{job.pk}"


@pytest.mark.parametrize(
    ("cells", "column", "fragment"),
    [
        ({"category": "nope"}, "category", "unknown category"),
        ({"price": "-1"}, "price", "negative"),
        ({"price": "ten"}, "price", "not a number"),
        ({"price": ""}, "price", "required"),
        ({"price": "1.234"}, "price", "two decimals"),
        ({"on_hand": "lots"}, "on_hand", "not a number"),
        ({"on_hand": "2.5"}, "on_hand", "whole number"),
        ({"status": "gone"}, "status", "must be one of"),
        ({"handle": "bad handle!"}, "handle", "letters"),
        ({"title": ""}, "title", "needs a title"),
        ({"track_inventory": "maybe"}, "track_inventory", "true or false"),
        ({"track_inventory": "false", "on_hand": "3"}, "on_hand", "does not track"),
    ],
)
def test_each_error_names_row_column_and_value(store, cells, column, fragment):
    handle = cells.pop("handle", "tee")
    content = csv_bytes([row("ok", "OK-1", "1"), row(handle, "TEE-S", **cells)])
    job = run_import(store, content)
    assert job.status == JobStatus.PREVIEW
    assert job.error_rows == 1
    (error,) = [e for e in job.errors if e["column"] == column]
    assert error["row"] == 3
    assert fragment in error["message"]
    assert not Product.objects.exists()


def test_a_new_product_needs_a_title_column_an_existing_one_does_not(store):
    header = ["handle", "sku", "price"]
    job = run_import(store, csv_bytes([["tee", "T-1", "1"]], header=header))
    assert [(e["row"], e["column"], e["message"]) for e in job.errors] == [
        (2, "title", "a new product needs a title")
    ]
    run_import(store, csv_bytes([row("tee", "T-1", "1")]))
    job = run_import(store, csv_bytes([["tee", "T-1", "2"]], header=header))
    assert (job.status, job.updated_count) == (JobStatus.SUCCEEDED, 1)
    assert Product.objects.get().title == "Tee"


def test_empty_cells_keep_title_and_status_but_clear_description_and_category(store, category):
    run_import(
        store,
        csv_bytes([row("tee", "A", "1", status="archived", description="Soft", category="shirts")]),
    )
    job = run_import(
        store, csv_bytes([row("tee", "A", "1", title="", status="", description="", category="")])
    )
    assert (job.status, job.updated_count) == (JobStatus.SUCCEEDED, 1)
    product = Product.objects.get()
    assert (product.title, product.status) == ("Tee", "archived")
    assert (product.description, product.category) == ("", None)


def test_duplicate_sku_inside_the_file(store):
    job = run_import(store, csv_bytes([row("a", "X-1", "1"), row("b", "X-1", "2", title="B")]))
    (error,) = job.errors
    assert (error["row"], error["column"], error["value"]) == (3, "sku", "X-1")
    assert "row 2" in error["message"]


def test_missing_required_column(store):
    header = ["handle", "title", "sku"]
    job = run_import(store, csv_bytes([["tee", "Tee", "T-1"]], header=header))
    assert job.errors == [
        {"row": 1, "column": "price", "value": "", "message": "required column is missing"}
    ]
    assert not job.can_apply


def test_later_rows_of_a_product_must_agree(store):
    job = run_import(store, csv_bytes([row("tee", "A", "1"), row("tee", "B", "1", title="Other")]))
    (error,) = job.errors
    assert (error["row"], error["column"]) == (3, "title")


def test_valid_rows_only_when_asked(store):
    content = csv_bytes([row("tee", "A", "1"), row("mug", "B", "oops", title="Mug")])
    job = run_import(store, content)
    assert job.status == JobStatus.PREVIEW and not Product.objects.exists()
    job = run_import(store, content, valid_only=True)
    assert job.status == JobStatus.SUCCEEDED
    assert list(ProductVariant.objects.values_list("sku", flat=True)) == ["A"]


def test_atomic_error_near_the_end_writes_nothing(store):
    rows = [row(f"p{i}", f"SKU-{i}", "1.00", on_hand="3") for i in range(10_000)]
    rows[9_998] = row("p9998", "SKU-9998", "-5")
    job = run_import(store, csv_bytes(rows))
    assert job.total_rows == 10_000
    assert [(e["row"], e["column"]) for e in job.errors] == [(10_000, "price")]
    assert not Product.objects.exists() and not StockMovement.objects.exists()


def test_stale_preview_fails_and_writes_nothing(store):
    from apps.transfer.services.import_jobs import import_job_apply, import_job_create

    job = import_job_create(
        actor=SYSTEM,
        store=store,
        kind="catalog",
        name="a.csv",
        content=csv_bytes([row("tee", "A", "1", on_hand="2")]),
        background=False,
    )
    make_product(store, title="Someone else")
    Product.objects.filter(store=store).update(handle="tee")
    job = import_job_apply(job=job, actor=SYSTEM, background=False)
    assert job.status == JobStatus.FAILED
    assert "changed after the preview" in job.message
    assert not ProductVariant.objects.filter(sku="A").exists()
    assert not StockMovement.objects.filter(reference_type="import").exists()


def test_scoping_never_touches_another_store(store, other_store):
    theirs = make_product(other_store, title="Theirs")
    their_variant = theirs.variants.get()
    content = csv_bytes([row(theirs.handle, their_variant.sku, "99", title="Mine")])
    job = run_import(store, content)
    assert job.status == JobStatus.SUCCEEDED
    their_variant.refresh_from_db()
    theirs.refresh_from_db()
    assert their_variant.price == Decimal("10.00") and theirs.title == "Theirs"
    mine = Product.objects.get(store=store)
    assert mine.handle == theirs.handle and mine.variants.get().sku == their_variant.sku


def test_sku_of_another_product_is_an_error(store):
    existing = make_product(store)
    sku = existing.variants.get().sku
    job = run_import(store, csv_bytes([row("new-one", sku, "1")]))
    (error,) = job.errors
    assert error["column"] == "sku" and existing.handle in error["message"]


def test_user_without_import_capability_is_refused(store):
    from apps.core.errors import PermissionDenied
    from apps.stores.roles import Role
    from apps.stores.tests.factories import staff_member

    clerk = staff_member(store, Role.CLERK)
    with pytest.raises(PermissionDenied):
        run_import(store, csv_bytes([row()]), actor=clerk)


def test_turning_backorders_off_is_checked_against_the_file_s_own_count(store):
    from apps.inventory.tests.factories import receive
    from apps.orders.tests.factories import place_order

    product = make_product(store, variants=2, allow_backorder=True)
    covered, short = product.variants.order_by("position")
    receive(short, 1)
    place_order(store, [(covered, 3), (short, 3)])
    line = {"title": product.title, "option": "", "allow_backorder": "false"}

    job = run_import(
        store,
        csv_bytes(
            [
                row(product.handle, covered.sku, "10.00", on_hand="5", **line),
                row(product.handle, short.sku, "10.00", **line),
            ]
        ),
    )
    assert job.status == JobStatus.PREVIEW
    assert [(e["row"], e["column"]) for e in job.errors] == [(3, "allow_backorder")]
    assert "on backorder" in job.errors[0]["message"]

    job = run_import(
        store, csv_bytes([row(product.handle, covered.sku, "10.00", on_hand="5", **line)])
    )
    assert job.status == JobStatus.SUCCEEDED, job.message
    stock = Stock.objects.get(variant=covered)
    assert (stock.on_hand, stock.allocated, stock.allow_backorder) == (5, 3, False)

    line["allow_backorder"] = "true"
    job = run_import(
        store, csv_bytes([row(product.handle, covered.sku, "10.00", on_hand="1", **line)])
    )
    assert job.status == JobStatus.SUCCEEDED, job.message
    stock.refresh_from_db()
    assert (stock.on_hand, stock.allocated, stock.allow_backorder) == (1, 3, True)
    assert ledger_mismatches() == []
