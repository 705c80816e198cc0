"""A demo sale's shipments and returns, as apps/orders/fulfilment.py makes them: the same
numbers, line counters, timeline parts and stock movements, by the same hands."""

import random

from apps.demo.lifecycle import DAY
from apps.demo.sale import (
    ReturnItem,
    Sale,
    SaleLine,
    SaleReturn,
    SaleShipment,
    line_items,
)
from apps.inventory.ledger import StockReference
from apps.inventory.models import MovementReason
from apps.orders.event_texts import items, part
from apps.orders.models import (
    OrderEventType,
    OrderReturn,
    ReturnDecision,
    ReturnLine,
    ReturnReason,
    ReturnStatus,
    Shipment,
    ShipmentLine,
    ShipmentStatus,
)
from apps.orders.order_state import RETURN_REFERENCE, SHIPMENT_REFERENCE
from apps.orders.transitions import OrderStatus
from apps.stores.roles import Capability

CARRIERS = ("DHL", "UPS", "DPD", "GLS", "PostNord")
SHIPMENT_CANCEL_REASONS = ("Label printed with the wrong address.", "Parcel left behind.")
DECLINE_REASONS = ("Nothing arrived within two weeks.", "The customer kept the goods.")
WRITE_OFF_REASONS = ("Arrived broken, not fit to sell.", "Packaging crushed and soiled.")
RETURN_NOTES = ("Too small.", "Not the colour in the photos.", "")
# Damaged goods are mostly not fit to sell again.
WRITE_OFF_DAMAGED = 0.7

Pairs = list[tuple[SaleLine, int]]


def some_of(rng: random.Random, available: Pairs) -> Pairs:
    """Some of the units, never all of them when there are two or more; in line order."""
    total = sum(quantity for _line, quantity in available)
    left = rng.randint(1, total - 1) if total > 1 else total
    taken: dict[int, int] = {}
    for index in rng.sample(range(len(available)), len(available)):
        units = min(available[index][1], left)
        if units:
            taken[index] = units
            left -= units
    return [(available[index][0], taken[index]) for index in sorted(taken)]


def _unshipped(sale: Sale) -> Pairs:
    return [
        (line, line.quantity - line.quantity_shipped)
        for line in sale.lines
        if line.quantity > line.quantity_shipped
    ]


def _ship(sale: Sale, pairs: Pairs, ts: float) -> None:
    """shipment_create; the demo stores never ship an order that is not paid or authorised."""
    if sale.status != OrderStatus.CONFIRMED or not sale.totals.covered or not pairs:
        raise AssertionError(f"demo plan ships {sale.number} against the rules")
    books, rng = sale.books, sale.books.rng
    actor = books.actor(Capability.FULFIL_ORDERS)
    number = f"{sale.number}-S{len(sale.shipments) + 1}"
    carrier = rng.choice(CARRIERS) if rng.random() < 0.9 else ""
    tracking = f"{carrier[:2].upper()}{rng.randrange(10**9, 10**10)}" if carrier else ""
    sale.shipments.append(
        SaleShipment(
            books.take_id(Shipment),
            number,
            [(books.take_id(ShipmentLine), line, quantity) for line, quantity in pairs],
            carrier,
            tracking,
            actor,
            ts,
        )
    )
    reference = StockReference(SHIPMENT_REFERENCE, number)
    sale.move_stock(pairs, MovementReason.ORDER_SHIPPED, actor=actor, reference=reference, ts=ts)
    for line, quantity in pairs:
        line.quantity_shipped += quantity
    parts = [part("shipment_created", shipment=number, items=line_items(pairs))]
    if tracking:
        parts.append(part("tracking", carrier=carrier, tracking=tracking))
    sale.after_change(OrderEventType.SHIPMENT, parts, actor=actor, ts=ts)


def ship_part(sale: Sale, ts: float) -> None:
    _ship(sale, some_of(sale.books.rng, _unshipped(sale)), ts)


def ship_rest(sale: Sale, ts: float) -> None:
    _ship(sale, _unshipped(sale), ts)


def _on_its_way(sale: Sale) -> list[SaleShipment]:
    return [s for s in sale.shipments if s.status == ShipmentStatus.SHIPPED]


def cancel_shipment(sale: Sale, ts: float) -> None:
    """shipment_cancel of the last shipment on its way: its goods allocated again."""
    shipment = _on_its_way(sale)[-1]
    pairs = [(line, quantity) for _id, line, quantity in shipment.lines]
    if any(line.quantity_shipped - quantity < line.claimed for line, quantity in pairs):
        raise AssertionError(f"demo plan cancels {shipment.number}, which is in a return")
    actor = sale.books.actor(Capability.FULFIL_ORDERS)
    reference = StockReference(SHIPMENT_REFERENCE, shipment.number)
    sale.move_stock(
        pairs, MovementReason.SHIPMENT_CANCELLED, actor=actor, reference=reference, ts=ts
    )
    for line, quantity in pairs:
        line.quantity_shipped -= quantity
    shipment.status, shipment.cancelled_at = ShipmentStatus.CANCELLED, ts
    sale.after_change(
        OrderEventType.SHIPMENT,
        [part("shipment_cancelled", shipment=shipment.number, items=line_items(pairs))],
        actor=actor,
        ts=ts,
        message=sale.books.rng.choice(SHIPMENT_CANCEL_REASONS),
    )


def _deliver(sale: Sale, shipment: SaleShipment, actor: int, ts: float) -> None:
    """shipment_deliver."""
    for _id, line, quantity in shipment.lines:
        line.quantity_delivered += quantity
    shipment.status, shipment.delivered_at = ShipmentStatus.DELIVERED, ts
    sale.after_change(
        OrderEventType.SHIPMENT,
        [part("shipment_delivered", shipment=shipment.number)],
        actor=actor,
        ts=ts,
    )


def deliver_first(sale: Sale, ts: float) -> None:
    _deliver(sale, _on_its_way(sale)[0], sale.books.actor(Capability.FULFIL_ORDERS), ts)


def deliver_all(sale: Sale, ts: float) -> None:
    """order_deliver_shipments: one person marks every shipment on its way delivered."""
    actor = sale.books.actor(Capability.FULFIL_ORDERS)
    for shipment in _on_its_way(sale):
        _deliver(sale, shipment, actor, ts)


def _requester(sale: Sale, ts: float) -> tuple[int, str]:
    """The customer asks online until the store's window after the last shipment has passed
    (fulfilment.return_deadline), mostly; otherwise a clerk opens the return for them.
    Returns (actor, the customer's note)."""
    rng = sale.books.rng
    last_shipped = max(s.created_at for s in sale.live_shipments())
    window = sale.return_window_days
    if window and ts <= last_shipped + window * DAY and rng.random() < 0.8:
        return sale.customer_id, rng.choice(RETURN_NOTES)
    return sale.books.actor(Capability.FULFIL_ORDERS), ""


def _request(sale: Sale, pairs: Pairs, ts: float) -> None:
    """return_create."""
    books, rng = sale.books, sale.books.rng
    actor, note = _requester(sale, ts)
    number = f"{sale.number}-R{len(sale.returns) + 1}"
    lines = [
        ReturnItem(books.take_id(ReturnLine), line, quantity, rng.choice(ReturnReason.values))
        for line, quantity in pairs
    ]
    sale.returns.append(SaleReturn(books.take_id(OrderReturn), number, lines, note, actor, ts))
    for item in lines:
        item.line.claimed += item.quantity
    requested = items(
        ((item.quantity, item.line.sku) for item in lines),
        {item.line.sku: item.reason for item in lines},
    )
    sale.event(
        OrderEventType.RETURN,
        ts,
        actor=actor,
        parts=[part("return_requested", **{"return": number, "items": requested})],
        to_value=ReturnStatus.REQUESTED,
    )


def _returnable(sale: Sale) -> Pairs:
    return [
        (line, line.quantity_shipped - line.claimed)
        for line in sale.lines
        if line.quantity_shipped > line.claimed
    ]


def return_part(sale: Sale, ts: float) -> None:
    _request(sale, some_of(sale.books.rng, _returnable(sale)), ts)


def return_all(sale: Sale, ts: float) -> None:
    _request(sale, _returnable(sale), ts)


def _last(sale: Sale, status: str) -> SaleReturn:
    return [r for r in sale.returns if r.status == status][-1]


def receive(sale: Sale, ts: float) -> None:
    """return_receive: each line restocked, or written off by someone who may, with a reason."""
    order_return = _last(sale, ReturnStatus.REQUESTED)
    rng = sale.books.rng
    for item in order_return.lines:
        damaged = item.reason == ReturnReason.DAMAGED and rng.random() < WRITE_OFF_DAMAGED
        item.decision = ReturnDecision.WRITE_OFF if damaged else ReturnDecision.RESTOCK
    writes_off = any(item.decision == ReturnDecision.WRITE_OFF for item in order_return.lines)
    actor = sale.books.actor(Capability.WRITE_OFF if writes_off else Capability.FULFIL_ORDERS)
    # Writing off is destructive: whoever does it says why.
    reason = rng.choice(WRITE_OFF_REASONS) if writes_off else ""
    reference = StockReference(RETURN_REFERENCE, order_return.number)
    for decision, reason in (
        (ReturnDecision.RESTOCK, MovementReason.RETURNED),
        (ReturnDecision.WRITE_OFF, MovementReason.DAMAGED),
    ):
        pairs = [(i.line, i.quantity) for i in order_return.lines if i.decision == decision]
        sale.move_stock(pairs, reason, actor=actor, reference=reference, ts=ts)
    for item in order_return.lines:
        item.line.quantity_returned += item.quantity
    order_return.status, order_return.received_at = ReturnStatus.RECEIVED, ts
    received = items(
        ((item.quantity, item.line.sku) for item in order_return.lines),
        {item.line.sku: item.decision for item in order_return.lines},
    )
    sale.after_change(
        OrderEventType.RETURN,
        [part("return_received", **{"return": order_return.number, "items": received})],
        actor=actor,
        ts=ts,
        message=reason,
    )


def _close(sale: Sale, order_return: SaleReturn, outcome: str, reason: str, ts: float) -> None:
    """return_close."""
    actor = sale.books.actor(Capability.MANAGE_ORDERS)
    order_return.status, order_return.closed_at = ReturnStatus.CLOSED, ts
    order_return.close_reason = reason
    sale.event(
        OrderEventType.RETURN,
        ts,
        actor=actor,
        parts=[part(outcome, **{"return": order_return.number})],
        message=reason,
        to_value=ReturnStatus.CLOSED,
    )


def close(sale: Sale, ts: float) -> None:
    order_return = _last(sale, ReturnStatus.RECEIVED)
    outcome = "return_closed_refunded" if order_return.refunded else "return_closed_not_refunded"
    _close(sale, order_return, outcome, "", ts)


def decline(sale: Sale, ts: float) -> None:
    """A return that never arrived is closed with a reason; its units may be returned again."""
    order_return = _last(sale, ReturnStatus.REQUESTED)
    for item in order_return.lines:
        item.line.claimed -= item.quantity
    _close(sale, order_return, "return_declined", sale.books.rng.choice(DECLINE_REASONS), ts)
