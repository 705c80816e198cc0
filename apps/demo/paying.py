"""A demo sale's payment records, as apps/orders/payments.py writes them: card payments
reported by the provider (no person: the webhook), bank transfers, voids and refunds recorded
by staff, each refund with its reason, its lines and its return where it has them."""

from decimal import Decimal

from apps.core.money import CENT
from apps.demo.sale import ZERO, Sale, SaleLine, SalePayment, SaleReturn, line_items
from apps.orders.event_texts import money, part
from apps.orders.models import OrderEventType, Payment, PaymentKind, RefundLine, ReturnStatus
from apps.stores.roles import Capability

CARD = "card"
BANK_TRANSFER = "bank transfer"
CARD_PROVIDERS = {"stripe": "pi", "adyen": "psp"}
REFUND_NOTES = ("Returned goods received.", "Refund for the returned items.")
GOODWILL_NOTES = ("Late delivery, sorry.", "Box arrived dented.")
CANCELLED_NOTE = "Order cancelled: refunded in full."


def _record(
    sale: Sale,
    kind: str,
    amount: Decimal,
    ts: float,
    *,
    actor: int | None,
    method: str,
    provider: str = "",
    reference: str = "",
    note: str = "",
    order_return: SaleReturn | None = None,
    refunded: list[tuple[SaleLine, int]] | None = None,
) -> None:
    """payment_record, within its limits."""
    totals, refunded = sale.totals, refunded or []
    if (
        amount <= 0
        or (kind == PaymentKind.REFUND and (amount > totals.refundable or not note))
        or (kind == PaymentKind.VOID and amount > totals.open_authorisation)
        or any(quantity > line.quantity - line.refunded for line, quantity in refunded)
    ):
        raise AssertionError(f"demo plan records a {kind} of {amount} against the rules")
    books = sale.books
    payment = SalePayment(
        books.take_id(Payment),
        kind,
        amount,
        method,
        provider,
        reference,
        order_return,
        note,
        actor,
        ts,
    )
    for line, quantity in refunded:
        payment.refund_lines.append(
            (books.take_id(RefundLine), line, quantity, line.paid_for(quantity))
        )
        line.refunded += quantity
    source = sale.payment_status
    sale.payments.append(payment)
    sale.refresh()
    parts = [part("payment", kind=kind, amount=money(amount, sale.currency))]
    details = [detail for detail in (method, provider, reference) if detail]
    if details:
        parts.append(part("payment_details", details=", ".join(details)))
    if refunded:
        parts.append(part("refunded_lines", items=line_items(refunded)))
    if order_return is not None:
        order_return.refunded = True
        parts.append(part("for_return", **{"return": order_return.number}))
    sale.event(
        OrderEventType.PAYMENT,
        ts,
        actor=actor,
        parts=parts,
        message=note,
        from_value=source,
        to_value=sale.payment_status,
    )


def _card(sale: Sale) -> tuple[str, str]:
    """The provider and its id for this order's card payment (authorised, then captured)."""
    if sale.card is None:
        rng = sale.books.rng
        provider = rng.choice(sorted(CARD_PROVIDERS))
        sale.card = (provider, f"{CARD_PROVIDERS[provider]}_{rng.getrandbits(64):016x}")
    return sale.card


def authorise(sale: Sale, ts: float) -> None:
    provider, reference = _card(sale)
    amount = sale.totals.balance
    _record(
        sale,
        PaymentKind.AUTHORISATION,
        amount,
        ts,
        actor=None,
        method=CARD,
        provider=provider,
        reference=reference,
    )


def capture(sale: Sale, ts: float) -> None:
    """What is due; or, when nothing is (it came by transfer already), the total again."""
    provider, reference = _card(sale)
    balance = sale.totals.balance
    amount = balance if balance > 0 else sale.total
    _record(
        sale,
        PaymentKind.CAPTURE,
        amount,
        ts,
        actor=None,
        method=CARD,
        provider=provider,
        reference=reference,
    )


def _transfer(sale: Sale, amount: Decimal, ts: float) -> None:
    rng = sale.books.rng
    _record(
        sale,
        PaymentKind.CAPTURE,
        amount,
        ts,
        actor=sale.books.actor(Capability.RECORD_PAYMENTS),
        method=BANK_TRANSFER,
        reference=f"TRF-{rng.randrange(10**7, 10**8)}",
    )


def deposit(sale: Sale, ts: float) -> None:
    _transfer(sale, max((sale.total / 2).quantize(CENT), CENT), ts)


def bank_transfer(sale: Sale, ts: float) -> None:
    _transfer(sale, sale.totals.balance, ts)


def void(sale: Sale, ts: float) -> None:
    provider, _reference = _card(sale)
    _record(
        sale,
        PaymentKind.VOID,
        sale.totals.open_authorisation,
        ts,
        actor=sale.books.actor(Capability.RECORD_PAYMENTS),
        method=CARD,
        provider=provider,
    )


def _refund(sale: Sale, amount: Decimal, ts: float, note: str, **more) -> None:
    """Paid back the way the money came: the last capture's method and provider."""
    paid = [p for p in sale.payments if p.kind == PaymentKind.CAPTURE][-1]
    _record(
        sale,
        PaymentKind.REFUND,
        amount,
        ts,
        actor=sale.books.actor(Capability.REFUND),
        method=paid.method,
        provider=paid.provider,
        note=note,
        **more,
    )


def refund_return(sale: Sale, ts: float) -> None:
    """The last received return's lines; the whole refundable amount (shipping too) when
    the order has come back entirely."""
    order_return = [r for r in sale.returns if r.status == ReturnStatus.RECEIVED][-1]
    pairs = [(item.line, item.quantity) for item in order_return.lines]
    everything_back = all(line.quantity_returned == line.quantity for line in sale.lines)
    # What the customer paid for those units: a discounted line comes back discounted.
    amount = (
        sale.totals.refundable
        if everything_back
        else min(
            sum((line.paid_for(quantity) for line, quantity in pairs), ZERO), sale.totals.refundable
        )
    )
    note = sale.books.rng.choice(REFUND_NOTES)
    _refund(sale, amount, ts, note, order_return=order_return, refunded=pairs)


def refund_all(sale: Sale, ts: float) -> None:
    _refund(sale, sale.totals.refundable, ts, CANCELLED_NOTE)


def goodwill(sale: Sale, ts: float) -> None:
    share = sale.books.rng.choice((Decimal("0.10"), Decimal("0.15"), Decimal("0.20")))
    amount = min(max((sale.total * share).quantize(CENT), CENT), sale.totals.refundable)
    _refund(sale, amount, ts, sale.books.rng.choice(GOODWILL_NOTES))
