"""An import job's life: upload, validate into a preview, apply or discard; and the background
tasks that validate and apply big files."""

import json
import logging
from collections.abc import Iterator

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tasks import task

from apps.catalog.models import Product, ProductVariant
from apps.core.bulk import analyze
from apps.core.errors import ApplicationError
from apps.inventory.models import Stock, StockMovement
from apps.inventory.services import StockChangesRefused, StockReference
from apps.stores.models import Store
from apps.stores.roles import Capability
from apps.stores.scoping import SYSTEM, Actor, acting_person, require_capability
from apps.transfer import blobs
from apps.transfer.importers.catalog import StaleImport, apply_catalog, validate_catalog
from apps.transfer.importers.staging import plan_size
from apps.transfer.importers.stock import apply_stock, validate_stock
from apps.transfer.models import FileFormat, ImportJob, ImportKind, JobStatus
from apps.transfer.parsing import UnreadableFile, read_table
from apps.transfer.services.jobs import JobProgress, job_check_stale, job_fail
from apps.users.models import User

logger = logging.getLogger(__name__)

ANALYZE_AFTER = 10_000
_WORKBOOK_MAGIC = b"PK\x03\x04"


class UploadTooLarge(ApplicationError):
    code = "upload_too_large"


def _runs_in_background(raw: bytes) -> bool:
    if raw.startswith(_WORKBOOK_MAGIC):
        # What a workbook costs to read is not bounded by its size (a zip of XML can declare
        # or unpack to far more than it holds): only the worker reads one, under the caps.
        return True
    if len(raw) > settings.TRANSFER_BACKGROUND_BYTES:
        return True
    return raw.count(b"\n") > settings.TRANSFER_BACKGROUND_ROWS


def _check_upload(content: bytes) -> None:
    limit = settings.TRANSFER_MAX_UPLOAD_BYTES
    if len(content) > limit:
        raise UploadTooLarge(
            _("The file is %(size)s MB; the limit is %(limit)s MB. Split it into smaller files.")
            % {"size": round(len(content) / 1048576, 1), "limit": round(limit / 1048576, 1)}
        )
    if not content.strip():
        raise UnreadableFile(_("The file is empty."))


def _store_of(job: ImportJob) -> Store:
    """The store the import writes into. Exports share the column, where it may be empty; an
    import is always created with one, so a job without it is refused with a message rather
    than handed to code that needs a store."""
    if job.store is None:
        raise ApplicationError(_("This import has no store to write into."), code="no_store")
    return job.store


def import_job_create(
    *,
    actor: Actor,
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
    require_capability(actor, store, Capability.IMPORT)
    if kind not in ImportKind.values:
        raise ApplicationError(_("Unknown import kind."))
    _check_upload(content)
    job = ImportJob(
        store=store,
        kind=kind,
        created_by=acting_person(actor),
        original_name=name[:255],
        file_format=FileFormat.XLSX if content.startswith(_WORKBOOK_MAGIC) else FileFormat.CSV,
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
        store = _store_of(job)
        raw = blobs.read_blob(blobs.upload_key(job))
        table = read_table(raw, name=job.original_name)
        del raw
        with table:
            ImportJob.objects.filter(pk=job.pk).update(total_rows=table.estimated_rows)
            validate = validate_catalog if job.kind == ImportKind.CATALOG else validate_stock
            staged = validate(store=store, table=table, progress=progress)
    except ApplicationError as error:
        job_fail(job, error.message)
        return job
    except Exception:
        logger.exception("Import %s could not be validated", job.pk)
        job_fail(job, _("The file could not be checked because of an unexpected error."))
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


def import_job_apply(*, job: ImportJob, actor: Actor, background: bool | None = None) -> ImportJob:
    """Write what the preview showed. Refused while there are errors, unless the job was
    created to import the valid rows only."""
    require_capability(actor, _store_of(job), Capability.IMPORT)
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
        background = job.total_rows > settings.TRANSFER_BACKGROUND_ROWS
    if background:
        person = acting_person(actor)
        result = apply_import.enqueue(job.pk, person.pk if person is not None else None)
        ImportJob.objects.filter(pk=job.pk).update(task_id=str(result.id))
    else:
        import_job_run_apply(job.pk, actor=actor)
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


def _nothing_written_because(job: ImportJob, error: Exception) -> str:
    """What the person is told when the apply transaction failed; the unexpected is logged."""
    if isinstance(error, StaleImport) or _is_integrity_error(error):
        return str(_STALE_MESSAGE)
    if isinstance(error, StockChangesRefused):
        return _("Stock changed after the preview. Nothing was written. %(why)s") % {
            "why": error.message
        }
    if isinstance(error, ApplicationError):
        return _("Nothing was written: %(why)s") % {"why": error.message}
    logger.exception("Import %s failed while applying", job.pk)
    return _("Nothing was written because of an unexpected error.")


def import_job_run_apply(job_id: int, *, actor: Actor) -> ImportJob:
    """The write itself, in one transaction: on any failure nothing of it stays."""
    job = ImportJob.objects.select_related("store", "created_by").get(pk=job_id)
    if job.status != JobStatus.APPLYING:
        return job
    try:
        plan = json.loads(blobs.read_blob(blobs.plan_key(job)))["plan"]
    except (OSError, ValueError, KeyError):
        job_fail(
            job,
            _(
                "The checked rows of this import are gone. Nothing was written; upload "
                "the file again."
            ),
        )
        return job
    units = max(plan_size(plan), 1)
    rows = job.total_rows
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now())
    progress = JobProgress(job, inside_transaction=True)

    def report(done: int) -> None:
        # The plan counts writes, people count rows: show the share of the file's rows.
        progress(min(rows, round(rows * done / units)))

    apply = apply_catalog if job.kind == ImportKind.CATALOG else apply_stock
    try:
        with transaction.atomic():
            moved = apply(
                store=_store_of(job),
                plan=plan,
                actor=actor,
                reference=StockReference("import", str(job.pk)),
                reason=_("Import #%(id)s") % {"id": job.pk},
                progress=report,
            )
    except Exception as error:
        job_fail(job, _nothing_written_because(job, error))
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


def import_job_discard(*, job: ImportJob, actor: Actor) -> ImportJob:
    require_capability(actor, _store_of(job), Capability.IMPORT)
    if ImportJob.objects.filter(pk=job.pk, status=JobStatus.PREVIEW).update(
        status=JobStatus.DISCARDED, finished_at=timezone.now()
    ):
        job.refresh_from_db()
        blobs.delete_blob(blobs.plan_key(job))
        blobs.delete_blob(blobs.upload_key(job))
    return job


def import_failed_rows(job: ImportJob) -> tuple[list[str], Iterator[tuple[object, ...]]]:
    """(headers, rows) of the rows that failed, each with its errors in a last column."""
    try:
        data = json.loads(blobs.read_blob(blobs.plan_key(job)))
    except FileNotFoundError:
        return [], iter(())
    headers = ["row", *data["headers"], "errors"]
    return headers, ((row, *cells, message) for row, cells, message in data["failed_rows"])


# Background work for big files: `manage.py db_worker` runs it.


@task()
def validate_import(job_id: int) -> None:
    import_job_validate(ImportJob.objects.select_related("store").get(pk=job_id))


@task()
def apply_import(job_id: int, applier_id: int | None) -> None:
    # The task carries the id of the person who clicked apply: the ledger and the catalogue's
    # history name them, not the uploader. None: set-up code (a command) with nobody behind it.
    applier = User.objects.filter(pk=applier_id, is_active=True).first() if applier_id else None
    import_job_run_apply(job_id, actor=applier if applier is not None else SYSTEM)
