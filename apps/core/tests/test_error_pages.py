"""Refusals, unknown addresses, crashes and a database outage: a themed page in the back office
(the sidebar for staff, a way back), the JSON error shape under /api/, one log line."""

import logging
import sqlite3

import pytest
from django.core.exceptions import PermissionDenied
from django.db import InterfaceError, OperationalError
from django.test import Client, RequestFactory
from django.urls import reverse

from apps.core.api.errors import is_database_outage, server_error
from apps.core.middleware import FailureResponseMiddleware
from apps.core.tests.fixtures import build_store
from apps.stores.roles import Role

pytestmark = pytest.mark.django_db

SIDEBAR_ORDERS_LINK = 'href="/admin/orders/order/"'


@pytest.fixture(autouse=True)
def production_like(settings):
    settings.DEBUG = False


@pytest.fixture
def viewer_client(client):
    shop = build_store("Alpha", orders=1)
    client.force_login(shop.staff[Role.VIEWER])
    client.shop = shop
    return client


def test_a_page_the_role_may_not_open_is_refused_in_the_chrome(viewer_client):
    response = viewer_client.get(reverse("admin:catalog_product_add"))
    assert response.status_code == 403
    html = response.content.decode()
    assert 'data-error-page="403"' in html
    assert SIDEBAR_ORDERS_LINK in html
    assert 'href="/admin/"' in html
    assert "Content-Security-Policy" in response.headers


def test_another_stores_order_answers_404_in_the_chrome(viewer_client):
    other = build_store("Beta", orders=1)
    response = viewer_client.get(reverse("admin:orders_order_change", args=(other.orders[0].pk,)))
    assert response.status_code == 404
    html = response.content.decode()
    assert 'data-error-page="404"' in html
    assert SIDEBAR_ORDERS_LINK in html


def test_a_visitor_without_the_back_office_gets_the_page_without_the_sidebar():
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'data-error-page="404"' in html
    assert SIDEBAR_ORDERS_LINK not in html


def test_the_api_keeps_its_error_shape():
    response = Client().get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    request = RequestFactory().get("/api/v1/orders/")
    refused = FailureResponseMiddleware(lambda r: None).process_exception(
        request, PermissionDenied()
    )
    assert refused.status_code == 403
    assert refused["Content-Type"] == "application/json"


def test_a_crash_is_drawn_in_the_chrome(viewer_client):
    request = RequestFactory().get("/admin/")
    request.user = viewer_client.shop.staff[Role.VIEWER]
    request.session = viewer_client.session
    try:
        raise ValueError("boom")
    except ValueError:
        response = server_error(request)
    assert response.status_code == 500
    html = response.content.decode()
    assert 'data-error-page="500"' in html
    assert SIDEBAR_ORDERS_LINK in html


def test_an_outage_outside_a_view_answers_503_too():
    """A middleware's query (the session saved after the view) reaches handler500, not the
    middleware that answers a view's exception."""
    for path, content_type in (("/admin/", "text/html"), ("/api/v1/products/", "application/json")):
        request = RequestFactory().get(path)
        try:
            raise sqlite_error("/no/such/folder/db.sqlite3")
        except OperationalError:
            response = server_error(request)
        assert response.status_code == 503
        assert int(response["Retry-After"]) > 0
        assert response["Content-Type"].startswith(content_type)


def test_a_refusal_is_logged_as_one_line_without_a_traceback(viewer_client, caplog):
    with caplog.at_level(logging.INFO):
        viewer_client.get(reverse("admin:catalog_product_add"))
    refusals = [r for r in caplog.records if "/admin/catalog/product/add/" in r.getMessage()]
    assert [r.name for r in refusals if r.name == "django.request"] == ["django.request"]
    assert all(r.exc_info is None for r in refusals)


def test_favicon_answers_with_the_projects_icon(viewer_client):
    response = Client().get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].endswith("nexus/favicon.svg")
    html = viewer_client.get(reverse("admin:index")).content.decode()
    assert 'rel="icon" href="/static/nexus/favicon.svg"' in html


BADGE_CLASS = "min-w-[18px]"


def test_the_sidebar_badge_is_drawn_only_when_orders_are_pending(client):
    quiet = build_store("Quiet", orders=0)
    client.force_login(quiet.staff[Role.MANAGER])
    assert BADGE_CLASS not in client.get(reverse("admin:index")).content.decode()
    busy = build_store("Busy", orders=2)
    client.force_login(busy.staff[Role.MANAGER])
    assert BADGE_CLASS in client.get(reverse("admin:index")).content.decode()


def sqlite_error(sql_or_path: str) -> OperationalError:
    """The OperationalError Django raises for a real sqlite3 failure."""
    try:
        if sql_or_path.startswith("/"):
            sqlite3.connect(sql_or_path).execute("SELECT 1")
        else:
            sqlite3.connect(":memory:").execute(sql_or_path)
    except sqlite3.OperationalError as cause:
        error = OperationalError(*cause.args)
        error.__cause__ = cause
        return error
    raise AssertionError("no error")


class DriverError(Exception):
    """A psycopg error as Django sees it: an exception carrying the server's SQLSTATE."""

    def __init__(self, sqlstate: str | None):
        super().__init__("failed")
        self.sqlstate = sqlstate


def postgres_error(sqlstate: str | None) -> OperationalError:
    error = OperationalError("failed")
    error.__cause__ = DriverError(sqlstate)
    return error


@pytest.mark.parametrize(
    ("error", "outage"),
    [
        (sqlite_error("/no/such/folder/db.sqlite3"), True),
        (sqlite_error("SELECT * FROM no_such_table"), False),
        (postgres_error(None), True),  # the server could not be reached
        (postgres_error("08006"), True),  # connection failure
        (postgres_error("57P01"), True),  # the server is shutting down
        (postgres_error("40P01"), False),  # deadlock
        (postgres_error("57014"), False),  # statement timeout
        (InterfaceError("connection already closed"), True),
        (ValueError("not the database"), False),
    ],
)
def test_only_a_failing_connection_is_an_outage(error, outage):
    assert is_database_outage(error) is outage
