from apps.inventory.models import MovementReason
from apps.inventory.services import stock_adjust
from apps.stores.scoping import SYSTEM


def receive(variant, quantity):
    """Put `quantity` units of `variant` on the shelf through the ledger."""
    return stock_adjust(
        variant=variant, delta=quantity, reason=MovementReason.RECEIVED, actor=SYSTEM
    )
