"""The dashboard after the sale: sales net of refunds on the day they are made, cancelled
orders and their refunds out of the sales, the work waiting (pending, to ship, partially
shipped, returns received) counted live and per store, best sellers by the units kept."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.core.tests.fixtures import build_store
from apps.dashboard.selectors import WAITING_FOR, dashboard_data, waiting_counts
from apps.orders.fulfilment import shipment_create
from apps.orders.models import Order, Payment, PaymentKind
from apps.orders.payments import payment_record
from apps.orders.returns import ReturnLineInput, return_close, return_create, return_receive
from apps.orders.services import order_transition
from apps.orders.tests.factories import pay
from apps.orders.transitions import OrderStatus
from apps.stores.roles import Role
from apps.stores.tests.factories import MembershipFactory
from apps.users.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_figures():
    cache.clear()


def confirmed_and_paid(order, manager):
    order_transition(order=order, to_status=OrderStatus.CONFIRMED, actor=manager)
    pay(order)
    return order


def refund(order, manager, amount, *, days_ago=0):
    payment, _created = payment_record(
        order=order, kind=PaymentKind.REFUND, actor=manager, amount=amount, note="Goodwill"
    )
    if days_ago:
        Payment.objects.filter(pk=payment.pk).update(
            created_at=timezone.now() - timedelta(days=days_ago)
        )
    return payment


def test_refunds_come_off_the_day_they_are_made_not_the_day_of_their_order():
    shop = build_store("Alpha", orders=2)
    manager = shop.staff[Role.MANAGER]
    old, new = (confirmed_and_paid(order, manager) for order in shop.orders)
    Order.objects.filter(pk=old.pk).update(placed_at=timezone.now() - timedelta(days=8))
    refund(old, manager, Decimal("3.00"))
    refund(new, manager, Decimal("1.50"), days_ago=9)

    (sales,) = dashboard_data(user=manager).sales

    total = new.total
    assert sales.today.current == total - Decimal("3.00")
    assert sales.week.current == total - Decimal("3.00")
    # Eight and nine days ago: the old order, and a refund made before its order (moved back
    # in time here) still counts where it was made.
    assert sales.week.previous == total - Decimal("1.50")
    assert sales.month.current == 2 * total - Decimal("4.50")
    assert sales.refunded_month == Decimal("4.50")
    assert sum(dashboard_data(user=manager).chart_series["EUR"]) == 2 * total - Decimal("4.50")
    # What an order is worth is read before refunds.
    assert sales.average_order_value == total


def test_a_cancelled_order_and_its_refund_are_no_sale():
    shop = build_store("Alpha", orders=2)
    manager = shop.staff[Role.MANAGER]
    kept, called_off = (confirmed_and_paid(order, manager) for order in shop.orders)
    order_transition(
        order=called_off, to_status=OrderStatus.CANCELLED, actor=manager, message="Out of stock"
    )
    refund(called_off, manager, called_off.total)

    data = dashboard_data(user=manager)

    (sales,) = data.sales
    assert sales.today.current == kept.total
    assert sales.orders_month == 1
    assert sales.refunded_month == 0
    assert data.status_counts == {"confirmed": 1, "cancelled": 1}
    assert data.fulfilment_counts == {"unfulfilled": 1}


def test_waiting_counts_pending_to_ship_partially_shipped_and_received_returns():
    shop = build_store("Alpha", orders=6)
    other = build_store("Bravo", orders=3)
    manager = shop.staff[Role.MANAGER]
    _pending, to_ship, partly, shipped, returned, closed = shop.orders
    for order in (to_ship, partly, shipped, returned, closed):
        confirmed_and_paid(order, manager)
    first_line = partly.lines.order_by("pk").first()
    shipment_create(order=partly, lines=[(first_line.pk, 1)], actor=manager)
    for order in (shipped, returned, closed):
        shipment_create(order=order, lines=None, actor=manager)
        line = order.lines.order_by("pk").first()
        back = return_create(order=order, lines=[ReturnLineInput(line.pk, 1)], actor=manager)
        if order is not shipped:
            return_receive(order_return=back, actor=manager)
        if order is closed:
            return_close(order_return=back, actor=manager)
    # The other store's work is theirs, even for someone who may see both.
    bravo_manager = other.staff[Role.MANAGER]
    confirmed_and_paid(other.orders[0], bravo_manager)
    shipment_create(order=other.orders[0], lines=None, actor=bravo_manager)
    back = return_create(
        order=other.orders[0],
        lines=[ReturnLineInput(other.orders[0].lines.first().pk, 1)],
        actor=bravo_manager,
    )
    return_receive(order_return=back, actor=bravo_manager)

    with CaptureQueriesContext(connection) as queries:
        counts = waiting_counts(user=manager)

    assert counts == {
        "pending": 1,
        "confirmed": 1,
        "partially_shipped": 1,
        "returns_received": 1,
    }
    assert len(queries) <= 4  # the user's stores, the orders, the returns
    assert [w.key for w, _n in dashboard_data(user=manager).waiting_rows] == [
        w.key for w in WAITING_FOR
    ]
    MembershipFactory(user=manager, store=other.store, role=Role.VIEWER)
    assert waiting_counts(user=User.objects.get(pk=manager.pk)) == {
        "pending": 3,
        "confirmed": 1,
        "partially_shipped": 1,
        "returns_received": 2,
    }


def test_waiting_rows_link_to_the_order_list_filters_that_show_them():
    filters = {w.key: w.order_filters for w in WAITING_FOR}
    assert filters == {
        "pending": "status__exact=pending",
        "confirmed": "status__exact=confirmed&fulfilment_status__exact=unfulfilled",
        "partially_shipped": "status__exact=confirmed&fulfilment_status__exact=partially_shipped",
        "returns_received": "",
    }


def test_best_sellers_count_the_units_kept():
    shop = build_store("Alpha", orders=1)
    manager = shop.staff[Role.MANAGER]
    (order,) = shop.orders
    confirmed_and_paid(order, manager)
    shipment_create(order=order, lines=None, actor=manager)
    # Two of the second variant were bought; both come back.
    line = order.lines.get(variant=shop.variants[1])
    back = return_create(order=order, lines=[ReturnLineInput(line.pk, 2)], actor=manager)
    return_receive(order_return=back, actor=manager)

    top = dashboard_data(user=manager).top_products

    assert [(p["sku"], p["units"], p["revenue"]) for p in top] == [
        (shop.variants[0].sku, 1, shop.variants[0].price)
    ]


def test_the_page_shows_the_waiting_work_with_links_and_the_refunds(client):
    shop = build_store("Alpha", orders=2)
    manager = shop.staff[Role.MANAGER]
    to_ship, partly = shop.orders
    for order in (to_ship, partly):
        confirmed_and_paid(order, manager)
    line = partly.lines.order_by("pk").first()
    shipment_create(order=partly, lines=[(line.pk, 1)], actor=manager)
    back = return_create(order=partly, lines=[ReturnLineInput(line.pk, 1)], actor=manager)
    return_receive(order_return=back, actor=manager)
    payment_record(order=partly, kind=PaymentKind.REFUND, amount="1.00", actor=manager, note="Late")
    client.force_login(manager)

    page = client.get(reverse("admin:index")).content.decode()

    waiting = page[page.index('id="dashboard-waiting"') :].split("</ul>")[0]
    assert 'data-waiting="partially_shipped"' in waiting
    assert "?status__exact=confirmed&amp;fulfilment_status__exact=partially_shipped" in waiting
    returns = waiting[waiting.index('data-waiting="returns_received"') :].split("</li>")[0]
    assert "<a " not in returns and '<strong class="tabular-nums">1</strong>' in returns
    assert "net of €1.00 refunded" in page
    assert 'id="dashboard-fulfilment"' in page and "Partially returned" in page
