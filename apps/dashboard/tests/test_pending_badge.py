import pytest
from django.test import RequestFactory

from apps.catalog.tests.factories import make_variant
from apps.orders.tests.factories import place_order
from apps.stores.roles import Role
from apps.stores.tests.factories import StoreFactory, staff_member
from nexus.unfold_callbacks import pending_orders_badge

pytestmark = pytest.mark.django_db


def badge_for(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    request.session = {}
    return pending_orders_badge(request)


def test_badge_counts_pending_orders_of_the_users_stores_and_is_empty_at_zero():
    store, other = StoreFactory(), StoreFactory()
    manager = staff_member(store, Role.MANAGER)
    assert badge_for(manager) == ""
    place_order(store, [(make_variant(store, allow_backorder=True), 1)])
    place_order(store, [(make_variant(store, allow_backorder=True), 1)])
    place_order(other, [(make_variant(other, allow_backorder=True), 1)])
    assert badge_for(manager) == "2"
