from django.dispatch import Signal

# Sent after the transaction that changed an order's status has committed.
# kwargs: order, source (None for a new order), target, actor
order_status_changed = Signal()

# Sent after the transaction that created or delivered a shipment has committed. kwargs: shipment
order_shipment_changed = Signal()
