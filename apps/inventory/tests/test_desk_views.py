import json
import re

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.catalog.tests.factories import make_product, make_variant
from apps.inventory import services
from apps.inventory.forms import reason_choices
from apps.inventory.models import MovementReason, Stock, StockMovement
from apps.inventory.tests.factories import receive
from apps.orders.tests.factories import place_order
from apps.stores.models import StoreMembership
from apps.stores.roles import Role
from apps.stores.tests.factories import StoreFactory, staff_member

pytestmark = pytest.mark.django_db

DESK = reverse("inventory-desk")
HTMX = {"HTTP_HX_REQUEST": "true"}


def row_ids(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'<article id="stock-(\d+)"', response.content.decode())]


def adjust_url(stock):
    return reverse("inventory-desk-adjust", args=[stock.pk])


def stock_of(variant) -> Stock:
    return Stock.objects.get(variant=variant)


@pytest.fixture
def store():
    return StoreFactory(name="Alpha")


@pytest.fixture
def other_store():
    return StoreFactory(name="Beta")


@pytest.fixture
def clerk(store):
    return staff_member(store, Role.CLERK)


@pytest.fixture
def kettle(store):
    variant = make_variant(store, title="Kettle", barcode="4006381333931")
    receive(variant, 8)
    return variant


def test_full_page_inside_the_admin_chrome(client, clerk, kettle):
    client.force_login(clerk)
    response = client.get(DESK)
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" in body and 'id="main"' in body
    assert "nexus/backoffice.js" in body
    assert kettle.sku in body
    assert 'id="desk-q"' in body and "autofocus" in body
    assert "HX-Request" in response["Vary"]


def test_store_picker_lists_the_users_stores_only_when_there_is_a_choice(
    client, clerk, store, other_store
):
    StoreFactory(name="Gamma")
    client.force_login(clerk)
    assert 'id="desk-store"' not in client.get(DESK).content.decode()

    StoreMembership.objects.create(user=clerk, store=other_store, role=Role.CLERK)
    body = client.get(DESK, {"store": other_store.pk}).content.decode()
    picker = body[body.index('id="desk-store"') :].split("</select>")[0]
    assert re.findall(r"<option[^>]*>([^<]*)</option>", picker) == [
        "All my stores",
        "Alpha",
        "Beta",
    ]
    assert f'value="{other_store.pk}" selected' in picker


def test_htmx_search_gets_the_results_fragment_and_a_clean_url(client, clerk, kettle):
    client.force_login(clerk)
    response = client.get(DESK, {"q": kettle.sku, "level": "", "store": ""}, **HTMX)
    body = response.content.decode()
    assert "<html" not in body
    assert body.lstrip().startswith('<section id="desk-results"')
    assert response["HX-Push-Url"] == f"{DESK}?q={kettle.sku}"


def test_a_scan_puts_the_exact_match_first_and_ready_for_a_quantity(client, clerk, store, kettle):
    # "SKU-…" titles and SKUs also contain the scanned text, but only one is exact.
    similar = make_variant(store, title=f"Spare lid for {kettle.sku}")
    client.force_login(clerk)

    for code in (kettle.barcode, kettle.sku, kettle.sku.lower()):
        response = client.get(DESK, {"q": code}, **HTMX)
        ids = row_ids(response)
        assert ids[0] == stock_of(kettle).pk, code
        body = response.content.decode()
        assert "data-nexus-autofocus" in body
        assert f'id="stock-{stock_of(kettle).pk}-quantity"' in body
        assert " autofocus" not in body  # a fragment must not steal focus while typing

    page = client.get(DESK, {"q": kettle.barcode}).content.decode()
    assert re.search(r'id="stock-\d+-quantity"[^>]*data-nexus-autofocus autofocus', page)

    assert stock_of(similar).pk in row_ids(client.get(DESK, {"q": "spare lid"}, **HTMX))


def test_low_and_out_of_stock_filters(client, clerk, store, kettle):
    empty = make_variant(store)
    low = make_variant(store, low_stock_threshold=5)
    receive(low, 3)
    client.force_login(clerk)

    assert row_ids(client.get(DESK, {"level": "out"}, **HTMX)) == [stock_of(empty).pk]
    assert row_ids(client.get(DESK, {"level": "low"}, **HTMX)) == [stock_of(low).pk]
    assert set(row_ids(client.get(DESK, **HTMX))) == {stock_of(v).pk for v in (kettle, empty, low)}

    # Each row's badge follows the same rule as the filter.
    page = client.get(DESK, **HTMX).content.decode()
    badges = {
        int(pk): re.findall(r'class="nx-badge nx-badge-(low|out)"', row)
        for pk, row in re.findall(r'<article id="stock-(\d+)"(.*?)</article>', page, re.S)
    }
    assert badges == {
        stock_of(kettle).pk: [],
        stock_of(empty).pk: ["out"],
        stock_of(low).pk: ["low"],
    }


@pytest.mark.parametrize("after", ["A~" + "9" * 30, "A~-1", "A~x"])
def test_a_page_marker_beyond_any_id_is_ignored_instead_of_failing(client, clerk, kettle, after):
    client.force_login(clerk)
    response = client.get(DESK, {"after": after}, **HTMX)
    assert response.status_code == 200
    assert kettle.sku in response.content.decode()


def test_only_the_users_stores_are_listed(client, clerk, kettle, other_store):
    theirs = make_variant(other_store, barcode=kettle.barcode)
    client.force_login(clerk)
    response = client.get(DESK, {"q": kettle.barcode}, **HTMX)
    assert row_ids(response) == [stock_of(kettle).pk]
    assert theirs.sku not in response.content.decode()


def test_the_store_chosen_in_the_switcher_narrows_the_desk(client, clerk, kettle, other_store):
    StoreMembership.objects.create(user=clerk, store=other_store, role=Role.CLERK)
    theirs = make_variant(other_store, barcode=kettle.barcode)
    client.force_login(clerk)
    both = {stock_of(kettle).pk, stock_of(theirs).pk}
    assert set(row_ids(client.get(DESK, {"q": kettle.barcode}, **HTMX))) == both

    client.post(reverse("admin:stores_store_switch"), {"store": other_store.pk})
    page = client.get(DESK, {"q": kettle.barcode})
    assert row_ids(page) == [stock_of(theirs).pk]
    assert 'id="desk-store"' not in page.content.decode()
    shown = client.get(DESK, {"store": kettle.product.store_id}, **HTMX)
    assert row_ids(shown) == [stock_of(theirs).pk]


def test_keyset_paging_by_sku(client, clerk, store):
    product = make_product(store, variants=27)
    client.force_login(clerk)
    stocks = list(Stock.objects.filter(variant__product=product).order_by("variant__sku", "pk"))

    first = client.get(DESK)
    assert row_ids(first) == [s.pk for s in stocks[:25]]
    match = re.search(r'href="\?after=([^"]+)"', first.content.decode())
    assert match

    rest = client.get(DESK, {"after": stocks[24].variant.sku + "~" + str(stocks[24].pk)}, **HTMX)
    assert row_ids(rest) == [s.pk for s in stocks[25:]]
    assert 'id="desk-more"' not in rest.content.decode()


def test_recording_a_delivery_swaps_the_row_with_new_figures_and_ledger(client, clerk, kettle):
    client.force_login(clerk)
    stock = stock_of(kettle)

    response = client.post(
        adjust_url(stock),
        {"reason": "received", "quantity": "12", "note": "Delivery 42", "filters": "q=x"},
        **HTMX,
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith(f'<article id="stock-{stock.pk}"')
    assert '<strong data-figure="on_hand">20</strong>' in body
    assert '<strong data-figure="available">20</strong>' in body
    assert "+12" in body and "Delivery 42" in body
    assert json.loads(response["HX-Trigger-After-Settle"])["nexus:focus"] == {
        "selector": "#desk-q",
        "select": True,
    }
    movement = StockMovement.objects.filter(stock=stock).first()
    assert (movement.reason, movement.on_hand_delta, movement.actor, movement.note) == (
        MovementReason.RECEIVED,
        12,
        clerk,
        "Delivery 42",
    )


@pytest.mark.parametrize(
    ("reason", "quantity", "on_hand"),
    [
        ("damaged", "3", 5),
        ("damaged", "-3", 5),
        ("count", "2", 2),
        ("correction", "-1", 7),
        ("correction", "+3", 11),
        ("returned", "4", 12),
    ],
)
def test_each_reason_moves_the_figure_its_own_way(client, clerk, kettle, reason, quantity, on_hand):
    client.force_login(clerk)
    response = client.post(
        adjust_url(stock_of(kettle)), {"reason": reason, "quantity": quantity}, **HTMX
    )
    assert response.status_code == 200
    assert stock_of(kettle).on_hand == on_hand
    assert StockMovement.objects.filter(stock__variant=kettle).first().reason == reason


# The service's refusals keep their status (409: what the shelf holds; 422: a change against
# its reason); the form's own, 400.
@pytest.mark.parametrize(
    ("data", "message", "status"),
    [
        ({"reason": "received", "quantity": ""}, "Enter a quantity.", 400),
        ({"reason": "received", "quantity": "0"}, "nothing to record", 400),
        ({"reason": "correction", "quantity": "0"}, "nothing to record", 400),
        ({"reason": "received", "quantity": "-3"}, "Received cannot take units away", 422),
        ({"reason": "correction", "quantity": "-9"}, "cannot go below zero", 409),
        ({"reason": "count", "quantity": "-2"}, "below zero", 400),
        ({"reason": "sold", "quantity": "2"}, "Select a valid choice", 400),
        ({"reason": "damaged", "quantity": "50"}, "cannot go below zero", 409),
    ],
)
def test_a_refused_change_shows_in_the_row(client, clerk, kettle, data, message, status):
    client.force_login(clerk)
    stock = stock_of(kettle)

    response = client.post(adjust_url(stock), data, **HTMX)

    assert response.status_code == status
    assert response["HX-Retarget"] == f"#stock-{stock.pk}"
    body = response.content.decode()
    assert 'role="alert"' in body and message in body
    assert stock_of(kettle).on_hand == 8


def test_each_reason_is_named_by_the_way_it_moves_the_shelf(client, clerk, kettle):
    client.force_login(clerk)
    body = client.get(DESK).content.decode()
    options = re.findall(r'<option value="(\w+)"\s*>([^<]+)</option>', body)
    assert options == [
        ("received", "Received (+)"),
        ("correction", "Correction (±)"),
        ("damaged", "Damaged (−)"),
        ("count", "Stock count (sets the figure)"),
        ("returned", "Returned (+)"),
    ]


def test_the_reasons_are_named_from_the_services_rule(monkeypatch):
    monkeypatch.setattr(services, "REMOVING_REASONS", frozenset({MovementReason.CORRECTION}))
    labels = {value: str(label) for value, label in reason_choices()}
    assert labels[MovementReason.CORRECTION] == "Correction (−)"
    assert labels[MovementReason.DAMAGED] == "Damaged (±)"


def test_stock_promised_to_orders_cannot_be_counted_away(client, clerk, store, kettle):
    place_order(store, [(kettle, 6)])
    client.force_login(clerk)
    response = client.post(
        adjust_url(stock_of(kettle)), {"reason": "count", "quantity": "2"}, **HTMX
    )
    assert response.status_code == 409
    assert "allocated to orders" in response.content.decode()
    assert stock_of(kettle).on_hand == 8


def test_without_javascript_the_form_post_redirects_back_with_a_message(client, clerk, kettle):
    client.force_login(clerk)
    response = client.post(
        adjust_url(stock_of(kettle)),
        {"reason": "received", "quantity": "2", "filters": "q=kettle&level=low"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"{DESK}?q=kettle&level=low"
    assert "10 on hand" in str(list(get_messages(response.wsgi_request))[0])

    refused = client.post(adjust_url(stock_of(kettle)), {"reason": "received", "quantity": "0"})
    assert refused.status_code == 302
    assert "nothing to record" in str(list(get_messages(refused.wsgi_request))[-1])


def test_another_stores_stock_is_not_found(client, clerk, other_store):
    theirs = make_variant(other_store)
    client.force_login(clerk)
    data = {"reason": "received", "quantity": "5"}
    assert client.post(adjust_url(stock_of(theirs)), data, **HTMX).status_code == 404
    assert client.post(adjust_url(stock_of(theirs)), data).status_code == 404
    assert stock_of(theirs).on_hand == 0


def test_a_viewer_sees_no_form_and_a_forged_post_is_refused(client, store, kettle):
    viewer = staff_member(store, Role.VIEWER)
    client.force_login(viewer)

    page = client.get(DESK).content.decode()
    assert kettle.sku in page
    assert 'name="quantity"' not in page

    data = {"reason": "received", "quantity": "5"}
    assert client.post(adjust_url(stock_of(kettle)), data).status_code == 403
    htmx = client.post(adjust_url(stock_of(kettle)), data, **HTMX)
    assert htmx.status_code == 403
    assert htmx["HX-Retarget"] == f"#stock-{stock_of(kettle).pk}"
    assert stock_of(kettle).on_hand == 8


def _queries(client, *args, **kwargs) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(*args, **kwargs)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "fragment"])
def test_query_count_does_not_grow_with_the_rows_shown(client, clerk, store, headers):
    def stocked(count):
        for variant in make_product(store, variants=count).variants.all():
            receive(variant, 3)
            receive(variant, 2)

    stocked(5)
    client.force_login(clerk)
    client.get(DESK, **headers)  # warm per-process caches (content types, site config)
    few = _queries(client, DESK, **headers)
    scanned = _queries(client, DESK, {"q": "SKU"}, **headers)

    stocked(25)
    assert _queries(client, DESK, **headers) == few
    assert _queries(client, DESK, {"q": "SKU"}, **headers) == scanned
    assert len(row_ids(client.get(DESK, **headers))) == 25


def test_recording_costs_the_same_however_long_the_ledger(client, clerk, store):
    short, long = make_variant(store), make_variant(store)
    receive(short, 1)
    for _ in range(20):
        receive(long, 1)
    client.force_login(clerk)

    def record(variant) -> int:
        url = adjust_url(stock_of(variant))
        with CaptureQueriesContext(connection) as captured:
            response = client.post(url, {"reason": "received", "quantity": "1"}, **HTMX)
        assert response.status_code == 200
        return len(captured)

    assert record(long) == record(short)
