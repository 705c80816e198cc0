"""An export job's life: the rows a person may export, written to a file straight to the browser
or by the background task that builds big files."""

import logging
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from apps.catalog.models import ProductVariant
from apps.catalog.tables import CATALOG_EXPORT_COLUMNS, catalog_export_rows
from apps.core.errors import ApplicationError
from apps.inventory.models import Stock
from apps.inventory.tables import STOCK_EXPORT_COLUMNS, stock_export_rows
from apps.orders.models import Order, OrderLine
from apps.stores.models import Store
from apps.stores.roles import Capability
from apps.stores.scoping import (
    Viewer,
    is_platform_operator,
    require_capability,
    scope_queryset,
    store_ids_for,
)
from apps.transfer import blobs, exporting
from apps.transfer.changelists import order_changelist_queryset
from apps.transfer.models import ExportJob, ExportKind, FileFormat, JobStatus
from apps.transfer.order_tables import (
    ORDER_EXPORT_COLUMNS,
    ORDER_LINE_EXPORT_COLUMNS,
    order_export_rows,
    order_line_export_rows,
)
from apps.transfer.services.jobs import JobProgress, job_fail
from apps.users.models import User

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExportSpec:
    headers: tuple[str, ...]
    rows: Iterator[tuple[object, ...]]
    count: int


def export_jobs_for(
    user: User, *, scoped: QuerySet[ExportJob] | None = None
) -> QuerySet[ExportJob]:
    """The export jobs `user` may list and open: their own (a superuser's: everyone's), of the
    stores where they may still export, and their "all my stores" jobs, which have no store to
    scope by (those files were scoped when they were written).

    `scoped` is ExportJob rows already scoped to the user's stores, e.g. by the admin's mixin.
    """
    jobs = ExportJob.objects.select_related("store", "created_by")
    if scoped is None:
        scoped = scope_queryset(jobs, user, capability=Capability.EXPORT)
    visible = scoped | jobs.filter(store__isnull=True)
    return visible if is_platform_operator(user) else visible.filter(created_by=user)


def _scoped_store_ids(user: Viewer | None, store: Store | None) -> set[int] | None:
    """Stores an export may read: the user's exportable stores, narrowed to `store`."""
    if user is None:
        return None if store is None else {store.pk}
    ids = store_ids_for(user, Capability.EXPORT)
    if store is not None:
        require_capability(user, store, Capability.EXPORT)
        return {store.pk}
    return ids


def export_spec(
    *,
    kind: str,
    user: Viewer | None,
    store: Store | None = None,
    orders: QuerySet[Order] | None = None,
) -> ExportSpec:
    """The columns and a lazy row iterator of an export, scoped to what `user` may export.
    `user` None is the command line (ops): every store unless `store` narrows it."""
    store_ids = _scoped_store_ids(user, store)
    if kind == ExportKind.CATALOG:
        variants = ProductVariant.objects.all()
        if store_ids is not None:
            variants = variants.filter(store_id__in=sorted(store_ids))
        return ExportSpec(
            CATALOG_EXPORT_COLUMNS, catalog_export_rows(store_ids=store_ids), variants.count()
        )
    if kind == ExportKind.STOCK:
        stocks = Stock.objects.all()
        if store_ids is not None:
            stocks = stocks.filter(store_id__in=sorted(store_ids))
        return ExportSpec(
            STOCK_EXPORT_COLUMNS, stock_export_rows(store_ids=store_ids), stocks.count()
        )
    if kind in (ExportKind.ORDERS, ExportKind.ORDER_LINES):
        queryset = orders if orders is not None else Order.objects.all()
        if store_ids is not None:
            queryset = queryset.filter(store_id__in=sorted(store_ids))
        if kind == ExportKind.ORDERS:
            return ExportSpec(ORDER_EXPORT_COLUMNS, order_export_rows(queryset), queryset.count())
        lines = OrderLine.objects.filter(order__in=queryset.order_by().values("pk"))
        return ExportSpec(
            ORDER_LINE_EXPORT_COLUMNS, order_line_export_rows(queryset), lines.count()
        )
    raise ApplicationError(_("Unknown export kind."))


def export_write(
    spec: ExportSpec,
    fileobj: IO[bytes],
    *,
    file_format: str,
    progress: Callable[[int], None] | None = None,
) -> None:
    writer = exporting.write_xlsx if file_format == FileFormat.XLSX else exporting.write_csv
    writer(fileobj, spec.headers, spec.rows, progress)


def export_runs_in_background(spec: ExportSpec, file_format: str) -> bool:
    limit = settings.TRANSFER_EXPORT_BACKGROUND_ROWS
    # XLSX cannot be streamed to the browser while it is built, so it goes earlier.
    return spec.count > (limit // 5 if file_format == FileFormat.XLSX else limit)


def export_job_create(
    *, user: User, kind: str, file_format: str, store: Store | None = None, filters: str = ""
) -> ExportJob:
    job = ExportJob.objects.create(
        kind=kind,
        file_format=file_format,
        store=store,
        created_by=user,
        filters=filters,
        status=JobStatus.QUEUED,
        heartbeat_at=timezone.now(),
    )
    result = run_export.enqueue(job.pk)
    ExportJob.objects.filter(pk=job.pk).update(task_id=str(result.id))
    job.refresh_from_db()
    return job


def export_job_record(
    *, user: User, kind: str, file_format: str, spec: ExportSpec, store: Store | None, filters: str
) -> ExportJob:
    """The record of an export streamed straight to the browser: finished as it starts."""
    now = timezone.now()
    return ExportJob.objects.create(
        kind=kind,
        file_format=file_format,
        store=store,
        created_by=user,
        filters=filters,
        status=JobStatus.SUCCEEDED,
        total_rows=spec.count,
        rows_done=spec.count,
        started_at=now,
        finished_at=now,
    )


def export_job_run(job_id: int, *, orders: QuerySet[Order] | None = None) -> ExportJob:
    job = ExportJob.objects.select_related("store", "created_by").get(pk=job_id)
    now = timezone.now()
    if not ExportJob.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=now, heartbeat_at=now
    ):
        return job
    progress = JobProgress(job)
    try:
        user = job.created_by
        if user is None:
            # No person is the command line's way to say every store; a job is always a
            # person's, and one whose person was deleted has nobody left to scope it by.
            raise ApplicationError(_("The account that asked for this export no longer exists."))
        if orders is None and job.kind in (ExportKind.ORDERS, ExportKind.ORDER_LINES):
            orders = _orders_from_filters(job, user)
        spec = export_spec(kind=job.kind, user=user, store=job.store, orders=orders)
        ExportJob.objects.filter(pk=job.pk).update(total_rows=spec.count)
        # XLSX is a zip that wants a seekable file: build in a temporary file, then store.
        with tempfile.TemporaryFile() as tmp:
            export_write(spec, tmp, file_format=job.file_format, progress=progress)
            tmp.seek(0)
            writer = blobs.BlobWriter(blobs.export_key(job))
            while piece := tmp.read(blobs.CHUNK_BYTES):
                writer.write(piece)
            size = writer.close()
    except ApplicationError as error:
        job_fail(job, error.message)
        return job
    except Exception:
        logger.exception("Export %s failed", job.pk)
        job_fail(job, _("The export failed because of an unexpected error."))
        return job
    finished = timezone.now()
    job.refresh_from_db()
    job.file_size = size
    job.status = JobStatus.SUCCEEDED
    job.finished_at = finished
    job.heartbeat_at = finished
    job.rows_done = job.total_rows = spec.count
    job.save()
    return job


def _orders_from_filters(job: ExportJob, user: User) -> QuerySet[Order]:
    """Rebuild the order changelist the export was started from, with its filters."""
    return order_changelist_queryset(user=user, query_string=job.filters)


# Background work for big files: `manage.py db_worker` runs it.


@task()
def run_export(job_id: int) -> None:
    export_job_run(job_id)
