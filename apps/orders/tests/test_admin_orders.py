"""The order pages of the back office: buttons per role, transitions, notes, bulk actions."""

import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from apps.core.tests.fixtures import build_store
from apps.inventory.models import MovementReason, Stock, StockMovement
from apps.orders.models import Order, OrderEvent, OrderEventType
from apps.orders.services import order_transition
from apps.orders.transitions import OrderStatus, PaymentStatus
from apps.stores.roles import Role

pytestmark = pytest.mark.django_db


def change_url(order):
    return reverse("admin:orders_order_change", args=(order.pk,))


def buttons(response, attribute):
    return set(re.findall(rf'data-{attribute}="([a-z_]+)"', response.content.decode()))


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def shop():
    return build_store("Alpha", orders=3)


# Pending order: which buttons each role gets, straight from the transition table.
ROLE_MATRIX = {
    Role.OWNER: ({"confirmed", "cancelled"}, {"paid"}),
    Role.MANAGER: ({"confirmed", "cancelled"}, {"paid"}),
    Role.CLERK: ({"confirmed"}, set()),
    Role.VIEWER: (set(), set()),
}


@pytest.mark.parametrize("role", list(ROLE_MATRIX))
def test_order_page_shows_exactly_the_allowed_transitions(client, shop, role):
    client.force_login(shop.staff[role])
    response = client.get(change_url(shop.orders[0]))
    assert response.status_code == 200
    transitions, payments = ROLE_MATRIX[role]
    assert buttons(response, "transition") == transitions
    assert buttons(response, "payment") == payments
    assert ('id="order-timeline"' in response.content.decode()) is True
    assert ('name="message"' in response.content.decode()) is (role != Role.VIEWER)
    # status is never a form field
    assert 'name="status"' not in response.content.decode()


@pytest.mark.parametrize(
    ("role", "allowed"),
    [(Role.OWNER, True), (Role.MANAGER, True), (Role.CLERK, False), (Role.VIEWER, False)],
)
def test_cancel_through_the_admin_follows_the_role(client, shop, role, allowed):
    order = shop.orders[0]
    client.force_login(shop.staff[role])
    response = client.post(
        reverse("admin:orders_order_transition", args=(order.pk,)),
        {"to_status": OrderStatus.CANCELLED},
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.status == OrderStatus.CANCELLED) is allowed
    if not allowed:
        assert "does not allow" in " ".join(messages_of(response))


def test_clerk_confirms_and_ships_with_tracking_number_moving_stock(client, shop):
    order = shop.orders[0]
    variant = shop.variants[1]
    before = Stock.objects.get(variant=variant)
    clerk = shop.staff[Role.CLERK]
    client.force_login(clerk)
    url = reverse("admin:orders_order_transition", args=(order.pk,))
    client.post(url, {"to_status": OrderStatus.CONFIRMED})
    client.post(url, {"to_status": OrderStatus.SHIPPED, "tracking_number": "TRACK-42"})

    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    assert order.tracking_number == "TRACK-42"
    after = Stock.objects.get(variant=variant)
    assert after.on_hand == before.on_hand - 2
    assert after.allocated == before.allocated - 2
    shipped = OrderEvent.objects.get(order=order, to_value=OrderStatus.SHIPPED)
    assert shipped.actor == clerk and "TRACK-42" in shipped.message
    assert (
        StockMovement.objects.filter(
            reference_id=order.number, reason=MovementReason.ORDER_SHIPPED, actor=clerk
        ).count()
        == 2
    )

    page = client.get(change_url(order)).content.decode()
    assert page.index('data-event="status_changed"') < page.index('data-event="placed"')
    assert clerk.email in page


@pytest.mark.parametrize("restock", [True, False])
def test_return_asks_whether_to_restock(client, shop, restock):
    order = shop.orders[0]
    manager = shop.staff[Role.MANAGER]
    order_transition(order=order, to_status=OrderStatus.CONFIRMED, actor=manager)
    order_transition(order=order, to_status=OrderStatus.SHIPPED, actor=manager)
    on_hand = Stock.objects.get(variant=shop.variants[0]).on_hand
    client.force_login(manager)
    data = {"to_status": OrderStatus.RETURNED}
    if restock:
        data["restock"] = "on"
    client.post(reverse("admin:orders_order_transition", args=(order.pk,)), data)
    order.refresh_from_db()
    assert order.status == OrderStatus.RETURNED
    assert Stock.objects.get(variant=shop.variants[0]).on_hand == on_hand + (1 if restock else 0)


def test_illegal_transition_is_a_message_not_an_error(client, shop):
    order = shop.orders[0]
    client.force_login(shop.staff[Role.OWNER])
    response = client.post(
        reverse("admin:orders_order_transition", args=(order.pk,)),
        {"to_status": OrderStatus.DELIVERED},
    )
    assert response.status_code == 302
    assert "cannot become" in " ".join(messages_of(response))
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING


def test_payment_and_note_through_the_admin_write_events(client, shop):
    order = shop.orders[0]
    owner = shop.staff[Role.OWNER]
    client.force_login(owner)
    client.post(reverse("admin:orders_order_payment", args=(order.pk,)), {"to_status": "paid"})
    client.post(reverse("admin:orders_order_note", args=(order.pk,)), {"message": "Gift wrap"})
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PAID
    assert OrderEvent.objects.filter(order=order, type=OrderEventType.PAYMENT, actor=owner).exists()
    assert OrderEvent.objects.filter(
        order=order, type=OrderEventType.NOTE, actor=owner, message="Gift wrap"
    ).exists()


def test_viewer_cannot_add_notes(client, shop):
    order = shop.orders[0]
    client.force_login(shop.staff[Role.VIEWER])
    client.post(reverse("admin:orders_order_note", args=(order.pk,)), {"message": "hi"})
    assert not OrderEvent.objects.filter(order=order, type=OrderEventType.NOTE).exists()


def test_bulk_actions_report_each_order(client, shop):
    first, second, third = shop.orders
    manager = shop.staff[Role.MANAGER]
    order_transition(order=third, to_status=OrderStatus.CANCELLED, actor=manager)
    client.force_login(manager)
    changelist = reverse("admin:orders_order_changelist")
    response = client.post(
        changelist,
        {"action": "bulk_confirm", "_selected_action": [first.pk, second.pk, third.pk]},
        follow=True,
    )
    assert response.status_code == 200
    text = " ".join(messages_of(response))
    assert f"{third.number}:" in text and "cannot become" in text
    assert first.number in text and second.number in text
    assert set(
        Order.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)
    ) == {OrderStatus.CONFIRMED}
    assert (
        OrderEvent.objects.filter(
            to_value=OrderStatus.CONFIRMED, actor=manager, order__in=[first, second]
        ).count()
        == 2
    )

    allocated = Stock.objects.get(variant=shop.variants[0]).allocated
    client.post(changelist, {"action": "bulk_cancel", "_selected_action": [first.pk]})
    assert Stock.objects.get(variant=shop.variants[0]).allocated == allocated - 1
    assert Order.objects.get(pk=first.pk).status == OrderStatus.CANCELLED


def test_clerk_has_no_cancel_action(client, shop):
    client.force_login(shop.staff[Role.CLERK])
    response = client.post(
        reverse("admin:orders_order_changelist"),
        {"action": "bulk_cancel", "_selected_action": [shop.orders[0].pk]},
    )
    assert response.status_code in (200, 302)
    assert Order.objects.get(pk=shop.orders[0].pk).status == OrderStatus.PENDING
    actions = client.get(reverse("admin:orders_order_changelist")).context["action_form"]
    names = {value for value, _label in actions.fields["action"].choices}
    assert "bulk_confirm" in names and "bulk_cancel" not in names


@pytest.mark.parametrize(
    ("term", "expected"),
    [("number", True), ("email", True), ("sku", True), ("nobody@example.com", False)],
)
def test_search_by_number_email_and_sku(client, shop, term, expected):
    other = build_store("Bravo", orders=1)
    order = shop.orders[0]
    value = {
        "number": order.number,
        "email": order.email.upper(),
        "sku": shop.variants[0].sku,
    }.get(term, term)
    client.force_login(shop.staff[Role.OWNER])
    response = client.get(reverse("admin:orders_order_changelist"), {"q": value})
    found = {o.pk for o in response.context["cl"].result_list}
    assert (order.pk in found) is expected
    assert not found & {o.pk for o in other.orders}


def customer_cells(page):
    """{order pk: the customer cell's text} for each row of the order list."""
    cells = {}
    for row in page.split('<tr class="data-row')[1:]:
        pk = re.search(r'href="/admin/orders/order/(\d+)/change/', row).group(1)
        cell = re.search(r'<td class="field-customer_display.*?>(.*?)</td>', row, re.S).group(1)
        cells[int(pk)] = " ".join(re.sub(r"<[^>]+>", " ", cell).split())
    return cells


def test_order_list_names_the_customer_beside_the_email(client, shop):
    first, second, _third = shop.orders
    shop.customer.first_name, shop.customer.last_name = "Ada", "Lovelace"
    shop.customer.save()
    Order.objects.filter(pk=second.pk).update(customer=None)
    client.force_login(shop.staff[Role.VIEWER])
    cells = customer_cells(client.get(reverse("admin:orders_order_changelist")).content.decode())
    assert cells[first.pk] == f"Ada Lovelace {first.email}"
    # An order whose account is gone still says who it was for.
    assert cells[second.pk] == second.email
