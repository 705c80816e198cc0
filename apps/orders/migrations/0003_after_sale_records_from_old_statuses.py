"""Orders that shipped, were delivered or came back under the whole-order lifecycle get the
records the per-line model derives those states from: one shipment of every line (with the
order's tracking number), a received and closed return, and payment records for what the typed
payment status said.

Reversible, with a loss stated here: going back folds each order's records into the old single
status, payment status and first tracking number; partial states (one shipment of two, a
partial refund) have no old equivalent and become the nearest whole-order state.
"""

from collections import defaultdict

from django.db import migrations
from django.db.models import Q

BATCH = 2000
OLD_AFTER_SALE = ("shipped", "delivered", "returned")


def _event_times(OrderEvent, order_ids):
    """order id → {status reached: when}, from the old timeline."""
    times = defaultdict(dict)
    events = OrderEvent.objects.filter(
        order_id__in=order_ids, type__in=("status_changed", "payment")
    ).values_list("order_id", "type", "to_value", "created_at")
    for order_id, event_type, to_value, created_at in events:
        times[order_id].setdefault((event_type, to_value), created_at)
    return times


def _restocked(StockMovement, numbers):
    """(order number, variant id) pairs whose return put goods back on the shelf."""
    return set(
        StockMovement.objects.filter(
            reference_type="order", reference_id__in=numbers, reason="returned"
        ).values_list("reference_id", "stock__variant_id")
    )


def _migrate_batch(apps, orders):
    OrderLine = apps.get_model("orders", "OrderLine")
    OrderEvent = apps.get_model("orders", "OrderEvent")
    Shipment = apps.get_model("orders", "Shipment")
    ShipmentLine = apps.get_model("orders", "ShipmentLine")
    OrderReturn = apps.get_model("orders", "OrderReturn")
    ReturnLine = apps.get_model("orders", "ReturnLine")
    StockMovement = apps.get_model("inventory", "StockMovement")

    times = _event_times(OrderEvent, [order.pk for order in orders])
    restocked = _restocked(StockMovement, [order.number for order in orders])
    lines = defaultdict(list)
    for line in OrderLine.objects.filter(order_id__in=[order.pk for order in orders]):
        lines[line.order_id].append(line)

    shipments, returns = {}, {}
    for order in orders:
        at = times[order.pk]
        delivered_at = at.get(("status_changed", "delivered"))
        shipments[order.pk] = Shipment(
            order_id=order.pk,
            number=f"{order.number}-S1",
            status="delivered" if delivered_at else "shipped",
            tracking_number=order.tracking_number,
            created_at=at.get(("status_changed", "shipped")) or order.placed_at,
            delivered_at=delivered_at,
        )
        if order.status == "returned":
            returned_at = at.get(("status_changed", "returned")) or order.updated_at
            returns[order.pk] = OrderReturn(
                order_id=order.pk,
                number=f"{order.number}-R1",
                status="closed",
                created_at=returned_at,
                received_at=returned_at,
                closed_at=returned_at,
            )
    Shipment.objects.bulk_create(shipments.values())
    OrderReturn.objects.bulk_create(returns.values())

    shipment_lines, return_lines, changed_lines = [], [], []
    for order in orders:
        returned = order.pk in returns
        for line in lines[order.pk]:
            shipment_lines.append(
                ShipmentLine(shipment=shipments[order.pk], order_line=line, quantity=line.quantity)
            )
            line.quantity_shipped = line.quantity
            if shipments[order.pk].status == "delivered":
                line.quantity_delivered = line.quantity
            if returned:
                line.quantity_returned = line.quantity
                put_back = (order.number, line.variant_id) in restocked
                return_lines.append(
                    ReturnLine(
                        order_return=returns[order.pk],
                        order_line=line,
                        quantity=line.quantity,
                        reason="other",
                        decision="restock" if put_back else "write_off",
                    )
                )
            changed_lines.append(line)
    ShipmentLine.objects.bulk_create(shipment_lines)
    ReturnLine.objects.bulk_create(return_lines)
    OrderLine.objects.bulk_update(
        changed_lines, ["quantity_shipped", "quantity_delivered", "quantity_returned"]
    )
    return times


def _fulfilment(order, has_delivery):
    if order.status == "returned":
        return "returned"
    return "delivered" if has_delivery else "shipped"


def _payments(apps, orders, returns, times):
    Payment = apps.get_model("orders", "Payment")
    payments = []
    for order in orders:
        if order.payment_status not in ("paid", "refunded"):
            continue
        at = times[order.pk]
        paid_at = at.get(("payment", "paid")) or order.placed_at
        payments.append(
            Payment(
                order_id=order.pk,
                kind="capture",
                amount=order.total,
                currency=order.currency,
                method="recorded before payment records",
                created_at=paid_at,
            )
        )
        if order.payment_status == "refunded":
            payments.append(
                Payment(
                    order_id=order.pk,
                    kind="refund",
                    amount=order.total,
                    currency=order.currency,
                    method="recorded before payment records",
                    order_return=returns.get(order.pk),
                    note="Refunded before payment records.",
                    created_at=at.get(("payment", "refunded")) or paid_at,
                )
            )
    Payment.objects.bulk_create(payments)


def forward(apps, schema_editor):
    Order = apps.get_model("orders", "Order")
    OrderEvent = apps.get_model("orders", "OrderEvent")
    OrderReturn = apps.get_model("orders", "OrderReturn")
    after_sale = Order.objects.filter(status__in=OLD_AFTER_SALE).order_by("pk")
    last_pk = 0
    while True:
        orders = list(after_sale.filter(pk__gt=last_pk)[:BATCH])
        if not orders:
            break
        last_pk = orders[-1].pk
        times = _migrate_batch(apps, orders)
        for order in orders:
            delivered = ("status_changed", "delivered") in times[order.pk]
            order.fulfilment_status = _fulfilment(order, delivered)
            order.status = "confirmed"
        Order.objects.bulk_update(orders, ["status", "fulfilment_status"])
    # Paid orders that never shipped keep their money on record too.
    paid = Order.objects.filter(payment_status__in=("paid", "refunded")).order_by("pk")
    last_pk = 0
    while True:
        orders = list(paid.filter(pk__gt=last_pk)[:BATCH])
        if not orders:
            break
        last_pk = orders[-1].pk
        returns = {
            r.order_id: r for r in OrderReturn.objects.filter(order_id__in=[o.pk for o in orders])
        }
        _payments(apps, orders, returns, _event_times(OrderEvent, [o.pk for o in orders]))


OLD_PAYMENT = {
    "unpaid": "unpaid",
    "authorised": "unpaid",
    "partially_paid": "unpaid",
    "paid": "paid",
    "overpaid": "paid",
    "partially_refunded": "paid",
    "refunded": "refunded",
}
OLD_STATUS = {
    "partially_shipped": "shipped",
    "shipped": "shipped",
    "partially_delivered": "shipped",
    "delivered": "delivered",
    "partially_returned": "returned",
    "returned": "returned",
}


def backward(apps, schema_editor):
    Order = apps.get_model("orders", "Order")
    Shipment = apps.get_model("orders", "Shipment")
    changed = Order.objects.filter(
        Q(~Q(fulfilment_status="unfulfilled")) | ~Q(payment_status__in=("unpaid", "paid", "refunded"))
    ).order_by("pk")
    last_pk = 0
    while True:
        orders = list(changed.filter(pk__gt=last_pk)[:BATCH])
        if not orders:
            break
        last_pk = orders[-1].pk
        tracking = dict(
            Shipment.objects.filter(order_id__in=[o.pk for o in orders])
            .exclude(tracking_number="")
            .order_by("-created_at")
            .values_list("order_id", "tracking_number")
        )
        for order in orders:
            if order.status != "cancelled" and order.fulfilment_status in OLD_STATUS:
                order.status = OLD_STATUS[order.fulfilment_status]
            order.payment_status = OLD_PAYMENT[order.payment_status]
            order.tracking_number = tracking.get(order.pk, "")
        Order.objects.bulk_update(orders, ["status", "payment_status", "tracking_number"])


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0002_shipments_returns_payments"),
        ("inventory", "0003_shipment_cancelled_reason"),
    ]

    operations = [migrations.RunPython(forward, backward)]
