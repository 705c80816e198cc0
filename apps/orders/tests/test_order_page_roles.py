"""What the order page says to a person who may only look at it."""

import pytest
from django.urls import reverse

from apps.core.tests.fixtures import build_store
from apps.stores.roles import Role

pytestmark = pytest.mark.django_db

READ_ONLY = "You can view this order; your role (viewer) cannot change it."


@pytest.mark.parametrize(("role", "read_only"), [(Role.VIEWER, True), (Role.CLERK, False)])
def test_a_viewer_is_told_the_order_is_read_only_for_them(client, role, read_only):
    shop = build_store("Alpha", orders=1)
    client.force_login(shop.staff[role])
    html = client.get(reverse("admin:orders_order_change", args=(shop.orders[0].pk,))).content
    assert (READ_ONLY in html.decode()) is read_only
    assert "Nothing left for you to do" not in html.decode()
