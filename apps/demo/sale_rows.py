"""A played demo sale as rows: the order and its lines with their counters, its shipments,
returns and payment records with their lines, each in the columns its model has."""

from datetime import datetime

from apps.core.bulk import BulkWriter
from apps.demo.context import Customer, StoreRun
from apps.demo.sale import Sale
from apps.orders.models import (
    ORDER_SALE_FIELDS,
    Order,
    OrderLine,
    OrderReturn,
    Payment,
    RefundLine,
    ReturnLine,
    Shipment,
    ShipmentLine,
)
from apps.orders.pricing import OrderPrice, PricedLine

ORDER_FIELDS = [
    "id",
    "created_at",
    "updated_at",
    "store",
    "customer",
    "number",
    *ORDER_SALE_FIELDS,
    "idempotency_key",
    "request_fingerprint",
    "placed_at",
    "shipping_method",
    "discount",
]
COUNTERS = ["quantity_shipped", "quantity_delivered", "quantity_returned"]
LINE_FIELDS = ["id", "order", *PricedLine._fields, *COUNTERS]
SHIPMENT_FIELDS = [
    "id",
    "order",
    "number",
    "status",
    "carrier",
    "tracking_number",
    "tracking_url",
    "created_by",
    "created_at",
    "delivered_at",
    "cancelled_at",
]
SHIPMENT_LINE_FIELDS = ["id", "shipment", "order_line", "quantity"]
RETURN_FIELDS = [
    "id",
    "order",
    "number",
    "status",
    "customer_note",
    "requested_by",
    "created_at",
    "received_at",
    "closed_at",
    "close_reason",
]
RETURN_LINE_FIELDS = ["id", "order_return", "order_line", "quantity", "reason", "decision"]
PAYMENT_FIELDS = [
    "id",
    "order",
    "kind",
    "amount",
    "currency",
    "method",
    "provider",
    "external_reference",
    "order_return",
    "note",
    "actor",
    "created_at",
]
REFUND_LINE_FIELDS = ["id", "payment", "order_line", "quantity", "amount"]
# Rows of one order run into the hundreds of thousands at scale: bigger batches, fewer COPYs.
BATCH = 50_000


class SaleRows:
    def __init__(self, run: StoreRun):
        self.run = run
        pipe = run.pipe
        self.orders = BulkWriter(Order, ORDER_FIELDS, pipe=pipe)
        self.lines = BulkWriter(OrderLine, LINE_FIELDS, batch_size=BATCH, pipe=pipe)
        self.shipments = BulkWriter(Shipment, SHIPMENT_FIELDS, batch_size=BATCH, pipe=pipe)
        self.shipment_lines = BulkWriter(
            ShipmentLine, SHIPMENT_LINE_FIELDS, batch_size=BATCH, pipe=pipe
        )
        self.returns = BulkWriter(OrderReturn, RETURN_FIELDS, batch_size=BATCH, pipe=pipe)
        self.return_lines = BulkWriter(ReturnLine, RETURN_LINE_FIELDS, batch_size=BATCH, pipe=pipe)
        self.payments = BulkWriter(Payment, PAYMENT_FIELDS, batch_size=BATCH, pipe=pipe)
        self.refund_lines = BulkWriter(RefundLine, REFUND_LINE_FIELDS, batch_size=BATCH, pipe=pipe)

    @property
    def writers(self) -> list[BulkWriter]:
        return [
            self.orders,
            self.lines,
            self.shipments,
            self.shipment_lines,
            self.returns,
            self.return_lines,
            self.payments,
            self.refund_lines,
        ]

    def _at(self, ts: float | None) -> datetime | None:
        return None if ts is None else self.run.at(ts)

    def add(
        self,
        sale: Sale,
        price: OrderPrice,
        customer: Customer,
        note: str,
        *,
        placed_at: datetime,
        shipping_method_id: int | None,
        discount_id: int | None,
    ) -> None:
        store = self.run.store
        self.orders.add(
            (
                sale.id,
                placed_at,
                self.run.at(sale.last_ts),
                store.pk,
                customer.id,
                sale.number,
                sale.status,
                sale.fulfilment_status,
                sale.payment_status,
                sale.currency,
                price.subtotal,
                price.discount_total,
                price.shipping,
                price.tax_total,
                price.prices_include_tax,
                price.discount_code,
                price.shipping_method_name,
                price.total,
                customer.email,
                customer.phone,
                customer.address,
                note,
                # No idempotency key, so no request fingerprint either: only a key's replay
                # compares them, and nothing replays a seeded order.
                "",
                "",
                placed_at,
                shipping_method_id,
                discount_id,
            )
        )
        for line, priced in zip(sale.lines, price.lines, strict=True):
            counters = (line.quantity_shipped, line.quantity_delivered, line.quantity_returned)
            self.lines.add((line.id, sale.id, *priced, *counters))
        self._shipments(sale)
        self._returns(sale)
        self._payments(sale)

    def _shipments(self, sale: Sale) -> None:
        for shipment in sale.shipments:
            self.shipments.add(
                (
                    shipment.id,
                    sale.id,
                    shipment.number,
                    shipment.status,
                    shipment.carrier,
                    shipment.tracking_number,
                    "",
                    shipment.created_by,
                    self.run.at(shipment.created_at),
                    self._at(shipment.delivered_at),
                    self._at(shipment.cancelled_at),
                )
            )
            for line_id, line, quantity in shipment.lines:
                self.shipment_lines.add((line_id, shipment.id, line.id, quantity))

    def _returns(self, sale: Sale) -> None:
        for order_return in sale.returns:
            self.returns.add(
                (
                    order_return.id,
                    sale.id,
                    order_return.number,
                    order_return.status,
                    order_return.customer_note,
                    order_return.requested_by,
                    self.run.at(order_return.created_at),
                    self._at(order_return.received_at),
                    self._at(order_return.closed_at),
                    order_return.close_reason,
                )
            )
            for item in order_return.lines:
                row = (item.id, order_return.id, item.line.id, item.quantity, item.reason)
                self.return_lines.add((*row, item.decision))

    def _payments(self, sale: Sale) -> None:
        for payment in sale.payments:
            self.payments.add(
                (
                    payment.id,
                    sale.id,
                    payment.kind,
                    payment.amount,
                    sale.currency,
                    payment.method,
                    payment.provider,
                    payment.external_reference,
                    payment.order_return.id if payment.order_return else None,
                    payment.note,
                    payment.actor,
                    self.run.at(payment.created_at),
                )
            )
            for line_id, line, quantity, amount in payment.refund_lines:
                self.refund_lines.add((line_id, payment.id, line.id, quantity, amount))
