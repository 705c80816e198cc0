"""On PostgreSQL a large order list is paged from the planner's estimate, never COUNT(*)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.core.tests.fixtures import build_store
from apps.stores.admin_mixins import EstimatedCountPaginator
from apps.users.models import User

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def test_order_changelist_estimates_instead_of_counting(client, monkeypatch):
    build_store("Alpha", orders=3)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE orders_order")
    # Every list counts as "large" here, as a million orders would.
    monkeypatch.setattr(EstimatedCountPaginator, "exact_below", 0)
    client.force_login(User.objects.create_superuser("root@example.com", "pw-123456789"))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:orders_order_changelist"))
    assert response.status_code == 200
    counts = [
        q["sql"]
        for q in queries.captured_queries
        if "COUNT(*)" in q["sql"] and 'FROM "orders_order"' in q["sql"] and "WHERE" not in q["sql"]
    ]
    assert counts == []
    assert any(q["sql"].startswith("EXPLAIN") for q in queries.captured_queries)
    assert len(response.context["cl"].result_list) == 3


def test_small_lists_are_counted_exactly(client):
    shop = build_store("Alpha", orders=3)
    client.force_login(User.objects.create_superuser("root@example.com", "pw-123456789"))
    response = client.get(reverse("admin:orders_order_changelist"), {"store": shop.store.pk})
    assert response.context["cl"].result_count == 3
