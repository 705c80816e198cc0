"""The store switcher: choosing a store switches at once; without JavaScript its button does."""

import re

import pytest
from playwright.sync_api import expect

from apps.core.tests.browser import admin_login, mark_page, same_page, sign_in_with_cookie
from apps.core.tests.fixtures import build_store
from apps.stores.roles import Role
from apps.stores.tests.factories import MembershipFactory, staff_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ORDERS = "/admin/orders/order/"
QUEUE = "/admin/orders/order/queue/"


@pytest.fixture
def two_stores():
    alpha = build_store("Alpha", orders=2)
    bravo = build_store("Bravo", orders=1)
    person = staff_member(alpha.store, Role.MANAGER, email="two@example.com")
    MembershipFactory(user=person, store=bravo.store, role=Role.VIEWER)
    return {"alpha": alpha, "bravo": bravo, "person": person}


def order_numbers(page):
    return set(page.locator("#result_list th.field-number_display a").all_inner_texts())


def test_choosing_a_store_switches_without_a_button(browser_page, two_stores):
    page = browser_page
    alpha, bravo = two_stores["alpha"], two_stores["bravo"]
    problems = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    admin_login(page, "two@example.com", "/admin/")
    switcher = page.locator("#store-switcher")
    expect(switcher.get_by_role("button", name="Switch")).to_be_hidden()

    mark_page(page)
    with page.expect_navigation():
        page.get_by_label("Working in").select_option(label="Bravo")
    expect(page).to_have_url(re.compile(r"/admin/$"))
    assert not same_page(page)
    expect(page.get_by_label("Working in")).to_have_value(str(bravo.store.pk))

    page.goto(ORDERS)
    assert order_numbers(page) == {o.number for o in bravo.orders}
    with page.expect_navigation():
        page.get_by_label("Working in").select_option(label="Alpha")
    expect(page).to_have_url(re.compile(rf"{ORDERS}$"))
    assert order_numbers(page) == {o.number for o in alpha.orders}
    assert problems == []


def test_without_javascript_the_button_switches(browser_page_without_js, live_server, two_stores):
    page = browser_page_without_js
    bravo = two_stores["bravo"]
    sign_in_with_cookie(page, two_stores["person"], live_server.url)
    # The admin's own lists stay hidden until unfold's scripts run; our pages show without them.
    page.goto(QUEUE)
    page.get_by_label("Working in").select_option(label="Bravo")
    page.get_by_role("button", name="Switch").click()
    expect(page).to_have_url(re.compile(rf"{QUEUE}$"))
    expect(page.get_by_label("Working in")).to_have_value(str(bravo.store.pk))
