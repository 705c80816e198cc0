import io
from collections import defaultdict

import psycopg2
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from apps.catalog.models import Category, Product, ProductVariant
from apps.core.bulk import BulkWriter, CopyPipe, next_id
from apps.inventory.models import Stock, StockMovement
from apps.inventory.tests.factories import receive
from apps.orders.models import Order, OrderEvent, OrderEventType, OrderLine
from apps.orders.services import order_number
from apps.orders.tests.factories import place_order
from apps.orders.transitions import ALLOCATING_STATUSES, OrderStatus, PaymentStatus
from apps.stores.models import Store, StoreMembership
from apps.stores.roles import Role
from apps.users.models import User

pytestmark = pytest.mark.django_db

SMALL = {"stores": 2, "products": 6, "orders": 40}
COUNTED = [User, Store, StoreMembership, Product, ProductVariant, Stock, StockMovement]
COUNTED += [Order, OrderLine, OrderEvent]


def seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **{**SMALL, **options})
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


def test_every_store_has_orders_in_every_status_and_staff_in_every_role():
    output = seed()

    stores = list(Store.objects.all())
    assert len(stores) == 2
    for store in stores:
        statuses = set(Order.objects.filter(store=store).values_list("status", flat=True))
        assert statuses == set(OrderStatus.values)
        memberships = StoreMembership.objects.filter(store=store).select_related("user")
        assert sorted(m.role for m in memberships) == sorted(Role.values)
        assert all(m.user.is_staff and not m.user.is_superuser for m in memberships)
        for membership in memberships:
            assert membership.user.email in output
    payments = set(Order.objects.values_list("payment_status", flat=True))
    assert payments == set(PaymentStatus.values)
    assert Product.objects.values("category").distinct().count() > 1
    assert ProductVariant.objects.count() > Product.objects.count()


def test_orders_are_consistent_with_their_timeline_and_stock():
    seed()

    call_command("check_stock_ledger", stdout=io.StringIO())
    for order in Order.objects.select_related("store").prefetch_related("events", "lines"):
        assert order.number == order_number(order)
        assert order.total == order.subtotal + order.shipping_total
        assert order.subtotal == sum(line.line_total for line in order.lines.all())
        events = sorted(order.events.all(), key=lambda e: (e.created_at, e.pk))
        assert events[0].type == OrderEventType.PLACED
        assert events[0].actor_id == order.customer_id
        changes = [e for e in events if e.type == OrderEventType.STATUS_CHANGED]
        last_status = changes[-1].to_value if changes else OrderStatus.PENDING
        assert last_status == order.status
        assert all(e.actor_id is not None for e in events)
        assert all(e.created_at >= order.placed_at for e in events)

    live = defaultdict(int)
    for variant_id, quantity in OrderLine.objects.filter(
        order__status__in=ALLOCATING_STATUSES
    ).values_list("variant_id", "quantity"):
        live[variant_id] += quantity
    for stock in Stock.objects.all():
        assert stock.allocated == live[stock.variant_id]
        assert stock.on_hand >= 0
        assert stock.allow_backorder or stock.allocated <= stock.on_hand


def test_movements_replay_in_time_order():
    seed()

    running: dict[int, tuple[int, int]] = defaultdict(lambda: (0, 0))
    for movement in StockMovement.objects.order_by("created_at", "id"):
        on_hand, allocated = running[movement.stock_id]
        on_hand += movement.on_hand_delta
        allocated += movement.allocated_delta
        assert (movement.on_hand_after, movement.allocated_after) == (on_hand, allocated)
        assert on_hand >= 0 and allocated >= 0
        running[movement.stock_id] = (on_hand, allocated)
    for stock in Stock.objects.all():
        assert running[stock.pk] == (stock.on_hand, stock.allocated)


def test_running_twice_changes_nothing():
    seed()
    before = counts()
    ledger = StockMovement.objects.aggregate(Sum("on_hand_delta"), Sum("allocated_delta"))

    output = seed()

    assert counts() == before
    assert StockMovement.objects.aggregate(Sum("on_hand_delta"), Sum("allocated_delta")) == ledger
    assert "already present" in output


def test_more_stores_later_adds_only_the_new_ones():
    seed(stores=1)
    first = Store.objects.get()
    first_orders = Order.objects.filter(store=first).count()

    seed(stores=2)

    assert Store.objects.count() == 2
    assert Order.objects.filter(store=first).count() == first_orders
    assert Order.objects.exclude(store=first).exists()
    call_command("check_stock_ledger", stdout=io.StringIO())


def test_services_keep_working_after_hand_assigned_ids():
    seed()
    store = Store.objects.first()
    variant = ProductVariant.objects.filter(
        store=store, product__status="active", track_inventory=True
    ).first()
    newest_order = Order.objects.order_by("-pk").first()
    newest_movement = StockMovement.objects.order_by("-pk").first()

    receive(variant, 5)
    order = place_order(store, [(variant, 1)])

    assert order.pk > newest_order.pk
    assert StockMovement.objects.order_by("-pk").first().pk > newest_movement.pk
    assert order.number == f"{store.order_prefix}-{order.pk + 100000}"


def test_development_refreshes_the_demo_superuser(settings):
    settings.ENVIRONMENT = "development"
    seed(stores=1, products=2, orders=6)
    admin = User.objects.get(email="admin@nexus.local")
    assert admin.is_superuser and admin.check_password("nexus-admin")


def test_refused_in_production(settings):
    settings.ENVIRONMENT = "production"
    with pytest.raises(CommandError):
        seed()
    assert not Store.objects.exists()


@pytest.mark.postgres
def test_a_copy_failing_in_the_pipe_fails_the_caller_and_rolls_back():
    now = timezone.now()
    first = next_id(Category)
    with pytest.raises(psycopg2.IntegrityError), transaction.atomic(), CopyPipe() as pipe:
        writer = BulkWriter(Category, ["id", "name", "slug", "created_at", "updated_at"], pipe=pipe)
        writer.add((first, "Tea", "tea", now, now))
        writer.add((first, "Coffee", "coffee", now, now))
        writer.flush()
    assert not Category.objects.exists()
