import time

from django.core.management.base import BaseCommand, CommandError

from apps.core.errors import ApplicationError
from apps.transfer.management.commands._common import format_for, store_by_slug
from apps.transfer.services.export_jobs import export_spec, export_write


class ExportCommand(BaseCommand):
    kinds: tuple[str, ...] = ()

    def add_arguments(self, parser):
        parser.add_argument("--store", help="Slug of the store (default: every store).")
        parser.add_argument("--out", required=True, help="A .csv or .xlsx file to write.")
        if len(self.kinds) > 1:
            parser.add_argument("--kind", choices=self.kinds, default=self.kinds[0])

    def handle(self, *args, store, out, kind=None, **options):
        file_format = format_for(out)
        target = store_by_slug(store)
        started = time.perf_counter()
        try:
            spec = export_spec(kind=kind or self.kinds[0], user=None, store=target)
            with open(out, "wb") as handle:
                export_write(spec, handle, file_format=file_format)
        except OSError as error:
            raise CommandError(f"Cannot write {out}: {error.strerror}.") from None
        except ApplicationError as error:
            raise CommandError(error.message) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"{spec.count} rows written to {out} in {time.perf_counter() - started:.2f} s."
            )
        )
