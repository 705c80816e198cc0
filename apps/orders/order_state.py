"""What every order write shares: the row lock that serialises them, the stock references the
order's movements carry, the derived statuses kept up to date, and the timeline entry.

Every service that changes an order's lines, shipments, returns or payments starts with
`lock_order` and ends with `refresh_statuses`, inside one transaction: two clerks shipping the
last unit, or two refunds of the last captured euro, queue on the order's row and the second
sees what the first did.
"""

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from django.db.models import Q, Sum

from apps.core.errors import ApplicationError, NotFound
from apps.inventory.ledger import StockReference
from apps.orders.event_texts import Part, items
from apps.orders.models import Order, OrderEvent, OrderLine, Payment, PaymentKind
from apps.orders.statuses import ZERO, PaymentTotals, fulfilment_status_for, payment_status_for
from apps.orders.transitions import OrderStatus
from apps.stores.scoping import Actor, acting_person

ORDER_REFERENCE = "order"
SHIPMENT_REFERENCE = "shipment"
RETURN_REFERENCE = "return"
MAX_REASON = 500


def lock_order(order: Order) -> Order:
    try:
        return (
            Order.objects.select_for_update(of=("self",)).select_related("store").get(pk=order.pk)
        )
    except Order.DoesNotExist:
        raise NotFound("Order not found.") from None


def order_reference(order: Order) -> StockReference:
    return StockReference(ORDER_REFERENCE, order.number)


def stock_holders(order: Order) -> list[StockReference]:
    """The order and every shipment and return of it: whose movements are the order's."""
    holders = [order_reference(order)]
    holders += [
        StockReference(SHIPMENT_REFERENCE, number)
        for number in order.shipments.values_list("number", flat=True)
    ]
    holders += [
        StockReference(RETURN_REFERENCE, number)
        for number in order.returns.values_list("number", flat=True)
    ]
    return holders


def payment_totals(order: Order) -> PaymentTotals:
    sums = Payment.objects.filter(order=order).aggregate(
        **{kind: Sum("amount", filter=Q(kind=kind), default=ZERO) for kind in PaymentKind.values}
    )
    return totals_from_sums(order, sums)


def totals_from_sums(order: Order, sums: Mapping[str, Decimal]) -> PaymentTotals:
    """PaymentTotals from the sums of the order's records by kind, however they were summed
    (one query here, the prefetched records on a page: selectors.prefetched_payment_totals)."""
    return PaymentTotals(
        total=order.total,
        authorised=sums[PaymentKind.AUTHORISATION],
        captured=sums[PaymentKind.CAPTURE],
        refunded=sums[PaymentKind.REFUND],
        voided=sums[PaymentKind.VOID],
        cancelled=order.status == OrderStatus.CANCELLED,
    )


def refresh_statuses(order: Order, *, lines: list[OrderLine] | None = None) -> list[str]:
    """Store the derived statuses of the locked `order` from its lines and payments; returns
    the fields that changed (already saved)."""
    if lines is None:
        lines = list(order.lines.all())
    changed = []
    fulfilment = fulfilment_status_for(lines)
    if fulfilment != order.fulfilment_status:
        order.fulfilment_status = fulfilment
        changed.append("fulfilment_status")
    payment = payment_status_for(payment_totals(order))
    if payment != order.payment_status:
        order.payment_status = payment
        changed.append("payment_status")
    if changed:
        order.save(update_fields=[*changed, "updated_at"])
    return changed


def record_event(
    order: Order,
    event_type: str,
    *,
    actor: Actor,
    parts: Sequence[Part] = (),
    message: str = "",
    from_value: str = "",
    to_value: str = "",
) -> OrderEvent:
    """A timeline entry: `parts` say what happened (rendered in the reader's language),
    `message` is what the person wrote (a note, a reason), kept as typed."""
    return OrderEvent.objects.create(
        order=order,
        type=event_type,
        actor=acting_person(actor),
        data={"parts": list(parts)} if parts else {},
        message=message,
        from_value=from_value,
        to_value=to_value,
    )


def require_reason(reason: str, *, action: str) -> str:
    """Destructive actions are explained: the timeline keeps who did it and why."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(f"Say why: {action} needs a reason.", code="reason_required")
    return reason[:MAX_REASON]


def lines_by_id(order: Order, *, for_update: bool = True) -> dict[int, OrderLine]:
    lines = order.lines.select_related("variant").order_by("pk")
    if for_update:
        lines = lines.select_for_update(of=("self",))
    return {line.pk: line for line in lines}


def resolve_quantities(
    lines: dict[int, OrderLine], requested: list[tuple[int, int]], *, available: dict[int, int]
) -> list[tuple[OrderLine, int]]:
    """Check (line id, quantity) pairs against what each line still has `available` for the
    action; refuses naming the line. Repeated lines are added up."""
    if not requested:
        raise ApplicationError("Choose at least one line and a quantity.", code="no_lines")
    merged: dict[int, int] = {}
    for line_id, quantity in requested:
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 0:
            raise ApplicationError(
                "Quantities must be whole numbers, zero or more.", code="invalid_quantity"
            )
        if line_id not in lines:
            raise ApplicationError(
                f"Line {line_id} is not a line of this order.", code="unknown_line"
            )
        merged[line_id] = merged.get(line_id, 0) + quantity
    chosen = [(lines[line_id], quantity) for line_id, quantity in merged.items() if quantity]
    if not chosen:
        raise ApplicationError("Choose at least one line and a quantity.", code="no_lines")
    for line, quantity in chosen:
        if quantity > available[line.pk]:
            raise ApplicationError(
                f"{line.sku}: {quantity} asked, only {available[line.pk]} can be.",
                code="quantity_exceeded",
                extra={"line": line.pk, "sku": line.sku, "available": available[line.pk]},
            )
    return chosen


def amount_text(amount: Decimal, currency: str) -> str:
    """An amount in a refusal's message (an API client reads it; the code says what failed)."""
    return f"{amount:.2f} {currency}"


def line_items(pairs: Iterable[tuple[OrderLine, int]]) -> list:
    """(line, quantity) pairs as a timeline part's items."""
    return items((quantity, line.sku) for line, quantity in pairs)


def after_line_change(
    order: Order,
    event_type: str,
    parts: list[Part],
    *,
    actor: Actor,
    lines: list[OrderLine],
    message: str = "",
) -> None:
    """The lines' counters moved: the derived statuses follow, the timeline says from what."""
    source = order.fulfilment_status
    refresh_statuses(order, lines=lines)
    record_event(
        order,
        event_type,
        actor=actor,
        parts=parts,
        message=message,
        from_value=source,
        to_value=order.fulfilment_status,
    )
