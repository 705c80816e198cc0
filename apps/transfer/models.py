"""Import and export jobs: who moved what in or out of which store, and how it went."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.stores.models import Store


class ImportKind(models.TextChoices):
    CATALOG = "catalog", _("Catalogue")
    STOCK = "stock", _("Stock levels")


class ExportKind(models.TextChoices):
    CATALOG = "catalog", _("Catalogue")
    STOCK = "stock", _("Stock levels")
    ORDERS = "orders", _("Orders")
    ORDER_LINES = "order_lines", _("Order lines")


class FileFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    VALIDATING = "validating", _("Validating")
    PREVIEW = "preview", _("Ready to apply")
    APPLYING = "applying", _("Applying")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Done")
    FAILED = "failed", _("Failed")
    DISCARDED = "discarded", _("Discarded")


ACTIVE_STATUSES = (JobStatus.QUEUED, JobStatus.VALIDATING, JobStatus.APPLYING, JobStatus.RUNNING)
FINISHED_STATUSES = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.DISCARDED)


class TransferJob(models.Model):
    store = models.ForeignKey(
        Store,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("store"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    file_format = models.CharField(_("format"), max_length=8, choices=FileFormat.choices)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    message = models.TextField(_("message"), blank=True)
    task_id = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # A worker touches this while it works; a running job whose heartbeat stopped is dead.
    heartbeat_at = models.DateTimeField(_("heartbeat"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 0 if self.is_active else 100
        return min(100, round(100 * self.rows_done / self.total_rows))

    @property
    def elapsed(self) -> timedelta | None:
        if self.started_at is None:
            return None
        return (self.finished_at or timezone.now()) - self.started_at


class ImportJob(TransferJob):
    kind = models.CharField(_("kind"), max_length=16, choices=ImportKind.choices)
    original_name = models.CharField(_("file name"), max_length=255)
    file_size = models.PositiveBigIntegerField(_("file size"), default=0)
    valid_only = models.BooleanField(
        _("import valid rows only"),
        default=False,
        help_text=_("Write the rows without errors and skip the others."),
    )
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    skipped_count = models.PositiveIntegerField(_("unchanged"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    error_rows = models.PositiveIntegerField(_("rows with errors"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    stock_changes = models.PositiveIntegerField(_("stock changes"), default=0)
    # What the preview shows beside the counts: a sample of changes, ignored columns…
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)

    class Meta(TransferJob.Meta):
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self):
        return gettext("%(kind)s import #%(id)s (%(name)s)") % {
            "kind": self.get_kind_display(),
            "id": self.pk,
            "name": self.original_name,
        }

    @property
    def can_apply(self) -> bool:
        if self.status != JobStatus.PREVIEW:
            return False
        if self.error_rows and not self.valid_only:
            return False
        return bool(self.created_count or self.updated_count or self.stock_changes)


class ExportJob(TransferJob):
    kind = models.CharField(_("kind"), max_length=16, choices=ExportKind.choices)
    # The changelist filters (a query string) the export was taken with, for the record.
    filters = models.TextField(_("filters"), blank=True)
    file_size = models.PositiveBigIntegerField(_("file size"), default=0)

    class Meta(TransferJob.Meta):
        verbose_name = _("export")
        verbose_name_plural = _("exports")

    def __str__(self):
        return gettext("%(kind)s export #%(id)s") % {"kind": self.get_kind_display(), "id": self.pk}


class StoredChunk(models.Model):
    """A compressed piece of a job's file (the upload, the checked plan, an export); see
    apps/transfer/blobs.py."""

    key = models.CharField(max_length=64)
    seq = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "seq"], name="storedchunk_key_seq_unique")
        ]

    def __str__(self):
        return f"{self.key}#{self.seq}"
