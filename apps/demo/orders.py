"""One store's orders, written as order_place and order_transition would have written them.

Orders are placed in time order; each order's later steps (payment, confirm, ship, …) go on a
heap and are applied when the clock reaches them, so every stock movement happens against the
stock as it stood then. Each value comes from the function the services use: the price and
shipping from order_price, the number from order_number_for, each step from the lifecycle
table (find_transition, stock_outcome, PAYMENT_TRANSITIONS), each event's words from the
timeline's functions, each stock movement from the ledger's replay of the stock rules.
"""

import heapq
import math
from collections.abc import Callable
from dataclasses import dataclass

from apps.catalog.models import ProductVariant
from apps.core.bulk import BulkWriter
from apps.demo.context import Customer, StoreRun
from apps.demo.data import CUSTOMER_NOTES
from apps.demo.ledger import StockLedger
from apps.demo.lifecycle import DAY, HOUR, plan, status_for_age
from apps.inventory.models import MovementReason
from apps.orders.models import ORDER_SALE_FIELDS, Order, OrderEvent, OrderEventType, OrderLine
from apps.orders.pricing import OrderPrice, PricedLine, order_price
from apps.orders.services import order_number_for
from apps.orders.transitions import (
    PAYMENT_TRANSITIONS,
    OrderStatus,
    PaymentStatus,
    find_transition,
    placed_message,
    status_change_message,
    stock_outcome,
)
from apps.stores.roles import Capability, Role, role_has

YEAR_SECONDS = 365 * DAY
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
]
LINE_FIELDS = ["id", "order", *PricedLine._fields]
EVENT_FIELDS = ["id", "order", "type", "from_value", "to_value", "actor", "message", "created_at"]
# What staff type when they record a payment.
PAYMENT_MESSAGES = {
    PaymentStatus.PAID: "Card payment captured.",
    PaymentStatus.REFUNDED: "Refund issued.",
}


@dataclass
class _Order:
    """An order's state while its steps are still to come."""

    id: int
    number: str
    lines: list[tuple[ProductVariant, int]]
    status: str = OrderStatus.PENDING
    payment_status: str = PaymentStatus.UNPAID
    tracking_number: str = ""


class OrderWriter:
    def __init__(self, run: StoreRun, ledger: StockLedger, customers: list[Customer]):
        self.run = run
        self.ledger = ledger
        self.customers = customers
        self.orders = BulkWriter(Order, ORDER_FIELDS, pipe=run.pipe)
        self.lines = BulkWriter(OrderLine, LINE_FIELDS, batch_size=50_000, pipe=run.pipe)
        self.events = BulkWriter(OrderEvent, EVENT_FIELDS, batch_size=50_000, pipe=run.pipe)
        # (time, sequence, apply): the steps that are due later.
        self.due: list[tuple[float, int, Callable[[float], None]]] = []
        self.sequence = 0
        # Staff who may do each kind of step, the least powerful first.
        self.able = {
            capability: [role for role in reversed(Role.values) if role_has(role, capability)]
            for capability in (Capability.FULFIL_ORDERS, Capability.MANAGE_ORDERS)
        }

    def write(self, sellable: list[ProductVariant], count: int) -> None:
        if not sellable or not count:
            return
        rng = self.run.rng
        now_ts = self.run.now.timestamp()
        # Order volume grows through the year: newer days see more orders.
        ages = sorted(
            (YEAR_SECONDS * (1 - math.sqrt(rng.random())) for _ in range(count)), reverse=True
        )
        ages[-1] = min(ages[-1], HOUR)  # the newest order is fresh, whatever the sample
        # The newest orders cycle through every status, so each store shows them all.
        forced = {count - 1 - i: status for i, status in enumerate(OrderStatus.values)}
        report_every = max(count // 10, 50_000)
        for index, age in enumerate(ages):
            placed_ts = now_ts - max(age, 300.0)
            self._run_due(placed_ts)
            status = forced.get(index) or status_for_age(rng, age / DAY)
            self._place(sellable, placed_ts, status)
            if (index + 1) % report_every == 0:
                self.run.log(f"{index + 1:,}/{count:,} orders")
        self._run_due(math.inf)
        for writer in (self.orders, self.lines, self.events):
            writer.flush()

    def _run_due(self, until: float) -> None:
        while self.due and self.due[0][0] <= until:
            at, _sequence, apply = heapq.heappop(self.due)
            apply(at)

    def _schedule(self, at: float, apply: Callable[[float], None]) -> None:
        self.sequence += 1
        heapq.heappush(self.due, (at, self.sequence, apply))

    def _choose_lines(self, sellable: list[ProductVariant]) -> list[tuple[ProductVariant, int]]:
        rng = self.run.rng
        count = min(len(sellable), rng.choices((1, 2, 3, 4), (50, 30, 15, 5))[0])
        chosen: dict[int, ProductVariant] = {}
        while len(chosen) < count:
            # A few bestsellers, a long tail.
            variant = sellable[int(len(sellable) * rng.random() ** 2)]
            chosen[variant.pk] = variant
        return [(variant, rng.choices((1, 2, 3), (75, 20, 5))[0]) for variant in chosen.values()]

    def _place(self, sellable: list[ProductVariant], placed_ts: float, status: str) -> None:
        run, rng = self.run, self.run.rng
        customer = self.customers[int(len(self.customers) * rng.random() ** 1.5)]
        lines = self._choose_lines(sellable)
        order_id = run.take_id(Order)
        order = _Order(
            order_id, order_number_for(prefix=run.store.order_prefix, order_id=order_id), lines
        )
        price = order_price(store=run.store, lines=lines)
        for line in price.lines:
            self.lines.add((run.take_id(OrderLine), order.id, *line))
        placed_at = run.at(placed_ts)
        for variant, quantity in lines:
            self.ledger.order_move(
                variant,
                MovementReason.ORDER_ALLOCATED,
                quantity,
                actor_id=customer.id,
                number=order.number,
                at=placed_at,
            )
        message = placed_message(
            line_count=len(price.lines), total=price.total, currency=run.store.currency
        )
        self._event(
            order, OrderEventType.PLACED, "", OrderStatus.PENDING, customer.id, message, placed_ts
        )
        last_ts = self._plan(order, status, placed_ts)
        self._add_row(order, customer, status, price, placed_at, run.at(last_ts))

    def _add_row(
        self,
        order: _Order,
        customer: Customer,
        status: str,
        price: OrderPrice,
        placed_at,
        updated_at,
    ) -> None:
        run, rng = self.run, self.run.rng
        self.orders.add(
            (
                order.id,
                placed_at,
                updated_at,
                run.store.pk,
                customer.id,
                order.number,
                status,
                order.payment_status,
                run.store.currency,
                price.subtotal,
                price.shipping,
                price.total,
                customer.email,
                customer.phone,
                customer.address,
                rng.choice(CUSTOMER_NOTES) if rng.random() < 0.08 else "",
                order.tracking_number,
                # No idempotency key, so no request fingerprint either: only a key's replay
                # compares them, and nothing replays a seeded order.
                "",
                "",
                placed_at,
            )
        )

    def _plan(self, order: _Order, status: str, placed_ts: float) -> float:
        """Schedule the steps to `status`; returns when the last one happens. The order's
        final payment status and tracking number are known from here on, for its row."""
        rng = self.run.rng
        steps = plan(rng, status, placed_ts, self.run.now.timestamp())
        for step in steps:
            if step.kind == "payment":
                self._schedule(
                    step.at, self._payment_step(order, order.payment_status, step.target)
                )
                order.payment_status = step.target
                continue
            tracking = ""
            if step.target == OrderStatus.SHIPPED:
                tracking = order.tracking_number = f"1Z{rng.randrange(10**9, 10**10)}"
            restock = rng.random() < 0.75
            self._schedule(step.at, self._status_step(order, step.target, tracking, restock))
        return steps[-1].at if steps else placed_ts

    def _actor_for(self, capability: Capability) -> int:
        """Mostly the least powerful role that may do it, sometimes the next one up."""
        able = self.able[capability]
        role = able[0] if self.run.rng.random() < 0.8 or len(able) == 1 else able[1]
        return self.run.staff[role].pk

    def _status_step(self, order: _Order, target: str, tracking: str, restock: bool):
        def apply(ts: float) -> None:
            transition = find_transition(order.status, target)
            if transition is None:
                raise AssertionError(f"demo plan breaks the lifecycle: {order.status} → {target}")
            actor = self._actor_for(transition.capability)
            outcome = stock_outcome(transition, restock=restock)
            if outcome and outcome.reason:
                for variant, quantity in order.lines:
                    self.ledger.order_move(
                        variant,
                        outcome.reason,
                        quantity,
                        actor_id=actor,
                        number=order.number,
                        at=self.run.at(ts),
                    )
            message = status_change_message(
                message="", stock_note=outcome.note if outcome else "", tracking_number=tracking
            )
            self._event(
                order, OrderEventType.STATUS_CHANGED, order.status, target, actor, message, ts
            )
            order.status = target

        return apply

    def _payment_step(self, order: _Order, source: str, target: str):
        capability = PAYMENT_TRANSITIONS.get((source, target))
        if capability is None:
            raise AssertionError(f"demo plan breaks the payments: {source} → {target}")

        def apply(ts: float) -> None:
            actor = self._actor_for(capability)
            self._event(
                order, OrderEventType.PAYMENT, source, target, actor, PAYMENT_MESSAGES[target], ts
            )

        return apply

    def _event(self, order, type_, source, target, actor_id, message, ts) -> None:
        self.events.add(
            (
                self.run.take_id(OrderEvent),
                order.id,
                type_,
                source,
                target,
                actor_id,
                message,
                self.run.at(ts),
            )
        )
