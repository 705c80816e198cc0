"""The order page: what each role is offered, scoping of the page and of every action, HTMX
answers (the order's body and the message, no page load) and plain posts, refusals as
messages."""

import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from apps.catalog.tests.factories import make_variant
from apps.core.money import display_money
from apps.inventory.tests.factories import receive
from apps.orders.forms import ORDER_ACTIONS
from apps.orders.fulfilment import shipment_create
from apps.orders.models import Order, OrderEvent
from apps.orders.returns import ReturnLineInput, return_create
from apps.orders.services import order_transition
from apps.orders.statuses import FulfilmentStatus
from apps.orders.tests.factories import pay, place_order
from apps.orders.transitions import OrderStatus
from apps.stores.roles import Role
from apps.stores.tests.factories import StoreFactory, staff_member

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def page_url(order):
    return reverse("admin:orders_order_change", args=(order.pk,))


def act_url(order, name):
    return reverse("admin:orders_order_act", args=(order.pk, name))


def messages_of(response):
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def markers(html: str, attribute: str) -> set[str]:
    return set(re.findall(rf'data-{attribute}="([a-z_-]+)"', html))


@pytest.fixture
def store():
    return StoreFactory(name="Alpha")


@pytest.fixture
def staff(store):
    return {role: staff_member(store, role) for role in Role.values}


@pytest.fixture
def variants(store):
    made = [make_variant(store, title=title) for title in ("Kettle", "Mug", "Teapot")]
    for variant in made:
        receive(variant, 20)
    return made


@pytest.fixture
def order(store, variants, staff):
    """Confirmed and paid: 3 kettles, 2 mugs, 1 teapot."""
    kettle, mug, teapot = variants
    placed = place_order(store, [(kettle, 3), (mug, 2), (teapot, 1)])
    order_transition(order=placed, to_status=OrderStatus.CONFIRMED, actor=staff[Role.MANAGER])
    pay(placed)
    return placed


def line(order, variant):
    return order.lines.get(variant=variant)


@pytest.fixture
def worked(order, variants, staff):
    """Some of everything: one kettle and the mugs shipped, one kettle asked back."""
    kettle, mug, _teapot = variants
    manager = staff[Role.MANAGER]
    shipment_create(order=order, lines=[(line(order, kettle).pk, 1)], actor=manager)
    shipment_create(order=order, lines=[(line(order, mug).pk, 2)], actor=manager)
    return_create(
        order=order, lines=[ReturnLineInput(line(order, kettle).pk, 1, "damaged")], actor=manager
    )
    return order


# What each role is offered on a worked order (data-action / data-destructive / data-edit).
EVERYONE_WHO_FULFILS = {"ship", "deliver", "receive", "create-return"}
ROLE_OFFERS = {
    Role.VIEWER: (set(), set(), set()),
    Role.CLERK: (EVERYONE_WHO_FULFILS, {"cancel-shipment"}, set()),
    Role.MANAGER: (
        EVERYONE_WHO_FULFILS | {"record-payment"},
        # Goods have shipped: the order comes back by a return, so cancelling is not offered.
        {"cancel-shipment", "refund", "decline-return", "write-off"},
        # Nothing of the teapot shipped: it may change; the address may not (goods left).
        {"quantity", "remove", "add"},
    ),
}


@pytest.mark.parametrize("role", list(ROLE_OFFERS))
def test_each_role_is_offered_what_its_capabilities_allow(client, worked, staff, role):
    client.force_login(staff[role])
    response = client.get(page_url(worked))
    assert response.status_code == 200
    html = response.content.decode()
    actions, destructive, edits = ROLE_OFFERS[role]
    assert markers(html, "action") == actions
    assert markers(html, "destructive") == destructive
    assert markers(html, "edit") == edits
    assert ('value="write_off"' in html) is (role == Role.MANAGER)
    assert ("read-only" in html or "data-read-only" in html) is (role == Role.VIEWER)
    if role == Role.VIEWER:
        body = html[html.index('id="order-body"') :]
        assert 'method="post"' not in body


def test_the_page_groups_lines_by_what_is_left_to_do(client, worked, staff, variants):
    kettle, mug, teapot = variants
    client.force_login(staff[Role.CLERK])
    html = client.get(page_url(worked)).content.decode()
    unfulfilled = html[html.index('id="order-unfulfilled"') : html.index("data-shipment=")]
    # Two kettles and the teapot still to ship, each with its own quantity input.
    assert f'name="qty-{line(worked, kettle).pk}" value="2"' in unfulfilled
    assert f'name="qty-{line(worked, teapot).pk}" value="1"' in unfulfilled
    assert mug.sku not in unfulfilled
    shipments = [worked.number + "-S1", worked.number + "-S2"]
    for number in shipments:
        assert f'data-shipment="{number}"' in html
    assert f'data-return="{worked.number}-R1"' in html
    assert "Damaged" in html
    assert 'data-role="fulfilment">Partially shipped<' in html
    assert display_money(worked.total, worked.currency) in html


def test_unpaid_orders_warn_and_managers_may_give_a_reason(client, store, variants, staff):
    placed = place_order(store, [(variants[0], 1)])
    order_transition(order=placed, to_status=OrderStatus.CONFIRMED, actor=staff[Role.MANAGER])
    client.force_login(staff[Role.CLERK])
    clerk_page = client.get(page_url(placed)).content.decode()
    assert 'data-role="unpaid-warning"' in clerk_page
    assert "A manager can ship it anyway" in clerk_page
    assert 'name="unpaid_reason"' not in clerk_page
    client.force_login(staff[Role.MANAGER])
    assert 'name="unpaid_reason"' in client.get(page_url(placed)).content.decode()

    store.ship_unpaid_orders = True
    store.save()
    allowed = client.get(page_url(placed)).content.decode()
    assert 'data-role="unpaid-warning"' in allowed and "ships unpaid orders" in allowed
    assert 'name="unpaid_reason"' not in allowed
    pay(placed)
    assert 'data-role="unpaid-warning"' not in client.get(page_url(placed)).content.decode()


def test_a_cancelled_paid_order_says_prominently_that_money_goes_back(client, order, staff):
    manager = staff[Role.MANAGER]
    order_transition(order=order, to_status=OrderStatus.CANCELLED, actor=manager, message="Dup")
    client.force_login(manager)
    html = client.get(page_url(order)).content.decode()
    alert = html[html.index('data-role="refund-due"') :].split("</div>")[0]
    assert display_money(order.total, order.currency) in alert
    assert "cancelled" in alert
    # The refund form is open and filled with what must go back.
    assert re.search(r'data-destructive="refund" open', html)


def test_cancel_asks_for_a_reason_the_same_way_as_the_queue(client, store, variants, staff):
    placed = place_order(store, [(variants[0], 1)])
    client.force_login(staff[Role.MANAGER])
    html = client.get(page_url(placed)).content.decode()
    dialog = html[html.index('data-destructive="cancel-order"') :].split("</details>")[0]
    assert "<summary" in dialog and re.search(r'<textarea[^>]*name="reason"[^>]*required', dialog)

    refused = client.post(act_url(placed, "transition"), {"to_status": "cancelled"}, **HTMX)
    assert refused.status_code == 400
    assert "reason" in refused.content.decode()
    placed.refresh_from_db()
    assert placed.status == OrderStatus.PENDING

    done = client.post(
        act_url(placed, "transition"), {"to_status": "cancelled", "reason": "Asked by phone"}
    )
    assert done.status_code == 302
    placed.refresh_from_db()
    assert placed.status == OrderStatus.CANCELLED
    event = placed.events.get(to_value=OrderStatus.CANCELLED)
    assert event.message.startswith("Asked by phone")


def test_htmx_ship_part_of_a_line_swaps_the_body_and_says_so(client, order, staff, variants):
    kettle = variants[0]
    client.force_login(staff[Role.CLERK])
    response = client.post(
        act_url(order, "ship"),
        {f"qty-{line(order, kettle).pk}": "1", "carrier": "DHL", "tracking_number": "T-1"},
        **HTMX,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="order-body"')
    assert "<html" not in body
    assert 'data-role="fulfilment">Partially shipped<' in body
    assert f'name="qty-{line(order, kettle).pk}" value="2"' in body
    messages_box = body[body.index('id="order-messages"') :]
    assert 'hx-swap-oob="true"' in messages_box and f"{order.number}-S1" in messages_box
    shipment = order.shipments.get()
    assert [(sl.order_line.variant, sl.quantity) for sl in shipment.lines.all()] == [(kettle, 1)]
    assert (shipment.carrier, shipment.tracking_number) == ("DHL", "T-1")
    order.refresh_from_db()
    assert order.fulfilment_status == FulfilmentStatus.PARTIALLY_SHIPPED


def test_without_javascript_an_action_posts_and_comes_back_with_a_message(client, order, staff):
    client.force_login(staff[Role.CLERK])
    response = client.post(act_url(order, "note"), {"message": "Gift wrap, please"})
    assert response.status_code == 302
    assert response["Location"] == page_url(order)
    assert "Note added" in messages_of(response)
    page = client.get(response["Location"]).content.decode()
    assert "Gift wrap, please" in page


@pytest.mark.parametrize(
    ("data", "status", "says"),
    [
        ({"qty-{kettle}": "9"}, 400, "only 3 can be"),
        ({"qty-{kettle}": "abc"}, 400, "whole numbers"),
        ({"qty-{kettle}": "0"}, 400, "at least one line"),
        ({"qty-999999": "1"}, 400, "not a line of this order"),
    ],
)
def test_refusals_become_messages_in_place(client, order, staff, variants, data, status, says):
    kettle = line(order, variants[0]).pk
    client.force_login(staff[Role.CLERK])
    post = {key.format(kettle=kettle): value for key, value in data.items()}
    response = client.post(act_url(order, "ship"), post, **HTMX)
    assert response.status_code == status
    assert response["HX-Retarget"] == "#order-body"
    assert response["HX-Reswap"] == "outerHTML"
    assert says in response.content.decode()
    assert not order.shipments.exists()


def test_an_unpaid_order_is_refused_with_the_services_message(client, store, variants, staff):
    placed = place_order(store, [(variants[0], 2)])
    order_transition(order=placed, to_status=OrderStatus.CONFIRMED, actor=staff[Role.MANAGER])
    lines = {f"qty-{placed.lines.get().pk}": "1"}
    client.force_login(staff[Role.CLERK])
    refused = client.post(act_url(placed, "ship"), lines, **HTMX)
    assert refused.status_code == 400
    assert "is not paid" in refused.content.decode()
    forbidden = client.post(act_url(placed, "ship"), {**lines, "unpaid_reason": "trust me"}, **HTMX)
    assert forbidden.status_code == 403
    assert "does not allow" in forbidden.content.decode()
    assert not placed.shipments.exists()

    client.force_login(staff[Role.MANAGER])
    shipped = client.post(act_url(placed, "ship"), {**lines, "unpaid_reason": "Paid cash"})
    assert shipped.status_code == 302
    assert placed.shipments.count() == 1


def test_cancelling_an_order_with_shipments_is_refused_in_place(client, worked, staff):
    client.force_login(staff[Role.MANAGER])
    response = client.post(
        act_url(worked, "transition"), {"to_status": "cancelled", "reason": "x"}, **HTMX
    )
    assert response.status_code == 400
    assert "has shipments" in response.content.decode()
    worked.refresh_from_db()
    assert worked.status == OrderStatus.CONFIRMED


def test_an_unknown_action_is_not_found(client, order, staff):
    client.force_login(staff[Role.MANAGER])
    assert client.post(act_url(order, "explode"), {}).status_code == 404
    assert client.get(act_url(order, "note")).status_code == 405


# --- scoping -------------------------------------------------------------------------------


@pytest.fixture
def theirs(variants, staff):
    """An order of another store, worked, that store A's manager must never reach."""
    other = StoreFactory(name="Bravo")
    variant = make_variant(other)
    receive(variant, 10)
    placed = place_order(other, [(variant, 3)])
    owner = staff_member(other, Role.OWNER)
    order_transition(order=placed, to_status=OrderStatus.CONFIRMED, actor=owner)
    pay(placed)
    shipment_create(order=placed, lines=[(placed.lines.get().pk, 1)], actor=owner)
    return placed


def test_another_stores_order_page_is_not_found(client, staff, theirs):
    client.force_login(staff[Role.MANAGER])
    assert client.get(page_url(theirs)).status_code == 404
    assert client.get(reverse("admin:orders_order_history", args=(theirs.pk,))).status_code == 404


@pytest.mark.parametrize("name", sorted(ORDER_ACTIONS))
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_every_action_on_another_stores_order_is_not_found(client, staff, theirs, name, headers):
    before = OrderEvent.objects.filter(order=theirs).count()
    theirs_line = theirs.lines.get()
    data = {
        "to_status": "cancelled",
        "reason": "x",
        "message": "x",
        "shipment": theirs.shipments.get().pk,
        f"qty-{theirs_line.pk}": "1",
        "line": theirs_line.pk,
        "quantity": "1",
        "kind": "capture",
        "amount": "1.00",
        "sku": theirs_line.sku,
        "name": "A",
        "line1": "B",
        "city": "C",
        "postal_code": "D",
        "country": "GB",
    }
    client.force_login(staff[Role.MANAGER])
    response = client.post(act_url(theirs, name), data, **headers)
    assert response.status_code == 404
    assert OrderEvent.objects.filter(order=theirs).count() == before
    assert Order.objects.get(pk=theirs.pk).status == OrderStatus.CONFIRMED


def test_an_id_of_another_orders_shipment_is_not_one_of_this_order(client, order, staff, theirs):
    client.force_login(staff[Role.MANAGER])
    response = client.post(act_url(order, "deliver"), {"shipment": theirs.shipments.get().pk})
    assert "not a shipment of this order" in messages_of(response)
    assert theirs.shipments.get().delivered_at is None


def test_the_store_switcher_puts_other_stores_orders_out_of_reach(client, order, store, theirs):
    owner = staff_member(store, Role.OWNER)
    from apps.stores.models import StoreMembership

    StoreMembership.objects.create(user=owner, store=theirs.store, role=Role.OWNER)
    client.force_login(owner)
    assert client.get(page_url(theirs)).status_code == 200
    client.post(reverse("admin:stores_store_switch"), {"store": store.pk})
    assert client.get(page_url(theirs)).status_code == 404
    assert client.get(page_url(order)).status_code == 200
