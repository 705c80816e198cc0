from apps.transfer.management.commands._export import ExportCommand
from apps.transfer.models import ExportKind


class Command(ExportCommand):
    help = "Export orders to .csv or .xlsx: one row per order line (default) or per order."
    kinds = (ExportKind.ORDER_LINES, ExportKind.ORDERS)
