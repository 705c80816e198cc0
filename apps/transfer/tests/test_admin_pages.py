import pytest
from django.urls import reverse

from apps.catalog.models import ProductVariant
from apps.catalog.tests.factories import make_product
from apps.stores.roles import Role
from apps.stores.tests.factories import staff_member
from apps.transfer.models import ExportJob, ImportJob, JobStatus
from apps.transfer.tests.conftest import csv_bytes, row

pytestmark = pytest.mark.django_db


def _upload(client, store, content, name="catalog.csv", **extra):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        reverse("admin:transfer_importjob_new"),
        {"kind": "catalog", "store": store.pk, "file": SimpleUploadedFile(name, content), **extra},
    )


def test_upload_preview_apply_flow(client, store, manager):
    client.force_login(manager)
    page = client.get(reverse("admin:transfer_importjob_new"))
    assert page.status_code == 200
    response = _upload(client, store, csv_bytes([row("tee", "TEE-1", "5", on_hand="3")]))
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:transfer_importjob_job", args=[job.pk])
    preview = client.get(response["Location"])
    assert preview.status_code == 200
    assert job.status == JobStatus.PREVIEW
    assert b"Apply" in preview.content
    assert "Row 2: new variant TEE-1 of tee at 5.00" in preview.content.decode()
    assert not ProductVariant.objects.exists()

    applied = client.post(reverse("admin:transfer_importjob_apply", args=[job.pk]))
    assert applied.status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert ProductVariant.objects.get().stock.on_hand == 3


def test_htmx_poll_returns_the_job_fragment(client, store, manager):
    client.force_login(manager)
    _upload(client, store, csv_bytes([row()]))
    job = ImportJob.objects.get()
    response = client.get(
        reverse("admin:transfer_importjob_job", args=[job.pk]), headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="import-job"')
    assert "<html" not in body


def test_errors_are_shown_and_downloadable(client, store, manager):
    client.force_login(manager)
    _upload(client, store, csv_bytes([row("tee", "T", "=1+1")]))
    job = ImportJob.objects.get()
    page = client.get(reverse("admin:transfer_importjob_job", args=[job.pk])).content.decode()
    assert "not a number" in page
    assert "Nothing will be written" in page
    download = client.get(reverse("admin:transfer_importjob_errors", args=[job.pk]))
    text = b"".join(download.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[0].startswith("row,handle,title")
    assert "'=1+1" in text and "price: is not a number" in text
    refused = client.post(reverse("admin:transfer_importjob_apply", args=[job.pk]))
    assert refused.status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.PREVIEW


def test_unreadable_file_gives_one_clear_message(client, store, manager):
    client.force_login(manager)
    response = _upload(client, store, b"\x00\x01\x02garbage" * 100, name="catalog.csv")
    job = ImportJob.objects.get()
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert job.status == JobStatus.FAILED
    assert "does not look like a CSV or XLSX file" in page.content.decode()


def test_upload_size_limit(client, store, manager, settings):
    settings.TRANSFER_MAX_UPLOAD_BYTES = 100
    client.force_login(manager)
    response = _upload(client, store, csv_bytes([row()] * 10))
    assert response.status_code == 200
    assert "the limit is" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_store_choice_and_jobs_are_scoped(client, store, other_store, manager):
    client.force_login(manager)
    response = _upload(client, other_store, csv_bytes([row()]))
    assert response.status_code == 200 and not ImportJob.objects.exists()
    owner = staff_member(other_store, Role.OWNER)
    client.force_login(owner)
    _upload(client, other_store, csv_bytes([row()]))
    their_job = ImportJob.objects.get()
    client.force_login(manager)
    assert (
        client.get(reverse("admin:transfer_importjob_job", args=[their_job.pk])).status_code == 404
    )
    assert (
        client.post(reverse("admin:transfer_importjob_apply", args=[their_job.pk])).status_code
        == 404
    )
    listing = client.get(reverse("admin:transfer_importjob_changelist"))
    assert listing.status_code == 200
    assert their_job.original_name not in listing.content.decode()


def test_viewer_cannot_open_the_import_page(client, store):
    viewer = staff_member(store, Role.VIEWER)
    client.force_login(viewer)
    assert client.get(reverse("admin:transfer_importjob_new")).status_code == 403


def test_export_streams_csv_of_my_stores_only(client, store, other_store, manager):
    mine = make_product(store, title='=HYPERLINK("x")')
    theirs = make_product(other_store)
    client.force_login(manager)
    response = client.post(
        reverse("admin:transfer_exportjob_new"), {"kind": "catalog", "file_format": "csv"}
    )
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert mine.variants.get().sku in text
    assert theirs.variants.get().sku not in text
    assert "'=HYPERLINK" in text
    record = ExportJob.objects.get()
    assert (record.created_by, record.status, record.total_rows) == (manager, "succeeded", 1)
    listing = client.get(reverse("admin:transfer_exportjob_changelist")).context["cl"]
    assert list(listing.result_list) == [record]


def test_changelists_link_to_import_and_export(client, store, manager):
    client.force_login(manager)
    products = client.get(reverse("admin:catalog_product_changelist")).content.decode()
    assert reverse("admin:transfer_importjob_new") + "?kind=catalog" in products
    assert reverse("admin:transfer_exportjob_new") + "?kind=catalog" in products
    orders = client.get(
        reverse("admin:orders_order_changelist"), {"status__exact": "pending"}
    ).content.decode()
    assert "kind=orders&amp;filters=status__exact%3Dpending" in orders
    clerk = staff_member(store, Role.CLERK)
    client.force_login(clerk)
    stock = client.get(reverse("admin:inventory_stock_changelist")).content.decode()
    assert "kind=stock" in stock and reverse("admin:transfer_importjob_new") not in stock


def test_job_lists_and_sidebar(client, store, manager):
    client.force_login(manager)
    for name in ("admin:transfer_importjob_changelist", "admin:transfer_exportjob_changelist"):
        page = client.get(reverse(name))
        assert page.status_code == 200
    page = client.get(reverse("admin:transfer_exportjob_changelist")).content.decode()
    assert reverse("admin:transfer_importjob_changelist") in page
    start = reverse("admin:transfer_exportjob_changelist") + "start/"
    assert start in page
    assert client.get(start)["Location"] == reverse("admin:transfer_exportjob_new")


def test_discard_writes_nothing_and_lists_the_job(client, store, manager):
    client.force_login(manager)
    _upload(client, store, csv_bytes([row()]))
    job = ImportJob.objects.get()
    client.post(reverse("admin:transfer_importjob_discard", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == JobStatus.DISCARDED and not ProductVariant.objects.exists()
    listing = client.get(reverse("admin:transfer_importjob_changelist"))
    assert listing.status_code == 200 and "Discarded" in listing.content.decode()
    change = client.get(reverse("admin:transfer_importjob_change", args=[job.pk]))
    assert change["Location"] == reverse("admin:transfer_importjob_job", args=[job.pk])
