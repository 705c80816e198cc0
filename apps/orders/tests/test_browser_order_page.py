"""The order page in a browser: work done in place, without a page load; and the same forms
as plain posts without JavaScript."""

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
    order = place_order(store, [(kettle, 3), (mug, 1)])
    order_transition(order=order, to_status=OrderStatus.CONFIRMED, actor=clerk)
    pay(order)
    return {"clerk": clerk, "manager": manager, "order": order, "kettle": kettle, "mug": mug}


def url(order):
    return f"/admin/orders/order/{order.pk}/change/"


def test_a_clerk_ships_one_of_three_units_without_a_page_load(browser_page, shop):
    page = browser_page
    order = shop["order"]
    kettle, mug = order.lines.get(variant=shop["kettle"]), order.lines.get(variant=shop["mug"])
    console_errors = []
    page.on("console", lambda msg: msg.type == "error" and console_errors.append(msg.text))
    admin_login(page, "clerk@example.com", url(order))
    mark_page(page)
    expect(page.locator("[data-role=fulfilment]")).to_have_text("Unfulfilled")

    page.get_by_label(f"Units of {kettle.sku} to ship").fill("1")
    page.get_by_label(f"Units of {mug.sku} to ship").fill("0")
    page.get_by_label("Tracking number").fill("TRK-1")
    page.get_by_role("button", name="Ship these units").click()

    expect(page.locator("[data-role=fulfilment]")).to_have_text("Partially shipped")
    expect(page.locator("#order-messages")).to_contain_text(f"Shipment {order.number}-S1")
    shipment = page.locator(f'[data-shipment="{order.number}-S1"]')
    expect(shipment).to_contain_text("TRK-1")
    expect(page.get_by_label(f"Units of {kettle.sku} to ship")).to_have_value("2")
    assert same_page(page)
    assert console_errors == []
    kettle.refresh_from_db()
    mug.refresh_from_db()
    assert (kettle.quantity_shipped, mug.quantity_shipped) == (1, 0)


def test_a_refusal_shows_as_a_message_in_place(browser_page, shop):
    page = browser_page
    order = shop["order"]
    kettle = order.lines.get(variant=shop["kettle"])
    admin_login(page, "clerk@example.com", url(order))
    mark_page(page)
    # The limit the input offers is the browser's; the service's is the one that holds.
    page.get_by_label(f"Units of {kettle.sku} to ship").evaluate("input => input.max = 99")
    page.get_by_label(f"Units of {kettle.sku} to ship").fill("7")
    page.get_by_role("button", name="Ship these units").click()
    expect(page.locator("#order-messages")).to_contain_text("only 3 can be")
    expect(page.locator("[data-role=fulfilment]")).to_have_text("Unfulfilled")
    assert same_page(page)
    assert not order.shipments.exists()


def test_a_manager_cancels_a_shipment_only_with_a_reason(browser_page, shop):
    from apps.orders.fulfilment import shipment_create

    page = browser_page
    order = shop["order"]
    shipment_create(order=order, lines=None, actor=shop["clerk"])
    admin_login(page, "manager@example.com", url(order))
    mark_page(page)

    group = page.locator(f'[data-shipment="{order.number}-S1"]')
    group.get_by_text("Cancel shipment…").click()
    confirm = group.get_by_role("button", name=f"Cancel shipment {order.number}-S1")
    confirm.click()  # no reason: the browser keeps the form from posting
    expect(group.locator("[data-role=shipment-status]")).to_have_text("Shipped")
    group.get_by_label("Reason (required, kept on the timeline)").fill("Wrong address on label")
    confirm.click()
    expect(page.locator(f'[data-shipment="{order.number}-S1"] [data-role=shipment-status]'))
    expect(
        page.locator(f'[data-shipment="{order.number}-S1"] [data-role=shipment-status]')
    ).to_have_text("Cancelled")
    expect(page.locator("[data-role=fulfilment]")).to_have_text("Unfulfilled")
    assert same_page(page)
    event = order.events.filter(type=OrderEventType.SHIPMENT).first()
    assert event.message == "Wrong address on label"


def test_cancel_asks_and_records_a_reason_and_the_refund_due_shows(browser_page, shop):
    page = browser_page
    order = shop["order"]
    admin_login(page, "manager@example.com", url(order))
    mark_page(page)

    page.get_by_text("Cancel order…").click()
    page.get_by_label("Reason (required, kept on the timeline)").first.fill("Out of stock")
    page.get_by_role("button", name=f"Cancel order {order.number}").click()

    expect(page.locator("[data-role=status]")).to_have_text("Cancelled")
    expect(page.locator("[data-role=refund-due]")).to_contain_text("To refund")
    assert same_page(page)
    event = order.events.get(type=OrderEventType.STATUS_CHANGED, to_value="cancelled")
    assert event.message.startswith("Out of stock")


def test_without_javascript_the_order_page_still_ships(browser_page_without_js, live_server, shop):
    page = browser_page_without_js
    order = shop["order"]
    kettle = order.lines.get(variant=shop["kettle"])
    sign_in_with_cookie(page, shop["clerk"], live_server.url)
    page.goto(url(order))

    page.get_by_label(f"Units of {kettle.sku} to ship").fill("1")
    page.get_by_role("button", name="Ship these units").click()
    expect(page).to_have_url(re.compile(rf"{re.escape(url(order))}$"))
    expect(page.get_by_text(f"Shipment {order.number}-S1 is on its way")).to_be_visible()
    expect(page.locator("[data-role=fulfilment]")).to_have_text("Partially shipped")
