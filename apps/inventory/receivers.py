from django.dispatch import receiver

from apps.catalog.signals import variants_saved
from apps.inventory.services import stock_ensure


@receiver(variants_saved)
def ensure_stock_rows(sender, variants, **kwargs):
    stock_ensure(variants=variants)
