from apps.inventory.models import MovementReason
from apps.inventory.services import stock_adjust


def receive(variant, quantity, actor=None):
    """Put `quantity` units of `variant` on the shelf through the ledger."""
    return stock_adjust(
        variant=variant,
        delta=quantity,
        reason=MovementReason.RECEIVED,
        actor=actor,
        check_permission=False,
    )
