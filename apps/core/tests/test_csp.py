"""The Content-Security-Policy header on every kind of page (the browser test proves the pages
work under it)."""

import re
from pathlib import Path

import pytest
import unfold
from django.conf import settings
from django.urls import reverse

from apps.catalog.tests.factories import make_variant
from apps.inventory.tests.factories import receive
from apps.orders.tests.factories import place_order
from apps.stores.roles import Role
from apps.stores.tests.factories import StoreFactory, staff_member

pytestmark = pytest.mark.django_db

UNFOLD_PAGES = [
    "/admin/",
    "/admin/orders/order/",
    "/admin/orders/order/{order}/change/",
    "/admin/orders/order/queue/",
    "/admin/inventory/stock/desk/",
    "/admin/transfer/importjob/new/",
    "/admin/transfer/exportjob/new/",
]
OTHER_PAGES = ["/api/docs/", "/api/docs/?script", "/api/redoc/", "/api/schema/", "/api/v1/stores/"]


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: sources for name, *sources in directives}


@pytest.fixture
def manager_client(client):
    store = StoreFactory()
    variant = make_variant(store)
    receive(variant, 3)
    order = place_order(store, [(variant, 1)])
    client.force_login(staff_member(store, Role.MANAGER))
    client.order = order
    return client


def test_the_admin_login_page_allows_only_unfold_s_concessions(client):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 200
    directives = policy(response)
    nonce = re.search(r'<style id="unfold-theme-colors" nonce="([^"]+)"', response.text)[1]
    assert directives["script-src"] == ["'self'", f"'nonce-{nonce}'", "'unsafe-eval'"]
    assert directives["style-src"] == ["'self'", f"'nonce-{nonce}'"]
    assert directives["style-src-attr"] == ["'unsafe-inline'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "script-src-attr" not in directives  # inline event handlers stay forbidden


@pytest.mark.parametrize("path", UNFOLD_PAGES)
def test_pages_in_unfold_s_chrome_send_the_policy_with_its_concessions(manager_client, path):
    response = manager_client.get(path.format(order=manager_client.order.pk))
    assert response.status_code == 200
    directives = policy(response)
    assert "'unsafe-eval'" in directives["script-src"]
    assert "'unsafe-inline'" not in directives["script-src"]
    assert directives["style-src-attr"] == ["'unsafe-inline'"]
    assert "'unsafe-inline'" not in directives["style-src"]


@pytest.mark.parametrize("path", OTHER_PAGES)
def test_api_docs_and_answers_send_the_strict_policy(manager_client, path):
    response = manager_client.get(path)
    assert response.status_code == 200
    directives = policy(response)
    assert "'unsafe-eval'" not in directives["script-src"]
    assert "'unsafe-inline'" not in directives["script-src"] + directives["style-src"]
    assert "style-src-attr" not in directives


def test_an_htmx_fragment_keeps_the_strict_policy(manager_client):
    response = manager_client.get("/admin/orders/order/queue/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "'unsafe-eval'" not in policy(response)["script-src"]


def test_swagger_starts_from_a_script_url_not_an_inline_script(client):
    html = client.get("/api/docs/").text
    assert '<script src="/api/docs/?script="></script>' in html
    assert re.search(r"<script>|<style>", html) is None
    assert re.search(r"<script>|<style>", client.get("/api/redoc/").text) is None


def test_the_skeleton_override_is_unfold_s_own_but_for_its_csp_lines():
    """templates/unfold/layouts/skeleton.html shadows unfold's: after an unfold upgrade, copy
    the new one and carry the marked changes over."""
    upstream = Path(unfold.__file__).parent / "templates/unfold/layouts/skeleton.html"
    ours = Path(settings.BASE_DIR) / "templates/unfold/layouts/skeleton.html"
    changed = ("nexus_csp", "htmx-config")
    lines = [
        line.replace(' nonce="{{ request.csp_nonce }}"', "")
        for line in ours.read_text().splitlines()
        if not any(marker in line for marker in changed)
    ]
    assert lines == upstream.read_text().splitlines()
