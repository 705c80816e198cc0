"""An owner invites a packer in the real back office; the packer opens the e-mailed link,
chooses their own password and lands in the store; a forgotten password is reset from the
login page. Headless Chromium through Playwright."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from apps.core.tests.browser import admin_login
from apps.stores.roles import Role
from apps.stores.tests.factories import StoreFactory, staff_member
from apps.users.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_owner_invites_and_the_newcomer_joins_with_their_own_password(browser_page, live_server):
    page = browser_page
    store = StoreFactory(name="Alpha")
    staff_member(store, Role.OWNER, email="owner@example.com")
    mail.outbox.clear()

    admin_login(page, "owner@example.com", "/admin/stores/storeinvitation/add/")
    page.fill("input[name=email]", "packer@example.com")
    page.select_option("select[name=role]", "clerk")
    page.locator("select[name=store]").select_option(str(store.pk))
    page.locator("[name=_save]").click()
    expect(page.locator("#result_list")).to_contain_text("packer@example.com")
    expect(page.locator("#result_list")).to_contain_text("Pending")
    assert not User.objects.filter(email="packer@example.com").exists()

    (message,) = mail.outbox
    link = re.search(r"https?://[^/\s]+(/invitations/\S+/)", message.body).group(1)
    page.context.clear_cookies()
    page.goto(link)
    expect(page.locator("#invitation-offer")).to_contain_text("Alpha")
    page.fill("input[name=first_name]", "Pat")
    page.fill("input[name=password1]", "my-own-secret-77")
    page.fill("input[name=password2]", "my-own-secret-77")
    page.locator("#invitation-accept-form [type=submit]").click()
    page.wait_for_url(re.compile(r".*/admin/$"))
    packer = User.objects.get(email="packer@example.com")
    assert packer.is_staff and packer.memberships.get().store == store

    page.goto(link)
    expect(page.locator("#invitation-invalid")).to_be_visible()


def test_forgot_password_from_the_login_page(browser_page, live_server):
    page = browser_page
    store = StoreFactory(name="Alpha")
    clerk = staff_member(store, Role.CLERK, email="clerk@example.com")
    mail.outbox.clear()

    page.goto("/admin/login/")
    page.locator("a.password-reset-link").click()
    page.fill("input[name=email]", "Clerk@Example.com")
    page.locator("#password-reset-form [type=submit]").first.click()
    expect(page.locator("#password-reset-sent")).to_be_visible()

    (message,) = mail.outbox
    link = re.search(r"https?://[^/\s]+(/admin/reset/\S+/)", message.body).group(1)
    page.goto(link)
    page.fill("input[name=new_password1]", "chosen-by-me-2026")
    page.fill("input[name=new_password2]", "chosen-by-me-2026")
    page.locator("#password-reset-confirm-form [type=submit]").click()
    expect(page.locator("#password-reset-complete")).to_be_visible()
    clerk.refresh_from_db()
    assert clerk.check_password("chosen-by-me-2026")
