"""The Customers section: each store sees its own customers only, with figures read from the
orders at a fixed number of queries, and the staff's notes."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.core.tests.fixtures import build_store
from apps.orders.customers import store_customers_rebuild, with_figures
from apps.orders.models import PaymentKind, StoreCustomer
from apps.orders.payments import payment_record
from apps.orders.services import order_transition
from apps.orders.tests.factories import place_order
from apps.orders.transitions import OrderStatus
from apps.stores.roles import Role
from apps.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_placing_records_the_stores_customer_with_figures_from_the_orders():
    shop = build_store("Alpha", orders=3)
    manager = shop.staff[Role.MANAGER]
    first, second, third = shop.orders
    order_transition(order=third, to_status=OrderStatus.CANCELLED, actor=manager, message="x")
    payment_record(order=first, kind=PaymentKind.CAPTURE, actor=manager)
    payment_record(
        order=first, kind=PaymentKind.REFUND, amount="1.00", actor=manager, note="Chipped"
    )

    customer = with_figures(StoreCustomer.objects.filter(store=shop.store)).get()

    assert customer.email == shop.customer.email and customer.customer == shop.customer
    assert customer.order_count == 2  # the cancelled one is no purchase
    assert customer.spent == first.total + second.total - Decimal("1.00")
    assert customer.last_order_at == third.placed_at


def test_a_store_sees_only_its_own_customers_and_their_figures(client):
    alpha, bravo = build_store("Alpha"), build_store("Bravo")
    # The same person buys from both: each store sees only what was bought from it.
    place_order(bravo.store, [(bravo.variants[0], 5)], customer=alpha.customer)
    client.force_login(alpha.staff[Role.MANAGER])

    page = client.get(reverse("admin:orders_storecustomer_changelist")).content.decode()

    assert alpha.customer.email in page
    assert bravo.customer.email not in page
    theirs = StoreCustomer.objects.get(store=bravo.store, email=alpha.customer.email)
    assert (
        client.get(reverse("admin:orders_storecustomer_change", args=(theirs.pk,))).status_code
        == 404
    )


def test_the_list_costs_the_same_with_more_customers(client):
    shop = build_store("Alpha", orders=1)
    client.force_login(shop.staff[Role.MANAGER])
    url = reverse("admin:orders_storecustomer_changelist")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _n in range(12):
        place_order(shop.store, [(shop.variants[0], 1)], customer=UserFactory())
    with CaptureQueriesContext(connection) as many:
        page = client.get(url)
    assert page.status_code == 200
    assert len(many) == len(few)


def test_staff_keep_notes_on_a_customer(client):
    shop = build_store("Alpha", orders=1)
    customer = StoreCustomer.objects.get(store=shop.store)
    url = reverse("admin:orders_storecustomer_change", args=(customer.pk,))
    client.force_login(shop.staff[Role.VIEWER])
    client.post(url, {"note": "Prefers morning delivery"})
    customer.refresh_from_db()
    assert customer.note == ""  # a viewer looks only
    client.force_login(shop.staff[Role.CLERK])
    response = client.post(url, {"note": "Prefers morning delivery"})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.note == "Prefers morning delivery"
    page = client.get(url).content.decode()
    assert shop.orders[0].number in page


def test_rebuilding_from_orders_keeps_the_notes():
    shop = build_store("Alpha", orders=2)
    StoreCustomer.objects.filter(store=shop.store).update(note="VIP")
    StoreCustomer.objects.filter(store=shop.store).update(first_order_at=shop.orders[1].placed_at)
    store_customers_rebuild(store_id=shop.store.pk)
    customer = StoreCustomer.objects.get(store=shop.store)
    assert customer.note == "VIP" and customer.first_order_at == shop.orders[0].placed_at
