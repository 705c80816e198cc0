"""Dashboard figures: right, scoped to the user's stores, and in the store switcher's store."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.core.tests.fixtures import build_store
from apps.dashboard.selectors import dashboard_data
from apps.inventory.models import MovementReason
from apps.inventory.services import stock_adjust
from apps.orders.models import Order
from apps.orders.services import order_transition
from apps.orders.transitions import OrderStatus
from apps.stores.roles import Role
from apps.stores.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_figures_for_a_manager_cover_only_their_store():
    alpha = build_store("Alpha", orders=3)
    bravo = build_store("Bravo", orders=2)
    manager = alpha.staff[Role.MANAGER]
    first, second, third = alpha.orders
    order_transition(
        order=third, to_status=OrderStatus.CANCELLED, actor=manager, message="Customer called"
    )
    order_transition(order=second, to_status=OrderStatus.CONFIRMED, actor=manager)
    # an older order lands in the previous 7-day period
    Order.objects.filter(pk=first.pk).update(placed_at=timezone.now() - timedelta(days=8))
    stock_adjust(
        variant=alpha.variants[0], set_on_hand=3, reason=MovementReason.COUNT, actor=manager
    )

    data = dashboard_data(user=manager)

    (sales,) = data.sales
    total = first.total
    assert sales.currency == "EUR"
    assert sales.today.current == total  # `second` only: `third` was cancelled
    assert sales.week.current == total and sales.week.previous == total
    assert sales.week.change == 0.0
    assert sales.month.current == 2 * total
    assert sales.orders_month == 2
    assert sales.average_order_value == total
    assert data.status_counts == {"pending": 1, "confirmed": 1, "cancelled": 1}
    assert data.waiting == {
        "pending": 1,
        "confirmed": 1,
        "partially_shipped": 0,
        "returns_received": 0,
    }
    # variant 0: 3 on hand, 1 allocated to `first`, 1 to `second` -> 1 available: low
    assert data.low_stock == 1 and data.out_of_stock == 0
    assert [s.variant_id for s in data.low_stock_items] == [alpha.variants[0].pk]
    assert {p["sku"] for p in data.top_products} == {v.sku for v in alpha.variants}
    assert sum(data.chart_series["EUR"]) == 2 * total
    assert len(data.chart_days) == 30
    assert not {p["sku"] for p in data.top_products} & {v.sku for v in bravo.variants}


def test_dashboard_page_renders_kpis_and_chart(client):
    alpha = build_store("Alpha", orders=2)
    client.force_login(alpha.staff[Role.VIEWER])
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="dashboard"' in page and 'class="chart"' in page
    assert str(alpha.orders[0].total * 2) in page
    assert alpha.variants[0].sku in page


def test_store_switcher_narrows_every_page(client):
    alpha = build_store("Alpha", orders=2)
    bravo = build_store("Bravo", orders=1)
    manager = alpha.staff[Role.MANAGER]
    MembershipFactory(user=manager, store=bravo.store, role=Role.VIEWER)
    client.force_login(manager)
    orders_url = reverse("admin:orders_order_changelist")
    assert len(client.get(orders_url).context["cl"].result_list) == 3
    assert 'id="store-switcher"' in client.get(reverse("admin:index")).content.decode()
    assert 'id="store-switcher"' in client.get(orders_url).content.decode()

    client.post(reverse("admin:stores_store_switch"), {"store": bravo.store.pk})
    shown = client.get(orders_url).context["cl"].result_list
    assert [o.pk for o in shown] == [bravo.orders[0].pk]
    assert dashboard_data(user=manager, request=client.get(orders_url).wsgi_request).sales[
        0
    ].month.current == Decimal(bravo.orders[0].total)

    client.post(reverse("admin:stores_store_switch"), {"store": ""})
    assert len(client.get(orders_url).context["cl"].result_list) == 3


def test_switching_to_a_foreign_store_is_refused(client):
    alpha = build_store("Alpha", orders=1)
    bravo = build_store("Bravo", orders=1)
    client.force_login(alpha.staff[Role.OWNER])
    client.post(reverse("admin:stores_store_switch"), {"store": bravo.store.pk})
    shown = client.get(reverse("admin:orders_order_changelist")).context["cl"].result_list
    assert [o.pk for o in shown] == [alpha.orders[0].pk]


def test_sidebar_groups_links_and_scoped_pending_badge(client):
    alpha = build_store("Alpha", orders=2)
    build_store("Bravo", orders=3)
    client.force_login(alpha.staff[Role.CLERK])
    response = client.get(reverse("admin:orders_order_changelist"))
    sidebar = {group["title"]: group for group in response.context["sidebar_navigation"]}
    ours = ["Stores", "Catalogue", "Inventory", "Orders", "Customers & staff"]
    assert [title for title in sidebar if title in ours] == ours
    orders = {item["title"]: item for item in sidebar["Orders"]["items"]}
    assert str(orders["Orders"]["badge_callback"]) == "2"
    assert orders["Fulfilment queue"]["link"] == "/admin/orders/order/queue/"
    desk = {item["title"]: item for item in sidebar["Inventory"]["items"]}["Stock desk"]
    assert desk["link"] == "/admin/inventory/stock/desk/" and desk["has_permission"]


def test_viewer_gets_no_stock_desk_or_queue_links(client):
    alpha = build_store("Alpha", orders=0)
    client.force_login(alpha.staff[Role.VIEWER])
    response = client.get(reverse("admin:index"))
    items = {
        item["title"]: item
        for group in response.context["sidebar_navigation"]
        for item in group["items"]
    }
    assert not items["Stock desk"]["has_permission"]
    assert not items["Fulfilment queue"]["has_permission"]
    assert not items["Sign-in attempts"]["has_permission"]
