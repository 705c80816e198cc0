from django.core.management.base import BaseCommand, CommandError

from apps.inventory.selectors import ledger_mismatches
from apps.stores.models import Store


class Command(BaseCommand):
    help = "Replay the stock ledger; exit 1 listing every variant whose Stock disagrees with it."

    def add_arguments(self, parser):
        parser.add_argument("--store", help="Only this store (slug).")

    def handle(self, *args, store=None, **options):
        store_id = None
        if store:
            store_obj = Store.objects.filter(slug=store).first()
            if store_obj is None:
                raise CommandError(f"No store with slug {store!r}.")
            store_id = store_obj.pk
        mismatches = ledger_mismatches(store_id=store_id)
        for m in mismatches:
            self.stderr.write(
                f"{m.sku} (stock {m.stock_id}, store {m.store_id}): "
                f"on_hand {m.on_hand} vs ledger {m.ledger_on_hand}, "
                f"allocated {m.allocated} vs ledger {m.ledger_allocated}"
            )
        if mismatches:
            raise CommandError(
                f"{len(mismatches)} stock rows disagree with the ledger.", returncode=1
            )
        self.stdout.write(self.style.SUCCESS("Stock ledger is consistent."))
