"""The import and export pages inside the admin chrome: upload → preview → apply, a progress
page that HTMX polls, and the result with its error download. Every page also works
without JavaScript (a refresh link stands in for the polling)."""

import tempfile

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import FormView, TemplateView, View
from unfold.views import UnfoldModelAdminViewMixin

from apps.core.errors import ApplicationError
from apps.stores.roles import Capability
from apps.stores.scoping import current_store_id, scope_queryset, user_can_anywhere
from apps.transfer import blobs, exporting
from apps.transfer.changelists import order_changelist_queryset
from apps.transfer.forms import ExportForm, ImportUploadForm
from apps.transfer.models import ExportKind, FileFormat, ImportJob, JobStatus
from apps.transfer.services import (
    export_job_create,
    export_job_record,
    export_jobs_for,
    export_runs_in_background,
    export_spec,
    export_write,
    import_failed_rows,
    import_job_apply,
    import_job_create,
    import_job_discard,
    job_check_stale,
)

CONTENT_TYPES = {
    FileFormat.CSV: "text/csv; charset=utf-8",
    FileFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class _CapabilityView(UnfoldModelAdminViewMixin):
    """Staff with `capability` in at least one store; the object-level checks come after."""

    capability = Capability.IMPORT
    permission_required = ()

    def has_permission(self):
        user = self.request.user
        return user.is_active and user.is_staff and user_can_anywhere(user, self.capability)


def _import_jobs(user):
    return scope_queryset(
        ImportJob.objects.select_related("store", "created_by"), user, capability=Capability.IMPORT
    )


def _download(name: str, file_format: str, streaming_content=None, fileobj=None):
    if fileobj is not None:
        response = FileResponse(fileobj, content_type=CONTENT_TYPES[file_format])
    else:
        response = StreamingHttpResponse(streaming_content, content_type=CONTENT_TYPES[file_format])
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


class ImportUploadView(_CapabilityView, FormView):
    title = gettext_lazy("Import")
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
                user=self.request.user,
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


class ImportJobView(_CapabilityView, TemplateView):
    """Progress while the worker runs, then the preview, then the result: one page, whose
    `job` fragment HTMX re-fetches every second while the job is active."""

    title = gettext_lazy("Import")
    template_name = "transfer/import_job.html"

    def get_template_names(self):
        if getattr(self.request, "htmx", False):
            return [f"{self.template_name}#job"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        job = job_check_stale(get_object_or_404(_import_jobs(self.request.user), pk=kwargs["pk"]))
        context = super().get_context_data(**kwargs)
        context.update(
            job=job,
            subtitle=str(job),
            errors_shown=job.errors[:200],
            more_errors=max(0, job.error_count - 200),
            changes=job.summary.get("changes", []),
            ignored_columns=job.summary.get("ignored_columns", []),
        )
        return context


@method_decorator(require_POST, name="dispatch")
class ImportActionView(_CapabilityView, View):
    """Apply or discard a previewed import (POST only)."""

    action = "apply"

    def post(self, request, pk):
        job = get_object_or_404(_import_jobs(request.user), pk=pk)
        try:
            if self.action == "apply":
                job = import_job_apply(job=job, user=request.user)
            else:
                import_job_discard(job=job, user=request.user)
                messages.info(request, _("The import was discarded; nothing was written."))
        except ApplicationError as error:
            messages.error(request, error.message)
        return HttpResponseRedirect(reverse("admin:transfer_importjob_job", args=[pk]))


class ImportErrorsView(_CapabilityView, View):
    """The rows that failed, as they were uploaded, with what is wrong in a last column."""

    def get(self, request, pk):
        job = get_object_or_404(_import_jobs(request.user), pk=pk)
        headers, rows = import_failed_rows(job)
        if not headers:
            raise Http404
        return _download(
            f"import-{job.pk}-errors.csv", FileFormat.CSV, exporting.csv_chunks(headers, rows)
        )


class ExportView(_CapabilityView, FormView):
    """Small exports stream straight to the browser; big ones become a background job."""

    capability = Capability.EXPORT
    title = gettext_lazy("Export")
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


class ExportJobView(_CapabilityView, TemplateView):
    capability = Capability.EXPORT
    title = gettext_lazy("Export")
    template_name = "transfer/export_job.html"

    def get_template_names(self):
        if getattr(self.request, "htmx", False):
            return [f"{self.template_name}#job"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        job = job_check_stale(
            get_object_or_404(export_jobs_for(self.request.user), pk=kwargs["pk"])
        )
        context = super().get_context_data(**kwargs)
        context.update(job=job, subtitle=str(job))
        return context


class ExportDownloadView(_CapabilityView, View):
    capability = Capability.EXPORT

    def get(self, request, pk):
        job = get_object_or_404(export_jobs_for(request.user), pk=pk)
        if job.status != JobStatus.SUCCEEDED or not job.file_size:
            raise Http404
        return _download(
            f"{job.kind}-{job.pk}.{job.file_format}",
            job.file_format,
            blobs.iter_blob(blobs.export_key(job)),
        )
