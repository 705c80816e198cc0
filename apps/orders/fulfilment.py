"""Shipments, line by line: the only code that writes them (returns: apps/orders/returns.py).

A shipment takes any quantities of the order's lines not yet shipped and consumes exactly that
stock; cancelled before delivery, its goods go back on the shelf allocated to the order again.
The order's fulfilment status follows from the lines' counters (apps/orders/statuses.py).
"""

from django.db import transaction
from django.utils import timezone

from apps.core.errors import ApplicationError, NotFound
from apps.inventory.ledger import StockReference
from apps.inventory.order_stock import (
    stock_consume,
    stock_unship,
)
from apps.orders.event_texts import part
from apps.orders.models import (
    Order,
    OrderEventType,
    OrderLine,
    Shipment,
    ShipmentLine,
    ShipmentStatus,
)
from apps.orders.order_state import (
    SHIPMENT_REFERENCE,
    after_line_change,
    line_items,
    lines_by_id,
    lock_order,
    payment_totals,
    require_reason,
    resolve_quantities,
    stock_holders,
)
from apps.orders.returns import returned_or_requested
from apps.orders.signals import order_shipment_changed
from apps.orders.transitions import OrderStatus
from apps.stores.roles import Capability
from apps.stores.scoping import (
    Actor,
    acting_person,
    require_capability,
)


def _stock_lines(pairs: list[tuple[OrderLine, int]]) -> list[tuple[int, int]]:
    return [(line.variant_id, quantity) for line, quantity in pairs if line.variant_id]


def _refuse_unpaid(order: Order, *, actor: Actor, unpaid_reason: str) -> str:
    """The store's rule on shipping before payment; returns the override's words, if any."""
    if order.store.ship_unpaid_orders or payment_totals(order).covered:
        return ""
    if not unpaid_reason.strip():
        raise ApplicationError(
            f"Order {order.number} is not paid. A manager can ship it anyway, with a reason.",
            code="order_unpaid",
        )
    require_capability(actor, order.store_id, Capability.MANAGE_ORDERS)
    return require_reason(unpaid_reason, action="shipping an unpaid order")


@transaction.atomic
def shipment_create(
    *,
    order: Order,
    lines: list[tuple[int, int]] | None,
    actor: Actor,
    carrier: str = "",
    tracking_number: str = "",
    tracking_url: str = "",
    unpaid_reason: str = "",
) -> Shipment:
    """Ship (line id, quantity) pairs of a confirmed order; each quantity at most what the
    line has not shipped yet. `lines=None` ships everything not shipped yet."""
    locked = lock_order(order)
    require_capability(actor, locked.store_id, Capability.FULFIL_ORDERS)
    if locked.status != OrderStatus.CONFIRMED:
        raise ApplicationError(
            f"Order {locked.number} is {locked.get_status_display().lower()}; "
            "only confirmed orders ship.",
            code="order_not_confirmed",
        )
    override = _refuse_unpaid(locked, actor=actor, unpaid_reason=unpaid_reason)
    by_id = lines_by_id(locked)
    if lines is None:
        lines = [(pk, line.quantity_unshipped) for pk, line in by_id.items()]
    chosen = resolve_quantities(
        by_id, lines, available={pk: line.quantity_unshipped for pk, line in by_id.items()}
    )
    sequence = locked.shipments.count() + 1
    shipment = Shipment.objects.create(
        order=locked,
        number=f"{locked.number}-S{sequence}",
        carrier=carrier.strip()[:64],
        tracking_number=tracking_number.strip()[:64],
        tracking_url=tracking_url.strip()[:500],
        created_by=acting_person(actor),
        created_at=timezone.now(),
    )
    ShipmentLine.objects.bulk_create(
        ShipmentLine(shipment=shipment, order_line=line, quantity=quantity)
        for line, quantity in chosen
    )
    stock_consume(
        lines=_stock_lines(chosen),
        actor=actor,
        reference=StockReference(SHIPMENT_REFERENCE, shipment.number),
        holders=stock_holders(locked),
    )
    for line, quantity in chosen:
        line.quantity_shipped += quantity
    OrderLine.objects.bulk_update([line for line, _q in chosen], ["quantity_shipped"])
    parts = [part("shipment_created", shipment=shipment.number, items=line_items(chosen))]
    if shipment.tracking_number:
        parts.append(part("tracking", carrier=shipment.carrier, tracking=shipment.tracking_number))
    if override:
        parts.append(part("shipped_unpaid", reason=override))
    after_line_change(
        locked, OrderEventType.SHIPMENT, parts, actor=actor, lines=list(by_id.values())
    )
    transaction.on_commit(lambda: order_shipment_changed.send(Shipment, shipment=shipment))
    return shipment


def _lock_shipment(shipment: Shipment) -> tuple[Order, Shipment]:
    order = lock_order(shipment.order)
    try:
        locked = order.shipments.select_for_update().get(pk=shipment.pk)
    except Shipment.DoesNotExist:
        raise NotFound("Shipment not found.") from None
    return order, locked


def _shipment_pairs(shipment: Shipment, by_id: dict[int, OrderLine]) -> list[tuple[OrderLine, int]]:
    return [
        (by_id[line.order_line_id], line.quantity)
        for line in shipment.lines.all()
        if line.order_line_id in by_id
    ]


@transaction.atomic
def shipment_cancel(*, shipment: Shipment, actor: Actor, reason: str) -> Shipment:
    """Undo a shipment that has not been delivered: its goods are allocated to the order again."""
    order, locked = _lock_shipment(shipment)
    require_capability(actor, order.store_id, Capability.FULFIL_ORDERS)
    reason = require_reason(reason, action="cancelling a shipment")
    if locked.status != ShipmentStatus.SHIPPED:
        raise ApplicationError(
            f"Shipment {locked.number} is {locked.get_status_display().lower()}; "
            "only shipments on their way can be cancelled.",
            code="shipment_not_cancellable",
        )
    by_id = lines_by_id(order)
    pairs = _shipment_pairs(locked, by_id)
    claimed = returned_or_requested(order)
    for line, quantity in pairs:
        if line.quantity_shipped - quantity < claimed.get(line.pk, 0):
            raise ApplicationError(
                f"{line.sku}: units of this shipment are in a return; close the return first.",
                code="shipment_in_return",
            )
    stock_unship(
        lines=_stock_lines(pairs),
        actor=actor,
        reference=StockReference(SHIPMENT_REFERENCE, locked.number),
        holders=stock_holders(order),
    )
    for line, quantity in pairs:
        line.quantity_shipped -= quantity
    OrderLine.objects.bulk_update([line for line, _q in pairs], ["quantity_shipped"])
    locked.status = ShipmentStatus.CANCELLED
    locked.cancelled_at = timezone.now()
    locked.save(update_fields=["status", "cancelled_at"])
    after_line_change(
        order,
        OrderEventType.SHIPMENT,
        [part("shipment_cancelled", shipment=locked.number, items=line_items(pairs))],
        actor=actor,
        lines=list(by_id.values()),
        message=reason,
    )
    shipment.status, shipment.cancelled_at = locked.status, locked.cancelled_at
    return locked


@transaction.atomic
def shipment_deliver(*, shipment: Shipment, actor: Actor) -> Shipment:
    order, locked = _lock_shipment(shipment)
    require_capability(actor, order.store_id, Capability.FULFIL_ORDERS)
    if locked.status != ShipmentStatus.SHIPPED:
        raise ApplicationError(
            f"Shipment {locked.number} is {locked.get_status_display().lower()}.",
            code="shipment_not_deliverable",
        )
    by_id = lines_by_id(order)
    pairs = _shipment_pairs(locked, by_id)
    for line, quantity in pairs:
        line.quantity_delivered += quantity
    OrderLine.objects.bulk_update([line for line, _q in pairs], ["quantity_delivered"])
    locked.status = ShipmentStatus.DELIVERED
    locked.delivered_at = timezone.now()
    locked.save(update_fields=["status", "delivered_at"])
    after_line_change(
        order,
        OrderEventType.SHIPMENT,
        [part("shipment_delivered", shipment=locked.number)],
        actor=actor,
        lines=list(by_id.values()),
    )
    transaction.on_commit(lambda: order_shipment_changed.send(Shipment, shipment=locked))
    shipment.status, shipment.delivered_at = locked.status, locked.delivered_at
    return locked


def order_deliver_shipments(*, order: Order, actor: Actor) -> list[Shipment]:
    """Mark every shipment of the order that is on its way delivered (the bulk action)."""
    shipments = list(order.shipments.filter(status=ShipmentStatus.SHIPPED).order_by("pk"))
    if not shipments:
        raise ApplicationError(
            f"Order {order.number} has no shipment on its way.", code="nothing_to_deliver"
        )
    return [shipment_deliver(shipment=shipment, actor=actor) for shipment in shipments]
