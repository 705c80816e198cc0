"""One store's stock, replayed in memory and written as the ledger the stock services write.

Each Stock row is an unsaved model instance hung on its variant (`variant.stock`), so the
availability rules of apps/inventory/selectors read it as they read a loaded row, and an
order's movement moves its counters by order_movement, the rule the order stock services
apply. Each movement is written with the figures it leaves; the rows themselves are written
last, with the counters the replay ended on, so `check_stock_ledger` holds.
"""

from datetime import datetime

from apps.catalog.models import ProductVariant
from apps.core.bulk import BulkWriter
from apps.demo.context import StoreRun
from apps.inventory.ledger import StockReference
from apps.inventory.models import (
    MOVEMENT_FIELDS,
    STOCK_FIELDS,
    MovementReason,
    Stock,
    StockMovement,
)
from apps.inventory.order_stock import can_ship, order_movement
from apps.inventory.selectors import available_units, can_order
from apps.stores.roles import Role

MOVEMENT_COLUMNS = ["id", *MOVEMENT_FIELDS]
STOCK_COLUMNS = ["id", *STOCK_FIELDS]


class StockLedger:
    def __init__(self, run: StoreRun):
        self.run = run
        self.stocks: list[Stock] = []
        self.movements = BulkWriter(
            StockMovement, MOVEMENT_COLUMNS, batch_size=50_000, pipe=run.pipe
        )

    def open(self, variant: ProductVariant) -> Stock:
        """The Stock row of a tracked variant, empty until goods are received."""
        stock = Stock(
            pk=self.run.take_id(Stock),
            store=self.run.store,
            allow_backorder=variant.allow_backorder,
        )
        variant.stock = stock
        self.stocks.append(stock)
        return stock

    def receive(self, stock: Stock, units: int, at: datetime, note: str) -> None:
        """Goods from a supplier, booked by the store's manager."""
        manager = self.run.staff[Role.MANAGER].pk
        self._write(stock, MovementReason.RECEIVED, units, 0, manager, None, at, note)

    def order_move(
        self,
        variant: ProductVariant,
        reason: str,
        quantity: int,
        *,
        actor_id: int | None,
        reference: StockReference,
        at: datetime,
    ) -> None:
        """One order line's movement. Where the services would refuse a short line (placing
        more than is free, shipping more than is on the shelf), a delivery comes first, as a
        store would reorder, so the line goes through as it would through the services."""
        if not variant.track_inventory:
            return
        stock = variant.stock
        if reason == MovementReason.DAMAGED:
            # Returned goods written off (order_stock.stock_write_off_returned): the ledger
            # says so, and the shelf does not change: they left it when they shipped.
            self._write(stock, reason, 0, 0, actor_id, reference, at, "")
            return
        short = self._shortfall(variant, reason, quantity)
        if short:
            self.receive(stock, short + self.run.rng.randint(20, 120), at, "Supplier delivery")
        on_hand_delta, allocated_delta = order_movement(reason, quantity=quantity, stock=stock)
        if on_hand_delta or allocated_delta:
            self._write(stock, reason, on_hand_delta, allocated_delta, actor_id, reference, at)

    def _shortfall(self, variant: ProductVariant, reason: str, quantity: int) -> int:
        if reason == MovementReason.ORDER_ALLOCATED and not can_order(variant, quantity):
            return quantity - available_units(variant)
        if reason == MovementReason.ORDER_SHIPPED and not can_ship(variant.stock, quantity):
            return quantity - variant.stock.on_hand
        return 0

    def _write(
        self, stock, reason, on_hand_delta, allocated_delta, actor_id, reference, at, note=""
    ):
        stock.on_hand += on_hand_delta
        stock.allocated += allocated_delta
        self.movements.add(
            (
                self.run.take_id(StockMovement),
                stock.pk,
                self.run.store.pk,
                reason,
                on_hand_delta,
                allocated_delta,
                stock.on_hand,
                stock.allocated,
                actor_id,
                reference.type if reference else "",
                reference.id if reference else "",
                note,
                at,
            )
        )

    def write_rows(self) -> int:
        """Flush the movements and write the rows as the replay left them; returns the number
        of movements."""
        self.movements.flush()
        rows = BulkWriter(Stock, STOCK_COLUMNS, pipe=self.run.pipe)
        for stock in self.stocks:
            rows.add(
                (
                    stock.pk,
                    stock.variant_id,
                    self.run.store.pk,
                    stock.on_hand,
                    stock.allocated,
                    stock.allow_backorder,
                    self.run.now,
                )
            )
        rows.flush()
        return self.movements.written
