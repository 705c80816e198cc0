import csv
import inspect
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.catalog.models import Product, ProductVariant
from apps.catalog.tests.factories import make_product, make_variant
from apps.inventory.models import StockMovement
from apps.inventory.tests.factories import receive
from apps.orders.services import order_transition
from apps.orders.tests.factories import place_order
from apps.orders.transitions import OrderStatus
from apps.stores.roles import Role
from apps.stores.tests.factories import staff_member
from apps.transfer.changelists import order_changelist_queryset
from apps.transfer.exporting import csv_chunks
from apps.transfer.services.export_jobs import export_spec, export_write
from apps.transfer.tests.conftest import run_import

pytestmark = pytest.mark.django_db


def _csv(spec) -> list[dict]:
    text = "".join(csv_chunks(spec.headers, spec.rows)).lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(text)))


def test_round_trip_export_then_import_changes_nothing(store, category):
    product = make_product(store, variants=3, category=category, title='+Plus, "quoted"')
    make_product(store, track_inventory=False, title="Gift card")
    receive(product.variants.first(), 4)
    spec = export_spec(kind="catalog", user=None, store=store)
    out = io.BytesIO()
    export_write(spec, out, file_format="csv")
    job = run_import(store, out.getvalue())
    assert job.error_rows == 0, job.errors
    assert (job.created_count, job.updated_count, job.skipped_count) == (0, 0, 4)
    xlsx = io.BytesIO()
    export_write(export_spec(kind="catalog", user=None, store=store), xlsx, file_format="xlsx")
    job = run_import(store, xlsx.getvalue(), name="c.xlsx")
    assert (job.created_count, job.updated_count, job.skipped_count) == (0, 0, 4), job.errors


def test_round_trip_into_an_empty_store_recreates_the_catalogue(store, other_store):
    product = make_product(store, variants=2)
    receive(product.variants.first(), 6)
    out = io.BytesIO()
    export_write(export_spec(kind="catalog", user=None, store=store), out, file_format="csv")
    job = run_import(other_store, out.getvalue())
    assert job.created_count == 2
    copy = Product.objects.get(store=other_store)
    assert [
        (v.sku, v.price, getattr(v, "stock", None) and v.stock.on_hand)
        for v in copy.variants.order_by("position")
    ] == [(v.sku, v.price, v.stock.on_hand) for v in product.variants.order_by("position")]


def test_exports_contain_only_the_users_stores(store, other_store):
    make_product(store)
    make_product(other_store)
    clerk = staff_member(store, Role.CLERK)
    rows = _csv(export_spec(kind="catalog", user=clerk))
    assert {r["store"] for r in rows} == {store.slug}
    rows = _csv(export_spec(kind="stock", user=clerk))
    assert {r["store"] for r in rows} == {store.slug}
    from apps.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        export_spec(kind="catalog", user=clerk, store=other_store)
    viewer = staff_member(store, Role.VIEWER)
    assert _csv(export_spec(kind="catalog", user=viewer)) == []


def _orders(store, other_store, manager):
    variant = make_variant(store)
    receive(variant, 50)
    pending = place_order(store, [(variant, 1)])
    confirmed = place_order(store, [(variant, 2)])
    order_transition(order=confirmed, to_status=OrderStatus.CONFIRMED, actor=manager)
    theirs_variant = make_variant(other_store)
    receive(theirs_variant, 5)
    theirs = place_order(other_store, [(theirs_variant, 1)])
    return pending, confirmed, theirs


def test_order_exports_follow_the_changelist_filters_and_stores(store, other_store, manager):
    pending, confirmed, theirs = _orders(store, other_store, manager)
    everything = order_changelist_queryset(user=manager, query_string="")
    assert set(everything) == {pending, confirmed}
    filtered = order_changelist_queryset(user=manager, query_string="status__exact=pending")
    rows = _csv(export_spec(kind="orders", user=manager, orders=filtered))
    assert [r["number"] for r in rows] == [pending.number]
    lines = _csv(export_spec(kind="order_lines", user=manager, orders=everything))
    assert sorted((r["number"], r["quantity"]) for r in lines) == sorted(
        [(pending.number, "1"), (confirmed.number, "2")]
    )
    assert lines[0]["ship_city"] == "London" and lines[0]["sku"]
    searched = order_changelist_queryset(user=manager, query_string=f"q={confirmed.number}")
    assert [
        r["number"] for r in _csv(export_spec(kind="orders", user=manager, orders=searched))
    ] == [confirmed.number]


def test_order_export_page_uses_the_filters(client, store, other_store, manager):
    pending, _confirmed, _theirs = _orders(store, other_store, manager)
    client.force_login(manager)
    page = client.get(
        reverse("admin:transfer_exportjob_new"),
        {"kind": "orders", "filters": "status__exact=pending"},
    )
    assert page.status_code == 200
    response = client.post(
        reverse("admin:transfer_exportjob_new"),
        {"kind": "order_lines", "file_format": "csv", "filters": "status__exact=pending"},
    )
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["number"] for r in rows] == [pending.number]


def test_big_exports_become_a_background_job(client, store, manager, settings):
    settings.TRANSFER_EXPORT_BACKGROUND_ROWS = 2
    for _ in range(3):
        make_product(store)
    client.force_login(manager)
    response = client.post(
        reverse("admin:transfer_exportjob_new"), {"kind": "catalog", "file_format": "csv"}
    )
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.context["job"].status == "succeeded"
    download = client.get(
        reverse("admin:transfer_exportjob_download", args=[page.context["job"].pk])
    )
    text = b"".join(download.streaming_content).decode("utf-8-sig")
    assert len(text.strip().splitlines()) == 4
    other = staff_member(store, Role.MANAGER)
    client.force_login(other)
    assert client.get(response["Location"]).status_code == 404


def test_export_memory_does_not_hold_the_rows(store):
    """The row iterator is lazy: a queryset iterator in chunks, never a list."""
    for _ in range(5):
        make_product(store)
    with CaptureQueriesContext(connection) as before_reading:
        spec = export_spec(kind="catalog", user=None, store=store)
    variants_table = ProductVariant._meta.db_table

    def reads_rows(queries):
        # The count sizes the progress bar; the rows themselves come only when asked for.
        return [q for q in queries if variants_table in q["sql"] and "COUNT(" not in q["sql"]]

    assert not reads_rows(before_reading.captured_queries)
    rows = iter(spec.rows)
    assert rows is spec.rows or inspect.isgenerator(rows)
    with CaptureQueriesContext(connection) as first_row:
        next(rows)
    assert reads_rows(first_row.captured_queries)
    assert len(list(rows)) == 4
    assert spec.count == ProductVariant.objects.count()
    assert StockMovement.objects.count() == 0


def test_an_export_whose_person_is_gone_fails_instead_of_reading_every_store(store):
    from apps.transfer.models import ExportJob, JobStatus
    from apps.transfer.services.export_jobs import export_job_run

    make_product(store)
    queued = ExportJob.objects.create(kind="catalog", file_format="csv", status=JobStatus.QUEUED)
    job = export_job_run(queued.pk)
    assert job.status == JobStatus.FAILED
    assert "no longer exists" in job.message
    assert job.file_size == 0


def test_export_jobs_list_and_open_by_owner_and_store(client, store, other_store, manager):
    from apps.stores.models import StoreMembership
    from apps.transfer.services.export_jobs import export_job_create

    manager_elsewhere = StoreMembership.objects.create(
        user=manager, store=other_store, role=Role.MANAGER
    )
    all_mine = export_job_create(user=manager, kind="catalog", file_format="csv")
    theirs_only = export_job_create(
        user=manager, kind="stock", file_format="csv", store=other_store
    )
    colleague = staff_member(store, Role.MANAGER)
    not_mine = export_job_create(user=colleague, kind="catalog", file_format="csv", store=store)
    manager_elsewhere.delete()

    client.force_login(manager)
    listed = client.get(reverse("admin:transfer_exportjob_changelist")).context["cl"].result_list
    assert [job.pk for job in listed] == [all_mine.pk]
    for job, status in ((all_mine, 200), (theirs_only, 404), (not_mine, 404)):
        page = client.get(reverse("admin:transfer_exportjob_job", args=[job.pk]))
        assert page.status_code == status
        download = client.get(reverse("admin:transfer_exportjob_download", args=[job.pk]))
        assert download.status_code == status
