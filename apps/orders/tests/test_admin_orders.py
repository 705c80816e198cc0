"""The order list of the back office: columns, filters, search and the bulk actions."""

import re
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation

from apps.core.money import display_money
from apps.core.tests.fixtures import build_store
from apps.inventory.models import Stock
from apps.orders.admin import BULK_LIMIT
from apps.orders.models import Order, OrderEvent, PaymentKind, ShipmentStatus
from apps.orders.services import order_transition
from apps.orders.statuses import FulfilmentStatus, PaymentStatus
from apps.orders.tests.factories import pay
from apps.orders.transitions import OrderStatus
from apps.stores.roles import Role

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:orders_order_changelist")


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def bulk(client, action, orders, **extra):
    return client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [o.pk for o in orders], **extra},
        follow=True,
    )


@pytest.fixture
def shop():
    return build_store("Alpha", orders=3)


def confirm_and_pay(order, actor):
    order_transition(order=order, to_status=OrderStatus.CONFIRMED, actor=actor)
    pay(order)


def test_the_list_shows_fulfilment_payment_and_money_in_the_readers_format(client, shop):
    order = shop.orders[0]
    client.force_login(shop.staff[Role.VIEWER])
    page = client.get(CHANGELIST).content.decode()
    for column in ("placed", "status_label", "fulfilment_label", "payment_label", "total_display"):
        assert f"column-{column}" in page
    assert "column-store" not in page  # one store: no store column
    assert "Unfulfilled" in page and "Unpaid" in page
    assert display_money(order.total, order.currency) in page
    assert '<time class="whitespace-nowrap"' in page
    with translation.override("ru"):
        russian = client.get(CHANGELIST, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
        assert display_money(order.total, order.currency) in russian


@pytest.mark.parametrize(
    ("parameter", "value", "expected"),
    [
        ("status__exact", OrderStatus.CONFIRMED, 1),
        ("fulfilment_status__exact", FulfilmentStatus.PARTIALLY_SHIPPED, 1),
        ("payment_status__exact", PaymentStatus.PAID, 1),
        ("payment_status__exact", PaymentStatus.UNPAID, 2),
    ],
)
def test_filters_by_status_fulfilment_and_payment(client, shop, parameter, value, expected):
    from apps.orders.fulfilment import shipment_create

    manager = shop.staff[Role.MANAGER]
    order = shop.orders[0]
    confirm_and_pay(order, manager)
    shipment_create(order=order, lines=[(order.lines.order_by("pk")[0].pk, 1)], actor=manager)
    build_store("Bravo", orders=2)  # another store's orders never show
    client.force_login(manager)
    response = client.get(CHANGELIST, {parameter: value})
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == expected


def test_bulk_confirm_reports_each_order(client, shop):
    first, second, third = shop.orders
    manager = shop.staff[Role.MANAGER]
    order_transition(order=third, to_status=OrderStatus.CANCELLED, actor=manager, message="dup")
    client.force_login(manager)
    response = bulk(client, "bulk_confirm", [first, second, third])
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


def test_bulk_cancel_asks_for_a_reason_on_its_own_page_first(client, shop):
    first, second, _third = shop.orders
    manager = shop.staff[Role.MANAGER]
    client.force_login(manager)
    allocated = Stock.objects.get(variant=shop.variants[0]).allocated

    asked = client.post(
        CHANGELIST, {"action": "bulk_cancel", "_selected_action": [first.pk, second.pk]}
    )
    assert asked.status_code == 200
    page = asked.content.decode()
    assert 'data-destructive="bulk-cancel"' in page
    assert first.number in page and second.number in page
    assert re.search(r'<textarea[^>]*name="reason"[^>]*required', page)
    assert Order.objects.get(pk=first.pk).status == OrderStatus.PENDING

    # No reason: asked again, nothing cancelled.
    again = client.post(
        CHANGELIST,
        {"action": "bulk_cancel", "apply": "1", "_selected_action": [first.pk], "reason": " "},
    )
    assert again.status_code == 200 and 'role="alert"' in again.content.decode()
    assert Order.objects.get(pk=first.pk).status == OrderStatus.PENDING

    done = client.post(
        CHANGELIST,
        {
            "action": "bulk_cancel",
            "apply": "1",
            "_selected_action": [first.pk, second.pk],
            "reason": "Fraud check failed",
        },
        follow=True,
    )
    assert "2 orders done" in " ".join(messages_of(done))
    assert Order.objects.get(pk=first.pk).status == OrderStatus.CANCELLED
    assert Stock.objects.get(variant=shop.variants[0]).allocated == allocated - 2
    event = OrderEvent.objects.get(order=first, to_value=OrderStatus.CANCELLED)
    assert event.actor == manager and "Fraud check failed" in event.message


def test_bulk_ship_deliver_and_mark_paid_go_through_the_services(client, shop):
    first, second, _third = shop.orders
    manager = shop.staff[Role.MANAGER]
    for order in (first, second):
        order_transition(order=order, to_status=OrderStatus.CONFIRMED, actor=manager)
    client.force_login(manager)

    # Unpaid: the store's rule refuses, order by order.
    refused = bulk(client, "bulk_ship", [first])
    assert "is not paid" in " ".join(messages_of(refused))
    assert not first.shipments.exists()

    paid = bulk(client, "bulk_mark_paid", [first, second])
    assert "2 orders done" in " ".join(messages_of(paid))
    capture = first.payments.get()
    assert (capture.kind, capture.amount, capture.actor) == (
        PaymentKind.CAPTURE,
        first.total,
        manager,
    )
    assert Order.objects.get(pk=first.pk).payment_status == PaymentStatus.PAID
    # Paid already: nothing is due, so nothing is recorded twice.
    twice = bulk(client, "bulk_mark_paid", [first])
    assert f"{first.number}:" in " ".join(messages_of(twice))
    assert first.payments.count() == 1

    shipped = bulk(client, "bulk_ship", [first, second])
    assert "2 orders done" in " ".join(messages_of(shipped))
    first.refresh_from_db()
    assert first.fulfilment_status == FulfilmentStatus.SHIPPED
    assert sum(line.quantity for line in first.lines.all()) == sum(
        sl.quantity for sl in first.shipments.get().lines.all()
    )

    delivered = bulk(client, "bulk_deliver", [first])
    assert "1 order done" in " ".join(messages_of(delivered))
    assert first.shipments.get().status == ShipmentStatus.DELIVERED
    assert Order.objects.get(pk=first.pk).fulfilment_status == FulfilmentStatus.DELIVERED
    nothing = bulk(client, "bulk_deliver", [first])
    assert "no shipment on its way" in " ".join(messages_of(nothing))


def test_bulk_actions_stop_at_the_limit(client, shop, monkeypatch):
    monkeypatch.setattr("apps.orders.admin.BULK_LIMIT", 2)
    client.force_login(shop.staff[Role.MANAGER])
    response = bulk(client, "bulk_confirm", shop.orders)
    assert "at most 2 orders" in " ".join(messages_of(response))
    assert not Order.objects.filter(status=OrderStatus.CONFIRMED).exists()
    asked = client.post(
        CHANGELIST, {"action": "bulk_cancel", "_selected_action": [o.pk for o in shop.orders]}
    )
    assert asked.status_code == 302
    assert BULK_LIMIT == 500


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.CLERK, {"bulk_confirm", "bulk_ship", "bulk_deliver"}),
        (
            Role.MANAGER,
            {"bulk_confirm", "bulk_ship", "bulk_deliver", "bulk_cancel", "bulk_mark_paid"},
        ),
        (Role.VIEWER, set()),
    ],
)
def test_bulk_actions_follow_the_role(client, shop, role, expected):
    client.force_login(shop.staff[role])
    response = client.get(CHANGELIST)
    form = response.context["action_form"]
    names = {value for value, _label in form.fields["action"].choices} - {""} if form else set()
    assert names == expected


def test_a_clerk_cannot_cancel_or_mark_paid_by_a_forged_post(client, shop):
    order = shop.orders[0]
    client.force_login(shop.staff[Role.CLERK])
    for action in ("bulk_cancel", "bulk_mark_paid"):
        client.post(
            CHANGELIST,
            {"action": action, "apply": "1", "_selected_action": [order.pk], "reason": "x"},
        )
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING and not order.payments.exists()


def test_bulk_actions_reach_only_the_users_stores(client, shop):
    other = build_store("Bravo", orders=1)
    theirs = other.orders[0]
    client.force_login(shop.staff[Role.MANAGER])
    bulk(client, "bulk_confirm", [theirs])
    theirs.refresh_from_db()
    assert theirs.status == OrderStatus.PENDING


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
    response = client.get(CHANGELIST, {"q": value})
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
    cells = customer_cells(client.get(CHANGELIST).content.decode())
    assert cells[first.pk] == f"Ada Lovelace {first.email}"
    # An order whose account is gone still says who it was for.
    assert cells[second.pk] == second.email


def test_total_is_formatted_with_its_currency(client, shop):
    Order.objects.filter(pk=shop.orders[0].pk).update(total=Decimal("1185.43"))
    client.force_login(shop.staff[Role.VIEWER])
    page = client.get(CHANGELIST).content.decode()
    assert display_money(Decimal("1185.43"), shop.orders[0].currency) in page
