"""Deleting one's account: DELETE /api/v1/auth/me/ with the password erases the person and
keeps their orders, anonymised, with every figure the store reads
(apps/orders/anonymise.py, apps/users/services.py)."""

import json
import re

import pytest
from django.contrib.auth.hashers import is_password_usable
from django.db.models import Model

from apps.catalog.tests.factories import make_product
from apps.checkout.models import DiscountRedemption
from apps.core.tests.fixtures import api_client_for
from apps.inventory.tests.factories import receive
from apps.orders.address_book import address_add
from apps.orders.anonymise import _pattern, _scrub
from apps.orders.edits import order_change_address
from apps.orders.fulfilment import shipment_create, shipment_deliver
from apps.orders.models import (
    Order,
    OrderEvent,
    OrderLine,
    OrderReturn,
    Payment,
    PaymentKind,
    StoreCustomer,
)
from apps.orders.payments import payment_record
from apps.orders.returns import ReturnLineInput, return_create
from apps.orders.services import order_add_note, order_cancel_by_customer, order_transition
from apps.orders.tests.factories import pay, place_order
from apps.orders.transitions import OrderStatus
from apps.stores.roles import Role
from apps.stores.tests.factories import StoreFactory, staff_member
from apps.users.models import CustomerAddress, EmailChange, User
from apps.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-12345-word"
ME = "/api/v1/auth/me/"
EMAIL = "adelheid.quackenbush@example.com"
PHONE = "+44 20 7946 0958"
ADDRESS = {
    "name": "Adelheid Quackenbush",
    "line1": "12 Analytical Row",
    "line2": "Flat Zebedee",
    "city": "London",
    "postal_code": "N1 9GU",
    "country": "GB",
}
# What must be gone from every row once the account is deleted.
PERSONAL = [EMAIL, PHONE, "Adelheid", "Quackenbush", "Analytical Row", "Zebedee", "N1 9GU"]
ROWS: list[type[Model]] = [
    User,
    Order,
    Order.history.model,
    OrderEvent,
    OrderReturn,
    Payment,
    CustomerAddress,
    EmailChange,
    DiscountRedemption,
    StoreCustomer,
]


LINE_FIGURES = ("sku", "quantity", "unit_price", "line_total", "quantity_returned")


def delete_me(client, password=PASSWORD):
    return client.delete(ME, {"password": password}, format="json")


def customer():
    return UserFactory(email=EMAIL, first_name="Adelheid", last_name="Quackenbush", phone=PHONE)


@pytest.fixture
def world():
    """A customer with a delivered order that went through everything that writes their
    data (an address edit, staff notes naming them, a return with their note, a payment
    note), a cancelled order, and an address book; staff with plain names."""
    store = StoreFactory()
    owner = staff_member(store, Role.OWNER, first_name="Sam", last_name="Owner")
    variant = make_product(store).variants.get()
    receive(variant, 20)
    person = customer()
    address_add(user=person, address=ADDRESS, label="Home", is_default_shipping=True)
    order = place_order(
        store,
        [(variant, 2)],
        customer=person,
        shipping_address=ADDRESS,
        phone=PHONE,
        customer_note="Leave it with Mr Zebedee",
    )
    order_change_address(
        order=order, address={**ADDRESS, "line1": "13 Analytical Row"}, actor=owner
    )
    order_add_note(order=order, actor=owner, message=f"Called Adelheid on {PHONE}, ok.")
    order_transition(order=order, to_status=OrderStatus.CONFIRMED, actor=owner)
    pay(order)
    shipment = shipment_create(order=order, lines=None, actor=owner, carrier="DHL")
    shipment_deliver(shipment=shipment, actor=owner)
    line = order.lines.get()
    order_return = return_create(
        order=order,
        lines=[ReturnLineInput(line.pk, 1, "damaged")],
        actor=person,
        note="Adelheid here: the box was crushed.",
    )
    payment_record(
        order=order,
        kind=PaymentKind.REFUND,
        actor=owner,
        note="Goodwill for Mrs Quackenbush",
        order_return=order_return,
        lines=[(line.pk, 1)],
    )
    cancelled = place_order(store, [(variant, 1)], customer=person, shipping_address=ADDRESS)
    order_cancel_by_customer(order=cancelled, customer=person)
    return {"store": store, "owner": owner, "person": person, "variant": variant}


def figures(user) -> list:
    """What the store reads of the orders: numbers, money, statuses, lines, payments."""
    keep = [
        "number", "store_id", "status", "fulfilment_status", "payment_status", "currency",
        "subtotal", "discount_total", "shipping_total", "tax_total", "total", "placed_at",
        "customer_id",
    ]  # fmt: skip
    orders = Order.objects.filter(customer=user).order_by("pk")
    return [
        (
            values,
            list(OrderLine.objects.filter(order_id=values["id"]).values_list(*LINE_FIGURES)),
            list(Payment.objects.filter(order_id=values["id"]).values_list("kind", "amount")),
            OrderEvent.objects.filter(order_id=values["id"]).count(),
            OrderReturn.objects.filter(order_id=values["id"]).count(),
        )
        for values in orders.values("id", *keep)
    ]


def personal_data_left() -> list[str]:
    found = []
    for model in ROWS:
        text = json.dumps(list(model.objects.values()), default=str)
        found += [
            f"{model.__name__}: {value}"
            for value in PERSONAL
            if re.search(rf"(?<!\w){re.escape(value)}(?!\w)", text, re.IGNORECASE)
        ]
    return found


def test_deleting_erases_the_person_and_keeps_their_orders(world):
    person = world["person"]
    client = api_client_for(person)
    before = figures(person)
    assert len(before) == 2
    assert personal_data_left()  # the check sees the data while it is there

    answer = delete_me(client)
    assert answer.status_code == 204, answer.content

    assert figures(person) == before
    assert personal_data_left() == []
    person.refresh_from_db()
    assert person.email == f"deleted-{person.pk}@deleted.invalid"
    assert (person.first_name, person.last_name, person.phone) == ("", "", "")
    assert not person.is_active and not is_password_usable(person.password)
    assert not person.addresses.exists()
    # What the store still knows of the place: city and country.
    for order in Order.objects.filter(customer=person):
        assert order.email == person.email and order.phone == "" and order.customer_note == ""
        assert order.shipping_address["city"] == "London"
        assert order.shipping_address["country"] == "GB"
        assert order.shipping_address["name"] == ""
    # Signed out everywhere, and no way back in.
    assert client.get(ME).status_code == 401
    sign_in = {"email": EMAIL, "password": PASSWORD}
    assert api_client_for().post("/api/v1/auth/token/", sign_in).status_code == 401


def test_the_store_still_reads_the_anonymised_orders(world, client):
    delete_me(api_client_for(world["person"]))
    order = Order.objects.filter(customer=world["person"], status=OrderStatus.CONFIRMED).get()
    staff = api_client_for(world["owner"])
    answer = staff.get(f"/api/v1/staff/orders/{order.number}/")
    assert answer.status_code == 200, answer.content
    assert answer.json()["total"] == str(order.total)
    # The timeline reads as before, the person's words and values erased.
    texts = [event.text for event in order.events.all()]
    assert any("[deleted]" in text for text in texts)
    assert any("Shipping address" in text for text in texts)
    client.force_login(world["owner"])
    page = client.get(f"/admin/orders/order/{order.pk}/change/")
    assert page.status_code == 200
    assert b"Quackenbush" not in page.content


def test_a_wrong_or_missing_password_deletes_nothing(world):
    client = api_client_for(world["person"])
    wrong = delete_me(client, password="not-it")
    assert wrong.status_code == 422
    assert wrong.json()["error"]["code"] == "wrong_password"
    missing = client.delete(ME, {}, format="json")
    assert missing.status_code == 400
    assert "password" in missing.json()["error"]["fields"]
    world["person"].refresh_from_db()
    assert world["person"].is_active and world["person"].email == EMAIL
    assert client.get(ME).status_code == 200


@pytest.mark.parametrize("who", ["owner", "clerk", "operator"])
def test_staff_and_operators_cannot_delete_themselves(who):
    store = StoreFactory()
    if who == "operator":
        user = User.objects.create_superuser("root@example.com", PASSWORD)
    else:
        user = staff_member(store, Role[who.upper()])
    answer = delete_me(api_client_for(user))
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "staff_account"
    user.refresh_from_db()
    assert user.is_active


def test_an_order_still_to_ship_holds_the_deletion_until_it_is_cancelled(world):
    person = world["person"]
    order = place_order(world["store"], [(world["variant"], 1)], customer=person)
    client = api_client_for(person)
    held = delete_me(client)
    assert held.status_code == 409
    assert held.json()["error"]["code"] == "orders_in_progress"
    assert order.number in held.json()["error"]["message"]
    person.refresh_from_db()
    assert person.is_active
    assert Order.objects.get(pk=order.pk).email == EMAIL

    order_cancel_by_customer(order=order, customer=person)
    assert delete_me(client).status_code == 204
    assert personal_data_left() == []


def test_amounts_in_the_timeline_are_never_taken_for_personal_data():
    """A postal code may be all digits, like an amount: the timeline's amounts stay numbers."""
    pattern = _pattern({"10115"})
    data = {"parts": [["placed", {"lines": 1, "total": {"amount": "10115", "currency": "EUR"}}]]}
    assert _scrub(data, pattern) == data
    assert _scrub(["Post 10115 Berlin", "101150"], pattern) == ["Post [deleted] Berlin", "101150"]


def test_deleting_is_throttled_per_account(settings):
    rate = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["account_change"]
    clerk = staff_member(StoreFactory(), Role.CLERK)
    client = api_client_for(clerk)
    for _attempt in range(int(rate.split("/")[0])):
        assert delete_me(client).status_code == 403
    throttled = delete_me(client)
    assert throttled.status_code == 429
    assert throttled.json()["error"]["code"] == "throttled"
