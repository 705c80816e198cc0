import json
import re

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.catalog.tests.factories import make_variant
from apps.inventory.tests.factories import receive
from apps.orders.models import Order, OrderEvent, OrderEventType
from apps.orders.services import order_transition
from apps.orders.statuses import FulfilmentStatus
from apps.orders.tests.factories import pay, place_order
from apps.orders.transitions import OrderStatus
from apps.stores.models import StoreMembership
from apps.stores.roles import Role
from apps.stores.tests.factories import StoreFactory, staff_member
from apps.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

QUEUE = reverse("orders-queue")
HTMX = {"HTTP_HX_REQUEST": "true"}
CONFIRM = {"action": "transition", "to_status": "confirmed"}
CANCEL = {"action": "transition", "to_status": "cancelled"}
SHIP_ALL = {"action": "ship", "everything": "on"}


def row_ids(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'<article id="order-(\d+)"', response.content.decode())]


def action_url(order):
    return reverse("orders-queue-action", args=[order.pk])


@pytest.fixture
def store():
    return StoreFactory(name="Alpha")


@pytest.fixture
def other_store():
    return StoreFactory(name="Beta")


@pytest.fixture
def variant(store):
    variant = make_variant(store)
    receive(variant, 1000)
    return variant


@pytest.fixture
def clerk(store):
    return staff_member(store, Role.CLERK)


@pytest.fixture
def manager(store):
    return staff_member(store, Role.MANAGER)


def orders_for(store, count, *, quantity=1):
    variant = make_variant(store)
    second = make_variant(store)
    receive(variant, count * quantity)
    receive(second, count)
    return [place_order(store, [(variant, quantity), (second, 1)]) for _ in range(count)]


def test_full_page_inside_the_admin_chrome_lists_only_own_stores(client, clerk, store, other_store):
    mine = orders_for(store, 2)
    theirs = orders_for(other_store, 1)
    client.force_login(clerk)

    response = client.get(QUEUE)

    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" in body and 'id="main"' in body  # unfold's layout around our content
    assert "nexus/backoffice.js" in body
    assert 'hx-headers=\'{"X-CSRFToken": "' in body
    for order in mine:
        assert order.number in body
    assert theirs[0].number not in body
    assert 'id="queue-count-pending"' in body
    assert "HX-Request" in response["Vary"]


def test_store_picker_lists_the_users_stores_only_when_there_is_a_choice(
    client, clerk, store, other_store
):
    StoreFactory(name="Gamma")
    client.force_login(clerk)
    assert 'id="queue-store"' not in client.get(QUEUE).content.decode()

    StoreMembership.objects.create(user=clerk, store=other_store, role=Role.CLERK)
    body = client.get(QUEUE, {"store": other_store.pk}).content.decode()
    picker = body[body.index('id="queue-store"') :].split("</select>")[0]
    assert re.findall(r"<option[^>]*>([^<]*)</option>", picker) == [
        "All my stores",
        "Alpha",
        "Beta",
    ]
    assert f'value="{other_store.pk}" selected' in picker


def test_htmx_request_gets_the_results_fragment_with_counters_out_of_band(client, clerk, store):
    orders = orders_for(store, 3)
    order_transition(order=orders[0], to_status=OrderStatus.CONFIRMED, actor=clerk)
    client.force_login(clerk)

    response = client.get(QUEUE, {"status": "pending"}, **HTMX)

    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert body.lstrip().startswith('<section id="queue-results"')
    assert orders[1].number in body and orders[2].number in body
    assert orders[0].number not in body
    assert '<span id="queue-count-pending" class="nx-count" hx-swap-oob="true">2</span>' in body
    assert '<span id="queue-count-to_ship" class="nx-count" hx-swap-oob="true">1</span>' in body
    assert "HX-Request" in response["Vary"]


def test_a_history_restore_gets_the_full_page(client, clerk, store):
    orders_for(store, 1)
    client.force_login(clerk)
    response = client.get(QUEUE, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert "<html" in response.content.decode()


def test_newest_first_and_keyset_paging_without_counting(client, clerk, store):
    orders = orders_for(store, 27)
    client.force_login(clerk)

    first = client.get(QUEUE)
    assert row_ids(first) == [o.pk for o in reversed(orders)][:25]
    cursor = first.context["next_cursor"]
    assert cursor and f"cursor={cursor}" in first.content.decode()

    rest = client.get(QUEUE, {"cursor": cursor}, **HTMX)
    body = rest.content.decode()
    assert "<section" not in body  # just the next rows, appended in place of the link
    assert row_ids(rest) == [orders[1].pk, orders[0].pk]
    assert 'id="queue-more"' not in body


def test_search_by_number_email_and_sku(client, clerk, store):
    a, b, c = orders_for(store, 3)
    Order.objects.filter(pk=b.pk).update(email="grace@example.org")
    sku = c.lines.first().sku
    client.force_login(clerk)

    def found(q):
        return set(row_ids(client.get(QUEUE, {"q": q}, **HTMX)))

    assert found(a.number) == {a.pk}
    assert found(a.number.split("-")[1]) == {a.pk}
    assert found("grace@") == {b.pk}
    assert found(sku) == {a.pk, b.pk, c.pk}
    assert found(sku.lower()) == {a.pk, b.pk, c.pk}
    assert found("no-such-thing") == set()


def test_store_filter_narrows_the_list_and_the_counters_not_the_badge(client, store, other_store):
    owner = staff_member(store, Role.OWNER)
    StoreMembership.objects.create(user=owner, store=other_store, role=Role.CLERK)
    orders_for(store, 2)
    (theirs,) = orders_for(other_store, 1)
    client.force_login(owner)

    response = client.get(QUEUE, {"store": other_store.pk})
    assert row_ids(response) == [theirs.pk]
    assert response.context["counts"]["pending"] == 1
    assert f'<option value="{other_store.pk}" selected>' in response.content.decode()

    filters = f"store={other_store.pk}"
    done = client.post(action_url(theirs), {**CONFIRM, "filters": filters}, **HTMX)
    assert '<span id="queue-count-pending" class="nx-count" hx-swap-oob="true">0</span>' in (
        done.content.decode()
    )
    # The sidebar badge counts the pending orders of every store the user works in.
    assert json.loads(done["HX-Trigger"])["nexus:pending-count"] == {"value": 2}


def test_the_store_chosen_in_the_switcher_narrows_the_queue_counters_and_badge(
    client, store, other_store
):
    owner = staff_member(store, Role.OWNER)
    StoreMembership.objects.create(user=owner, store=other_store, role=Role.CLERK)
    mine = orders_for(store, 2)
    (theirs,) = orders_for(other_store, 1)
    client.force_login(owner)
    client.post(reverse("admin:stores_store_switch"), {"store": other_store.pk})

    page = client.get(QUEUE)
    assert row_ids(page) == [theirs.pk]
    assert page.context["counts"]["all"] == 1
    body = page.content.decode()
    assert 'id="store-switcher"' in body
    assert 'id="queue-store"' not in body  # no picker for stores the switcher put out of view
    # A link naming another of the user's stores still shows the switcher's store.
    assert row_ids(client.get(QUEUE, {"store": store.pk}, **HTMX)) == [theirs.pk]
    assert row_ids(client.get(QUEUE, {"q": mine[0].number}, **HTMX)) == []

    done = client.post(action_url(theirs), CONFIRM, **HTMX)
    assert '<span id="queue-count-pending" class="nx-count" hx-swap-oob="true">0</span>' in (
        done.content.decode()
    )
    assert json.loads(done["HX-Trigger"])["nexus:pending-count"] == {"value": 0}
    # A row of the user's other store, from a page opened before switching, can still be worked.
    assert client.post(action_url(mine[0]), CONFIRM, **HTMX).status_code == 200

    client.post(reverse("admin:stores_store_switch"), {"store": ""})
    assert len(row_ids(client.get(QUEUE))) == 3


def test_a_store_number_beyond_any_id_lists_nothing_instead_of_failing(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.get(QUEUE, {"store": "9" * 30}, **HTMX)
    assert response.status_code == 200
    assert response["HX-Push-Url"] == QUEUE


@pytest.mark.parametrize("cursor", ["9" * 30 + ".1", "1." + "9" * 30, "x.1", "1"])
def test_a_cursor_beyond_any_date_or_id_is_ignored_instead_of_failing(client, clerk, store, cursor):
    orders_for(store, 2)
    client.force_login(clerk)
    response = client.get(QUEUE, {"cursor": cursor}, **HTMX)
    assert response.status_code == 200
    assert len(row_ids(response)) == 2


def test_confirm_swaps_the_row_and_updates_counters_and_badge(client, clerk, store):
    order, other = orders_for(store, 2)
    client.force_login(clerk)

    response = client.post(action_url(order), {**CONFIRM, "filters": "status=pending"}, **HTMX)

    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith(f'<article id="order-{order.pk}"')
    assert 'data-action="ship-all"' in body and 'data-transition="confirmed"' not in body
    assert '<span id="queue-count-pending" class="nx-count" hx-swap-oob="true">1</span>' in body
    assert '<span id="queue-count-to_ship" class="nx-count" hx-swap-oob="true">1</span>' in body
    triggers = json.loads(response["HX-Trigger"])
    assert triggers["nexus:pending-count"] == {"value": 1}
    assert json.loads(response["HX-Trigger-After-Settle"])["nexus:focus"] == {
        "selector": f"#order-{order.pk}"
    }
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED
    event = order.events.get(type=OrderEventType.STATUS_CHANGED)
    assert (event.from_value, event.to_value, event.actor) == ("pending", "confirmed", clerk)


def test_without_javascript_the_form_post_redirects_back_with_a_message(client, clerk, store):
    (order,) = orders_for(store, 1)
    client.force_login(clerk)

    response = client.post(action_url(order), {**CONFIRM, "filters": "q=abc&status=pending"})

    assert response.status_code == 302
    assert response["Location"] == f"{QUEUE}?q=abc&status=pending"
    [message] = get_messages(response.wsgi_request)
    assert order.number in str(message)
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED


def test_someone_else_cancelled_it_first_shows_the_error_in_the_row(client, clerk, manager, store):
    (order,) = orders_for(store, 1)
    client.force_login(clerk)
    order_transition(
        order=order, to_status=OrderStatus.CANCELLED, actor=manager, message="Out of stock"
    )

    response = client.post(action_url(order), CONFIRM, **HTMX)

    assert response.status_code == 400
    assert response["HX-Retarget"] == f"#order-{order.pk}"
    assert response["HX-Reswap"] == "outerHTML"
    body = response.content.decode()
    assert 'role="alert"' in body and "cannot become confirmed" in body
    assert 'data-status="cancelled"' in body

    plain = client.post(action_url(order), CONFIRM)
    assert plain.status_code == 302
    assert "cannot become confirmed" in str(list(get_messages(plain.wsgi_request))[-1])


def test_a_conflict_from_the_stock_rules_is_shown_in_place(client, clerk, store):
    variant = make_variant(store, allow_backorder=True)
    order = place_order(store, [(variant, 2)])
    order_transition(order=order, to_status=OrderStatus.CONFIRMED, actor=clerk)
    pay(order)
    client.force_login(clerk)

    response = client.post(action_url(order), SHIP_ALL, **HTMX)

    assert response.status_code == 409
    assert variant.sku in response.content.decode()
    order.refresh_from_db()
    assert order.fulfilment_status == FulfilmentStatus.UNFULFILLED


def test_another_stores_order_is_not_found(client, clerk, other_store):
    (theirs,) = orders_for(other_store, 1)
    client.force_login(clerk)

    assert client.post(action_url(theirs), CONFIRM, **HTMX).status_code == 404
    assert client.post(action_url(theirs), CONFIRM).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == OrderStatus.PENDING


def test_a_viewer_sees_no_buttons_and_a_forged_post_is_refused(client, store):
    viewer = staff_member(store, Role.VIEWER)
    (order,) = orders_for(store, 1)
    client.force_login(viewer)

    page = client.get(QUEUE).content.decode()
    assert order.number in page
    assert 'name="action"' not in page

    assert client.post(action_url(order), CONFIRM).status_code == 403
    htmx = client.post(action_url(order), CONFIRM, **HTMX)
    assert htmx.status_code == 403
    assert htmx["HX-Retarget"] == f"#order-{order.pk}"
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    assert not OrderEvent.objects.filter(type=OrderEventType.STATUS_CHANGED).exists()


def test_a_clerk_gets_no_cancel_button_and_cannot_cancel(client, clerk, store):
    (order,) = orders_for(store, 1)
    client.force_login(clerk)

    page = client.get(QUEUE).content.decode()
    assert 'data-transition="confirmed"' in page
    assert 'data-destructive="cancel-order"' not in page
    assert client.post(action_url(order), {**CANCEL, "reason": "x"}, **HTMX).status_code == 403
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING


def test_a_manager_cancels_with_a_reason_only(client, manager, store):
    (order,) = orders_for(store, 1)
    client.force_login(manager)
    page = client.get(QUEUE).content.decode()
    dialog = page[page.index('data-destructive="cancel-order"') :].split("</details>")[0]
    assert 'name="reason"' in dialog and "required" in dialog

    refused = client.post(action_url(order), CANCEL, **HTMX)
    assert refused.status_code == 400 and "reason" in refused.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING

    response = client.post(action_url(order), {**CANCEL, "reason": "Customer called"}, **HTMX)
    assert response.status_code == 200
    assert json.loads(response["HX-Trigger"])["nexus:pending-count"] == {"value": 0}
    event = order.events.get(type=OrderEventType.STATUS_CHANGED)
    assert "Customer called" in event.message and event.to_value == OrderStatus.CANCELLED


def test_login_is_required(client):
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
    customer = UserFactory()
    client.force_login(customer)
    assert client.get(QUEUE).status_code == 302
    client.force_login(UserFactory(is_staff=True))  # staff of no store
    assert client.get(QUEUE).status_code == 403


def _queries(client, *args, **kwargs) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(*args, **kwargs)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "fragment"])
def test_query_count_does_not_grow_with_the_rows_shown(client, clerk, store, headers):
    orders_for(store, 5)
    client.force_login(clerk)
    client.get(QUEUE, **headers)  # warm per-process caches (content types, site config)
    few = _queries(client, QUEUE, **headers)

    orders_for(store, 25)
    many = _queries(client, QUEUE, **headers)

    assert many == few
    assert len(row_ids(client.get(QUEUE, **headers))) == 25


def test_row_action_query_count_does_not_grow_with_the_lines(client, clerk, store):
    variants = [make_variant(store) for _ in range(8)]
    for variant in variants:
        receive(variant, 5)
    small = place_order(store, [(variants[0], 1)])
    large = place_order(store, [(variant, 1) for variant in variants])
    client.force_login(clerk)

    def confirm(order) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.post(action_url(order), CONFIRM, **HTMX)
        assert response.status_code == 200
        return len(captured)

    assert confirm(large) == confirm(small)
