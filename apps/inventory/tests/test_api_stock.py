import pytest
from rest_framework.test import APIClient

from apps.catalog.tests.factories import make_variant
from apps.core.tests.fixtures import api_client_for as client_for
from apps.inventory.models import Stock, StockMovement
from apps.inventory.tests.factories import receive
from apps.orders.tests.factories import place_order
from apps.stores.roles import Role
from apps.stores.tests.factories import StoreFactory, staff_member
from apps.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_stores():
    alpha, beta = StoreFactory(slug="alpha"), StoreFactory(slug="beta")
    a, b = make_variant(alpha), make_variant(beta)
    receive(a, 10)
    receive(b, 10)
    return alpha, beta, a, b


def test_stock_levels_are_scoped_and_filtered(two_stores):
    alpha, _beta, mine, _theirs = two_stores
    low = make_variant(alpha, low_stock_threshold=5)
    receive(low, 3)
    place_order(alpha, [(low, 3)])
    client = client_for(staff_member(alpha, Role.VIEWER))
    results = client.get("/api/v1/staff/stock/").json()["results"]
    assert {r["sku"] for r in results} == {mine.sku, low.sku}
    by_sku = {r["sku"]: r for r in results}
    assert (by_sku[low.sku]["on_hand"], by_sku[low.sku]["allocated"]) == (3, 3)
    assert by_sku[low.sku]["available"] == 0

    def skus(query):
        return [r["sku"] for r in client.get(f"/api/v1/staff/stock/?{query}").json()["results"]]

    assert skus("level=out") == [low.sku]
    assert skus("level=in") == [mine.sku]
    assert skus(f"search={mine.sku}") == [mine.sku]


def test_adjustment_writes_the_ledger_with_the_actor(two_stores):
    alpha, _beta, variant, _theirs = two_stores
    clerk = staff_member(alpha, Role.CLERK)
    client = client_for(clerk)
    response = client.post(
        "/api/v1/staff/stock/adjustments/",
        {"variant": variant.pk, "delta": -2, "reason": "damaged", "note": "dropped"},
    )
    assert response.status_code == 201, response.content
    assert response.json()["on_hand"] == 8
    movement = StockMovement.objects.filter(stock__variant=variant).first()
    assert (movement.reason, movement.on_hand_delta, movement.actor) == ("damaged", -2, clerk)
    counted = client.post(
        "/api/v1/staff/stock/adjustments/",
        {"variant": variant.pk, "set_on_hand": 20, "reason": "count"},
    )
    assert counted.json()["on_hand"] == 20


def test_adjustment_refusals(two_stores):
    alpha, _beta, variant, _theirs = two_stores
    client = client_for(staff_member(alpha, Role.MANAGER))
    both = client.post(
        "/api/v1/staff/stock/adjustments/",
        {"variant": variant.pk, "delta": 1, "set_on_hand": 3, "reason": "count"},
    )
    assert both.status_code == 400
    nothing = client.post(
        "/api/v1/staff/stock/adjustments/",
        {"variant": variant.pk, "delta": 0, "reason": "correction"},
    )
    assert nothing.status_code == 400 and "delta" in nothing.json()["error"]["fields"]
    # Well formed, but the shelf holds 10: a conflict with what is there.
    negative = client.post(
        "/api/v1/staff/stock/adjustments/",
        {"variant": variant.pk, "delta": -11, "reason": "damaged"},
    )
    assert negative.status_code == 409
    assert negative.json()["error"]["code"] == "negative_stock"
    # Well formed, but contradicting its own reason.
    wrong_way = client.post(
        "/api/v1/staff/stock/adjustments/",
        {"variant": variant.pk, "delta": -1, "reason": "received"},
    )
    assert wrong_way.status_code == 422
    assert wrong_way.json()["error"]["code"] == "wrong_direction"
    system_reason = client.post(
        "/api/v1/staff/stock/adjustments/",
        {"variant": variant.pk, "delta": 1, "reason": "order_allocated"},
    )
    assert system_reason.status_code == 400
    assert "reason" in system_reason.json()["error"]["fields"]
    assert Stock.objects.get(variant=variant).on_hand == 10


def test_another_stores_variant_is_not_found(two_stores):
    alpha, _beta, _mine, theirs = two_stores
    client = client_for(staff_member(alpha, Role.OWNER))
    response = client.post(
        "/api/v1/staff/stock/adjustments/", {"variant": theirs.pk, "delta": 5, "reason": "received"}
    )
    assert response.status_code == 404
    assert Stock.objects.get(variant=theirs).on_hand == 10


def test_viewer_may_look_but_not_adjust(two_stores):
    alpha, _beta, variant, _theirs = two_stores
    client = client_for(staff_member(alpha, Role.VIEWER))
    response = client.post(
        "/api/v1/staff/stock/adjustments/",
        {"variant": variant.pk, "delta": 5, "reason": "received"},
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert Stock.objects.get(variant=variant).on_hand == 10


def test_customers_have_no_stock_access(two_stores):
    client = client_for(UserFactory())
    assert client.get("/api/v1/staff/stock/").status_code == 403


@pytest.mark.parametrize("page_size", [1, 20])
def test_stock_list_query_count_does_not_grow(page_size, django_assert_num_queries):
    store = StoreFactory()
    for _ in range(20):
        receive(make_variant(store), 3)
    client = client_for(staff_member(store, Role.CLERK))
    # user, memberships, count, stock rows (with variant and product)
    with django_assert_num_queries(4):
        response = client.get(f"/api/v1/staff/stock/?page_size={page_size}")
    assert len(response.json()["results"]) == page_size


@pytest.mark.parametrize("value", ["9223372036854775808", "1.5", "0"])
def test_a_store_filter_out_of_range_is_a_400_not_a_500(value):
    store = StoreFactory()
    client = APIClient()
    client.force_authenticate(staff_member(store, Role.MANAGER))
    for path in ("/api/v1/staff/stock/", "/api/v1/staff/orders/", "/api/v1/staff/products/"):
        response = client.get(path, {"store": value})
        assert response.status_code == 400, (path, response.content)
        assert response.json()["error"]["fields"]["store"]


def test_the_schema_says_delta_or_set_on_hand_and_never_a_zero_delta():
    schema = APIClient().get("/api/schema/?format=json").json()
    body = schema["components"]["schemas"]["StockAdjustmentInputRequest"]
    assert body["oneOf"] == [{"required": ["delta"]}, {"required": ["set_on_hand"]}]
    assert body["properties"]["delta"]["not"] == {"enum": [0]}


def test_an_untracked_variant_is_a_conflict(two_stores):
    alpha, _beta, _variant, _theirs = two_stores
    untracked = make_variant(alpha, track_inventory=False)
    client = client_for(staff_member(alpha, Role.MANAGER))
    response = client.post(
        "/api/v1/staff/stock/adjustments/",
        {"variant": untracked.pk, "delta": 1, "reason": "received"},
    )
    assert (response.status_code, response.json()["error"]["code"]) == (409, "untracked")
