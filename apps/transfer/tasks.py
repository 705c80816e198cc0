"""Background work for big files (django-tasks; `manage.py db_worker` runs it). The job
functions live in apps.transfer.services, which enqueues these tasks."""

from django_tasks import task


@task()
def validate_import(job_id: int) -> None:
    from apps.transfer.models import ImportJob
    from apps.transfer.services import import_job_validate

    import_job_validate(ImportJob.objects.select_related("store").get(pk=job_id))


@task()
def apply_import(job_id: int) -> None:
    from apps.transfer.services import import_job_run_apply

    import_job_run_apply(job_id)


@task()
def run_export(job_id: int) -> None:
    from apps.transfer.services import export_job_run

    export_job_run(job_id)
