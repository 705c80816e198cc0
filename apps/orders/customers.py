"""A store's customers: who ordered there (by the e-mail their orders went to), what they spent,
and the staff's notes on them.

Placing an order records its customer in the order's transaction (`store_customer_record`);
bulk writers that bypass order_place (the demo seeder) call `store_customers_rebuild`. The
figures are read from the orders a page of customers at a time (`with_figures`): a fixed
number of queries however many customers and orders a store has.
"""

from django.db import connections
from django.db.models import (
    Count,
    DecimalField,
    F,
    Max,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from apps.core.errors import ApplicationError
from apps.orders.models import Order, Payment, PaymentKind, StoreCustomer
from apps.orders.transitions import OrderStatus
from apps.stores.roles import Capability
from apps.stores.scoping import Actor, require_capability

MONEY = DecimalField(max_digits=14, decimal_places=2)
ZERO = Value(0, output_field=MONEY)


def _name(order: Order) -> str:
    return str(order.shipping_address.get("name", ""))[:200]


def store_customer_record(order: Order) -> None:
    """The order's customer in its store: created with the first order, kept current after."""
    updated = StoreCustomer.objects.filter(store_id=order.store_id, email=order.email).update(
        last_order_at=order.placed_at,
        name=_name(order) or F("name"),
        customer_id=Coalesce(Value(order.customer_id), F("customer_id")),
    )
    if not updated:
        StoreCustomer.objects.get_or_create(
            store_id=order.store_id,
            email=order.email,
            defaults={
                "customer_id": order.customer_id,
                "name": _name(order),
                "first_order_at": order.placed_at,
                "last_order_at": order.placed_at,
            },
        )


def store_customers_rebuild(*, store_id: int) -> int:
    """Every customer of the store from its orders, in one statement; the staff's notes stay.
    For writers that place orders without order_place."""
    with connections[StoreCustomer.objects.db].cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO orders_storecustomer
                (store_id, email, customer_id, name, first_order_at, last_order_at, note)
            SELECT store_id, email, MAX(customer_id), '', MIN(placed_at), MAX(placed_at), ''
            FROM orders_order WHERE store_id = %s
            GROUP BY store_id, email
            ON CONFLICT (store_id, email) DO UPDATE SET
                first_order_at = EXCLUDED.first_order_at,
                last_order_at = EXCLUDED.last_order_at,
                customer_id = COALESCE(EXCLUDED.customer_id, orders_storecustomer.customer_id)
            """,
            [store_id],
        )
        return cursor.rowcount


def with_figures(customers: QuerySet[StoreCustomer]) -> QuerySet[StoreCustomer]:
    """Each customer's orders (not cancelled), what they spent net of refunds, their average
    order: correlated subqueries on the orders' (store, email) index, evaluated for the page
    shown only."""
    orders = Order.objects.filter(store_id=OuterRef("store_id"), email=OuterRef("email")).exclude(
        status=OrderStatus.CANCELLED
    )
    per_customer = orders.order_by().values("store_id")
    refunds = (
        Payment.objects.filter(
            order__store_id=OuterRef("store_id"),
            order__email=OuterRef("email"),
            kind=PaymentKind.REFUND,
        )
        .order_by()
        .values("order__store_id")
    )
    return customers.annotate(
        order_count=Coalesce(Subquery(per_customer.annotate(n=Count("id")).values("n")), 0),
        gross=Coalesce(
            Subquery(per_customer.annotate(s=Sum("total")).values("s"), output_field=MONEY),
            ZERO,
        ),
        refunded=Coalesce(
            Subquery(refunds.annotate(s=Sum("amount")).values("s"), output_field=MONEY), ZERO
        ),
        last_placed=Subquery(per_customer.annotate(m=Max("placed_at")).values("m")),
    ).annotate(spent=F("gross") - F("refunded"))


def store_customer_note(*, customer: StoreCustomer, actor: Actor, note: str) -> StoreCustomer:
    """The staff's notes on a customer: theirs to keep, never shown to the customer."""
    require_capability(actor, customer.store_id, Capability.FULFIL_ORDERS)
    note = (note or "").strip()
    if len(note) > 5000:
        raise ApplicationError("Notes are at most 5000 characters.", code="invalid")
    customer.note = note
    customer.save(update_fields=["note"])
    return customer
