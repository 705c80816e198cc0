"""Every kind of page under the real Content-Security-Policy in Chromium: no violation, and the
page still works (Alpine shows unfold's chrome, htmx swaps, Swagger and ReDoc draw the API)."""

import pytest
from playwright.sync_api import expect

from apps.catalog.tests.factories import make_variant
from apps.core.tests.browser import admin_login
from apps.inventory.tests.factories import receive
from apps.orders.tests.factories import place_order
from apps.stores.roles import Role
from apps.stores.tests.factories import StoreFactory, staff_member
from apps.transfer.models import ImportJob, JobStatus
from apps.transfer.services.import_jobs import import_job_create
from apps.transfer.tests.conftest import csv_bytes, row

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Chromium reports a violation on the console itself; the event catches what it may not log.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile}:${event.lineNumber}`);
});
"""
# ReDoc's footer always asks its maker's CDN for a logo; the policy refuses it on purpose (the
# docs work offline and tell no third party who reads them) and ReDoc drops the image.
REFUSED_ON_PURPOSE = "https://cdn.redoc.ly/redoc/logo-mini.svg"


@pytest.fixture
def csp_page(browser_page):
    """The page, and the list that collects every CSP report and script error it raises."""
    problems = []
    browser_page.add_init_script(REPORT_VIOLATIONS)

    def on_console(message):
        text = message.text
        if REFUSED_ON_PURPOSE in text:
            return
        if "Content Security Policy" in text or "CSP violation" in text:
            problems.append(f"{browser_page.url}: {text}")

    browser_page.on("console", on_console)
    browser_page.on("pageerror", lambda error: problems.append(f"{browser_page.url}: {error}"))
    return browser_page, problems


@pytest.fixture
def shop():
    store = StoreFactory(name="Alpha", slug="alpha")
    kettle = make_variant(store, title="Kettle")
    receive(kettle, 5)
    manager = staff_member(store, Role.MANAGER, email="manager@example.com")
    order = place_order(store, [(kettle, 1)])
    job = import_job_create(
        actor=manager,
        store=store,
        kind="catalog",
        name="big.csv",
        content=csv_bytes([row("tee", "TEE-1", "5")]),
        background=False,
    )
    # A progress bar: unfold draws its width with a style attribute.
    ImportJob.objects.filter(pk=job.pk).update(
        status=JobStatus.VALIDATING, rows_done=2_000, total_rows=8_000
    )
    return {"order": order, "kettle": kettle, "job": job}


def settled(page):
    page.wait_for_load_state("networkidle")


def test_every_kind_of_page_works_without_a_csp_violation(csp_page, shop):
    page, problems = csp_page
    order, job = shop["order"], shop["job"]

    # Signed out: unfold keeps the login form hidden (x-cloak) until Alpine has run.
    page.goto("/admin/password_reset/")
    expect(page.locator("input[name=email]")).to_be_visible()
    settled(page)
    page.goto("/admin/login/")
    expect(page.locator("input[name=username]")).to_be_visible()
    admin_login(page, "manager@example.com", "/admin/")
    expect(page.locator("html")).not_to_have_attribute("x-cloak", "")
    expect(page.locator("#nav-sidebar-apps")).to_be_visible()
    settled(page)

    page.goto(f"/admin/orders/order/{order.pk}/change/")
    expect(page.get_by_text(order.number).first).to_be_visible()
    settled(page)

    page.goto("/admin/orders/order/queue/")
    expect(page.locator(f"#order-{order.pk}")).to_be_visible()
    page.locator("#queue-q").fill("no such order")
    expect(page.locator(f"#order-{order.pk}")).to_have_count(0)  # htmx swapped the list
    settled(page)

    page.goto("/admin/inventory/stock/desk/")
    expect(page.locator("article[id^=stock-]")).to_have_count(1)
    page.locator("#desk-q").fill("no such sku")
    expect(page.locator("article[id^=stock-]")).to_have_count(0)
    settled(page)

    page.goto("/admin/transfer/importjob/new/")
    expect(page.locator("input[type=file]")).to_be_attached()
    settled(page)
    page.goto(f"/admin/transfer/importjob/{job.pk}/job/")
    expect(page.locator("#import-job")).to_contain_text("2,000 of 8,000 rows")
    settled(page)
    page.goto("/admin/transfer/exportjob/new/")
    expect(page.get_by_role("button", name="Export")).to_be_visible()
    settled(page)

    page.goto("/api/docs/")
    expect(page.locator(".opblock").first).to_be_visible()
    assert page.locator(".opblock").count() > 10
    settled(page)

    page.goto("/api/redoc/")
    expect(page.locator("h1")).to_contain_text("Nexus API")
    expect(page.locator("[data-section-id^='operation/']").first).to_be_attached()
    settled(page)

    assert problems == []


def test_a_refused_page_is_drawn_in_the_chrome_without_a_violation(csp_page, shop):
    """A page the role may not open: the refusal, the sidebar and a way back."""
    page, problems = csp_page
    page.goto("/admin/login/")
    admin_login(page, "manager@example.com", "/admin/")
    refused = page.goto("/admin/axes/accessattempt/")
    assert refused is not None and refused.status == 403
    expect(page.locator("[data-error-page='403']")).to_be_visible()
    expect(page.locator("#nav-sidebar-apps")).to_be_visible()
    expect(page.get_by_role("link", name="Back to the dashboard")).to_be_visible()
    settled(page)
    assert problems == []
