"""Payment records: the only code that writes them, and the place a payment provider plugs in.

A provider's webhook calls `payment_record` with its own id for the movement as
`external_reference`; the same delivery twice finds the first record instead of counting the
money again. The order's payment status is derived from the records (apps/orders/statuses.py).
"""

from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from apps.core.errors import ApplicationError
from apps.core.money import CENT, MoneyError, to_money
from apps.orders.event_texts import Part, items, money, part
from apps.orders.models import (
    Order,
    OrderEventType,
    OrderLine,
    OrderReturn,
    Payment,
    PaymentKind,
    RefundLine,
)
from apps.orders.order_state import (
    amount_text,
    lines_by_id,
    lock_order,
    payment_totals,
    record_event,
    refresh_statuses,
    require_reason,
    resolve_quantities,
)
from apps.orders.statuses import PaymentTotals
from apps.stores.roles import Capability
from apps.stores.scoping import Actor, acting_person, require_capability

KIND_CAPABILITY = {
    PaymentKind.AUTHORISATION: Capability.RECORD_PAYMENTS,
    PaymentKind.CAPTURE: Capability.RECORD_PAYMENTS,
    PaymentKind.VOID: Capability.RECORD_PAYMENTS,
    PaymentKind.REFUND: Capability.REFUND,
}


def _amount(value: Decimal | str | int | None) -> Decimal:
    try:
        amount = to_money(value if value is not None else "")
    except MoneyError as error:
        raise ApplicationError(f"The amount {error}.", code="invalid_amount") from None
    if amount <= 0:
        raise ApplicationError("The amount must be above zero.", code="invalid_amount")
    return amount


def _replay(
    order: Order, *, kind: str, provider: str, external_reference: str, amount: Decimal | None
) -> Payment | None:
    if not external_reference:
        return None
    existing = Payment.objects.filter(
        order=order, kind=kind, provider=provider, external_reference=external_reference
    ).first()
    if existing is not None and amount is not None and existing.amount != amount:
        recorded = amount_text(existing.amount, order.currency)
        raise ApplicationError(
            f"{external_reference} was recorded with {recorded}.",
            code="external_reference_reused",
        )
    return existing


def _refund_lines(
    order: Order, lines: list[tuple[int, int]]
) -> list[tuple[OrderLine, int, Decimal]]:
    by_id = lines_by_id(order, for_update=False)
    refunded = dict(
        RefundLine.objects.filter(order_line__order=order)
        .values("order_line_id")
        .annotate(units=Sum("quantity"))
        .values_list("order_line_id", "units")
    )
    chosen = resolve_quantities(
        by_id,
        lines,
        available={pk: line.quantity - refunded.get(pk, 0) for pk, line in by_id.items()},
    )
    return [(line, quantity, _paid_for(order, line, quantity)) for line, quantity in chosen]


def _paid_for(order: Order, line: OrderLine, quantity: int) -> Decimal:
    """What the customer paid for `quantity` units of the line: its price after its share of
    the discount, with its tax when the tax came on top."""
    paid = line.line_total - line.discount_total
    if not order.prices_include_tax:
        paid += line.tax_total
    return (paid * quantity / line.quantity).quantize(CENT)


def _check_limits(kind: str, amount: Decimal, totals: PaymentTotals, order: Order) -> None:
    if kind == PaymentKind.REFUND and amount > totals.refundable:
        raise ApplicationError(
            f"A refund of {amount_text(amount, order.currency)} is more than the "
            f"{amount_text(totals.refundable, order.currency)} captured and not yet refunded.",
            code="refund_exceeds_captured",
            extra={"refundable": f"{totals.refundable:.2f}"},
        )
    if kind == PaymentKind.VOID and amount > totals.open_authorisation:
        raise ApplicationError(
            f"Only {amount_text(totals.open_authorisation, order.currency)} is authorised and "
            "not captured.",
            code="void_exceeds_authorised",
        )


@transaction.atomic
def payment_record(
    *,
    order: Order,
    kind: str,
    actor: Actor,
    amount: Decimal | str | None = None,
    method: str = "",
    provider: str = "",
    external_reference: str = "",
    note: str = "",
    order_return: OrderReturn | None = None,
    lines: list[tuple[int, int]] | None = None,
) -> tuple[Payment, bool]:
    """Record one money movement; returns (record, created).

    A refund needs a reason (`note`), may name the return and the (line id, quantity) pairs it
    pays back (then its amount defaults to their value), and never exceeds what was captured
    and not yet refunded. A void defaults to the whole open authorisation.
    """
    if kind not in PaymentKind.values:
        raise ApplicationError(f"Unknown payment kind {kind!r}.", code="invalid_kind")
    locked = lock_order(order)
    require_capability(actor, locked.store_id, KIND_CAPABILITY[PaymentKind(kind)])
    provider, external_reference = provider.strip()[:64], external_reference.strip()[:128]
    given = None if amount in (None, "") else _amount(amount)
    existing = _replay(
        locked, kind=kind, provider=provider, external_reference=external_reference, amount=given
    )
    if existing is not None:
        return existing, False
    if kind == PaymentKind.REFUND:
        note = require_reason(note, action="a refund")
    if order_return is not None and order_return.order_id != locked.pk:
        raise ApplicationError("That return belongs to another order.", code="unknown_return")
    refund_lines = _refund_lines(locked, lines) if lines and kind == PaymentKind.REFUND else []
    totals = payment_totals(locked)
    if given is None:
        given = _default_amount(kind, totals, refund_lines)
    _check_limits(kind, given, totals, locked)
    payment = Payment.objects.create(
        order=locked,
        kind=kind,
        amount=given,
        currency=locked.currency,
        method=method.strip()[:64],
        provider=provider,
        external_reference=external_reference,
        order_return=order_return,
        note=note.strip()[:500],
        actor=acting_person(actor),
        created_at=timezone.now(),
    )
    RefundLine.objects.bulk_create(
        RefundLine(payment=payment, order_line=line, quantity=quantity, amount=value)
        for line, quantity, value in refund_lines
    )
    source = locked.payment_status
    refresh_statuses(locked)
    record_event(
        locked,
        OrderEventType.PAYMENT,
        actor=actor,
        parts=_payment_parts(payment, refund_lines),
        message=payment.note,
        from_value=source,
        to_value=locked.payment_status,
    )
    order.payment_status = locked.payment_status
    return payment, True


def _default_amount(
    kind: str, totals: PaymentTotals, refund_lines: list[tuple[OrderLine, int, Decimal]]
) -> Decimal:
    """Without an amount: a refund pays back its lines (or everything refundable), a void ends
    the open authorisation, a capture or authorisation covers what is still due."""
    if kind == PaymentKind.REFUND:
        lines_value = sum((value for _l, _q, value in refund_lines), Decimal("0.00"))
        amount = lines_value if refund_lines else totals.refundable
    elif kind == PaymentKind.VOID:
        amount = totals.open_authorisation
    else:
        amount = totals.balance
    if amount <= 0:
        raise ApplicationError(
            "Nothing is left for this: give an amount.", code="nothing_to_record"
        )
    return amount


def _payment_parts(
    payment: Payment, refund_lines: list[tuple[OrderLine, int, Decimal]]
) -> list[Part]:
    parts = [part("payment", kind=payment.kind, amount=money(payment.amount, payment.currency))]
    details = [d for d in (payment.method, payment.provider, payment.external_reference) if d]
    if details:
        parts.append(part("payment_details", details=", ".join(details)))
    if refund_lines:
        refunded = items((quantity, line.sku) for line, quantity, _value in refund_lines)
        parts.append(part("refunded_lines", items=refunded))
    if payment.order_return is not None:
        parts.append(part("for_return", **{"return": payment.order_return.number}))
    return parts
