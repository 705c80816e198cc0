"""Import and export jobs. The admin pages, the background tasks and the management commands
all go through these functions: one code path for every surface."""

import json
import logging
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tasks import task

from apps.catalog.models import Product, ProductVariant
from apps.catalog.tables import CATALOG_EXPORT_COLUMNS, catalog_export_rows
from apps.core.bulk import analyze
from apps.core.errors import ApplicationError
from apps.inventory.models import Stock, StockMovement
from apps.inventory.services import StockChangesRefused, StockReference
from apps.inventory.tables import STOCK_EXPORT_COLUMNS, stock_export_rows
from apps.orders.models import Order, OrderLine
from apps.orders.tables import (
    ORDER_EXPORT_COLUMNS,
    ORDER_LINE_EXPORT_COLUMNS,
    order_export_rows,
    order_line_export_rows,
)
from apps.stores.models import Store
from apps.stores.roles import Capability
from apps.stores.scoping import (
    is_platform_operator,
    require_capability,
    scope_queryset,
    store_ids_for,
)
from apps.transfer import blobs, exporting, importers
from apps.transfer.changelists import order_changelist_queryset
from apps.transfer.models import (
    ExportJob,
    ExportKind,
    FileFormat,
    ImportJob,
    ImportKind,
    JobStatus,
)
from apps.transfer.parsing import UnreadableFile, read_table

logger = logging.getLogger(__name__)


ANALYZE_AFTER = 10_000


def _setting(name: str, default: int) -> int:
    return getattr(settings, name, default)


class UploadTooLarge(ApplicationError):
    code = "upload_too_large"


# Progress and heartbeats


class JobProgress:
    """Record rows done and a heartbeat on the job, at most a few times a second.

    Inside the apply transaction the job row cannot be updated through the same connection
    (nobody would see it until commit), so on PostgreSQL a second connection writes it.
    SQLite allows one writer at a time: there the apply reports only when it is over.
    """

    def __init__(self, job, *, inside_transaction: bool = False):
        self.model = type(job)
        self.pk = job.pk
        self.connection = None
        self.enabled = True
        self.last = 0.0
        if inside_transaction:
            if connections[DEFAULT_DB_ALIAS].vendor == "postgresql":
                self.connection = connections.create_connection(DEFAULT_DB_ALIAS)
            else:
                self.enabled = False

    def __call__(self, rows_done: int, *, force: bool = False) -> None:
        now = time.monotonic()
        if not self.enabled or (not force and now - self.last < 0.5):
            return
        self.last = now
        if self.connection is None:
            self.model.objects.filter(pk=self.pk).update(
                rows_done=rows_done, heartbeat_at=timezone.now()
            )
            return
        table = self.connection.ops.quote_name(self.model._meta.db_table)
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET rows_done = %s, heartbeat_at = %s WHERE id = %s",
                [rows_done, timezone.now(), self.pk],
            )

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


def job_check_stale(job):
    """A job whose worker stopped beating is dead: say so instead of spinning forever."""
    if not job.is_active:
        return job
    minutes = _setting("TRANSFER_STALE_MINUTES", 10)
    last_sign = job.heartbeat_at or job.created_at
    if last_sign and last_sign < timezone.now() - timedelta(minutes=minutes):
        updated = (
            type(job)
            .objects.filter(pk=job.pk, status=job.status)
            .update(
                status=JobStatus.FAILED,
                finished_at=timezone.now(),
                message=_(
                    "The background worker stopped responding (no sign of life for %(n)s "
                    "minutes). Nothing was written; start the import again."
                )
                % {"n": minutes},
            )
        )
        if updated:
            job.refresh_from_db()
    return job


def _fail(job, message: str) -> None:
    type(job).objects.filter(pk=job.pk).update(
        status=JobStatus.FAILED, message=message, finished_at=timezone.now()
    )
    job.refresh_from_db()


# Imports


def _runs_in_background(raw: bytes) -> bool:
    if raw.startswith(b"PK\x03\x04"):
        # What a workbook costs to read is not bounded by its size (a zip of XML can declare
        # or unpack to far more than it holds): only the worker reads one, under the caps.
        return True
    if len(raw) > _setting("TRANSFER_BACKGROUND_BYTES", 1024 * 1024):
        return True
    return raw.count(b"\n") > _setting("TRANSFER_BACKGROUND_ROWS", 5000)


def import_job_create(
    *,
    user,
    store: Store,
    kind: str,
    name: str,
    content: bytes,
    valid_only: bool = False,
    background: bool | None = None,
) -> ImportJob:
    """Keep the upload and validate it: here if it is a small CSV file, in the background
    worker if it is large or a workbook. `background=False` is for callers outside a web
    request (the management commands), which may read a workbook themselves."""
    if user is not None:
        require_capability(user, store, Capability.IMPORT)
    if kind not in ImportKind.values:
        raise ApplicationError(_("Unknown import kind."))
    limit = _setting("TRANSFER_MAX_UPLOAD_BYTES", 50 * 1024 * 1024)
    if len(content) > limit:
        raise UploadTooLarge(
            _("The file is %(size)s MB; the limit is %(limit)s MB. Split it into smaller files.")
            % {"size": round(len(content) / 1048576, 1), "limit": round(limit / 1048576, 1)}
        )
    if not content.strip():
        raise UnreadableFile(_("The file is empty."))
    file_format = FileFormat.XLSX if content.startswith(b"PK\x03\x04") else FileFormat.CSV
    job = ImportJob(
        store=store,
        kind=kind,
        created_by=user if user is not None and user.is_authenticated else None,
        original_name=name[:255],
        file_format=file_format,
        valid_only=valid_only,
        status=JobStatus.QUEUED,
    )
    job.heartbeat_at = timezone.now()
    job.file_size = len(content)
    job.save()
    blobs.write_blob(blobs.upload_key(job), content)
    if background is None:
        background = _runs_in_background(content)
    if background:
        result = validate_import.enqueue(job.pk)
        ImportJob.objects.filter(pk=job.pk).update(task_id=str(result.id))
        job.refresh_from_db()
    else:
        import_job_validate(job)
    return job


def import_job_validate(job: ImportJob) -> ImportJob:
    """Parse and validate the whole file once; store the plan and the preview on the job."""
    started = timezone.now()
    claimed = ImportJob.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(
        status=JobStatus.VALIDATING, started_at=started, heartbeat_at=started
    )
    if not claimed:
        job.refresh_from_db()
        return job
    job.refresh_from_db()
    progress = JobProgress(job)
    try:
        raw = blobs.read_blob(blobs.upload_key(job))
        table = read_table(raw, name=job.original_name)
        del raw
        with table:
            ImportJob.objects.filter(pk=job.pk).update(total_rows=table.estimated_rows)
            validate = (
                importers.validate_catalog
                if job.kind == ImportKind.CATALOG
                else importers.validate_stock
            )
            staged = validate(store=job.store, table=table, progress=progress)
    except UnreadableFile as error:
        _fail(job, error.message)
        return job
    except Exception:
        logger.exception("Import %s could not be validated", job.pk)
        _fail(job, _("The file could not be checked because of an unexpected error."))
        return job
    blobs.write_blob(
        blobs.plan_key(job), json.dumps(staged.to_json(), separators=(",", ":")).encode()
    )
    job.total_rows = staged.total_rows
    job.rows_done = staged.total_rows
    job.created_count = staged.created
    job.updated_count = staged.updated
    job.skipped_count = staged.skipped
    job.error_count = staged.error_count
    job.error_rows = staged.error_rows
    job.errors = staged.errors
    job.stock_changes = len(staged.plan.get("stock", ()))
    job.summary = {"changes": staged.changes, "ignored_columns": staged.ignored_columns}
    job.status = JobStatus.PREVIEW
    job.heartbeat_at = timezone.now()
    job.save()
    return job


def import_job_apply(*, job: ImportJob, user, background: bool | None = None) -> ImportJob:
    """Write what the preview showed. Refused while there are errors, unless the job was
    created to import the valid rows only."""
    if user is not None:
        require_capability(user, job.store, Capability.IMPORT)
    job = job_check_stale(job)
    if job.status != JobStatus.PREVIEW:
        raise ApplicationError(_("This import is not waiting to be applied."), code="conflict")
    if job.error_rows and not job.valid_only:
        raise ApplicationError(
            _("The file has errors: fix them and upload again, or import the valid rows only."),
            code="has_errors",
        )
    now = timezone.now()
    if not ImportJob.objects.filter(pk=job.pk, status=JobStatus.PREVIEW).update(
        status=JobStatus.APPLYING, heartbeat_at=now, rows_done=0, started_at=now
    ):
        raise ApplicationError(_("This import is already being applied."), code="conflict")
    if background is None:
        background = job.total_rows > _setting("TRANSFER_BACKGROUND_ROWS", 5000)
    if background:
        result = apply_import.enqueue(job.pk)
        ImportJob.objects.filter(pk=job.pk).update(task_id=str(result.id))
    else:
        import_job_run_apply(job.pk, actor=user)
    job.refresh_from_db()
    return job


_STALE_MESSAGE = gettext_lazy(
    "The catalogue changed after the preview (another import or an edit). "
    "Nothing was written; upload the file again to see a fresh preview."
)


def _is_integrity_error(error: Exception) -> bool:
    """Django's IntegrityError, or the driver's own from COPY (SQLSTATE class 23)."""
    return isinstance(error, IntegrityError) or str(getattr(error, "pgcode", "") or "").startswith(
        "23"
    )


def import_job_run_apply(job_id: int, *, actor=None) -> ImportJob:
    """The write itself, in one transaction: on any failure nothing of it stays."""
    job = ImportJob.objects.select_related("store", "created_by").get(pk=job_id)
    if job.status != JobStatus.APPLYING:
        return job
    actor = actor if actor is not None else job.created_by
    try:
        plan = json.loads(blobs.read_blob(blobs.plan_key(job)))["plan"]
    except (OSError, ValueError, KeyError):
        _fail(
            job,
            _(
                "The checked rows of this import are gone. Nothing was written; upload "
                "the file again."
            ),
        )
        return job
    units = max(importers.plan_size(plan), 1)
    rows = job.total_rows
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now())
    progress = JobProgress(job, inside_transaction=True)

    def report(done: int) -> None:
        # The plan counts writes, people count rows: show the share of the file's rows.
        progress(min(rows, round(rows * done / units)))

    apply = importers.apply_catalog if job.kind == ImportKind.CATALOG else importers.apply_stock
    try:
        with transaction.atomic():
            moved = apply(
                store=job.store,
                plan=plan,
                actor=actor,
                reference=StockReference("import", str(job.pk)),
                reason=_("Import #%(id)s") % {"id": job.pk},
                progress=report,
            )
    except (importers.StaleImport, IntegrityError):
        _fail(job, str(_STALE_MESSAGE))
        return job
    except StockChangesRefused as error:
        _fail(
            job,
            _("Stock changed after the preview. Nothing was written. %(why)s")
            % {"why": error.message},
        )
        return job
    except ApplicationError as error:
        _fail(job, _("Nothing was written: %(why)s") % {"why": error.message})
        return job
    except Exception as error:
        if _is_integrity_error(error):
            _fail(job, str(_STALE_MESSAGE))
            return job
        logger.exception("Import %s failed while applying", job.pk)
        _fail(job, _("Nothing was written because of an unexpected error."))
        return job
    finally:
        progress.close()
    if units >= ANALYZE_AFTER:
        # Fresh statistics, or the next lookups of this store plan as if it were empty.
        analyze([Product, ProductVariant, Stock, StockMovement])
    now = timezone.now()
    ImportJob.objects.filter(pk=job.pk).update(
        status=JobStatus.SUCCEEDED,
        rows_done=rows,
        stock_changes=moved,
        applied_at=now,
        finished_at=now,
        heartbeat_at=now,
    )
    job.refresh_from_db()
    return job


def import_job_discard(*, job: ImportJob, user) -> ImportJob:
    if user is not None:
        require_capability(user, job.store, Capability.IMPORT)
    if ImportJob.objects.filter(pk=job.pk, status=JobStatus.PREVIEW).update(
        status=JobStatus.DISCARDED, finished_at=timezone.now()
    ):
        job.refresh_from_db()
        blobs.delete_blob(blobs.plan_key(job))
        blobs.delete_blob(blobs.upload_key(job))
    return job


def import_failed_rows(job: ImportJob):
    """(headers, rows) of the rows that failed, each with its errors in a last column."""
    try:
        data = json.loads(blobs.read_blob(blobs.plan_key(job)))
    except FileNotFoundError:
        return [], iter(())
    headers = ["row", *data["headers"], "errors"]
    return headers, ((row, *cells, message) for row, cells, message in data["failed_rows"])


# Exports


@dataclass(frozen=True)
class ExportSpec:
    headers: tuple[str, ...]
    rows: object
    count: int


def export_jobs_for(user, *, scoped: QuerySet[ExportJob] | None = None) -> QuerySet[ExportJob]:
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


def _scoped_store_ids(user, store: Store | None) -> set[int] | None:
    """Stores an export may read: the user's exportable stores, narrowed to `store`."""
    if user is None:
        return None if store is None else {store.pk}
    ids = store_ids_for(user, Capability.EXPORT)
    if store is not None:
        require_capability(user, store, Capability.EXPORT)
        return {store.pk}
    return ids


def export_spec(
    *, kind: str, user, store: Store | None = None, orders: QuerySet[Order] | None = None
) -> ExportSpec:
    """The columns and a lazy row iterator of an export, scoped to what `user` may export.
    `user` None is the command line (ops): every store unless `store` narrows it."""
    store_ids = _scoped_store_ids(user, store)
    if kind == ExportKind.CATALOG:
        count_qs = ProductVariant.objects.all()
        if store_ids is not None:
            count_qs = count_qs.filter(store_id__in=sorted(store_ids))
        return ExportSpec(
            CATALOG_EXPORT_COLUMNS, catalog_export_rows(store_ids=store_ids), count_qs.count()
        )
    if kind == ExportKind.STOCK:
        count_qs = Stock.objects.all()
        if store_ids is not None:
            count_qs = count_qs.filter(store_id__in=sorted(store_ids))
        return ExportSpec(
            STOCK_EXPORT_COLUMNS, stock_export_rows(store_ids=store_ids), count_qs.count()
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


def export_write(spec: ExportSpec, fileobj, *, file_format: str, progress=None) -> None:
    writer = exporting.write_xlsx if file_format == FileFormat.XLSX else exporting.write_csv
    writer(fileobj, spec.headers, spec.rows, progress)


def export_runs_in_background(spec: ExportSpec, file_format: str) -> bool:
    limit = _setting("TRANSFER_EXPORT_BACKGROUND_ROWS", 50_000)
    # XLSX cannot be streamed to the browser while it is built, so it goes earlier.
    return spec.count > (limit // 5 if file_format == FileFormat.XLSX else limit)


def export_job_create(
    *, user, kind: str, file_format: str, store: Store | None = None, filters: str = ""
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
    *, user, kind: str, file_format: str, spec: ExportSpec, store: Store | None, filters: str
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
        if orders is None and job.kind in (ExportKind.ORDERS, ExportKind.ORDER_LINES):
            orders = _orders_from_filters(job)
        spec = export_spec(kind=job.kind, user=job.created_by, store=job.store, orders=orders)
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
        _fail(job, error.message)
        return job
    except Exception:
        logger.exception("Export %s failed", job.pk)
        _fail(job, _("The export failed because of an unexpected error."))
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


def _orders_from_filters(job: ExportJob) -> QuerySet[Order]:
    """Rebuild the order changelist the export was started from, with its filters."""
    return order_changelist_queryset(user=job.created_by, query_string=job.filters)


# Background work for big files (django-tasks; `manage.py db_worker` runs it). The tasks sit
# beside the job functions they run, so that enqueueing them needs no module of its own.


@task()
def validate_import(job_id: int) -> None:
    import_job_validate(ImportJob.objects.select_related("store").get(pk=job_id))


@task()
def apply_import(job_id: int) -> None:
    import_job_run_apply(job_id)


@task()
def run_export(job_id: int) -> None:
    export_job_run(job_id)
