"""Background work for big files (django-tasks; `manage.py db_worker` runs it)."""

from django_tasks import task

from apps.transfer import services


@task()
def validate_import(job_id: int) -> None:
    from apps.transfer.models import ImportJob

    services.import_job_validate(ImportJob.objects.select_related("store").get(pk=job_id))


@task()
def apply_import(job_id: int) -> None:
    services.import_job_run_apply(job_id)


@task()
def run_export(job_id: int) -> None:
    services.export_job_run(job_id)
