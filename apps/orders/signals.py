from django.dispatch import Signal

# Sent after the transaction that changed an order's status has committed.
# kwargs: order, source (None for a new order), target, actor
order_status_changed = Signal()
