"""Order answers built by hand from the prefetched records (AFTER_SALE_PREFETCHES): every list
page and order page goes through here, so each costs a fixed number of queries, and it costs a
tenth of DRF's field-by-field serialization. The serializers declare the same shapes for the
schema; tests compare the two."""

from typing import Any

from apps.core.api.representation import iso_datetime
from apps.core.money import format_money
from apps.orders.models import Order, OrderReturn, Payment, Shipment
from apps.orders.selectors import prefetched_payment_totals
from apps.orders.services import ADDRESS_FIELDS


def _when(value) -> str | None:
    return iso_datetime(value) if value is not None else None


def _email(user) -> str | None:
    return user.email if user is not None else None


def address_data(order: Order) -> dict[str, str]:
    address = order.shipping_address or {}
    return {field: str(address[field]) for field in ADDRESS_FIELDS if field in address}


def sale_data(order: Order) -> dict[str, Any]:
    """ORDER_FIELDS: what the order records about the sale."""
    return {
        "number": order.number,
        "status": order.status,
        "fulfilment_status": order.fulfilment_status,
        "payment_status": order.payment_status,
        "currency": order.currency,
        "subtotal": format_money(order.subtotal),
        "discount_total": format_money(order.discount_total),
        "shipping_total": format_money(order.shipping_total),
        "tax_total": format_money(order.tax_total),
        "prices_include_tax": order.prices_include_tax,
        "discount_code": order.discount_code,
        "shipping_method_name": order.shipping_method_name,
        "total": format_money(order.total),
        "email": order.email,
        "phone": order.phone,
        "shipping_address": address_data(order),
        "customer_note": order.customer_note,
        "placed_at": iso_datetime(order.placed_at),
    }


def lines_data(order: Order) -> list[dict[str, Any]]:
    return [
        {
            "id": line.pk,
            "variant": line.variant_id,
            "sku": line.sku,
            "product_title": line.product_title,
            "variant_title": line.variant_title,
            "unit_price": format_money(line.unit_price),
            "quantity": line.quantity,
            "line_total": format_money(line.line_total),
            "discount_total": format_money(line.discount_total),
            "tax_total": format_money(line.tax_total),
        }
        for line in order.lines.all()
    ]


def skus_of(order: Order) -> dict[int, str]:
    """The SKU of each line, from the prefetched lines: what the after-sale lines name."""
    return {line.pk: line.sku for line in order.lines.all()}


def shipment_data(shipment: Shipment, skus: dict[int, str], *, staff: bool) -> dict[str, Any]:
    data = {
        "number": shipment.number,
        "status": shipment.status,
        "carrier": shipment.carrier,
        "tracking_number": shipment.tracking_number,
        "tracking_url": shipment.tracking_url,
        "created_at": iso_datetime(shipment.created_at),
        "delivered_at": _when(shipment.delivered_at),
        "cancelled_at": _when(shipment.cancelled_at),
        "lines": [
            {"line": line.order_line_id, "sku": skus[line.order_line_id], "quantity": line.quantity}
            for line in shipment.lines.all()
        ],
    }
    if staff:
        data["created_by"] = _email(shipment.created_by)
    return data


def return_data(order_return: OrderReturn, skus: dict[int, str], *, staff: bool) -> dict[str, Any]:
    lines = []
    for line in order_return.lines.all():
        item = {
            "id": line.pk,
            "line": line.order_line_id,
            "sku": skus[line.order_line_id],
            "quantity": line.quantity,
            "reason": line.reason,
        }
        if staff:
            item["decision"] = line.decision
        lines.append(item)
    data = {
        "number": order_return.number,
        "status": order_return.status,
        "note": order_return.customer_note,
        "created_at": iso_datetime(order_return.created_at),
        "received_at": _when(order_return.received_at),
        "closed_at": _when(order_return.closed_at),
        "lines": lines,
    }
    if staff:
        data["close_reason"] = order_return.close_reason
    return data


def payment_data(
    payment: Payment, skus: dict[int, str], return_numbers: dict[int, str]
) -> dict[str, Any]:
    return {
        "id": payment.pk,
        "kind": payment.kind,
        "amount": format_money(payment.amount),
        "currency": payment.currency,
        "method": payment.method,
        "provider": payment.provider,
        "external_reference": payment.external_reference,
        "return_number": (
            return_numbers[payment.order_return_id] if payment.order_return_id else None
        ),
        "note": payment.note,
        "actor": _email(payment.actor),
        "created_at": iso_datetime(payment.created_at),
        "lines": [
            {
                "line": line.order_line_id,
                "sku": skus[line.order_line_id],
                "quantity": line.quantity,
                "amount": format_money(line.amount),
            }
            for line in payment.refund_lines.all()
        ],
    }


def payment_summary_data(order: Order) -> dict[str, str]:
    totals = prefetched_payment_totals(order)
    return {
        "authorised": format_money(totals.authorised),
        "captured": format_money(totals.captured),
        "refunded": format_money(totals.refunded),
        "voided": format_money(totals.voided),
        "open_authorisation": format_money(totals.open_authorisation),
        "refundable": format_money(totals.refundable),
        "balance": format_money(totals.balance),
    }


def after_sale_data(order: Order, *, staff: bool) -> dict[str, Any]:
    """Shipments and returns (and, for staff, the payment records and their sums)."""
    skus = skus_of(order)
    returns = list(order.returns.all())
    data: dict[str, Any] = {
        "shipments": [shipment_data(s, skus, staff=staff) for s in order.shipments.all()],
        "returns": [return_data(r, skus, staff=staff) for r in returns],
    }
    if staff:
        numbers = {r.pk: r.number for r in returns}
        data["payments"] = [payment_data(p, skus, numbers) for p in order.payments.all()]
        data["payment_summary"] = payment_summary_data(order)
    return data
