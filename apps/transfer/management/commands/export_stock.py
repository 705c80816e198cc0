from apps.transfer.management.commands._export import ExportCommand
from apps.transfer.models import ExportKind


class Command(ExportCommand):
    help = "Export stock levels to .csv or .xlsx."
    kinds = (ExportKind.STOCK,)
