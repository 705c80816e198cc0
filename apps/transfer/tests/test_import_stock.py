import pytest

from apps.catalog.tests.factories import make_product, make_variant
from apps.inventory.models import MovementReason, Stock, StockMovement
from apps.inventory.selectors import ledger_mismatches
from apps.inventory.tests.factories import receive
from apps.orders.tests.factories import place_order
from apps.stores.scoping import SYSTEM
from apps.transfer.models import JobStatus
from apps.transfer.tests.conftest import csv_bytes, run_import

pytestmark = pytest.mark.django_db
HEADER = ["sku", "on_hand", "delta", "reason", "note"]


def stock_csv(rows):
    return csv_bytes(rows, header=HEADER)


def test_counts_deltas_and_ledger(store, manager):
    a, b, c = (make_variant(store) for _ in range(3))
    receive(a, 10)
    receive(b, 10)
    content = stock_csv(
        [[a.sku, "7", "", "count", "shelf 4"], [b.sku, "", "+5", "", ""], [c.sku, "0", "", "", ""]]
    )
    job = run_import(store, content, actor=manager, kind="stock")
    assert job.status == JobStatus.SUCCEEDED, job.errors
    assert (job.updated_count, job.skipped_count) == (2, 1)
    assert Stock.objects.get(variant=a).on_hand == 7
    assert Stock.objects.get(variant=b).on_hand == 15
    movements = StockMovement.objects.filter(reference_type="import", reference_id=str(job.pk))
    assert sorted((m.reason, m.on_hand_delta, m.note) for m in movements) == [
        (MovementReason.COUNT, -3, "shelf 4"),
        (MovementReason.IMPORT, 5, ""),
    ]
    assert all(m.actor == manager for m in movements)
    assert ledger_mismatches() == []


def test_stock_errors(store, other_store):
    tracked = make_variant(store)
    untracked = make_variant(store, track_inventory=False)
    allocated = make_variant(store)
    receive(allocated, 5)
    place_order(store, [(allocated, 3)])
    theirs = make_variant(other_store)
    content = stock_csv(
        [
            [tracked.sku, "1", "2", "", ""],
            [untracked.sku, "1", "", "", ""],
            [theirs.sku, "1", "", "", ""],
            [tracked.sku, "", "", "", ""],
            [allocated.sku, "2", "", "", ""],
            ["", "", "-1", "", ""],
            [make_variant(store).sku, "", "-1", "", ""],
            [make_variant(store).sku, "4", "", "stolen", ""],
            [make_variant(store).sku, "", "+3", "damaged", ""],
        ]
    )
    job = run_import(store, content, kind="stock")
    found = {(e["row"], e["column"]): e["message"] for e in job.errors}
    assert "not both" in found[(2, "delta")]
    assert "does not track" in found[(3, "sku")]
    assert "no variant" in found[(4, "sku")]
    assert "duplicate" in found[(5, "sku")]
    assert "allocated" in found[(6, "on_hand")]
    assert "required" in found[(7, "sku")]
    assert "below zero" in found[(8, "delta")]
    assert "must be one of" in found[(9, "reason")]
    assert "can only take units away" in found[(10, "delta")]
    assert job.status == JobStatus.PREVIEW
    assert Stock.objects.get(variant=theirs).on_hand == 0


def test_an_order_between_preview_and_apply_refuses_everything(store):
    from apps.transfer.services.import_jobs import import_job_apply, import_job_create

    variant = make_product(store).variants.get()
    receive(variant, 5)
    other = make_variant(store)
    job = import_job_create(
        actor=SYSTEM,
        store=store,
        kind="stock",
        name="s.csv",
        background=False,
        content=stock_csv([[other.sku, "9", "", "", ""], [variant.sku, "1", "", "", ""]]),
    )
    assert job.can_apply
    place_order(store, [(variant, 3)])
    job = import_job_apply(job=job, actor=SYSTEM, background=False)
    assert job.status == JobStatus.FAILED
    assert job.message.startswith("Stock changed after the preview. Nothing was written.")
    assert variant.sku in job.message
    assert Stock.objects.get(variant=other).on_hand == 0
    assert not StockMovement.objects.filter(reference_type="import").exists()
