"""Browser-test fixtures: headless Debian Chromium driven by Playwright against `live_server`.

Registered from the root conftest.py (`pytest_plugins`). Without Chromium the tests are
skipped with the reason shown; with NEXUS_REQUIRE_BROWSER=1 (CI) a missing Chromium fails them,
so CI can never pass by silently skipping. A failing test leaves a full-page screenshot in
test-artifacts/.
"""

import os
import re
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent.parent.parent
ARTIFACTS = BASE_DIR / "test-artifacts"
DEFAULT_CHROMIUM = "/usr/bin/chromium"  # Debian's package; .ci/run installs it
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "pass-12345-word"  # what apps.users.tests.factories.UserFactory sets


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    # The page fixture reads this at teardown to decide whether to keep a screenshot.
    setattr(item, f"_nexus_report_{report.when}", report)
    return report


def chromium_or_skip() -> str:
    """The Chromium executable; skips the test without one, fails it when CI requires one."""
    path = os.environ.get("NEXUS_CHROMIUM", DEFAULT_CHROMIUM)
    if Path(path).is_file():
        return path
    reason = f"Chromium not found at {path} (install Debian's chromium package)"
    if os.environ.get("NEXUS_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason}; NEXUS_REQUIRE_BROWSER=1 forbids skipping browser tests.")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium():
    executable = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread; Django would then
    # refuse the test's own (synchronous) database calls.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _open_page(chromium, live_server, request, **context_options):
    context = chromium.new_context(base_url=live_server.url, locale="en-US", **context_options)
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


def _close_page(context, page, request) -> None:
    report = getattr(request.node, "_nexus_report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    context.close()


@pytest.fixture
def browser_page(chromium, live_server, request):
    """A fresh browser context on the live server; screenshot kept if the test fails."""
    context, page = _open_page(chromium, live_server, request)
    yield page
    _close_page(context, page, request)


@pytest.fixture
def browser_page_without_js(chromium, live_server, request):
    """The same with JavaScript switched off: every link and form must still work."""
    context, page = _open_page(chromium, live_server, request, java_script_enabled=False)
    yield page
    _close_page(context, page, request)


def admin_login(page, email: str, path: str, password: str = PASSWORD) -> None:
    """Open `path` signed out, sign in on the admin login form it sends you to, land on `path`."""
    page.goto(path)
    page.wait_for_url(re.compile(r".*/admin/login/.*"))
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", password)
    page.click("[type=submit]")
    page.wait_for_url(re.compile(rf".*{re.escape(path)}$"))


def sign_in_with_cookie(page, user, server_url: str) -> None:
    """For a page without JavaScript: unfold's login page stays hidden until its scripts run,
    so take a session from Django's test client instead of the form."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": server_url}]
    )


def mark_page(page) -> None:
    """Tag the loaded document; `same_page` tells later whether a full page load happened."""
    page.evaluate("window.__nexusMarker = 'still here'")


def same_page(page) -> bool:
    return page.evaluate("window.__nexusMarker") == "still here"
