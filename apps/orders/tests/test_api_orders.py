import threading
from decimal import Decimal

import pytest
from django.db import connection
from rest_framework.test import APIClient

from apps.catalog.tests.factories import make_product, make_variant
from apps.core.tests.fixtures import api_client_for as client_for
from apps.inventory.models import Stock
from apps.inventory.tests.factories import receive
from apps.orders.models import Order
from apps.orders.tests.factories import ADDRESS, place_order
from apps.stores.roles import Role
from apps.stores.tests.factories import StoreFactory, staff_member
from apps.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def payload(store, *lines, **extra):
    return {
        "store": store.slug,
        "lines": [{"variant": variant.pk, "quantity": quantity} for variant, quantity in lines],
        "shipping_address": ADDRESS,
        **extra,
    }


@pytest.fixture
def shop():
    store = StoreFactory(
        slug="alpha", shipping_flat_rate=Decimal("4.90"), free_shipping_threshold=None
    )
    variant = make_variant(store, price=Decimal("10.00"))
    receive(variant, 10)
    return store, variant


def test_place_an_order_with_server_side_totals(shop):
    store, variant = shop
    customer = UserFactory(email="ann@example.com")
    data = payload(store, (variant, 3), note="Ring twice")
    data["total"] = "0.01"
    response = client_for(customer).post("/api/v1/orders/", data, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["subtotal"], body["shipping_total"], body["total"]) == ("30.00", "4.90", "34.90")
    assert body["status"] == "pending"
    assert body["email"] == "ann@example.com"
    assert body["customer_note"] == "Ring twice"
    assert body["lines"][0]["sku"] == variant.sku
    assert [event["type"] for event in body["timeline"]] == ["placed"]
    assert Stock.objects.get(variant=variant).allocated == 3


def test_placing_without_an_account_needs_an_email(shop):
    """Guests order too (apps/orders/tests/test_api_guests.py); what they cannot skip is the
    address the order is confirmed to."""
    store, variant = shop
    response = APIClient().post("/api/v1/orders/", payload(store, (variant, 1)), format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "email_required"


def test_short_stock_answers_409_naming_every_short_sku(shop):
    store, variant = shop
    other = make_variant(store)
    receive(other, 1)
    response = client_for(UserFactory()).post(
        "/api/v1/orders/", payload(store, (variant, 11), (other, 5)), format="json"
    )
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "insufficient_stock"
    assert {(s["sku"], s["available"]) for s in error["shortages"]} == {
        (variant.sku, 10),
        (other.sku, 1),
    }
    assert not Order.objects.exists()
    assert Stock.objects.get(variant=variant).allocated == 0


def test_variant_of_another_store_is_refused(shop):
    store, _variant = shop
    foreign = make_variant(StoreFactory())
    response = client_for(UserFactory()).post(
        "/api/v1/orders/", payload(store, (foreign, 1)), format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "unknown_variant"


def test_invalid_body_gets_field_errors(shop):
    store, variant = shop
    data = payload(store, (variant, 0))
    data["shipping_address"] = {"name": "Ann"}
    data["store"] = "nope"
    response = client_for(UserFactory()).post("/api/v1/orders/", data, format="json")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"store", "lines", "shipping_address"}


def test_idempotent_replay_returns_the_first_order(shop):
    store, variant = shop
    client = client_for(UserFactory())
    data = payload(store, (variant, 2))
    first = client.post("/api/v1/orders/", data, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    replay = client.post("/api/v1/orders/", data, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201
    assert replay.status_code == 200
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    assert Order.objects.count() == 1
    assert Stock.objects.get(variant=variant).allocated == 2


def test_same_key_with_another_body_answers_422(shop):
    store, variant = shop
    client = client_for(UserFactory())
    client.post(
        "/api/v1/orders/", payload(store, (variant, 2)), format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    response = client.post(
        "/api/v1/orders/", payload(store, (variant, 3)), format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert Order.objects.count() == 1


def test_the_same_key_of_two_customers_makes_two_orders(shop):
    store, variant = shop
    for _ in range(2):
        response = client_for(UserFactory()).post(
            "/api/v1/orders/",
            payload(store, (variant, 1)),
            format="json",
            HTTP_IDEMPOTENCY_KEY="same",
        )
        assert response.status_code == 201
    assert Order.objects.count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_replays_make_one_order(shop):
    store, variant = shop
    customer = UserFactory()
    data = payload(store, (variant, 1))
    statuses, numbers = [], []
    barrier = threading.Barrier(6)

    def attempt():
        try:
            barrier.wait()
            response = client_for(customer).post(
                "/api/v1/orders/", data, format="json", HTTP_IDEMPOTENCY_KEY="race"
            )
            statuses.append(response.status_code)
            numbers.append(response.json()["number"])
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Order.objects.count() == 1
    assert len(set(numbers)) == 1
    assert sorted(statuses) == [200] * 5 + [201]
    assert Stock.objects.get(variant=variant).allocated == 1


def test_customers_see_only_their_own_orders(shop):
    store, variant = shop
    ann, bob = UserFactory(), UserFactory()
    anns = place_order(store, [(variant, 1)], customer=ann)
    bobs = place_order(store, [(variant, 1)], customer=bob)
    client = client_for(ann)
    listed = client.get("/api/v1/orders/").json()["results"]
    assert [o["number"] for o in listed] == [anns.number]
    detail = client.get(f"/api/v1/orders/{anns.number}/").json()
    assert detail["lines"][0]["quantity"] == 1
    assert detail["timeline"][0]["type"] == "placed"
    for response in (
        client.get(f"/api/v1/orders/{bobs.number}/"),
        client.post(f"/api/v1/orders/{bobs.number}/cancel/"),
    ):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    bobs.refresh_from_db()
    assert bobs.status == "pending"


def test_customer_cancels_while_the_table_allows(shop):
    store, variant = shop
    ann = UserFactory()
    order = place_order(store, [(variant, 2)], customer=ann)
    client = client_for(ann)
    response = client.post(f"/api/v1/orders/{order.number}/cancel/")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["can_cancel"] is False
    assert Stock.objects.get(variant=variant).allocated == 0
    again = client.post(f"/api/v1/orders/{order.number}/cancel/")
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "illegal_transition"


def test_customer_timeline_hides_internal_notes(shop):
    from apps.orders.services import order_add_note

    store, variant = shop
    ann = UserFactory()
    order = place_order(store, [(variant, 1)], customer=ann)
    order_add_note(order=order, actor=staff_member(store, Role.OWNER), message="VIP, be nice")
    timeline = client_for(ann).get(f"/api/v1/orders/{order.number}/").json()["timeline"]
    assert [event["type"] for event in timeline] == ["placed"]
    assert "VIP" not in str(timeline)
    staff = client_for(staff_member(store, Role.VIEWER))
    staff_timeline = staff.get(f"/api/v1/staff/orders/{order.number}/").json()["timeline"]
    assert "VIP, be nice" in [event["message"] for event in staff_timeline]


@pytest.mark.parametrize("page_size", [1, 20])
def test_customer_order_list_query_count_does_not_grow(shop, page_size, django_assert_num_queries):
    store, variant = shop
    ann = UserFactory()
    receive(variant, 20)
    for _ in range(20):
        place_order(store, [(variant, 1)], customer=ann)
    client = client_for(ann)
    # user, count, orders (with store), lines, shipments, returns, payments, events (the
    # records of shipments and returns are fetched when there are any: see
    # test_api_after_sale_reads.py)
    with django_assert_num_queries(8):
        response = client.get(f"/api/v1/orders/?page_size={page_size}")
    assert len(response.json()["results"]) == page_size


# Staff


@pytest.fixture
def two_shops():
    alpha, beta = StoreFactory(slug="alpha"), StoreFactory(slug="beta")
    orders = {}
    for store in (alpha, beta):
        variant = make_variant(store)
        receive(variant, 50)
        orders[store.slug] = place_order(
            store, [(variant, 1)], customer=UserFactory(email=f"buyer@{store.slug}.example")
        )
    return alpha, beta, orders


def test_staff_orders_are_scoped_to_their_stores(two_shops):
    alpha, _beta, orders = two_shops
    client = client_for(staff_member(alpha, Role.MANAGER))
    listed = client.get("/api/v1/staff/orders/").json()["results"]
    assert [o["number"] for o in listed] == [orders["alpha"].number]
    foreign = orders["beta"].number
    assert client.get(f"/api/v1/staff/orders/{foreign}/").status_code == 404
    moved = client.post(f"/api/v1/staff/orders/{foreign}/transition/", {"to_status": "confirmed"})
    assert moved.status_code == 404
    orders["beta"].refresh_from_db()
    assert orders["beta"].status == "pending"


def test_staff_order_filters(two_shops):
    alpha, beta, orders = two_shops
    operator = UserFactory(is_staff=True, is_superuser=True)
    client = client_for(operator)

    def numbers(query):
        return [o["number"] for o in client.get(f"/api/v1/staff/orders/?{query}").json()["results"]]

    assert len(numbers("")) == 2
    assert numbers(f"store={beta.pk}") == [orders["beta"].number]
    assert numbers("search=buyer@alpha") == [orders["alpha"].number]
    sku = orders["beta"].lines.get().sku
    assert numbers(f"search={sku}") == [orders["beta"].number]
    assert numbers("status=confirmed") == []
    both = sorted(o.number for o in orders.values())
    assert sorted(numbers("payment_status=unpaid&placed_after=2000-01-01T00:00:00Z")) == both
    assert numbers("payment_status=paid") == []
    assert numbers("placed_before=2000-01-01T00:00:00Z") == []
    assert sorted(numbers("status=pending&fulfilment_status=unfulfilled")) == both
    assert numbers("fulfilment_status=partially_shipped") == []
    for query in ("status=lost", "status=shipped", "fulfilment_status=lost"):
        assert client.get(f"/api/v1/staff/orders/?{query}").status_code == 400


def test_staff_transitions_confirm_and_cancel_with_a_reason(two_shops):
    alpha, _beta, orders = two_shops
    clerk, manager = staff_member(alpha, Role.CLERK), staff_member(alpha, Role.MANAGER)
    number = orders["alpha"].number
    url = f"/api/v1/staff/orders/{number}/transition/"
    detail = client_for(clerk).get(f"/api/v1/staff/orders/{number}/").json()
    assert detail["allowed_transitions"] == [
        {"to_status": "confirmed", "label": "Confirm", "destructive": False}
    ]
    confirmed = client_for(clerk).post(url, {"to_status": "confirmed"})
    assert confirmed.status_code == 200
    assert (confirmed.json()["status"], confirmed.json()["timeline"][0]["actor"]) == (
        "confirmed",
        clerk.email,
    )
    manager_client = client_for(manager)
    allowed = manager_client.get(f"/api/v1/staff/orders/{number}/").json()["allowed_transitions"]
    assert allowed == [{"to_status": "cancelled", "label": "Cancel", "destructive": True}]
    unexplained = manager_client.post(url, {"to_status": "cancelled", "reason": "  "})
    assert unexplained.status_code == 400
    assert unexplained.json()["error"]["code"] == "reason_required"
    orders["alpha"].refresh_from_db()
    assert orders["alpha"].status == "confirmed"
    cancelled = manager_client.post(url, {"to_status": "cancelled", "reason": "Customer called"})
    assert cancelled.status_code == 200
    body = cancelled.json()
    assert body["status"] == "cancelled"
    assert body["timeline"][0]["message"].startswith("Customer called")
    illegal = manager_client.post(url, {"to_status": "pending"})
    assert illegal.status_code == 400
    assert illegal.json()["error"]["code"] == "illegal_transition"
    assert manager_client.post(url, {"to_status": "shipped"}).status_code == 400


@pytest.mark.parametrize(
    ("role", "to_status", "allowed"),
    [
        (Role.VIEWER, "confirmed", False),
        (Role.CLERK, "confirmed", True),
        (Role.CLERK, "cancelled", False),
        (Role.MANAGER, "cancelled", True),
    ],
)
def test_staff_transition_role_rules(two_shops, role, to_status, allowed):
    alpha, _beta, orders = two_shops
    client = client_for(staff_member(alpha, role))
    number = orders["alpha"].number
    response = client.post(
        f"/api/v1/staff/orders/{number}/transition/", {"to_status": to_status, "reason": "test"}
    )
    assert response.status_code == (200 if allowed else 403)
    if not allowed:
        assert response.json()["error"]["code"] == "permission_denied"
    orders["alpha"].refresh_from_db()
    assert (orders["alpha"].status == to_status) is allowed


@pytest.mark.parametrize("page_size", [1, 20])
def test_staff_order_list_query_count_does_not_grow(page_size, django_assert_num_queries):
    store = StoreFactory()
    variant = make_product(store).variants.get()
    receive(variant, 100)
    for _ in range(20):
        place_order(store, [(variant, 1)])
    client = client_for(staff_member(store, Role.OWNER))
    # user, memberships, count, orders, lines, shipments, returns, payments
    with django_assert_num_queries(8):
        response = client.get(f"/api/v1/staff/orders/?page_size={page_size}")
    assert len(response.json()["results"]) == page_size


def test_staff_order_dates_with_extreme_offsets_are_handled(two_shops):
    client = client_for(UserFactory(is_staff=True, is_superuser=True))
    extreme = client.get("/api/v1/staff/orders/?placed_before=0397-09-09T13%3A55%3A53%2B19%3A50")
    assert extreme.status_code == 200
    assert extreme.json()["results"] == []
    overflow = client.get("/api/v1/staff/orders/?placed_after=0001-01-01T00%3A00%3A00%2B20%3A00")
    assert overflow.status_code == 400


def test_hand_built_order_answer_matches_its_declared_fields(shop):
    from rest_framework import serializers

    from apps.orders.api.serializers import CustomerOrderSerializer
    from apps.orders.selectors import order_detail_for_customer
    from apps.orders.services import order_cancel_by_customer

    store, variant = shop
    ann = UserFactory()
    placed = place_order(store, [(variant, 2)], customer=ann, customer_note="Leave at door")
    order_cancel_by_customer(order=placed, customer=ann)
    order = order_detail_for_customer(customer=ann).get(pk=placed.pk)
    serializer = CustomerOrderSerializer()
    by_hand = serializer.to_representation(order)
    assert by_hand == serializers.ModelSerializer.to_representation(serializer, order)
    assert len(by_hand["timeline"]) == 2


@pytest.mark.parametrize("line_count", [1, 5])
def test_staff_order_detail_query_count_does_not_grow(line_count, django_assert_num_queries):
    from apps.orders.services import order_add_note

    store = StoreFactory()
    variants = [make_variant(store) for _ in range(line_count)]
    for variant in variants:
        receive(variant, 5)
    order = place_order(store, [(variant, 1) for variant in variants])
    owner = staff_member(store, Role.OWNER)
    for _ in range(line_count):
        order_add_note(order=order, actor=owner, message="checked")
    client = client_for(owner)
    # user, memberships, order (with store and customer), lines, shipments, returns,
    # payments, events (with actor)
    with django_assert_num_queries(8):
        response = client.get(f"/api/v1/staff/orders/{order.number}/")
    body = response.json()
    assert len(body["lines"]) == line_count
    assert len(body["timeline"]) == line_count + 1
