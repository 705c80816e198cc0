"""One store's orders, written as the order services would have written them.

Orders are placed in time order. At placing, an order's scenario (apps/demo/lifecycle.py) is
played to its end in memory (apps/demo/sale.py): its rows (order, lines with their counters,
shipments, returns, payment records, refund lines, timeline) are known then and written in
bulk. Its stock movements wait on a heap and are applied when the clock reaches them, so each
moves the stock as it stood then. Each value comes from the function the services use: price
and shipping from order_price, numbers from order_number_for, statuses from the derivations of
apps/orders/statuses.py, each event's parts from apps/orders/event_texts.py, each stock
movement from the ledger's replay of the stock rules.
"""

import heapq
import math
from typing import Any

from django.db.models import Model

from apps.catalog.models import ProductVariant
from apps.core.bulk import BulkWriter
from apps.demo.acts import play
from apps.demo.checkout import Checkout
from apps.demo.context import Customer, StoreRun
from apps.demo.data import CUSTOMER_NOTES
from apps.demo.ledger import StockLedger
from apps.demo.lifecycle import DAY, HOUR, SCENARIOS, SPLITS, fitting, plan, scenario_for_age
from apps.demo.sale import ZERO, Sale, SaleLine
from apps.demo.sale_rows import SaleRows
from apps.inventory.ledger import StockReference
from apps.inventory.models import MovementReason
from apps.orders.event_texts import placed_part
from apps.orders.models import Order, OrderEvent, OrderEventType, OrderLine
from apps.orders.order_state import ORDER_REFERENCE
from apps.orders.services import order_number_for
from apps.orders.transitions import OrderStatus
from apps.stores.roles import Capability, Role, role_has

YEAR_SECONDS = 365 * DAY
EVENT_FIELDS = [
    "id",
    "order",
    "type",
    "from_value",
    "to_value",
    "actor",
    "data",
    "message",
    "created_at",
]
# Who may do what, for the acts that need a person.
CAPABILITIES = (
    Capability.FULFIL_ORDERS,
    Capability.MANAGE_ORDERS,
    Capability.RECORD_PAYMENTS,
    Capability.REFUND,
    Capability.WRITE_OFF,
)


class OrderWriter:
    """Places a store's orders and plays their scenarios; the `Books` of apps/demo/sale.py."""

    def __init__(self, run: StoreRun, ledger: StockLedger, customers: list[Customer]):
        self.run = run
        self.rng = run.rng
        self.ledger = ledger
        self.customers = customers
        self.rows = SaleRows(run)
        # The store's methods, codes and tax rules, read once: every order is priced with them.
        self.checkout = Checkout(run)
        self.events = BulkWriter(OrderEvent, EVENT_FIELDS, batch_size=50_000, pipe=run.pipe)
        # (time, sequence, movement): the stock movements that are due later.
        self.due: list[tuple[float, int, tuple]] = []
        self.sequence = 0
        # Staff who may do each kind of act, the least powerful first.
        self.able = {
            capability: [role for role in reversed(Role.values) if role_has(role, capability)]
            for capability in CAPABILITIES
        }

    @property
    def writers(self) -> list[BulkWriter]:
        return [*self.rows.writers, self.events]

    def write(self, sellable: list[ProductVariant], count: int) -> None:
        if not sellable or not count:
            return
        rng = self.rng
        now_ts = self.run.now.timestamp()
        # Order volume grows through the year: newer days see more orders.
        ages = sorted(
            (YEAR_SECONDS * (1 - math.sqrt(rng.random())) for _ in range(count)), reverse=True
        )
        ages[-1] = min(ages[-1], HOUR)  # the newest order is fresh, whatever the sample
        # The newest orders go through every scenario, so each store shows every state.
        forced = {count - 1 - i: scenario for i, scenario in enumerate(SCENARIOS)}
        report_every = max(count // 10, 50_000)
        for index, age in enumerate(ages):
            placed_ts = now_ts - max(age, 300.0)
            self._run_due(placed_ts)
            self._place(sellable, placed_ts, forced.get(index) or scenario_for_age(rng, age / DAY))
            if (index + 1) % report_every == 0:
                self.run.log(f"{index + 1:,}/{count:,} orders")
        self._run_due(math.inf)
        for writer in self.writers:
            writer.flush()
        self.checkout.finish()

    def _run_due(self, until: float) -> None:
        at = self.run.at
        while self.due and self.due[0][0] <= until:
            ts, _sequence, (variant, reason, quantity, actor, reference) = heapq.heappop(self.due)
            self.ledger.order_move(
                variant, reason, quantity, actor_id=actor, reference=reference, at=at(ts)
            )

    def _choose_lines(
        self, sellable: list[ProductVariant], scenario: str
    ) -> list[tuple[ProductVariant, int]]:
        rng = self.rng
        count = min(len(sellable), rng.choices((1, 2, 3, 4), (50, 30, 15, 5))[0])
        chosen: dict[int, ProductVariant] = {}
        while len(chosen) < count:
            # A few bestsellers, a long tail.
            variant = sellable[int(len(sellable) * rng.random() ** 2)]
            chosen[variant.pk] = variant
        lines = [(variant, rng.choices((1, 2, 3), (75, 20, 5))[0]) for variant in chosen.values()]
        if SPLITS & set(SCENARIOS[scenario]) and sum(q for _v, q in lines) < 2:
            # A scenario that splits the order needs two units of something.
            lines[0] = (lines[0][0], 2)
        return lines

    def _place(self, sellable: list[ProductVariant], placed_ts: float, scenario: str) -> None:
        """order_place, then the scenario's acts."""
        run, rng = self.run, self.rng
        customer = self.customers[int(len(self.customers) * rng.random() ** 1.5)]
        lines = self._choose_lines(sellable, scenario)
        scenario = fitting(scenario, sum(quantity for _variant, quantity in lines))
        order_id = run.take_id(Order)
        number = order_number_for(prefix=run.store.order_prefix, order_id=order_id)
        # The method and code the customer chose, priced as order_place prices them.
        choice = self.checkout.choose(lines, customer, placed_ts=placed_ts, scenario=scenario)
        price = choice.price
        variants = {variant.pk: variant for variant, _quantity in lines}
        sale = Sale(
            id=order_id,
            number=number,
            customer_id=customer.id,
            currency=run.store.currency,
            total=price.total,
            return_window_days=run.store.return_window_days,
            lines=[
                SaleLine(
                    run.take_id(OrderLine),
                    variants[line.variant_id],
                    line.sku,
                    line.unit_price,
                    line.quantity,
                    paid=line.line_total
                    - line.discount_total
                    + (ZERO if price.prices_include_tax else line.tax_total),
                )
                for line in price.lines
            ],
            books=self,
            last_ts=placed_ts,
        )
        sale.move_stock(
            [(line, line.quantity) for line in sale.lines],
            MovementReason.ORDER_ALLOCATED,
            actor=customer.id,
            reference=StockReference(ORDER_REFERENCE, number),
            ts=placed_ts,
        )
        placed = placed_part(line_count=len(price.lines), total=price.total, currency=sale.currency)
        sale.event(
            OrderEventType.PLACED,
            placed_ts,
            actor=customer.id,
            parts=[placed],
            to_value=OrderStatus.PENDING,
        )
        for step in plan(rng, scenario, placed_ts, run.now.timestamp()):
            play(sale, step.act, step.at)
        self.checkout.redeem(
            choice, customer, number=number, placed_ts=placed_ts, cancelled_ts=sale.cancelled_at
        )
        note = rng.choice(CUSTOMER_NOTES) if rng.random() < 0.08 else ""
        self.rows.add(
            sale,
            price,
            customer,
            note,
            placed_at=run.at(placed_ts),
            shipping_method_id=choice.method.pk,
            discount_id=choice.code.pk if choice.code else None,
        )

    # What apps/demo/sale.py asks of its books.

    def take_id(self, model: type[Model]) -> int:
        return self.run.take_id(model)

    def actor(self, capability: Capability) -> int:
        """Mostly the least powerful role that may do it, sometimes the next one up."""
        able = self.able[capability]
        role = able[0] if self.rng.random() < 0.8 or len(able) == 1 else able[1]
        return self.run.staff[role].pk

    def event(self, sale: Sale, event_type: str, ts: float, **values: Any) -> None:
        """order_state.record_event."""
        parts = values.get("parts") or []
        self.events.add(
            (
                self.run.take_id(OrderEvent),
                sale.id,
                event_type,
                values.get("from_value", ""),
                values.get("to_value", ""),
                values["actor"],
                {"parts": parts} if parts else {},
                values.get("message", ""),
                self.run.at(ts),
            )
        )

    def stock(
        self,
        line: SaleLine,
        reason: str,
        quantity: int,
        *,
        actor: int | None,
        reference: StockReference,
        ts: float,
    ) -> None:
        if line.variant.track_inventory:
            self.sequence += 1
            heapq.heappush(
                self.due, (ts, self.sequence, (line.variant, reason, quantity, actor, reference))
            )
