import dataclasses
import inspect
from decimal import Decimal

import pytest
from django.core.management import call_command

from apps.catalog.tests.factories import make_product, make_variant
from apps.core.errors import ApplicationError, PermissionDenied
from apps.inventory.models import MovementReason, Stock, StockMovement
from apps.inventory.order_stock import InsufficientStock
from apps.inventory.tests.factories import receive
from apps.orders.fulfilment import shipment_create
from apps.orders.models import Order, OrderEvent, OrderEventType, PaymentKind
from apps.orders.payments import payment_record
from apps.orders.services import (
    IdempotencyKeyReused,
    OrderLineInput,
    order_add_note,
    order_place,
    order_transition,
)
from apps.orders.tests.factories import ADDRESS, pay, place_order
from apps.orders.transitions import OrderStatus
from apps.stores.roles import Role
from apps.stores.tests.factories import StoreFactory, staff_member
from apps.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def store():
    return StoreFactory()


@pytest.fixture
def manager(store):
    return staff_member(store, Role.MANAGER)


def stock_of(variant):
    return Stock.objects.get(variant=variant)


def test_place_computes_totals_on_the_server_and_allocates(store):
    a = make_variant(store, price="12.50")
    b = make_variant(store, price="3.00")
    receive(a, 5)
    receive(b, 5)
    order = place_order(store, [(a, 2), (b, 1), (a, 1)])
    assert order.subtotal == pytest.approx(40.50)
    method = store.shipping_methods.get()
    assert (order.shipping_total, order.shipping_method, order.shipping_method_name) == (
        method.price,
        method,
        method.name,
    )
    assert order.total == order.subtotal + order.shipping_total
    assert order.number.startswith(store.order_prefix + "-")
    assert order.lines.count() == 2
    assert stock_of(a).allocated == 3 and stock_of(a).on_hand == 5
    assert order.events.get().type == OrderEventType.PLACED
    call_command("check_stock_ledger")


def test_short_lines_fail_the_whole_order_naming_every_sku(store):
    a = make_variant(store)
    b = make_variant(store)
    c = make_variant(store)
    receive(a, 1)
    receive(c, 10)
    with pytest.raises(InsufficientStock) as error:
        place_order(store, [(a, 2), (b, 1), (c, 1)])
    skus = {s.sku for s in error.value.shortages}
    assert skus == {a.sku, b.sku}
    assert a.sku in error.value.message and b.sku in error.value.message
    assert Order.objects.count() == 0
    assert stock_of(c).allocated == 0
    assert not StockMovement.objects.filter(reason=MovementReason.ORDER_ALLOCATED).exists()


def test_backorder_variant_can_be_allocated_past_stock(store):
    v = make_variant(store, allow_backorder=True)
    order = place_order(store, [(v, 3)])
    assert stock_of(v).allocated == 3
    assert order.status == OrderStatus.PENDING


@pytest.mark.parametrize(
    ("lines", "code"),
    [
        ([], "no_lines"),
        ([("v", 0)], "invalid_quantity"),
        ([("v", -1)], "invalid_quantity"),
        ([("missing", 1)], "unknown_variant"),
        ([("other_store", 1)], "unknown_variant"),
        ([("draft", 1)], "variant_not_for_sale"),
    ],
)
def test_bad_input_raises_a_domain_error_and_writes_nothing(store, lines, code):
    variants = {
        "v": make_variant(store),
        "other_store": make_variant(StoreFactory()),
        "draft": make_variant(store, status="draft"),
    }
    for v in variants.values():
        receive(v, 5)
    movements = StockMovement.objects.count()
    resolved = [
        OrderLineInput(variants[key].pk if key in variants else 999_999, q) for key, q in lines
    ]
    with pytest.raises(ApplicationError) as error:
        order_place(store=store, customer=UserFactory(), lines=resolved, shipping_address=ADDRESS)
    assert error.value.code == code
    assert Order.objects.count() == 0
    assert StockMovement.objects.count() == movements


def test_the_service_has_no_way_to_take_a_price_from_its_caller(store):
    # The API test proves a client-sent total is ignored; here: no parameter could carry one,
    # and what the order charges is the catalogue's price.
    money_words = ("price", "total", "amount", "cost", "discount", "tax", "fee", "rate")
    accepted = set(inspect.signature(order_place).parameters) | {
        field.name for field in dataclasses.fields(OrderLineInput)
    }
    assert not [name for name in accepted if any(word in name for word in money_words)]
    v = make_variant(store, price="12.50", allow_backorder=True)
    order, _created = order_place(
        store=store,
        customer=UserFactory(),
        lines=[OrderLineInput(v.pk, 2)],
        shipping_address=ADDRESS,
    )
    assert order.lines.get().unit_price == Decimal("12.50")
    assert order.subtotal == Decimal("25.00")
    assert order.total == order.subtotal + order.shipping_total


def test_idempotency_key_returns_the_first_order_and_rejects_another_body(store):
    v = make_variant(store)
    receive(v, 10)
    customer = UserFactory()
    first, created = order_place(
        store=store,
        customer=customer,
        lines=[OrderLineInput(v.pk, 1)],
        shipping_address=ADDRESS,
        idempotency_key="abc",
    )
    again, created_again = order_place(
        store=store,
        customer=customer,
        lines=[OrderLineInput(v.pk, 1)],
        shipping_address=ADDRESS,
        idempotency_key="abc",
    )
    assert created and not created_again and again.pk == first.pk
    assert stock_of(v).allocated == 1
    with pytest.raises(IdempotencyKeyReused):
        order_place(
            store=store,
            customer=customer,
            lines=[OrderLineInput(v.pk, 2)],
            shipping_address=ADDRESS,
            idempotency_key="abc",
        )
    # Another customer may use the same key.
    other, created_other = order_place(
        store=store,
        customer=UserFactory(),
        lines=[OrderLineInput(v.pk, 1)],
        shipping_address=ADDRESS,
        idempotency_key="abc",
    )
    assert created_other and other.pk != first.pk


def cancel(order, actor, reason="Customer asked"):
    return order_transition(
        order=order, to_status=OrderStatus.CANCELLED, actor=actor, message=reason
    )


def test_cancel_releases_and_a_whole_shipment_consumes(store, manager):
    v = make_variant(store)
    receive(v, 10)
    cancelled = place_order(store, [(v, 2)])
    cancel(cancelled, manager)
    assert (stock_of(v).on_hand, stock_of(v).allocated) == (10, 0)

    shipped = place_order(store, [(v, 3)])
    order_transition(order=shipped, to_status=OrderStatus.CONFIRMED, actor=manager)
    pay(shipped)
    shipment_create(order=shipped, lines=None, actor=manager, tracking_number="TRK1")
    assert shipped.shipments.get().tracking_number == "TRK1"
    assert (stock_of(v).on_hand, stock_of(v).allocated) == (7, 0)

    events = list(shipped.events.filter(type=OrderEventType.STATUS_CHANGED).order_by("id"))
    assert [(e.from_value, e.to_value) for e in events] == [("pending", "confirmed")]
    assert all(e.actor == manager for e in events)
    call_command("check_stock_ledger")


@pytest.mark.parametrize(
    ("path", "illegal"),
    [
        ([], "shipped"),
        ([], OrderStatus.PENDING),
        ([OrderStatus.CANCELLED], OrderStatus.CONFIRMED),
        ([OrderStatus.CANCELLED], OrderStatus.CANCELLED),
        ([OrderStatus.CONFIRMED], OrderStatus.CONFIRMED),
    ],
)
def test_illegal_transitions_raise_and_change_nothing(store, manager, path, illegal):
    v = make_variant(store)
    receive(v, 5)
    order = place_order(store, [(v, 1)])
    for status in path:
        order_transition(order=order, to_status=status, actor=manager, message="Asked")
    before_stock = stock_of(v)
    events = OrderEvent.objects.count()
    with pytest.raises(ApplicationError) as error:
        order_transition(order=order, to_status=illegal, actor=manager, message="Asked")
    assert error.value.code == "illegal_transition"
    order.refresh_from_db()
    assert order.status == (path[-1] if path else OrderStatus.PENDING)
    after_stock = stock_of(v)
    assert (after_stock.on_hand, after_stock.allocated) == (
        before_stock.on_hand,
        before_stock.allocated,
    )
    assert OrderEvent.objects.count() == events


def test_roles_gate_transitions(store):
    clerk = staff_member(store, Role.CLERK)
    viewer = staff_member(store, Role.VIEWER)
    outsider = staff_member(StoreFactory(), Role.OWNER)
    v = make_variant(store)
    receive(v, 5)
    order = place_order(store, [(v, 1)])
    for person in (viewer, outsider):
        with pytest.raises(PermissionDenied):
            order_transition(order=order, to_status=OrderStatus.CONFIRMED, actor=person)
    with pytest.raises(PermissionDenied):
        cancel(order, clerk)
    order_transition(order=order, to_status=OrderStatus.CONFIRMED, actor=clerk)
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED


def test_owning_an_order_is_no_store_role(store):
    """Only order_cancel_by_customer takes ownership as the permission."""
    customer = UserFactory()
    v = make_variant(store)
    receive(v, 5)
    order = place_order(store, [(v, 1)], customer=customer)
    with pytest.raises(PermissionDenied):
        cancel(order, customer)
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING


def test_payment_records_derive_the_status_and_are_on_the_timeline(store, manager):
    v = make_variant(store)
    receive(v, 5)
    order = place_order(store, [(v, 1)])
    payment_record(order=order, kind=PaymentKind.CAPTURE, actor=manager)
    payment_record(order=order, kind=PaymentKind.REFUND, actor=manager, note="Damaged")
    with pytest.raises(ApplicationError):
        payment_record(order=order, kind=PaymentKind.REFUND, actor=manager, note="Again")
    payments = order.events.filter(type=OrderEventType.PAYMENT).order_by("id")
    assert [(e.from_value, e.to_value, e.actor) for e in payments] == [
        ("unpaid", "paid", manager),
        ("paid", "refunded", manager),
    ]


def test_notes_are_recorded_with_their_author(store):
    clerk = staff_member(store, Role.CLERK)
    order = place_order(store, [(make_variant(store, allow_backorder=True), 1)])
    event = order_add_note(order=order, actor=clerk, message="Gift wrap please")
    assert event.actor == clerk and event.type == OrderEventType.NOTE


def test_status_change_notifies_after_commit(store, manager, django_capture_on_commit_callbacks):
    from apps.orders.signals import order_status_changed

    received = []

    def receiver(**kwargs):
        received.append(kwargs["target"])

    order_status_changed.connect(receiver)
    try:
        v = make_variant(store, allow_backorder=True)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            order = place_order(store, [(v, 1)])
            order_transition(order=order, to_status=OrderStatus.CONFIRMED, actor=manager)
        assert received == []  # nothing is announced before the transaction commits
        for callback in callbacks:
            callback()
        assert received == ["pending", "confirmed"]
    finally:
        order_status_changed.disconnect(receiver)


def test_order_survives_its_product_being_repriced_and_deleted(store):
    # Untracked: a product with a stock ledger is never deleted (the ledger protects it).
    product = make_product(store, variants=2, track_inventory=False)
    v1, v2 = product.variants.all()
    order = place_order(store, [(v1, 1), (v2, 2)])
    product.variants.update(price="99.00")
    line = order.lines.get(sku=v1.sku)
    assert line.unit_price == 10
    before = list(order.lines.order_by("pk").values("sku", "product_title", "unit_price"))

    product.delete()
    order.refresh_from_db()
    lines = order.lines.order_by("pk")
    assert [line.variant_id for line in lines] == [None, None]
    assert list(lines.values("sku", "product_title", "unit_price")) == before
    assert order.total == order.subtotal + order.shipping_total


def test_history_of_a_new_order_shows_its_real_number(store):
    order = place_order(store, [(make_variant(store, allow_backorder=True), 1)])
    first = order.history.order_by("history_id").first()
    assert first.history_type == "+"
    assert first.number == order.number == f"{store.order_prefix}-{order.pk + 100000}"


def test_customer_cancels_only_their_own_order(store):
    from apps.core.errors import NotFound
    from apps.orders.services import order_cancel_by_customer

    v = make_variant(store)
    receive(v, 5)
    owner, stranger = UserFactory(), UserFactory()
    order = place_order(store, [(v, 2)], customer=owner)
    with pytest.raises(NotFound):
        order_cancel_by_customer(order=order, customer=stranger)
    assert stock_of(v).allocated == 2
    order_cancel_by_customer(order=order, customer=owner)
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert stock_of(v).allocated == 0
    assert order.events.get(to_value=OrderStatus.CANCELLED).actor == owner


def test_an_order_moves_only_the_stock_it_took(store):
    """A variant counted, then not: the Stock row stays with another order's allocation. An
    order placed while uncounted allocated nothing, so cancelling or shipping it must not
    release or consume what the first order holds."""
    manager = staff_member(store, Role.MANAGER)
    kettle = make_variant(store)
    receive(kettle, 5)
    counted = place_order(store, [(kettle, 3)])
    type(kettle).objects.filter(pk=kettle.pk).update(track_inventory=False)
    uncounted = place_order(store, [(kettle, 4)])
    also_uncounted = place_order(store, [(kettle, 4)])
    stock = Stock.objects.get(variant=kettle)
    assert (stock.on_hand, stock.allocated) == (5, 3)

    cancel(uncounted, manager)
    order_transition(order=also_uncounted, to_status=OrderStatus.CONFIRMED, actor=manager)
    pay(also_uncounted)
    shipment = shipment_create(order=also_uncounted, lines=None, actor=manager)
    stock.refresh_from_db()
    assert (stock.on_hand, stock.allocated) == (5, 3)

    cancel(counted, manager)
    stock.refresh_from_db()
    assert (stock.on_hand, stock.allocated) == (5, 0)
    assert not StockMovement.objects.filter(
        reference_id__in=[uncounted.number, also_uncounted.number, shipment.number]
    ).exists()
