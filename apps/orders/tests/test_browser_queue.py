import re

import pytest
from playwright.sync_api import expect

from apps.catalog.tests.factories import make_variant
from apps.core.tests.browser import admin_login, mark_page, same_page, sign_in_with_cookie
from apps.inventory.tests.factories import receive
from apps.orders.models import OrderEventType
from apps.orders.services import order_transition
from apps.orders.tests.factories import pay, place_order
from apps.orders.transitions import OrderStatus
from apps.stores.roles import Role
from apps.stores.tests.factories import StoreFactory, staff_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop():
    store = StoreFactory(name="Alpha")
    kettle = make_variant(store, title="Kettle")
    mug = make_variant(store, title="Mug")
    receive(kettle, 10)
    receive(mug, 10)
    clerk = staff_member(store, Role.CLERK, email="clerk@example.com")
    manager = staff_member(store, Role.MANAGER, email="manager@example.com")
    first = place_order(store, [(kettle, 2)])
    second = place_order(store, [(mug, 1)])
    third = place_order(store, [(kettle, 1)])
    pay(first)
    return {
        "clerk": clerk,
        "manager": manager,
        "orders": (first, second, third),
        "kettle": kettle,
        "mug": mug,
    }


def test_a_clerk_confirms_and_ships_without_a_page_load(browser_page, shop):
    page = browser_page
    first, second, third = shop["orders"]
    admin_login(page, "clerk@example.com", "/admin/orders/order/queue/")
    mark_page(page)
    expect(page.locator("#queue-count-pending")).to_have_text("3")
    # unfold's sidebar: the Orders entry carries the pending-orders badge.
    badge = page.locator('#nav-sidebar-apps a[href="/admin/orders/order/"] > span').last
    expect(badge).to_have_text("3")

    row = page.locator(f"#order-{first.pk}")
    row.get_by_role("button", name="Confirm").click()
    expect(row.locator("[data-role=status]")).to_have_text("Confirmed")
    expect(page.locator("#queue-count-pending")).to_have_text("2")
    expect(badge).to_have_text("2")
    expect(page.locator("#queue-count-to_ship")).to_have_text("1")
    expect(row).to_be_focused()

    row.get_by_placeholder("Tracking no. (optional)").fill("TRK-777")
    row.get_by_role("button", name="Ship all").click()
    expect(row.locator("[data-role=fulfilment]")).to_have_text("Shipped")
    expect(row.get_by_role("status")).to_contain_text(f"{first.number}-S1")
    expect(page.locator("#queue-count-to_ship")).to_have_text("0")
    assert same_page(page)

    first.refresh_from_db()
    assert (first.status, first.fulfilment_status) == (OrderStatus.CONFIRMED, "shipped")
    assert first.shipments.get().tracking_number == "TRK-777"
    assert list(
        first.events.filter(type=OrderEventType.STATUS_CHANGED).values_list(
            "from_value", "to_value", "actor__email"
        )
    ) == [("pending", "confirmed", "clerk@example.com")]
    assert first.events.get(type=OrderEventType.SHIPMENT).actor.email == "clerk@example.com"


def test_a_clerk_ships_one_of_three_units_from_the_queue(browser_page, shop):
    page = browser_page
    order = place_order(shop["kettle"].store, [(shop["kettle"], 3)])
    order_transition(order=order, to_status=OrderStatus.CONFIRMED, actor=shop["clerk"])
    pay(order)
    line = order.lines.get()
    admin_login(page, "clerk@example.com", "/admin/orders/order/queue/")
    mark_page(page)

    row = page.locator(f"#order-{order.pk}")
    expect(row.locator("[data-role=fulfilment]")).to_have_text("Unfulfilled")
    row.get_by_text("Ship part…").click()
    quantity = row.locator(f"input[name=qty-{line.pk}]")
    expect(quantity).to_have_value("3")
    quantity.fill("1")
    row.get_by_role("button", name="Ship these units").click()

    expect(row.locator("[data-role=fulfilment]")).to_have_text("Partially shipped")
    expect(row).to_contain_text("(1 shipped)")
    assert same_page(page)
    line.refresh_from_db()
    assert (line.quantity_shipped, line.quantity_unshipped) == (1, 2)


def test_cancel_from_the_queue_asks_for_a_reason(browser_page, shop):
    page = browser_page
    first, second, third = shop["orders"]
    admin_login(page, "manager@example.com", "/admin/orders/order/queue/")
    mark_page(page)

    row = page.locator(f"#order-{second.pk}")
    row.get_by_text("Cancel…").click()
    confirm = row.get_by_role("button", name=f"Cancel order {second.number}")
    confirm.click()  # the reason is required: the browser keeps the form from posting
    expect(row.locator("[data-role=status]")).to_have_text("Pending")
    row.get_by_label("Reason (required, kept on the timeline)").fill("Customer asked by phone")
    confirm.click()
    expect(row.locator("[data-role=status]")).to_have_text("Cancelled")
    assert same_page(page)
    event = second.events.get(type=OrderEventType.STATUS_CHANGED)
    assert (event.to_value, event.message) == ("cancelled", "Customer asked by phone")


def test_search_narrows_the_list_and_the_url_follows(browser_page, shop):
    page = browser_page
    first, second, third = shop["orders"]
    console_errors = []
    page.on("console", lambda msg: msg.type == "error" and console_errors.append(msg.text))
    admin_login(page, "clerk@example.com", "/admin/orders/order/queue/")
    mark_page(page)
    expect(page.locator("article[id^=order-]")).to_have_count(3)

    page.keyboard.press("/")
    expect(page.locator("#queue-q")).to_be_focused()
    page.keyboard.type(shop["mug"].sku)
    expect(page.locator("article[id^=order-]")).to_have_count(1)
    expect(page.locator(f"#order-{second.pk}")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"q={re.escape(shop['mug'].sku)}"))

    searches = []
    page.on("request", lambda request: "q=" in request.url and searches.append(request.url))
    with page.expect_request(lambda request: "q=" in request.url):
        page.keyboard.press("Enter")
    # Longer than the search field's typing delay, so a second search would be seen.
    page.wait_for_timeout(500)
    assert len(searches) == 1, searches

    page.locator("#queue-q").fill("")
    expect(page.locator("article[id^=order-]")).to_have_count(3)
    page.get_by_label("Pending").check()
    expect(page).to_have_url(re.compile(r"status=pending"))
    assert same_page(page)
    assert console_errors == []


def test_an_error_shows_in_the_row(browser_page, shop):
    page = browser_page
    first, second, third = shop["orders"]
    admin_login(page, "clerk@example.com", "/admin/orders/order/queue/")
    mark_page(page)
    # Someone else cancels the order while the clerk has the queue open.
    order_transition(
        order=third, to_status=OrderStatus.CANCELLED, actor=shop["manager"], message="Duplicate"
    )

    row = page.locator(f"#order-{third.pk}")
    row.get_by_role("button", name="Confirm").click()
    expect(row.get_by_role("alert")).to_contain_text("cannot become confirmed")
    expect(row.locator("[data-role=status]")).to_have_text("Cancelled")
    assert same_page(page)


def test_without_javascript_the_queue_still_works(browser_page_without_js, live_server, shop):
    page = browser_page_without_js
    first, second, third = shop["orders"]
    sign_in_with_cookie(page, shop["clerk"], live_server.url)
    page.goto("/admin/orders/order/queue/")

    page.get_by_label("Search orders").fill(shop["mug"].sku)
    page.get_by_label("Search orders").press("Enter")
    expect(page).to_have_url(re.compile(rf"q={re.escape(shop['mug'].sku)}"))
    expect(page.locator("article[id^=order-]")).to_have_count(1)

    page.locator(f"#order-{second.pk}").get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(re.compile(rf"q={re.escape(shop['mug'].sku)}"))
    expect(page.get_by_text(f"Order {second.number} is now confirmed.")).to_be_visible()
    expect(page.locator(f"#order-{second.pk} [data-role=status]")).to_have_text("Confirmed")
    second.refresh_from_db()
    assert second.status == OrderStatus.CONFIRMED
