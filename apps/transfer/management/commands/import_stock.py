from apps.transfer.management.commands._import import ImportCommand
from apps.transfer.models import ImportKind


class Command(ImportCommand):
    help = "Import stock levels (sku, on_hand or delta, reason) into a store."
    kind = ImportKind.STOCK
