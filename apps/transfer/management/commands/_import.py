import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.core.errors import ApplicationError
from apps.stores.scoping import SYSTEM
from apps.transfer.management.commands._common import store_by_slug
from apps.transfer.models import JobStatus
from apps.transfer.services.import_jobs import (
    import_job_apply,
    import_job_create,
    import_job_discard,
)


class ImportCommand(BaseCommand):
    kind = ""

    def add_arguments(self, parser):
        parser.add_argument("file", help="A .csv or .xlsx file.")
        parser.add_argument("--store", required=True, help="Slug of the target store.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Validate and report; write nothing."
        )
        parser.add_argument(
            "--valid-only", action="store_true", help="Write the valid rows, skip rows with errors."
        )

    def handle(self, *args, file, store, dry_run, valid_only, **options):
        target = store_by_slug(store)
        if target is None:
            raise CommandError("Give the slug of the target store.")
        path = Path(file)
        try:
            content = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        started = time.perf_counter()
        try:
            job = import_job_create(
                actor=SYSTEM,
                store=target,
                kind=self.kind,
                name=path.name,
                content=content,
                valid_only=valid_only,
                background=False,
            )
        except ApplicationError as error:
            raise CommandError(error.message) from None
        del content
        if job.status == JobStatus.FAILED:
            raise CommandError(job.message)
        self.stdout.write(
            f"{job.total_rows} rows: {job.created_count} to create, {job.updated_count} to update, "
            f"{job.skipped_count} unchanged, {job.error_rows} with errors "
            f"(checked in {time.perf_counter() - started:.2f} s)."
        )
        self._report_errors(job)
        if dry_run:
            import_job_discard(job=job, actor=SYSTEM)
            if job.error_rows:
                raise CommandError("Dry run: the file has errors.", returncode=1)
            self.stdout.write(self.style.SUCCESS("Dry run: nothing written."))
            return
        if job.error_rows and not valid_only:
            import_job_discard(job=job, actor=SYSTEM)
            raise CommandError(
                "Nothing written: the file has errors (fix them, or pass --valid-only).",
                returncode=1,
            )
        if not job.can_apply:
            import_job_discard(job=job, actor=SYSTEM)
            self.stdout.write(self.style.SUCCESS("Nothing to change."))
            return
        job = import_job_apply(job=job, actor=SYSTEM, background=False)
        if job.status != JobStatus.SUCCEEDED:
            raise CommandError(job.message, returncode=1)
        self.stdout.write(
            self.style.SUCCESS(
                f"Import #{job.pk} applied in {time.perf_counter() - started:.2f} s: "
                f"{job.stock_changes} stock movements."
            )
        )

    def _report_errors(self, job):
        for error in job.errors:
            self.stderr.write(
                f"row {error['row']}, column {error['column']}: {error['message']}"
                + (f" (value {error['value']!r})" if error["value"] else "")
            )
        hidden = job.error_count - len(job.errors)
        if hidden > 0:
            self.stderr.write(f"… and {hidden} more errors.")
        sys.stderr.flush()
