from django.contrib import admin
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import action, display

from apps.stores.admin_mixins import StoreScopedAdminMixin
from apps.stores.roles import Capability
from apps.transfer import admin_views
from apps.transfer.models import ExportJob, ImportJob, JobStatus
from apps.transfer.services.export_jobs import export_jobs_for

STATUS_LABELS = {
    JobStatus.QUEUED: "info",
    JobStatus.VALIDATING: "info",
    JobStatus.RUNNING: "info",
    JobStatus.APPLYING: "info",
    JobStatus.PREVIEW: "warning",
    JobStatus.SUCCEEDED: "success",
    JobStatus.FAILED: "danger",
    JobStatus.DISCARDED: "",
}


class _JobAdmin(StoreScopedAdminMixin, ModelAdmin):
    """Jobs are records of what happened: read-only lists whose rows open the job's page."""

    view_capability = Capability.IMPORT
    change_capability = None
    list_select_related = ("store", "created_by")
    list_filter = ("status", "kind")
    list_per_page = 50
    actions_list = ["new_job"]

    def _job_url(self, obj):
        opts = self.model._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_job", args=[obj.pk])

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.model._meta, object_id)
        return HttpResponseRedirect(self._job_url(obj))

    @display(description=_("job"))
    def job_link(self, obj):
        return format_html(
            '<a href="{}" class="text-primary-600">#{}</a>', self._job_url(obj), obj.pk
        )

    @display(description=_("status"), label=STATUS_LABELS)
    def status_badge(self, obj):
        return obj.status, obj.get_status_display()

    def _view(self, view_class, **initkwargs):
        return view_class.as_admin_view(self, **initkwargs)

    def _name(self, suffix: str) -> str:
        opts = self.model._meta
        return f"{opts.app_label}_{opts.model_name}_{suffix}"


@admin.register(ImportJob)
class ImportJobAdmin(_JobAdmin):
    list_display = (
        "job_link",
        "kind",
        "store",
        "original_name",
        "status_badge",
        "created_count",
        "updated_count",
        "skipped_count",
        "error_rows",
        "created_by",
        "created_at",
    )
    search_fields = ("original_name",)

    def get_urls(self):
        return [
            path("new/", self._view(admin_views.ImportUploadView), name=self._name("new")),
            path("<int:pk>/job/", self._view(admin_views.ImportJobView), name=self._name("job")),
            path(
                "<int:pk>/apply/",
                self._view(admin_views.ImportActionView, action="apply"),
                name=self._name("apply"),
            ),
            path(
                "<int:pk>/discard/",
                self._view(admin_views.ImportActionView, action="discard"),
                name=self._name("discard"),
            ),
            path(
                "<int:pk>/errors.csv",
                self._view(admin_views.ImportErrorsView),
                name=self._name("errors"),
            ),
            *super().get_urls(),
        ]

    @action(description=_("New import"), icon="upload", url_path="start")
    def new_job(self, request):
        return HttpResponseRedirect(reverse("admin:transfer_importjob_new"))


@admin.register(ExportJob)
class ExportJobAdmin(_JobAdmin):
    view_capability = Capability.EXPORT
    list_display = (
        "job_link",
        "kind",
        "file_format",
        "store",
        "status_badge",
        "total_rows",
        "created_by",
        "created_at",
    )

    def get_queryset(self, request):
        return export_jobs_for(request.user, scoped=super().get_queryset(request))

    def get_urls(self):
        return [
            path("new/", self._view(admin_views.ExportView), name=self._name("new")),
            path("<int:pk>/job/", self._view(admin_views.ExportJobView), name=self._name("job")),
            path(
                "<int:pk>/download/",
                self._view(admin_views.ExportDownloadView),
                name=self._name("download"),
            ),
            *super().get_urls(),
        ]

    @action(description=_("New export"), icon="download", url_path="start")
    def new_job(self, request):
        return HttpResponseRedirect(reverse("admin:transfer_exportjob_new"))
