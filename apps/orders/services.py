"""Order writes: placing, confirming and cancelling, notes.

`order_transition` is the only way an order's status changes; admin actions, HTMX buttons and
API endpoints all call it. Shipments and returns are in apps/orders/fulfilment.py, payments in
apps/orders/payments.py, edits before shipping in apps/orders/edits.py.
"""

import hashlib
import json
import logging
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, connections, transaction
from django.utils import timezone

from apps.checkout.models import DiscountCode
from apps.checkout.reservations import (
    reservation_consume,
    reservation_for_token,
    reservation_variant_ids,
)
from apps.checkout.services import discount_give_back, discount_redeem, quote_cart
from apps.core.errors import ApplicationError, NotFound
from apps.inventory.ledger import lock_stocks
from apps.inventory.order_stock import stock_allocate, stock_release
from apps.orders.customers import store_customer_record
from apps.orders.event_texts import Part, part, placed_part
from apps.orders.models import Order, OrderEvent, OrderEventType, OrderLine
from apps.orders.order_state import (
    lock_order,
    order_reference,
    record_event,
    refresh_statuses,
    require_reason,
    stock_holders,
)
from apps.orders.pricing import order_price_of, refuse_quote
from apps.orders.signals import order_status_changed
from apps.orders.transitions import OrderStatus, Transition, find_transition, open_to
from apps.stores.models import Store
from apps.stores.roles import Capability
from apps.stores.scoping import SYSTEM, Actor, acting_person, require_capability
from apps.users.models import User

logger = logging.getLogger(__name__)

MAX_LINES = 100
MAX_QUANTITY = 10_000
ADDRESS_FIELDS = ("name", "line1", "line2", "city", "postal_code", "region", "country")
REQUIRED_ADDRESS_FIELDS = ("name", "line1", "city", "postal_code", "country")


@dataclass(frozen=True)
class OrderLineInput:
    variant_id: int
    quantity: int


class IdempotencyKeyReused(ApplicationError):
    code = "idempotency_key_reused"
    status_code = 422


def clean_address(address: dict[str, Any]) -> dict[str, str]:
    """The shipping address as an order keeps it (ADDRESS_FIELDS, trimmed), or an error."""
    if not isinstance(address, dict):
        raise ApplicationError("The shipping address must be an object.", code="invalid_address")
    unknown = set(address) - set(ADDRESS_FIELDS)
    if unknown:
        raise ApplicationError(
            f"Unknown address fields: {', '.join(sorted(unknown))}.", code="invalid_address"
        )
    cleaned = {field: str(address.get(field, "") or "").strip() for field in ADDRESS_FIELDS}
    missing = [field for field in REQUIRED_ADDRESS_FIELDS if not cleaned[field]]
    if missing:
        raise ApplicationError(
            f"The shipping address needs: {', '.join(missing)}.", code="invalid_address"
        )
    cleaned["country"] = cleaned["country"].upper()
    return cleaned


def merge_lines(lines: list[OrderLineInput]) -> dict[int, int]:
    if not lines:
        raise ApplicationError("An order needs at least one line.", code="no_lines")
    if len(lines) > MAX_LINES:
        raise ApplicationError(f"An order can have at most {MAX_LINES} lines.", code="invalid")
    merged: dict[int, int] = {}
    for line in lines:
        quantity = line.quantity
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
            raise ApplicationError(
                "Each line needs a whole quantity above zero.", code="invalid_quantity"
            )
        merged[line.variant_id] = merged.get(line.variant_id, 0) + quantity
        if merged[line.variant_id] > MAX_QUANTITY:
            raise ApplicationError(
                f"At most {MAX_QUANTITY} units of one variant per order.", code="invalid_quantity"
            )
    return merged


@dataclass(frozen=True)
class CheckoutChoice:
    """What the customer chose at checkout besides the cart: the same fields the quote takes.
    `expected_total`, when given, is the quote's total: the order is placed only at it."""

    shipping_method_id: int | None = None
    discount_code: str = ""
    expected_total: Decimal | None = None
    # A cart reservation's token (apps/checkout/reservations.py): the order takes its units.
    reservation_token: str = ""


def _fingerprint(
    *,
    store: Store,
    merged: dict[int, int],
    address: dict[str, str],
    note: str,
    email: str,
    choice: CheckoutChoice,
) -> str:
    payload = {
        "store": store.pk,
        "lines": sorted(merged.items()),
        "address": address,
        "note": note,
        "email": email,
        "shipping_method": choice.shipping_method_id,
        "discount_code": choice.discount_code.strip().lower(),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _replay(
    *, store: Store, customer: User | None, email: str, idempotency_key: str, fingerprint: str
) -> Order | None:
    """The first order placed with this key: a customer's keys are theirs, a guest's are
    scoped by the store and the e-mail they gave."""
    orders = Order.objects.filter(idempotency_key=idempotency_key)
    if customer is None:
        orders = orders.filter(customer__isnull=True, store=store, email=email)
    else:
        orders = orders.filter(customer=customer)
    existing = orders.first()
    if existing is not None and existing.request_fingerprint != fingerprint:
        raise IdempotencyKeyReused("This Idempotency-Key was already used for a different order.")
    return existing


@dataclass(frozen=True)
class _Placement:
    """One checkout, cleaned: what order_place writes."""

    store: Store
    customer: User | None
    merged: dict[int, int]
    address: dict[str, str]
    email: str
    phone: str
    customer_note: str
    idempotency_key: str
    fingerprint: str
    choice: CheckoutChoice

    def replay(self) -> Order | None:
        return _replay(
            store=self.store,
            customer=self.customer,
            email=self.email,
            idempotency_key=self.idempotency_key,
            fingerprint=self.fingerprint,
        )


def order_place(
    *,
    store: Store,
    customer: User | None,
    lines: list[OrderLineInput],
    shipping_address: dict[str, Any],
    email: str = "",
    phone: str = "",
    customer_note: str = "",
    idempotency_key: str = "",
    choice: CheckoutChoice = CheckoutChoice(),
) -> tuple[Order, bool]:
    """Place an order: every amount as quote_cart works it out (prices from the catalogue,
    the code, shipping, tax), every line allocated and the code's use counted, or nothing.

    Returns (order, created). With an idempotency key, a repeat by the same customer (or, for
    a guest, with the same e-mail in the same store) returns the first order (created=False)
    even when the two requests race. Without a signed-in `customer` the order is a guest's:
    it needs an e-mail, and apps/orders/guests.py gives its link.
    """
    if customer is not None and not customer.is_authenticated:
        customer = None
    if customer is None and not (email or "").strip():
        raise ApplicationError("A guest order needs an e-mail address.", code="email_required")
    if not store.is_active:
        raise NotFound("Store not found.")
    idempotency_key = (idempotency_key or "").strip()
    if len(idempotency_key) > 64:
        raise ApplicationError("The idempotency key is at most 64 characters.", code="invalid")
    merged = merge_lines(lines)
    address = clean_address(shipping_address)
    email = (email or (customer.email if customer else "")).strip().lower()
    customer_note = (customer_note or "").strip()
    placement = _Placement(
        store=store,
        customer=customer,
        merged=merged,
        address=address,
        email=email,
        phone=phone,
        customer_note=customer_note,
        idempotency_key=idempotency_key,
        fingerprint=_fingerprint(
            store=store,
            merged=merged,
            address=address,
            note=customer_note,
            email=email,
            choice=choice,
        ),
        choice=choice,
    )
    if idempotency_key and (existing := placement.replay()) is not None:
        return existing, False
    try:
        with transaction.atomic():
            order = _create_order(placement)
    except IntegrityError:
        # A concurrent request with the same key committed first: answer with its order.
        existing = placement.replay() if idempotency_key else None
        if existing is None:
            raise
        return existing, False
    return order, True


def _create_order(p: _Placement) -> Order:
    quote = quote_cart(
        store=p.store,
        quantities=p.merged,
        country=p.address["country"],
        shipping_method_id=p.choice.shipping_method_id,
        discount_code=p.choice.discount_code,
        email=p.email,
        customer_id=p.customer.pk if p.customer else None,
    )
    refuse_quote(quote, expected_total=p.choice.expected_total)
    method = quote.shipping_method
    price = order_price_of(
        quote.price, quote.variants, shipping_method_name=method.name if method else ""
    )
    order = Order(
        store=p.store,
        customer=p.customer,
        status=OrderStatus.PENDING,
        currency=p.store.currency,
        subtotal=price.subtotal,
        discount_total=price.discount_total,
        shipping_total=price.shipping,
        tax_total=price.tax_total,
        total=price.total,
        prices_include_tax=price.prices_include_tax,
        discount_code=price.discount_code,
        discount=quote.discount,
        shipping_method=method,
        shipping_method_name=price.shipping_method_name,
        email=p.email,
        phone=p.phone,
        shipping_address=p.address,
        customer_note=p.customer_note,
        idempotency_key=p.idempotency_key,
        request_fingerprint=p.fingerprint,
        placed_at=timezone.now(),
    )
    # A guest is nobody the audit trail can name.
    actor: Actor = p.customer or SYSTEM
    _save_with_number(order, actor=p.customer)
    OrderLine.objects.bulk_create(OrderLine(order=order, **line._asdict()) for line in price.lines)
    _hold_stock_and_count_the_code(order, p, quote.discount, actor)
    record_event(
        order,
        OrderEventType.PLACED,
        actor=actor,
        parts=[
            placed_part(line_count=len(price.lines), total=order.total, currency=order.currency)
        ],
        to_value=OrderStatus.PENDING,
    )
    transaction.on_commit(lambda: _notify(order, None, OrderStatus.PENDING, actor))
    if p.store.auto_confirm_orders:
        transition = find_transition(OrderStatus.PENDING, OrderStatus.CONFIRMED)
        assert transition is not None
        _move(order, order, transition, actor=SYSTEM, parts=[part("confirmed_automatically")])
    return order


def _hold_stock_and_count_the_code(
    order: Order, p: _Placement, discount: DiscountCode | None, actor: Actor
) -> None:
    """The order's stock (taking over its cart's reservation), its customer in the store's
    list, its code's use: in the order's transaction, all of them or none."""
    if p.choice.reservation_token:
        reservation = reservation_for_token(store=p.store, token=p.choice.reservation_token)
        lock_stocks(set(p.merged) | reservation_variant_ids(reservation))
        reservation_consume(reservation=reservation, order_number=order.number)
    stock_allocate(lines=list(p.merged.items()), actor=actor, reference=order_reference(order))
    store_customer_record(order)
    if discount is not None:
        discount_redeem(
            discount,
            email=p.email,
            customer_id=p.customer.pk if p.customer else None,
            order_number=order.number,
        )


def order_number_for(*, prefix: str, order_id: int) -> str:
    """The number staff and customers read; also used by the demo seeder, which writes by COPY."""
    return f"{prefix}-{order_id + 100000}"


def order_number(order: Order) -> str:
    return order_number_for(prefix=order.store.order_prefix, order_id=order.pk)


def _save_with_number(order: Order, *, actor: User | None) -> None:
    """Number the order from its id: unique and readable, and no per-store counter row
    that every checkout of the store would have to queue on."""
    connection = connections[Order.objects.db]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(pg_get_serial_sequence('orders_order', 'id'))")
            order.pk = cursor.fetchone()[0]
        order.number = order_number(order)
        order.save(force_insert=True)
        return
    # Without sequences the id exists only after the insert; history is written once the
    # real number is known, so the audit trail never shows the placeholder.
    order.number = f"new-{secrets.token_hex(14)}"
    order.save_without_historical_record(force_insert=True)
    order.number = order_number(order)
    order.save_without_historical_record(update_fields=["number"])
    Order.history.bulk_history_create([order], default_user=actor)


def _notify(order: Order, source: str | None, target: str, actor: Actor) -> None:
    logger.info("order %s: %s -> %s", order.number, source or "(new)", target)
    order_status_changed.send(sender=Order, order=order, source=source, target=target, actor=actor)


def _line_quantities(order: Order) -> list[tuple[int, int]]:
    return list(order.lines.filter(variant__isnull=False).values_list("variant_id", "quantity"))


@transaction.atomic
def order_transition(
    *,
    order: Order,
    to_status: str,
    actor: Actor,
    message: str = "",
) -> Order:
    """Move an order along the lifecycle table, with its stock side effect, atomically.

    The actor needs the transition's capability in the order's store; a destructive one
    (cancelling) needs a reason in `message`.
    """
    locked, transition = _locked_transition(order, to_status)
    require_capability(actor, locked.store_id, transition.capability)
    if transition.destructive:
        message = require_reason(message, action="cancelling an order")
    return _move(order, locked, transition, actor=actor, message=message)


@transaction.atomic
def order_cancel_by_customer(*, order: Order, customer: User) -> Order:
    """A customer cancels their own order while the lifecycle table still allows it.

    Owning the order is the permission: staff roles do not apply to customers.
    """
    if order.customer_id is None or order.customer_id != customer.pk:
        raise NotFound("Order not found.")
    locked, transition = _locked_transition(order, OrderStatus.CANCELLED)
    return _move(order, locked, transition, actor=customer, parts=[part("cancelled_by_customer")])


def _locked_transition(order: Order, to_status: str) -> tuple[Order, Transition]:
    locked = lock_order(order)
    transition = find_transition(locked.status, to_status)
    if transition is None:
        target = OrderStatus(to_status).label if to_status in OrderStatus.values else to_status
        raise ApplicationError(
            f"Order {locked.number} is {locked.get_status_display().lower()}; "
            f"it cannot become {str(target).lower()}.",
            code="illegal_transition",
        )
    return locked, transition


def _move(
    order: Order,
    locked: Order,
    transition: Transition,
    *,
    actor: Actor,
    message: str = "",
    parts: list[Part] | None = None,
) -> Order:
    """Take the `locked` row along an allowed `transition`: stock, status, event, and the
    notice after commit. `order`, the caller's copy, follows; `message` is the person's."""
    parts = list(parts or [])
    if transition.target == OrderStatus.CANCELLED:
        if not open_to(transition, fulfilment_status=locked.fulfilment_status):
            raise ApplicationError(
                f"Order {locked.number} has shipments; cancel them first, or take the goods "
                "back with a return.",
                code="order_has_shipments",
            )
        quantities = _line_quantities(locked)
        if quantities:
            stock_release(
                lines=quantities,
                actor=actor,
                reference=order_reference(locked),
                holders=stock_holders(locked),
            )
            parts.append(part("stock_released"))
        if locked.discount_code:
            discount_give_back(order_number=locked.number)
    source, target = locked.status, transition.target
    locked.status = target
    locked.save(update_fields=["status", "updated_at"])
    # A cancelled order owes nothing: what was paid becomes due back.
    refresh_statuses(locked)
    record_event(
        locked,
        OrderEventType.STATUS_CHANGED,
        actor=actor,
        parts=parts,
        message=message.strip(),
        from_value=source,
        to_value=target,
    )
    transaction.on_commit(lambda: _notify(locked, source, target, actor))
    order.status = locked.status
    order.payment_status = locked.payment_status
    return locked


@transaction.atomic
def order_add_note(*, order: Order, actor: Actor, message: str) -> OrderEvent:
    message = (message or "").strip()
    if not message:
        raise ApplicationError("A note cannot be empty.", code="invalid")
    require_capability(actor, order.store_id, Capability.FULFIL_ORDERS)
    return OrderEvent.objects.create(
        order=order, type=OrderEventType.NOTE, actor=acting_person(actor), message=message[:2000]
    )
