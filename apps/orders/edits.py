"""Edits before shipping: a line's quantity, removing or adding a line, the address.

Only while nothing of what changes has shipped. Stock is allocated or released in the same
transaction, the totals are recomputed by the pricing code that placed the order, and the
timeline records each edit as before → after with what is now due or to refund.
"""

from typing import Any

from django.db import transaction

from apps.catalog.models import ProductStatus, ProductVariant
from apps.core.errors import ApplicationError
from apps.core.money import CENT
from apps.inventory.order_stock import stock_allocate, stock_release
from apps.orders.event_texts import Part, money, part
from apps.orders.models import Order, OrderEventType, OrderLine
from apps.orders.order_state import (
    lines_by_id,
    lock_order,
    order_reference,
    payment_totals,
    record_event,
    refresh_statuses,
    stock_holders,
)
from apps.orders.pricing import reprice
from apps.orders.services import MAX_QUANTITY, clean_address
from apps.orders.transitions import ALLOCATING_STATUSES
from apps.stores.roles import Capability
from apps.stores.scoping import Actor, require_capability


def _lock_editable(order: Order, actor: Actor) -> Order:
    locked = lock_order(order)
    require_capability(actor, locked.store_id, Capability.EDIT_ORDERS)
    if locked.status not in ALLOCATING_STATUSES:
        raise ApplicationError(
            f"Order {locked.number} is {locked.get_status_display().lower()}; it cannot change.",
            code="order_not_editable",
        )
    return locked


def _unshipped_line(lines: dict[int, OrderLine], line_id: int) -> OrderLine:
    line = lines.get(line_id)
    if line is None:
        raise ApplicationError(f"Line {line_id} is not a line of this order.", code="unknown_line")
    if line.quantity_shipped:
        raise ApplicationError(
            f"{line.sku} has shipped units; it can no longer change.", code="line_shipped"
        )
    if line.variant_id is None:
        raise ApplicationError(
            f"{line.sku} is no longer in the catalogue; it cannot change.", code="line_orphaned"
        )
    return line


def _quantity(quantity: Any) -> int:
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
        raise ApplicationError("A quantity is a whole number above zero.", code="invalid_quantity")
    if quantity > MAX_QUANTITY:
        raise ApplicationError(
            f"At most {MAX_QUANTITY} units of one variant per order.", code="invalid_quantity"
        )
    return quantity


def _retotal(order: Order, actor: Actor, change: Part) -> None:
    """New amounts for the lines as they are now, by the pricing that placed the order, then
    the timeline entry naming the change."""
    before = order.total
    price = reprice(order)
    lines = list(order.lines.order_by("pk"))
    for line, priced in zip(lines, price.lines, strict=True):
        line.line_total, line.discount_total, line.tax_total = (
            priced.total,
            priced.discount,
            priced.tax,
        )
    OrderLine.objects.bulk_update(lines, ["line_total", "discount_total", "tax_total"])
    order.subtotal, order.discount_total = price.subtotal, price.discount_total
    order.shipping_total, order.tax_total = price.shipping_total, price.tax_total
    order.total = price.total
    order.save(
        update_fields=[
            "subtotal",
            "discount_total",
            "shipping_total",
            "tax_total",
            "total",
            "updated_at",
        ]
    )
    refresh_statuses(order, lines=lines)
    parts = [
        change,
        part(
            "total_changed",
            before=money(before, order.currency),
            after=money(order.total, order.currency),
        ),
    ]
    balance = payment_totals(order).balance
    if balance > 0 and before != order.total:
        parts.append(part("balance_due", amount=money(balance, order.currency)))
    elif balance < 0:
        parts.append(part("balance_to_refund", amount=money(-balance, order.currency)))
    record_event(order, OrderEventType.EDIT, actor=actor, parts=parts)


def _move_allocation(order: Order, variant_id: int, delta: int, actor: Actor) -> None:
    if delta > 0:
        stock_allocate(lines=[(variant_id, delta)], actor=actor, reference=order_reference(order))
    elif delta < 0:
        stock_release(
            lines=[(variant_id, -delta)],
            actor=actor,
            reference=order_reference(order),
            holders=stock_holders(order),
        )


@transaction.atomic
def order_line_set_quantity(*, order: Order, line_id: int, quantity: int, actor: Actor) -> Order:
    locked = _lock_editable(order, actor)
    line = _unshipped_line(lines_by_id(locked), line_id)
    quantity = _quantity(quantity)
    if quantity == line.quantity:
        return locked
    before = line.quantity
    assert line.variant_id is not None
    _move_allocation(locked, line.variant_id, quantity - before, actor)
    line.quantity = quantity
    line.save(update_fields=["quantity"])
    _retotal(locked, actor, part("quantity_changed", sku=line.sku, before=before, after=quantity))
    return locked


@transaction.atomic
def order_line_remove(*, order: Order, line_id: int, actor: Actor) -> Order:
    locked = _lock_editable(order, actor)
    lines = lines_by_id(locked)
    line = _unshipped_line(lines, line_id)
    if len(lines) == 1:
        raise ApplicationError(
            "An order keeps at least one line; cancel the order instead.", code="last_line"
        )
    if line.refund_lines.exists():
        raise ApplicationError(
            f"{line.sku} has been refunded; set its quantity instead of removing it.",
            code="line_refunded",
        )
    assert line.variant_id is not None
    _move_allocation(locked, line.variant_id, -line.quantity, actor)
    line.delete()
    _retotal(locked, actor, part("line_removed", sku=line.sku, before=line.quantity))
    return locked


@transaction.atomic
def order_line_add(*, order: Order, variant_id: int, quantity: int, actor: Actor) -> OrderLine:
    locked = _lock_editable(order, actor)
    quantity = _quantity(quantity)
    variant = (
        ProductVariant.objects.select_related("product")
        .filter(pk=variant_id, store_id=locked.store_id)
        .first()
    )
    if variant is None:
        raise ApplicationError("Unknown variant for this store.", code="unknown_variant")
    if variant.product.status != ProductStatus.ACTIVE:
        raise ApplicationError(f"Not for sale: {variant.sku}.", code="variant_not_for_sale")
    if locked.lines.filter(variant=variant).exists():
        raise ApplicationError(
            f"{variant.sku} is on the order already; change its quantity.", code="line_exists"
        )
    stock_allocate(lines=[(variant.pk, quantity)], actor=actor, reference=order_reference(locked))
    # Sold at today's price; _retotal works out its discount and tax with the rest.
    line = OrderLine.objects.create(
        order=locked,
        variant=variant,
        sku=variant.sku,
        product_title=variant.product.title,
        variant_title=variant.title,
        unit_price=variant.price,
        quantity=quantity,
        line_total=(variant.price * quantity).quantize(CENT),
    )
    _retotal(locked, actor, part("line_added", sku=variant.sku, after=quantity))
    return line


@transaction.atomic
def order_change_address(*, order: Order, address: dict[str, Any], actor: Actor) -> Order:
    locked = _lock_editable(order, actor)
    if locked.lines.filter(quantity_shipped__gt=0).exists():
        raise ApplicationError(
            f"Order {locked.number} has shipped goods; its address can no longer change.",
            code="order_shipped",
        )
    cleaned = clean_address(address)
    before = locked.shipping_address
    if cleaned == before:
        return locked
    locked.shipping_address = cleaned
    locked.save(update_fields=["shipping_address", "updated_at"])

    def one_line(value: dict[str, str]) -> str:
        return ", ".join(part for part in value.values() if part)

    record_event(
        locked,
        OrderEventType.EDIT,
        actor=actor,
        parts=[part("address_changed", before=one_line(before), after=one_line(cleaned))],
    )
    order.shipping_address = cleaned
    return locked
