import pytest

from apps.catalog.models import Product, ProductVariant
from apps.catalog.tests.factories import make_variant
from apps.core.errors import PermissionDenied
from apps.inventory.models import Stock, StockMovement
from apps.inventory.tests.factories import receive
from apps.orders.models import Order
from apps.orders.tests.factories import place_order
from apps.stores.models import StoreMembership
from apps.stores.roles import ROLE_CAPABILITIES, Capability, Role
from apps.stores.scoping import (
    SYSTEM,
    acting_person,
    get_scoped_or_404,
    require_capability,
    scope_queryset,
    store_ids_for,
    stores_for,
    user_can,
)
from apps.stores.tests.factories import StoreFactory, staff_member
from apps.users.tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

EXPECTED_TABLE = {
    # capability: roles that have it (DESIGN.md §5)
    Capability.VIEW: {"owner", "manager", "clerk", "viewer"},
    Capability.EDIT_CATALOG: {"owner", "manager"},
    Capability.IMPORT: {"owner", "manager"},
    Capability.ADJUST_STOCK: {"owner", "manager", "clerk"},
    Capability.FULFIL_ORDERS: {"owner", "manager", "clerk"},
    Capability.MANAGE_ORDERS: {"owner", "manager"},
    Capability.EDIT_ORDERS: {"owner", "manager"},
    Capability.RECORD_PAYMENTS: {"owner", "manager"},
    Capability.REFUND: {"owner", "manager"},
    Capability.WRITE_OFF: {"owner", "manager"},
    Capability.EXPORT: {"owner", "manager", "clerk"},
    Capability.MANAGE_STORE: {"owner"},
}


@pytest.fixture
def two_stores():
    store_a, store_b = StoreFactory(), StoreFactory()
    for store in (store_a, store_b):
        variant = make_variant(store)
        receive(variant, 5)
        place_order(store, [(variant, 1)])
    return store_a, store_b


@pytest.mark.parametrize("role", list(Role))
def test_roles_grant_exactly_the_capabilities_of_the_table(role):
    store, other = StoreFactory(), StoreFactory()
    user = staff_member(store, role)
    for capability, roles in EXPECTED_TABLE.items():
        assert user_can(user, store, capability) is (role.value in roles), capability
        assert user_can(user, other, capability) is False
    assert set(ROLE_CAPABILITIES) == set(Role)


@pytest.mark.parametrize(
    ("model", "store_field"),
    [
        (Product, "store"),
        (ProductVariant, "store"),
        (Stock, "store"),
        (StockMovement, "store"),
        (Order, "store"),
        (StoreMembership, "store"),
    ],
)
def test_member_of_store_a_sees_none_of_store_b(two_stores, model, store_field):
    store_a, store_b = two_stores
    staff_member(store_b, Role.OWNER)
    manager_a = staff_member(store_a, Role.MANAGER)
    visible = scope_queryset(model.objects.all(), manager_a, store_field=store_field)
    assert visible.exists()
    assert not visible.filter(**{f"{store_field}": store_b}).exists()
    assert set(visible.values_list(f"{store_field}_id", flat=True)) == {store_a.pk}


def test_user_without_membership_sees_nothing(two_stores):
    loner = StaffFactory()
    customer = UserFactory()
    for user in (loner, customer):
        assert not stores_for(user).exists()
        assert not scope_queryset(Order.objects.all(), user).exists()
        assert store_ids_for(user) == set()


def test_superuser_sees_every_store(two_stores):
    operator = StaffFactory(is_superuser=True)
    assert stores_for(operator).count() == 2
    assert scope_queryset(Order.objects.all(), operator).count() == 2
    assert store_ids_for(operator) is None
    assert all(user_can(operator, two_stores[1], c) for c in Capability)


def test_inactive_user_loses_access(two_stores):
    store_a, _ = two_stores
    manager = staff_member(store_a, Role.MANAGER)
    manager.is_active = False
    assert not stores_for(manager).exists()


def test_capability_filter_narrows_the_stores(two_stores):
    store_a, store_b = two_stores
    user = staff_member(store_a, Role.MANAGER)
    StoreMembership.objects.create(user=user, store=store_b, role=Role.VIEWER)
    fresh = type(user).objects.get(pk=user.pk)
    assert set(stores_for(fresh)) == {store_a, store_b}
    assert set(stores_for(fresh, Capability.EDIT_CATALOG)) == {store_a}


def test_another_stores_object_is_not_found_and_roles_are_enforced(two_stores):
    from django.http import Http404

    store_a, store_b = two_stores
    viewer = staff_member(store_a, Role.VIEWER)
    order_b = Order.objects.get(store=store_b)
    with pytest.raises(Http404):
        get_scoped_or_404(Order.objects.all(), viewer, pk=order_b.pk)
    order_a = get_scoped_or_404(Order.objects.all(), viewer, pk=Order.objects.get(store=store_a).pk)
    with pytest.raises(PermissionDenied):
        require_capability(viewer, order_a.store_id, Capability.FULFIL_ORDERS)


def test_system_passes_every_check_without_being_a_person(two_stores, django_assert_num_queries):
    store_a, _ = two_stores
    with django_assert_num_queries(0):
        for capability in Capability:
            require_capability(SYSTEM, store_a, capability)
    assert acting_person(SYSTEM) is None
    nobody = UserFactory()
    assert acting_person(nobody) == nobody
    with pytest.raises(PermissionDenied):
        require_capability(nobody, store_a, Capability.VIEW)


def test_roles_are_read_once_per_user_object(two_stores, django_assert_num_queries):
    store_a, _ = two_stores
    manager = staff_member(store_a, Role.MANAGER)
    with django_assert_num_queries(1):
        for capability in Capability:
            user_can(manager, store_a, capability)
        store_ids_for(manager)
