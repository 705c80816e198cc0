"""Import and export jobs. The admin pages, the background tasks and the management commands
all go through these functions: one code path for every surface.

`import_jobs` and `export_jobs` each hold their job's lifecycle and the background tasks that
run it (django-tasks; `manage.py db_worker`), beside the functions the tasks call, so enqueueing
needs no module of its own and no import cycle; `jobs` holds what both kinds share.
"""
