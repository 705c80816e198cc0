"""The role matrix of the back office, written out: who may open and who may edit what.

Order transitions per role are in apps/orders/tests/test_admin_orders.py, stock adjustment
in apps/inventory/tests/test_admin_inventory.py."""

import pytest
from django.urls import reverse

from apps.core.tests.fixtures import build_store
from apps.stores.roles import Role

pytestmark = pytest.mark.django_db

OWNER, MANAGER, CLERK, VIEWER = Role.OWNER, Role.MANAGER, Role.CLERK, Role.VIEWER
EVERYONE = {OWNER, MANAGER, CLERK, VIEWER}

# model → (roles that may open its list, roles that may edit its rows as a form)
MATRIX = {
    "stores.store": (EVERYONE, {OWNER}),
    "stores.storemembership": (EVERYONE, {OWNER}),
    "catalog.product": (EVERYONE, {OWNER, MANAGER}),
    "catalog.productvariant": (EVERYONE, set()),  # edited on the product page
    "catalog.category": (EVERYONE, set()),  # platform-wide: operators only
    "inventory.stock": (EVERYONE, set()),  # counters move through adjustments only
    "inventory.stockmovement": (EVERYONE, set()),  # append-only ledger
    "orders.order": (EVERYONE, set()),  # no form: every change is an action of the order page
    "stores.storeinvitation": (EVERYONE, {OWNER}),
    # identity is the person's own: owners see staff read-only, roles change on memberships
    "users.user": (EVERYONE, set()),
}


def target(shop, label, role):
    return {
        "stores.store": shop.store,
        "stores.storemembership": shop.store.memberships.exclude(role=OWNER).first(),
        "catalog.product": shop.product,
        "catalog.productvariant": shop.variants[0],
        "catalog.category": shop.product.category,
        "inventory.stock": shop.variants[0].stock,
        "inventory.stockmovement": shop.variants[0].stock.movements.first(),
        "orders.order": shop.orders[0],
        "stores.storeinvitation": shop.store.invitations.first(),
        "users.user": shop.staff[VIEWER if role != VIEWER else CLERK],
    }[label]


@pytest.mark.parametrize("role", [OWNER, MANAGER, CLERK, VIEWER])
@pytest.mark.parametrize("label", list(MATRIX))
def test_role_matrix(client, label, role):
    shop = build_store("Alpha")
    client.force_login(shop.staff[role])
    app_label, model_name = label.split(".")
    may_view, may_edit = MATRIX[label]
    listing = client.get(reverse(f"admin:{app_label}_{model_name}_changelist"))
    assert (listing.status_code == 200) is (role in may_view)
    obj = target(shop, label, role)
    page = client.get(reverse(f"admin:{app_label}_{model_name}_change", args=(obj.pk,)))
    assert page.status_code == 200
    if label == "orders.order":
        # The order page has no model form at all; what each role may do on it is offered
        # action by action (apps/orders/tests/test_order_page.py).
        assert "has_change_permission" not in page.context
        assert 'id="order_form"' not in page.content.decode()
        return
    assert page.context["has_change_permission"] is (role in may_edit)
