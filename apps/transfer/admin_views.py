"""The import and export pages inside the admin chrome, on the back-office page base
(apps/stores/backoffice.py): upload → preview → apply, a progress page that HTMX polls, and the
result with its error download. Every page also works without JavaScript (a refresh link
stands in for the polling)."""

import tempfile

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponseRedirect, StreamingHttpResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView

from apps.core.errors import ApplicationError
from apps.stores.backoffice import BackofficePageView
from apps.stores.roles import Capability
from apps.stores.scoping import current_store_id, scope_queryset
from apps.transfer import blobs, exporting
from apps.transfer.changelists import order_changelist_queryset
from apps.transfer.forms import ExportForm, ImportUploadForm
from apps.transfer.models import ExportKind, FileFormat, ImportJob, JobStatus
from apps.transfer.services.export_jobs import (
    export_job_create,
    export_job_record,
    export_jobs_for,
    export_runs_in_background,
    export_spec,
    export_write,
)
from apps.transfer.services.import_jobs import (
    import_failed_rows,
    import_job_apply,
    import_job_create,
    import_job_discard,
)
from apps.transfer.services.jobs import job_check_stale

CONTENT_TYPES = {
    FileFormat.CSV: "text/csv; charset=utf-8",
    FileFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class _ImportPage(BackofficePageView):
    capability = Capability.IMPORT
    title = gettext_lazy("Import")

    def get_scoped_queryset(self):
        jobs = ImportJob.objects.select_related("store", "created_by")
        return scope_queryset(jobs, self.request.user, capability=Capability.IMPORT)


class _ExportPage(BackofficePageView):
    capability = Capability.EXPORT
    title = gettext_lazy("Export")

    def get_scoped_queryset(self):
        return export_jobs_for(self.request.user)


def _download(name: str, file_format: str, streaming_content=None, fileobj=None):
    if fileobj is not None:
        response = FileResponse(fileobj, content_type=CONTENT_TYPES[file_format])
    else:
        response = StreamingHttpResponse(streaming_content, content_type=CONTENT_TYPES[file_format])
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


class ImportUploadView(_ImportPage, FormView):
    template_name = "transfer/import_upload.html"
    form_class = ImportUploadForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def get_initial(self):
        return {"kind": self.request.GET.get("kind", "catalog")}

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        try:
            job = import_job_create(
                actor=self.request.user,
                store=form.cleaned_data["store"],
                kind=form.cleaned_data["kind"],
                name=upload.name,
                content=upload.read(),
                valid_only=form.cleaned_data["valid_only"],
            )
        except ApplicationError as error:
            form.add_error("file", error.message)
            return self.form_invalid(form)
        return HttpResponseRedirect(reverse("admin:transfer_importjob_job", args=[job.pk]))


class ImportJobView(_ImportPage):
    """Progress while the worker runs, then the preview, then the result: one page, whose
    `job` fragment HTMX re-fetches every second while the job is active."""

    template_name = "transfer/import_job.html"
    fragment = "job"

    def get(self, request, *args, **kwargs):
        job = job_check_stale(self.get_object())
        context = self.get_context_data(
            job=job,
            subtitle=str(job),
            errors_shown=job.errors[:200],
            more_errors=max(0, job.error_count - 200),
            changes=job.summary.get("changes", []),
            ignored_columns=job.summary.get("ignored_columns", []),
        )
        return self.render_to_response(context)


class ImportActionView(_ImportPage):
    """Apply or discard a previewed import (POST only)."""

    action = "apply"

    def post(self, request, pk):
        job = self.get_object()
        try:
            if self.action == "apply":
                job = import_job_apply(job=job, actor=request.user)
            else:
                import_job_discard(job=job, actor=request.user)
                messages.info(request, _("The import was discarded; nothing was written."))
        except ApplicationError as error:
            messages.error(request, error.message)
        return HttpResponseRedirect(reverse("admin:transfer_importjob_job", args=[pk]))


class ImportErrorsView(_ImportPage):
    """The rows that failed, as they were uploaded, with what is wrong in a last column."""

    def get(self, request, pk):
        job = self.get_object()
        headers, rows = import_failed_rows(job)
        if not headers:
            raise Http404
        return _download(
            f"import-{job.pk}-errors.csv", FileFormat.CSV, exporting.csv_chunks(headers, rows)
        )


class ExportView(_ExportPage, FormView):
    """Small exports stream straight to the browser; big ones become a background job."""

    template_name = "transfer/export.html"
    form_class = ExportForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def get_initial(self):
        return {
            # The store picked in the back office's store switcher, as the lists show it.
            "store": current_store_id(self.request),
            "kind": self.request.GET.get("kind", ExportKind.CATALOG),
            "filters": self.request.GET.get("filters", ""),
            "file_format": FileFormat.CSV,
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filters"] = self.request.GET.get("filters") or self.request.POST.get("filters")
        return context

    def form_valid(self, form):
        user = self.request.user
        kind = form.cleaned_data["kind"]
        file_format = form.cleaned_data["file_format"]
        store = form.cleaned_data["store"]
        filters = form.cleaned_data["filters"]
        try:
            orders = None
            if kind in (ExportKind.ORDERS, ExportKind.ORDER_LINES):
                orders = order_changelist_queryset(user=user, query_string=filters)
            spec = export_spec(kind=kind, user=user, store=store, orders=orders)
            if export_runs_in_background(spec, file_format):
                job = export_job_create(
                    user=user, kind=kind, file_format=file_format, store=store, filters=filters
                )
                return HttpResponseRedirect(reverse("admin:transfer_exportjob_job", args=[job.pk]))
        except ApplicationError as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)
        job = export_job_record(
            user=user, kind=kind, file_format=file_format, spec=spec, store=store, filters=filters
        )
        name = f"{kind}-{job.started_at:%Y%m%d-%H%M%S}.{file_format}"
        if file_format == FileFormat.CSV:
            return _download(name, file_format, exporting.csv_chunks(spec.headers, spec.rows))
        # FileResponse closes the spool once it has been sent.
        spool = tempfile.TemporaryFile()  # noqa: SIM115
        export_write(spec, spool, file_format=file_format)
        spool.seek(0)
        return _download(name, file_format, fileobj=spool)


class ExportJobView(_ExportPage):
    template_name = "transfer/export_job.html"
    fragment = "job"

    def get(self, request, *args, **kwargs):
        job = job_check_stale(self.get_object())
        return self.render_to_response(self.get_context_data(job=job, subtitle=str(job)))


class ExportDownloadView(_ExportPage):
    def get(self, request, pk):
        job = self.get_object()
        if job.status != JobStatus.SUCCEEDED or not job.file_size:
            raise Http404
        return _download(
            f"{job.kind}-{job.pk}.{job.file_format}",
            job.file_format,
            blobs.iter_blob(blobs.export_key(job)),
        )
