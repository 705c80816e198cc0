from apps.transfer.management.commands._export import ExportCommand
from apps.transfer.models import ExportKind


class Command(ExportCommand):
    help = "Export the catalogue (one row per variant, importable again) to .csv or .xlsx."
    kinds = (ExportKind.CATALOG,)
