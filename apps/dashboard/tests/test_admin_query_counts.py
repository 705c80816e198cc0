"""Every changelist and the dashboard cost the same number of queries with 5 rows as with 50."""

import pytest
from django.contrib import admin
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.catalog.tests.factories import make_product
from apps.core.tests.fixtures import build_store
from apps.inventory.tests.factories import receive
from apps.orders.tests.factories import place_order
from apps.stores.roles import Role
from apps.stores.tests.factories import staff_member
from apps.users.models import User

pytestmark = pytest.mark.django_db


def grow(shop, count):
    """Add `count` products, orders, staff members and customers to the shop."""
    for _ in range(count):
        variant = make_product(shop.store).variants.get()
        receive(variant, 10)
        place_order(shop.store, [(variant, 1), (shop.variants[0], 1)])
        staff_member(shop.store, Role.CLERK)


def pages(*, ours_only=False):
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        if ours_only and not model.__module__.startswith("apps."):
            continue
        opts = model._meta
        urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    return urls


def count_queries(client, urls):
    counts = {}
    for url in urls:
        # Measure the dashboard's real work, not its short-lived cache.
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        if response.status_code == 200:
            counts[url] = len(queries)
    return counts


@pytest.mark.parametrize("who", ["owner", "operator"])
def test_pages_cost_the_same_with_5_and_50_rows(client, who):
    shop = build_store("Alpha", orders=1)
    build_store("Bravo", orders=1)
    if who == "owner":
        user = shop.staff[Role.OWNER]
    else:
        user = User.objects.create_superuser("root@example.com", "pw-123456789")
    client.force_login(user)
    grow(shop, 4)
    urls = pages()
    small = count_queries(client, urls)
    grow(shop, 45)
    large = count_queries(client, urls)
    # A page that stopped answering would drop out of both counts and pass unnoticed; store
    # staff are refused only the third-party admins (tokens, sign-in attempts, tasks).
    assert set(small) == set(pages(ours_only=who == "owner"))
    assert small == large


def test_dashboard_reuses_its_figures_for_a_while(client):
    shop = build_store("Alpha", orders=2)
    client.force_login(shop.staff[Role.MANAGER])
    client.get(reverse("admin:index"))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert not [q for q in queries.captured_queries if "orders_orderline" in q["sql"]]
    # orders waiting for action stay live
    assert any("orders_order" in q["sql"] for q in queries.captured_queries)
