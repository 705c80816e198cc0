import re

import pytest
from playwright.sync_api import expect

from apps.catalog.models import ProductVariant
from apps.core.tests.browser import admin_login, mark_page, same_page, sign_in_with_cookie
from apps.stores.roles import Role
from apps.stores.tests.factories import StoreFactory, staff_member
from apps.transfer.models import ImportJob, JobStatus
from apps.transfer.services.import_jobs import import_job_create
from apps.transfer.tests.conftest import csv_bytes, row

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def manager():
    store = StoreFactory(name="Alpha", slug="alpha")
    return staff_member(store, Role.MANAGER, email="manager@example.com")


def test_progress_polls_until_the_preview_appears_without_a_page_load(browser_page, manager):
    store = manager.memberships.get().store
    job = import_job_create(
        actor=manager,
        store=store,
        kind="catalog",
        name="big.csv",
        content=csv_bytes([row("tee", "TEE-1", "5")]),
        background=False,
    )
    ImportJob.objects.filter(pk=job.pk).update(
        status=JobStatus.VALIDATING, rows_done=2_000, total_rows=8_000
    )
    page = browser_page
    admin_login(page, "manager@example.com", f"/admin/transfer/importjob/{job.pk}/job/")
    mark_page(page)
    expect(page.locator("#import-job")).to_contain_text("2,000 of 8,000 rows")

    ImportJob.objects.filter(pk=job.pk).update(rows_done=6_000)
    expect(page.locator("#import-job")).to_contain_text("6,000 of 8,000 rows")
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.PREVIEW, rows_done=1, total_rows=1)
    expect(page.locator("#import-job")).to_have_attribute("data-status", "preview")
    expect(page.get_by_role("button", name="Apply")).to_be_visible()
    assert same_page(page)

    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#import-job")).to_have_attribute("data-status", "succeeded")
    assert ProductVariant.objects.filter(sku="TEE-1", store=store).exists()


def test_upload_preview_and_apply_work_without_javascript(
    browser_page_without_js, manager, live_server, tmp_path
):
    page = browser_page_without_js
    sign_in_with_cookie(page, manager, live_server.url)
    source = tmp_path / "catalog.csv"
    source.write_bytes(csv_bytes([row("mug", "MUG-1", "7,50", title="Mug", on_hand="4")]))
    page.goto("/admin/transfer/importjob/new/")
    page.select_option("select[name=store]", label="Alpha")
    page.set_input_files("input[name=file]", str(source))
    page.locator("#content form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/admin/transfer/importjob/\d+/job/$"))
    expect(page.locator("#import-counts")).to_contain_text("To create")
    assert not ProductVariant.objects.exists()
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#import-job")).to_have_attribute("data-status", "succeeded")
    variant = ProductVariant.objects.get()
    assert (str(variant.price), variant.stock.on_hand) == ("7.50", 4)
