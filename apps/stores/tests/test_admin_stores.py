"""Stores, memberships and staff in the admin: owners manage their own stores only."""

import pytest
from django.urls import reverse

from apps.dashboard.tests.world import build_store
from apps.stores.models import StoreMembership
from apps.stores.roles import Role
from apps.users.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def two():
    return build_store("Alpha"), build_store("Bravo")


@pytest.mark.parametrize(
    ("role", "allowed"),
    [(Role.OWNER, True), (Role.MANAGER, False), (Role.CLERK, False), (Role.VIEWER, False)],
)
def test_only_owners_add_memberships_and_only_in_their_store(client, two, role, allowed):
    alpha, bravo = two
    newcomer = User.objects.create_user("new@example.com", "pw-123456789", is_staff=True)
    client.force_login(alpha.staff[role])
    url = reverse("admin:stores_storemembership_add")
    response = client.post(url, {"email": newcomer.email, "store": alpha.store.pk, "role": "clerk"})
    assert StoreMembership.objects.filter(user=newcomer, store=alpha.store).exists() is allowed
    if not allowed:
        assert response.status_code == 403
    # another store is never a choice, even for an owner
    client.post(url, {"email": newcomer.email, "store": bravo.store.pk, "role": "owner"})
    assert not StoreMembership.objects.filter(user=newcomer, store=bravo.store).exists()


def test_owner_edits_store_settings_but_not_another_store(client, two):
    alpha, bravo = two
    client.force_login(alpha.staff[Role.OWNER])
    url = reverse("admin:stores_store_change", args=(alpha.store.pk,))
    data = {
        "name": "Alpha Prime",
        "is_active": "on",
        "email": "",
        "phone": "",
        "address": "",
        "shipping_flat_rate": "3.00",
        "free_shipping_threshold": "",
        "memberships-TOTAL_FORMS": 0,
        "memberships-INITIAL_FORMS": 0,
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    alpha.store.refresh_from_db()
    assert alpha.store.name == "Alpha Prime"
    assert alpha.store.history.count() >= 2
    assert (
        client.get(reverse("admin:stores_store_change", args=(bravo.store.pk,))).status_code == 404
    )
    assert client.get(reverse("admin:stores_store_add")).status_code == 403


def test_manager_sees_store_settings_read_only(client, two):
    alpha, _bravo = two
    client.force_login(alpha.staff[Role.MANAGER])
    response = client.get(reverse("admin:stores_store_change", args=(alpha.store.pk,)))
    assert response.status_code == 200
    assert 'name="name"' not in response.content.decode()


def test_owner_creates_a_staff_member_in_their_store(client, two):
    alpha, bravo = two
    client.force_login(alpha.staff[Role.OWNER])
    response = client.post(
        reverse("admin:users_user_add"),
        {
            "email": "packer@example.com",
            "password1": "a-long-pass-phrase-42",
            "password2": "a-long-pass-phrase-42",
            "usable_password": "true",
            "store": alpha.store.pk,
            "role": "clerk",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    packer = User.objects.get(email="packer@example.com")
    assert packer.is_staff and not packer.is_superuser
    assert list(packer.memberships.values_list("store_id", "role")) == [(alpha.store.pk, "clerk")]
    response = client.post(
        reverse("admin:users_user_add"),
        {
            "email": "intruder@example.com",
            "password1": "a-long-pass-phrase-42",
            "password2": "a-long-pass-phrase-42",
            "usable_password": "true",
            "store": bravo.store.pk,
            "role": "owner",
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(email="intruder@example.com").exists()


def test_users_list_is_scoped_and_owner_cannot_take_over_other_accounts(client, two):
    alpha, bravo = two
    shared = alpha.staff[Role.CLERK]
    StoreMembership.objects.create(user=shared, store=bravo.store, role=Role.OWNER)
    client.force_login(alpha.staff[Role.OWNER])
    listing = client.get(reverse("admin:users_user_changelist"))
    shown = {u.pk for u in listing.context["cl"].result_list}
    assert alpha.customer.pk in shown and alpha.staff[Role.VIEWER].pk in shown
    assert not shown & {bravo.customer.pk, bravo.staff[Role.OWNER].pk}
    # works in Bravo as owner too: Alpha's owner may see but not edit the account
    page = client.get(reverse("admin:users_user_change", args=(shared.pk,)))
    assert page.status_code == 200 and 'name="email"' not in page.content.decode()
    # the store roles tab lists the Alpha role only, not the one in Bravo
    (roles,) = page.context["inline_admin_formsets"]
    assert [m.store_id for m in roles.formset.queryset] == [alpha.store.pk]
    page = client.get(reverse("admin:users_user_change", args=(alpha.staff[Role.VIEWER].pk,)))
    assert 'name="email"' in page.content.decode()
    assert 'name="is_superuser"' not in page.content.decode()


def test_owner_adds_staff_from_the_store_page(client, two):
    alpha, _bravo = two
    newcomer = User.objects.create_user("helper@example.com", "pw-123456789")
    client.force_login(alpha.staff[Role.OWNER])
    store = alpha.store
    existing = list(store.memberships.order_by("store__name", "user__email"))
    data = {
        "name": store.name,
        "is_active": "on",
        "email": "",
        "phone": "",
        "address": "",
        "shipping_flat_rate": "4.90",
        "free_shipping_threshold": "",
        "memberships-TOTAL_FORMS": len(existing) + 1,
        "memberships-INITIAL_FORMS": len(existing),
    }
    for index, membership in enumerate(existing):
        data[f"memberships-{index}-id"] = membership.pk
        data[f"memberships-{index}-store"] = store.pk
        data[f"memberships-{index}-role"] = membership.role
    data[f"memberships-{len(existing)}-email"] = "HELPER@example.com"
    data[f"memberships-{len(existing)}-role"] = "viewer"
    data[f"memberships-{len(existing)}-store"] = store.pk
    response = client.post(reverse("admin:stores_store_change", args=(store.pk,)), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert StoreMembership.objects.get(user=newcomer, store=store).role == "viewer"
    newcomer.refresh_from_db()
    assert newcomer.is_staff
