import re

import pytest
from playwright.sync_api import expect

from apps.catalog.tests.factories import make_variant
from apps.core.tests.browser import admin_login, mark_page, same_page, sign_in_with_cookie
from apps.inventory.models import MovementReason, Stock, StockMovement
from apps.inventory.tests.factories import receive
from apps.stores.roles import Role
from apps.stores.tests.factories import StoreFactory, staff_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BARCODE = "4006381333931"


@pytest.fixture
def shelf():
    store = StoreFactory(name="Alpha")
    kettle = make_variant(store, title="Kettle", barcode=BARCODE)
    receive(kettle, 3)
    empty = make_variant(store, title="Mug")
    clerk = staff_member(store, Role.CLERK, email="clerk@example.com")
    return {"kettle": kettle, "empty": empty, "clerk": clerk}


def test_scan_a_barcode_and_record_a_delivery_without_a_page_load(browser_page, shelf):
    page = browser_page
    kettle = shelf["kettle"]
    stock = Stock.objects.get(variant=kettle)
    console_errors = []
    page.on("console", lambda msg: msg.type == "error" and console_errors.append(msg.text))
    admin_login(page, "clerk@example.com", "/admin/inventory/stock/desk/")
    mark_page(page)
    search = page.locator("#desk-q")
    expect(search).to_be_focused()

    # A scanner types the code and presses Enter.
    page.keyboard.type(BARCODE)
    searches = []
    page.on("request", lambda request: "q=" in request.url and searches.append(request.url))
    page.keyboard.press("Enter")
    row = page.locator(f"#stock-{stock.pk}")
    quantity = row.get_by_label("Quantity")
    expect(quantity).to_be_focused()
    expect(page.locator("article[id^=stock-]")).to_have_count(1)
    expect(page).to_have_url(re.compile(rf"\?q={BARCODE}$"))
    # Longer than the search field's typing delay, so a late second search would be seen.
    page.wait_for_timeout(500)
    assert len(searches) == 1, searches

    page.keyboard.type("12")
    row.get_by_label("Note").fill("Delivery 42")
    row.get_by_label("Note").press("Enter")

    expect(row.locator("[data-figure=on_hand]")).to_have_text("15")
    expect(row.locator("[data-figure=available]")).to_have_text("15")
    latest = row.locator("[data-role=ledger] li").first
    expect(latest).to_contain_text("Received")
    expect(latest).to_contain_text("+12")
    expect(latest).to_contain_text("Delivery 42")
    expect(row.get_by_role("status")).to_contain_text("15 on hand")
    expect(search).to_be_focused()  # ready for the next scan
    assert same_page(page)

    movement = StockMovement.objects.filter(stock=stock).first()
    assert (movement.reason, movement.on_hand_delta, movement.on_hand_after) == (
        MovementReason.RECEIVED,
        12,
        15,
    )
    assert movement.actor.email == "clerk@example.com"
    assert console_errors == []


def test_out_of_stock_filter_and_an_error_in_place(browser_page, shelf):
    page = browser_page
    empty = Stock.objects.get(variant=shelf["empty"])
    admin_login(page, "clerk@example.com", "/admin/inventory/stock/desk/")
    mark_page(page)
    expect(page.locator("article[id^=stock-]")).to_have_count(2)

    page.get_by_label("Out of stock").check()
    expect(page.locator("article[id^=stock-]")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"level=out"))

    row = page.locator(f"#stock-{empty.pk}")
    row.get_by_label("Reason").select_option("damaged")
    row.get_by_label("Quantity").fill("1")
    row.get_by_role("button", name="Record").click()
    expect(row.get_by_role("alert")).to_contain_text("cannot go below zero")
    expect(row.get_by_label("Quantity")).to_have_value("1")
    assert same_page(page)
    assert not StockMovement.objects.filter(stock=empty).exists()


def test_without_javascript_the_desk_still_works(browser_page_without_js, live_server, shelf):
    page = browser_page_without_js
    stock = Stock.objects.get(variant=shelf["kettle"])
    sign_in_with_cookie(page, shelf["clerk"], live_server.url)
    page.goto("/admin/inventory/stock/desk/")

    page.get_by_label("SKU, barcode or title").fill(BARCODE)
    page.get_by_label("SKU, barcode or title").press("Enter")
    expect(page).to_have_url(re.compile(rf"\?q={BARCODE}&"))
    row = page.locator(f"#stock-{stock.pk}")
    expect(row.get_by_label("Quantity")).to_be_focused()  # plain autofocus, no script needed

    page.keyboard.type("4")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"\?q={BARCODE}$"))
    expect(page.get_by_text("Recorded. ")).to_be_visible()
    expect(row.locator("[data-figure=on_hand]")).to_have_text("7")


def test_a_correction_goes_either_way_and_each_reason_says_which(browser_page, shelf):
    page = browser_page
    stock = Stock.objects.get(variant=shelf["kettle"])
    admin_login(page, "clerk@example.com", "/admin/inventory/stock/desk/")
    row = page.locator(f"#stock-{stock.pk}")
    reason = row.get_by_label("Reason")
    expect(reason.locator("option")).to_have_text(
        [
            "Received (+)",
            "Correction (±)",
            "Damaged (−)",
            "Stock count (sets the figure)",
            "Returned (+)",
        ]
    )

    # A phone's numeric keypad has no minus key.
    expect(row.get_by_label("Quantity")).not_to_have_attribute("inputmode", "numeric")

    for quantity, on_hand in (("-2", "1"), ("+3", "4")):
        reason.select_option(label="Correction (±)")
        row.get_by_label("Quantity").fill(quantity)
        row.get_by_role("button", name="Record").click()
        expect(row.locator("[data-figure=on_hand]")).to_have_text(on_hand)
        # Recorded, the desk hands the focus back to the search for the next scan once the
        # row has settled; typing before that would land in the search field.
        expect(page.locator("#desk-q")).to_be_focused()
    deltas = StockMovement.objects.filter(stock=stock, reason=MovementReason.CORRECTION)
    assert sorted(deltas.values_list("on_hand_delta", flat=True)) == [-2, 3]
