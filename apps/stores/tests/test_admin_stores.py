"""Stores, memberships and staff in the admin: owners manage their own stores only, and never
another person's account (the account-takeover hole of the security review)."""

import pytest
from django.core import mail
from django.urls import reverse

from apps.core.tests.fixtures import build_store
from apps.stores.models import StoreMembership
from apps.stores.roles import Role
from apps.users.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def two():
    return build_store("Alpha"), build_store("Bravo")


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
        "tax_rounding": "order",
        "return_window_days": "14",
        "reservation_minutes": "0",
        "auto_confirm_orders": "on",
        "memberships-TOTAL_FORMS": 0,
        "memberships-INITIAL_FORMS": 0,
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    alpha.store.refresh_from_db()
    assert alpha.store.name == "Alpha Prime"
    assert (alpha.store.return_window_days, alpha.store.auto_confirm_orders) == (14, True)
    assert alpha.store.tax_rounding == "order" and not alpha.store.prices_include_tax
    assert not alpha.store.ship_unpaid_orders
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


def test_owner_cannot_take_over_a_customer_of_other_stores(client, two):
    """The review's reproduction: a membership for a B customer's e-mail made them staff, and
    the owner then set their password. Neither door exists any more."""
    alpha, bravo = two
    customer = bravo.customer
    owner = alpha.staff[Role.OWNER]
    client.force_login(owner)
    add = client.post(
        reverse("admin:stores_storemembership_add"),
        {"email": customer.email, "store": alpha.store.pk, "role": "viewer"},
    )
    assert add.status_code == 403
    assert not StoreMembership.objects.filter(user=customer).exists()
    customer.refresh_from_db()
    assert not customer.is_staff

    # even a customer who did order in Alpha keeps their password and identity
    password_page = reverse("admin:auth_user_password_change", args=(alpha.customer.pk,))
    assert client.get(password_page).status_code == 403
    assert client.post(
        password_page, {"password1": "owned-by-owner-1", "password2": "owned-by-owner-1"}
    ).status_code in (403, 404)
    alpha.customer.refresh_from_db()
    assert alpha.customer.check_password("pass-12345-word")


def test_owner_sees_staff_identity_read_only_and_only_operators_set_passwords(client, two):
    alpha, bravo = two
    clerk = alpha.staff[Role.CLERK]
    StoreMembership.objects.create(user=clerk, store=bravo.store, role=Role.OWNER)
    client.force_login(alpha.staff[Role.OWNER])
    listing = client.get(reverse("admin:users_user_changelist"))
    shown = {u.pk for u in listing.context["cl"].result_list}
    assert alpha.customer.pk in shown and alpha.staff[Role.VIEWER].pk in shown
    assert not shown & {bravo.customer.pk, bravo.staff[Role.OWNER].pk}

    viewer = alpha.staff[Role.VIEWER]
    page = client.get(reverse("admin:users_user_change", args=(viewer.pk,)))
    html = page.content.decode()
    assert page.status_code == 200 and not page.context["has_change_permission"]
    assert 'name="email"' not in html and 'name="first_name"' not in html
    assert reverse("admin:auth_user_password_change", args=(viewer.pk,)) not in html
    # the store roles tab lists the Alpha role only, not the one in Bravo
    page = client.get(reverse("admin:users_user_change", args=(clerk.pk,)))
    (roles,) = page.context["inline_admin_formsets"]
    assert [m.store_id for m in roles.formset.queryset] == [alpha.store.pk]

    posted = client.post(
        reverse("admin:users_user_change", args=(viewer.pk,)),
        {"email": "mine@evil.example", "first_name": "Owned", "is_active": ""},
    )
    assert posted.status_code == 403
    viewer.refresh_from_db()
    assert viewer.email != "mine@evil.example" and viewer.is_active
    assert client.get(reverse("admin:users_user_add")).status_code == 403


def test_a_person_edits_their_own_name_but_not_their_email_or_flags(client, two):
    alpha, _bravo = two
    me = alpha.staff[Role.MANAGER]
    client.force_login(me)
    url = reverse("admin:users_user_change", args=(me.pk,))
    html = client.get(url).content.decode()
    assert 'name="first_name"' in html
    assert 'name="email"' not in html and 'name="is_active"' not in html
    assert 'name="is_staff"' not in html
    response = client.post(
        url,
        {
            "first_name": "Renamed",
            "last_name": "X",
            "phone": "",
            "email": "elsewhere@example.com",
            "memberships-TOTAL_FORMS": 0,
            "memberships-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    me.refresh_from_db()
    assert me.first_name == "Renamed" and me.is_active and me.is_staff
    assert me.email != "elsewhere@example.com"


def test_operator_sets_a_password_and_the_old_tokens_die(client, two, admin_user):
    alpha, _bravo = two
    viewer = alpha.staff[Role.VIEWER]
    before = viewer.token_generation
    client.force_login(admin_user)
    url = reverse("admin:auth_user_password_change", args=(viewer.pk,))
    response = client.post(
        url, {"password1": "a-fresh-pass-2026", "password2": "a-fresh-pass-2026"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    viewer.refresh_from_db()
    assert viewer.check_password("a-fresh-pass-2026")
    assert viewer.token_generation == before + 1


def test_owner_changes_a_role_and_removal_closes_the_back_office(client, two):
    alpha, _bravo = two
    owner = alpha.staff[Role.OWNER]
    clerk = alpha.staff[Role.CLERK]
    membership = clerk.memberships.get()
    client.force_login(owner)
    url = reverse("admin:stores_storemembership_change", args=(membership.pk,))
    assert client.post(url, {"role": "manager"}).status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.MANAGER
    assert membership.history.first().history_user == owner

    response = client.post(
        reverse("admin:stores_storemembership_delete", args=(membership.pk,)), {"post": "yes"}
    )
    assert response.status_code == 302
    clerk.refresh_from_db()
    assert not clerk.memberships.exists() and not clerk.is_staff
    client.force_login(clerk)
    assert client.get(reverse("admin:index")).status_code == 302


def test_the_last_owner_stays(client, two):
    alpha, _bravo = two
    owner = alpha.staff[Role.OWNER]
    membership = owner.memberships.get()
    client.force_login(owner)
    url = reverse("admin:stores_storemembership_change", args=(membership.pk,))
    client.post(url, {"role": "viewer"})
    membership.refresh_from_db()
    assert membership.role == Role.OWNER
    client.post(
        reverse("admin:stores_storemembership_delete", args=(membership.pk,)), {"post": "yes"}
    )
    assert StoreMembership.objects.filter(pk=membership.pk).exists()


def test_store_page_lists_staff_without_a_way_to_add_anyone(client, two):
    alpha, _bravo = two
    client.force_login(alpha.staff[Role.OWNER])
    page = client.get(reverse("admin:stores_store_change", args=(alpha.store.pk,)))
    (staff,) = page.context["inline_admin_formsets"]
    assert not staff.has_add_permission and not staff.has_change_permission
    assert len(mail.outbox) == 0
    assert not User.objects.filter(email="helper@example.com").exists()


@pytest.mark.parametrize("value", ["9" * 30, "-1", "0", "abc"])
def test_a_store_filter_out_of_range_is_an_empty_list_not_a_500(client, two, value, admin_user):
    client.force_login(admin_user)
    for name in ("orders_order", "transfer_exportjob", "catalog_product"):
        response = client.get(reverse(f"admin:{name}_changelist"), {"store": value})
        assert response.status_code == 200
        assert list(response.context["cl"].result_list) == []
