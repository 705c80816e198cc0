from apps.transfer.management.commands._import import ImportCommand
from apps.transfer.models import ImportKind


class Command(ImportCommand):
    help = "Import a catalogue file (one row per variant) into a store: preview, then apply."
    kind = ImportKind.CATALOG
