"""What import and export jobs share: progress with a heartbeat, the check for a worker that
stopped, and failing a job."""

import time
from datetime import timedelta
from typing import TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.transfer.models import ExportJob, ImportJob, JobStatus

J = TypeVar("J", ImportJob, ExportJob)


class JobProgress:
    """Record rows done and a heartbeat on the job, at most a few times a second.

    Inside the apply transaction the job row cannot be updated through the same connection
    (nobody would see it until commit), so on PostgreSQL a second connection writes it.
    SQLite allows one writer at a time: there the apply reports only when it is over.
    """

    def __init__(self, job: ImportJob | ExportJob, *, inside_transaction: bool = False) -> None:
        self.model = type(job)
        self.pk = job.pk
        self.connection: BaseDatabaseWrapper | None = None
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


def job_check_stale(job: J) -> J:
    """A job whose worker stopped beating is dead: say so instead of spinning forever."""
    if not job.is_active:
        return job
    minutes = settings.TRANSFER_STALE_MINUTES
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


def job_fail(job: ImportJob | ExportJob, message: str) -> None:
    type(job).objects.filter(pk=job.pk).update(
        status=JobStatus.FAILED, message=message, finished_at=timezone.now()
    )
    job.refresh_from_db()
