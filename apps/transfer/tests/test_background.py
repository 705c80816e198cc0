"""Big files run in the task worker (the test settings run tasks immediately)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.catalog.models import Product
from apps.inventory.models import StockMovement
from apps.stores.scoping import SYSTEM
from apps.transfer.blobs import delete_blob, plan_key
from apps.transfer.models import ImportJob, JobStatus
from apps.transfer.services.import_jobs import import_job_apply, import_job_create
from apps.transfer.services.jobs import JobProgress, job_check_stale
from apps.transfer.tests.conftest import csv_bytes, row

pytestmark = pytest.mark.django_db


def _rows(n):
    return [row(f"p{i}", f"S-{i}", "2.00", on_hand="1") for i in range(n)]


def test_large_file_validates_and_applies_in_the_worker(store, manager, settings):
    settings.TRANSFER_BACKGROUND_ROWS = 100
    job = import_job_create(
        actor=manager, store=store, kind="catalog", name="big.csv", content=csv_bytes(_rows(300))
    )
    assert job.task_id
    assert job.status == JobStatus.PREVIEW
    assert (job.rows_done, job.total_rows, job.created_count) == (300, 300, 300)
    job = import_job_apply(job=job, actor=manager)
    assert job.status == JobStatus.SUCCEEDED
    assert job.rows_done == job.total_rows == 300
    assert job.finished_at and job.heartbeat_at
    assert Product.objects.count() == 300
    movements = StockMovement.objects.filter(reference_id=str(job.pk))
    assert movements.count() == 300
    assert set(movements.values_list("actor", flat=True)) == {manager.pk}


def test_the_worker_records_who_applied_not_who_uploaded(store, manager, settings):
    from apps.stores.roles import Role
    from apps.stores.tests.factories import staff_member

    settings.TRANSFER_BACKGROUND_ROWS = 1
    owner = staff_member(store, Role.OWNER)
    job = import_job_create(
        actor=manager, store=store, kind="catalog", name="a.csv", content=csv_bytes(_rows(3))
    )
    job = import_job_apply(job=job, actor=owner)
    assert job.status == JobStatus.SUCCEEDED and job.task_id
    movements = StockMovement.objects.filter(reference_id=str(job.pk))
    assert set(movements.values_list("actor", flat=True)) == {owner.pk}


def test_progress_is_recorded_and_polled(client, store, manager):
    job = import_job_create(
        actor=manager,
        store=store,
        kind="catalog",
        name="a.csv",
        content=csv_bytes(_rows(3)),
        background=False,
    )
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.APPLYING, total_rows=1000)
    JobProgress(job)(400, force=True)
    job.refresh_from_db()
    assert job.rows_done == 400 and job.percent == 40
    client.force_login(manager)
    fragment = client.get(
        reverse("admin:transfer_importjob_job", args=[job.pk]), headers={"HX-Request": "true"}
    ).content.decode()
    assert 'hx-trigger="every 1s"' in fragment
    assert "400 of 1,000 rows" in fragment
    assert "0 errors so far" in fragment


def test_a_dead_worker_leaves_the_job_failed_and_data_untouched(client, store, manager):
    job = import_job_create(
        actor=manager,
        store=store,
        kind="catalog",
        name="a.csv",
        content=csv_bytes(_rows(3)),
        background=False,
    )
    ImportJob.objects.filter(pk=job.pk).update(
        status=JobStatus.APPLYING, heartbeat_at=timezone.now() - timedelta(minutes=30)
    )
    client.force_login(manager)
    page = client.get(reverse("admin:transfer_importjob_job", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "stopped responding" in page.content.decode()
    assert 'hx-trigger="every 1s"' not in page.content.decode()
    assert not Product.objects.exists()


def test_a_fresh_heartbeat_is_not_stale(store):
    job = import_job_create(
        actor=SYSTEM,
        store=store,
        kind="catalog",
        name="a.csv",
        content=csv_bytes(_rows(1)),
        background=False,
    )
    ImportJob.objects.filter(pk=job.pk).update(
        status=JobStatus.APPLYING, heartbeat_at=timezone.now()
    )
    job.refresh_from_db()
    assert job_check_stale(job).status == JobStatus.APPLYING


def test_a_failing_apply_task_marks_the_job_failed(store, settings):
    settings.TRANSFER_BACKGROUND_ROWS = 1
    job = import_job_create(
        actor=SYSTEM, store=store, kind="catalog", name="a.csv", content=csv_bytes(_rows(5))
    )
    delete_blob(plan_key(job))
    job = import_job_apply(job=job, actor=SYSTEM)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert not Product.objects.exists()


def test_an_import_job_without_a_store_is_refused_with_a_message(store):
    from apps.core.errors import ApplicationError
    from apps.transfer.services.import_jobs import import_job_validate

    job = import_job_create(
        actor=SYSTEM,
        store=store,
        kind="catalog",
        name="a.csv",
        content=csv_bytes(_rows(1)),
        background=False,
    )
    ImportJob.objects.filter(pk=job.pk).update(store=None)
    job.refresh_from_db()
    with pytest.raises(ApplicationError, match="no store"):
        import_job_apply(job=job, actor=SYSTEM, background=False)
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED)
    job = import_job_validate(job)
    assert job.status == JobStatus.FAILED
    assert "no store" in job.message
    assert not Product.objects.exists()


def test_apply_twice_is_refused(store):
    from apps.core.errors import ApplicationError

    job = import_job_create(
        actor=SYSTEM,
        store=store,
        kind="catalog",
        name="a.csv",
        content=csv_bytes(_rows(2)),
        background=False,
    )
    import_job_apply(job=job, actor=SYSTEM, background=False)
    with pytest.raises(ApplicationError):
        import_job_apply(job=job, actor=SYSTEM, background=False)
    assert Product.objects.count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_progress_inside_the_apply_transaction_is_visible_to_the_poller(store):
    from django.db import DEFAULT_DB_ALIAS, connections, transaction

    job = import_job_create(
        actor=SYSTEM,
        store=store,
        kind="catalog",
        name="a.csv",
        content=csv_bytes(_rows(1)),
        background=False,
    )
    poller = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with transaction.atomic():
            progress = JobProgress(job, inside_transaction=True)
            progress(123, force=True)
            progress.close()
            with poller.cursor() as cursor:
                cursor.execute("SELECT rows_done FROM transfer_importjob WHERE id = %s", [job.pk])
                assert cursor.fetchone()[0] == 123
    finally:
        poller.close()
