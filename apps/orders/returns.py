"""Returns, line by line: the only code that writes them.

A return takes shipped units back, asked for by staff or, within the store's window, by the
customer; when the goods arrive each line is restocked or written off, and the order's
fulfilment status follows from the lines' counters (apps/orders/statuses.py).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from apps.core.errors import ApplicationError, NotFound
from apps.inventory.ledger import StockReference
from apps.inventory.order_stock import stock_restock, stock_write_off_returned
from apps.orders.event_texts import items, part
from apps.orders.models import (
    Order,
    OrderEventType,
    OrderLine,
    OrderReturn,
    ReturnDecision,
    ReturnLine,
    ReturnReason,
    ReturnStatus,
    ShipmentStatus,
)
from apps.orders.order_state import (
    RETURN_REFERENCE,
    after_line_change,
    lines_by_id,
    lock_order,
    record_event,
    require_reason,
    resolve_quantities,
    stock_holders,
)
from apps.stores.roles import Capability
from apps.stores.scoping import (
    Actor,
    SystemActor,
    acting_person,
    require_capability,
    user_can,
)
from apps.users.models import User


@dataclass(frozen=True)
class ReturnLineInput:
    line_id: int
    quantity: int
    reason: str = ReturnReason.OTHER


def claimed_by_returns(returns: Iterable[OrderReturn]) -> dict[int, int]:
    """Per line, units in returns that are not closed unreceived: taken back or on their way,
    so not returnable again. The order page reads it from prefetched returns."""
    claimed: dict[int, int] = {}
    for order_return in returns:
        if order_return.status == ReturnStatus.CLOSED and order_return.received_at is None:
            continue
        for line in order_return.lines.all():
            claimed[line.order_line_id] = claimed.get(line.order_line_id, 0) + line.quantity
    return claimed


def returned_or_requested(order: Order) -> dict[int, int]:
    return claimed_by_returns(order.returns.prefetch_related("lines"))


def _return_lines(
    by_id: dict[int, OrderLine], order: Order, lines: list[ReturnLineInput]
) -> list[tuple[OrderLine, int, str]]:
    claimed = returned_or_requested(order)
    reasons = {}
    for item in lines:
        if item.reason not in ReturnReason.values:
            raise ApplicationError(
                f"Unknown return reason {item.reason!r}; use one of "
                f"{', '.join(ReturnReason.values)}.",
                code="invalid_reason",
            )
        reasons[item.line_id] = item.reason
    chosen = resolve_quantities(
        by_id,
        [(item.line_id, item.quantity) for item in lines],
        available={pk: line.quantity_shipped - claimed.get(pk, 0) for pk, line in by_id.items()},
    )
    return [(line, quantity, reasons[line.pk]) for line, quantity in chosen]


@transaction.atomic
def return_create(
    *, order: Order, lines: list[ReturnLineInput], actor: Actor, note: str = ""
) -> OrderReturn:
    """Open a return of shipped units. Staff who fulfil orders may; so may the customer who
    placed the order, within the store's return window after its last shipment."""
    locked = lock_order(order)
    _require_may_request_return(locked, actor)
    by_id = lines_by_id(locked)
    chosen = _return_lines(by_id, locked, lines)
    sequence = locked.returns.count() + 1
    order_return = OrderReturn.objects.create(
        order=locked,
        number=f"{locked.number}-R{sequence}",
        customer_note=(note or "").strip()[:2000],
        requested_by=acting_person(actor),
        created_at=timezone.now(),
    )
    ReturnLine.objects.bulk_create(
        ReturnLine(order_return=order_return, order_line=line, quantity=quantity, reason=reason)
        for line, quantity, reason in chosen
    )
    requested = items(
        ((quantity, line.sku) for line, quantity, _reason in chosen),
        {line.sku: reason for line, _quantity, reason in chosen},
    )
    record_event(
        locked,
        OrderEventType.RETURN,
        actor=actor,
        parts=[part("return_requested", **{"return": order_return.number, "items": requested})],
        to_value=ReturnStatus.REQUESTED,
    )
    return order_return


def return_deadline(order: Order) -> datetime | None:
    """Until when the customer may ask for a return online: the store's window after the
    order's last shipment. None when they cannot (nothing shipped, or the store has no window).
    The customer API shows it; return_create enforces it."""
    window = order.store.return_window_days
    last_shipped = (
        order.shipments.exclude(status=ShipmentStatus.CANCELLED)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if not window or last_shipped is None:
        return None
    return last_shipped + timedelta(days=window)


def _require_may_request_return(order: Order, actor: Actor) -> None:
    if isinstance(actor, SystemActor) or user_can(actor, order.store_id, Capability.FULFIL_ORDERS):
        return
    if not isinstance(actor, User) or order.customer_id != actor.pk:
        require_capability(actor, order.store_id, Capability.FULFIL_ORDERS)
    deadline = return_deadline(order)
    if deadline is None:
        raise ApplicationError(
            "This order cannot be returned online; contact the store.", code="return_not_allowed"
        )
    if timezone.now() > deadline:
        raise ApplicationError(
            f"The return window of {order.store.return_window_days} days has passed.",
            code="return_window_passed",
        )


def _lock_return(order_return: OrderReturn) -> tuple[Order, OrderReturn]:
    order = lock_order(order_return.order)
    try:
        locked = order.returns.select_for_update().get(pk=order_return.pk)
    except OrderReturn.DoesNotExist:
        raise NotFound("Return not found.") from None
    return order, locked


@transaction.atomic
def return_receive(
    *,
    order_return: OrderReturn,
    actor: Actor,
    decisions: dict[int, str] | None = None,
    reason: str = "",
) -> OrderReturn:
    """The goods arrived: each line restocked or written off (`decisions` by return line id;
    a line without one keeps the decision it was given, or is restocked). Writing off is
    destructive: it needs the WRITE_OFF capability and a `reason`, kept on the timeline."""
    order, locked = _lock_return(order_return)
    require_capability(actor, order.store_id, Capability.FULFIL_ORDERS)
    if locked.status != ReturnStatus.REQUESTED:
        raise ApplicationError(
            f"Return {locked.number} is {locked.get_status_display().lower()} already.",
            code="return_not_receivable",
        )
    return_lines = list(locked.lines.select_related("order_line"))
    _decide(return_lines, decisions or {})
    if any(line.decision == ReturnDecision.WRITE_OFF for line in return_lines):
        require_capability(actor, order.store_id, Capability.WRITE_OFF)
        reason = require_reason(reason, action="writing off returned goods")
    ReturnLine.objects.bulk_update(return_lines, ["decision"])
    by_id = lines_by_id(order)
    _move_returned_stock(order, locked, return_lines, by_id, actor=actor)
    for line in return_lines:
        by_id[line.order_line_id].quantity_returned += line.quantity
    OrderLine.objects.bulk_update(list(by_id.values()), ["quantity_returned"])
    locked.status = ReturnStatus.RECEIVED
    locked.received_at = timezone.now()
    locked.save(update_fields=["status", "received_at"])
    received = items(
        ((line.quantity, line.order_line.sku) for line in return_lines),
        {line.order_line.sku: line.decision for line in return_lines},
    )
    after_line_change(
        order,
        OrderEventType.RETURN,
        [part("return_received", **{"return": locked.number, "items": received})],
        actor=actor,
        lines=list(by_id.values()),
        message=reason.strip(),
    )
    order_return.status, order_return.received_at = locked.status, locked.received_at
    return locked


def _decide(return_lines: list[ReturnLine], decisions: dict[int, str]) -> None:
    unknown = set(decisions) - {line.pk for line in return_lines}
    if unknown:
        raise ApplicationError(
            f"Not lines of this return: {', '.join(map(str, sorted(unknown)))}.",
            code="unknown_line",
        )
    for line in return_lines:
        decision = decisions.get(line.pk) or line.decision or ReturnDecision.RESTOCK
        if decision not in ReturnDecision.values:
            raise ApplicationError(
                f"Decide restock or write_off for {line.order_line.sku}.", code="invalid_decision"
            )
        line.decision = decision


def _move_returned_stock(
    order: Order,
    order_return: OrderReturn,
    return_lines: list[ReturnLine],
    by_id: dict[int, OrderLine],
    *,
    actor: Actor,
) -> None:
    reference = StockReference(RETURN_REFERENCE, order_return.number)
    holders = stock_holders(order)
    for decision, move in (
        (ReturnDecision.RESTOCK, stock_restock),
        (ReturnDecision.WRITE_OFF, stock_write_off_returned),
    ):
        stock_lines = [
            (variant_id, line.quantity)
            for line in return_lines
            if line.decision == decision
            and (variant_id := by_id[line.order_line_id].variant_id) is not None
        ]
        if stock_lines:
            move(lines=stock_lines, actor=actor, reference=reference, holders=holders)


@transaction.atomic
def return_close(*, order_return: OrderReturn, actor: Actor, note: str = "") -> OrderReturn:
    """Close a return: after a refund (apps/orders/payments.py), without one, or, never
    received, declined (its units may be returned again)."""
    order, locked = _lock_return(order_return)
    require_capability(actor, order.store_id, Capability.MANAGE_ORDERS)
    if locked.status == ReturnStatus.CLOSED:
        raise ApplicationError(f"Return {locked.number} is closed already.", code="return_closed")
    if locked.status == ReturnStatus.REQUESTED:
        note = require_reason(note, action="declining a return that never arrived")
    refunded = locked.refunds.exists()
    locked.status = ReturnStatus.CLOSED
    locked.closed_at = timezone.now()
    locked.close_reason = (note or "").strip()[:500]
    locked.save(update_fields=["status", "closed_at", "close_reason"])
    outcome = "return_closed_refunded" if refunded else "return_closed_not_refunded"
    if locked.received_at is None:
        outcome = "return_declined"
    record_event(
        order,
        OrderEventType.RETURN,
        actor=actor,
        parts=[part(outcome, **{"return": locked.number})],
        message=locked.close_reason,
        to_value=ReturnStatus.CLOSED,
    )
    order_return.status, order_return.closed_at = locked.status, locked.closed_at
    return locked
