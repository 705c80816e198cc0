from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from apps.catalog.models import Product, ProductStatus
from apps.catalog.tests.factories import CategoryFactory, make_product
from apps.core.tests.fixtures import api_client_for as client_for
from apps.inventory.models import Stock
from apps.inventory.tests.factories import receive
from apps.orders.tests.factories import place_order
from apps.stores.roles import Role
from apps.stores.tests.factories import StoreFactory, staff_member

pytestmark = pytest.mark.django_db


def ids(response):
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


@pytest.fixture
def two_stores():
    return StoreFactory(slug="alpha", name="Alpha"), StoreFactory(slug="beta", name="Beta")


def test_only_active_products_of_active_stores_are_public(two_stores):
    alpha, beta = two_stores
    visible = make_product(alpha)
    make_product(alpha, status=ProductStatus.DRAFT)
    make_product(alpha, status=ProductStatus.ARCHIVED)
    closed = StoreFactory(is_active=False)
    hidden = make_product(closed)
    client = APIClient()
    assert ids(client.get("/api/v1/products/")) == [visible.pk]
    assert client.get(f"/api/v1/products/{hidden.pk}/").status_code == 404
    draft = Product.objects.get(status=ProductStatus.DRAFT)
    assert client.get(f"/api/v1/products/{draft.pk}/").json()["error"]["code"] == "not_found"
    assert [s["slug"] for s in client.get("/api/v1/stores/").json()["results"]] == [
        "alpha",
        "beta",
    ]
    assert client.get(f"/api/v1/stores/{closed.slug}/").status_code == 404
    assert client.get("/api/v1/stores/beta/").json()["slug"] == "beta"


def test_product_detail_has_variants_prices_and_availability():
    store = StoreFactory(currency="EUR")
    product = make_product(store, variants=3, price=Decimal("12.50"))
    tracked, untracked, backorder = product.variants.order_by("position")
    receive(tracked, 4)
    place_order(store, [(tracked, 1)])
    # Its Stock row stays behind, and must not limit it.
    untracked.track_inventory = False
    untracked.save()
    backorder.allow_backorder = True
    backorder.save()
    # Orderability follows the row's flag (the one the database enforces), kept in step with
    # the variant's by the catalogue's write path.
    Stock.objects.filter(variant=backorder).update(allow_backorder=True)
    body = APIClient().get(f"/api/v1/products/{product.pk}/").json()
    assert body["currency"] == "EUR"
    assert body["price_from"] == "12.50"
    assert body["in_stock"] is True
    variants = {v["sku"]: v for v in body["variants"]}
    assert variants[tracked.sku]["available"] == 3
    assert variants[tracked.sku]["price"] == "12.50"
    assert variants[untracked.sku]["available"] is None
    assert variants[untracked.sku]["in_stock"] is True
    assert variants[backorder.sku]["available"] == 0
    assert variants[backorder.sku]["in_stock"] is True


def test_a_counted_variant_without_a_stock_row_is_not_offered():
    product = make_product(StoreFactory(), allow_backorder=True)
    Stock.objects.filter(variant__product=product).delete()
    client = APIClient()
    (variant,) = client.get(f"/api/v1/products/{product.pk}/").json()["variants"]
    assert (variant["available"], variant["in_stock"]) == (0, False)
    assert ids(client.get("/api/v1/products/?in_stock=true")) == []
    assert ids(client.get("/api/v1/products/?in_stock=false")) == [product.pk]


def test_filters_store_category_with_descendants_search_price_and_stock(two_stores):
    alpha, beta = two_stores
    clothing = CategoryFactory(slug="clothing")
    shirts = CategoryFactory(slug="shirts", parent=clothing)
    tees = CategoryFactory(slug="tees", parent=shirts)
    other = CategoryFactory(slug="garden")
    cheap = make_product(alpha, category=tees, price=Decimal("5.00"), title="Blue tee")
    dear = make_product(alpha, category=clothing, price=Decimal("80.00"), title="Red coat")
    spade = make_product(beta, category=other, price=Decimal("20.00"), title="Spade")
    receive(cheap.variants.get(), 3)
    client = APIClient()
    assert ids(client.get("/api/v1/products/?store=alpha")) == [cheap.pk, dear.pk]
    assert ids(client.get("/api/v1/products/?category=clothing")) == [cheap.pk, dear.pk]
    assert ids(client.get("/api/v1/products/?category=shirts")) == [cheap.pk]
    assert ids(client.get("/api/v1/products/?category=unknown")) == []
    assert ids(client.get("/api/v1/products/?search=spa")) == [spade.pk]
    sku = dear.variants.get().sku
    assert ids(client.get(f"/api/v1/products/?search={sku.lower()}")) == [dear.pk]
    assert ids(client.get("/api/v1/products/?min_price=10&max_price=50")) == [spade.pk]
    assert ids(client.get("/api/v1/products/?in_stock=true")) == [cheap.pk]
    assert ids(client.get("/api/v1/products/?in_stock=false")) == [dear.pk, spade.pk]
    assert ids(client.get("/api/v1/products/?ordering=-price")) == [dear.pk, spade.pk, cheap.pk]
    invalid = client.get("/api/v1/products/?ordering=random&min_price=abc")
    assert invalid.status_code == 400
    assert set(invalid.json()["error"]["fields"]) == {"ordering", "min_price"}


def test_pagination_is_stable_across_equal_sort_keys():
    store = StoreFactory()
    products = [make_product(store, title="Same title") for _ in range(5)]
    client = APIClient()
    first = client.get("/api/v1/products/?page_size=2").json()
    assert first["count"] == 5
    assert first["next"].endswith("page=2&page_size=2")
    seen = [p["id"] for p in first["results"]]
    seen += ids(client.get("/api/v1/products/?page_size=2&page=2"))
    seen += ids(client.get("/api/v1/products/?page_size=2&page=3"))
    assert seen == sorted(p.pk for p in products)
    assert client.get("/api/v1/products/?page=9").status_code == 404


def test_public_reads_are_cacheable_and_revalidate_with_etag():
    make_product(StoreFactory())
    client = APIClient()
    response = client.get("/api/v1/products/")
    assert "public" in response["Cache-Control"]
    assert "max-age=60" in response["Cache-Control"]
    etag = response["ETag"]
    again = client.get("/api/v1/products/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""


@pytest.mark.parametrize("page_size", [1, 25])
def test_product_list_query_count_does_not_grow_with_page_size(
    page_size, django_assert_num_queries
):
    store = StoreFactory()
    for _ in range(25):
        product = make_product(store, variants=2)
        receive(product.variants.first(), 2)
    client = APIClient()
    # count, products (with store), variants (with stock)
    with django_assert_num_queries(3):
        response = client.get(f"/api/v1/products/?page_size={page_size}")
    assert len(response.json()["results"]) == page_size


@pytest.mark.parametrize("page_size", [1, 25])
def test_staff_product_list_query_count_does_not_grow_with_page_size(
    page_size, django_assert_num_queries
):
    store = StoreFactory()
    owner = staff_member(store, Role.OWNER)
    for _ in range(25):
        make_product(store, variants=2)
    client = client_for(owner)
    # user, memberships, count, products, variants
    with django_assert_num_queries(5):
        response = client.get(f"/api/v1/staff/products/?page_size={page_size}")
    assert len(response.json()["results"]) == page_size


def _product_payload(store, sku="NEW-1"):
    return {
        "store": store.pk,
        "title": "New shirt",
        "status": "active",
        "variants": [{"sku": sku, "price": "19.90", "title": "M"}],
    }


def test_staff_product_endpoints_are_scoped_to_their_stores(two_stores):
    alpha, beta = two_stores
    mine = make_product(alpha)
    theirs = make_product(beta)
    manager = staff_member(alpha, Role.MANAGER)
    client = client_for(manager)
    assert ids(client.get("/api/v1/staff/products/")) == [mine.pk]
    assert client.get(f"/api/v1/staff/products/{theirs.pk}/").status_code == 404
    assert client.patch(f"/api/v1/staff/products/{theirs.pk}/", {"title": "x"}).status_code == 404
    theirs_variant = theirs.variants.get()
    assert client.get(f"/api/v1/staff/variants/{theirs_variant.pk}/").status_code == 404
    assert (
        client.patch(f"/api/v1/staff/variants/{theirs_variant.pk}/", {"price": "1.00"}).status_code
        == 404
    )
    assert (
        client.post(
            f"/api/v1/staff/products/{theirs.pk}/variants/", {"sku": "X", "price": "1"}
        ).status_code
        == 404
    )
    refused = client.post("/api/v1/staff/products/", _product_payload(beta), format="json")
    assert refused.status_code == 404
    assert not beta.products.filter(title="New shirt").exists()


def test_staff_catalogue_writes_go_through_the_services(two_stores):
    alpha, _beta = two_stores
    manager = staff_member(alpha, Role.MANAGER)
    client = client_for(manager)
    created = client.post("/api/v1/staff/products/", _product_payload(alpha), format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["handle"] == "new-shirt"
    variant = body["variants"][0]
    assert (variant["sku"], variant["price"], variant["on_hand"]) == ("NEW-1", "19.90", 0)
    product_id = body["id"]

    same_sku = {**_product_payload(alpha), "title": "Another shirt"}
    duplicate = client.post("/api/v1/staff/products/", same_sku, format="json")
    assert duplicate.status_code == 409
    assert duplicate.json()["error"]["code"] == "duplicate_sku"

    changed = client.patch(f"/api/v1/staff/products/{product_id}/", {"title": "Better shirt"})
    assert changed.json()["title"] == "Better shirt"
    added = client.post(
        f"/api/v1/staff/products/{product_id}/variants/",
        {"sku": "NEW-2", "price": "21.00", "title": "L"},
        format="json",
    )
    assert added.status_code == 201
    repriced = client.patch(f"/api/v1/staff/variants/{added.json()['id']}/", {"price": "22.50"})
    assert repriced.json()["price"] == "22.50"


@pytest.mark.parametrize("role", [Role.CLERK, Role.VIEWER])
def test_roles_without_catalogue_editing_get_403(role):
    store = StoreFactory()
    product = make_product(store)
    client = client_for(staff_member(store, role))
    assert client.get(f"/api/v1/staff/products/{product.pk}/").status_code == 200
    for response in (
        client.post("/api/v1/staff/products/", _product_payload(store), format="json"),
        client.patch(f"/api/v1/staff/products/{product.pk}/", {"title": "x"}),
        client.post(f"/api/v1/staff/products/{product.pk}/variants/", {"sku": "Z", "price": "1"}),
        client.patch(f"/api/v1/staff/variants/{product.variants.get().pk}/", {"price": "1.00"}),
    ):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "permission_denied"
    product.refresh_from_db()
    assert product.title != "x"


def test_customers_cannot_use_staff_endpoints():
    from apps.users.tests.factories import UserFactory

    response = client_for(UserFactory()).get("/api/v1/staff/products/")
    assert response.status_code == 403
    assert APIClient().get("/api/v1/staff/products/").status_code == 401


@pytest.mark.parametrize("page_size", [1, 10])
def test_store_and_category_lists_cost_two_queries(page_size, django_assert_num_queries):
    for _ in range(10):
        StoreFactory()
        CategoryFactory()
    client = APIClient()
    for path in ("/api/v1/stores/", "/api/v1/categories/"):
        # count, page
        with django_assert_num_queries(2):
            response = client.get(f"{path}?page_size={page_size}")
        assert len(response.json()["results"]) == page_size


def test_public_timestamps_match_drf_datetime_format():
    from rest_framework.fields import DateTimeField

    product = make_product(StoreFactory())
    body = APIClient().get(f"/api/v1/products/{product.pk}/").json()
    assert body["updated_at"] == DateTimeField().to_representation(product.updated_at)
    assert body["updated_at"].endswith("Z")


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("variant", {"price": 12.5}, "price"),  # a JSON number: the schema says a string
        ("variant", {"price": "-1"}, "price"),
        ("variant", {"price": "1.005"}, "price"),
        ("variant", {"compare_at_price": ""}, "compare_at_price"),  # null clears it
        ("variant", {"low_stock_threshold": "5"}, "low_stock_threshold"),
        ("variant", {"track_inventory": "yes"}, "track_inventory"),
        ("variant", {"sku": 12}, "sku"),
        ("product", {"description": 0}, "description"),
        ("product", {"category": "1"}, "category"),
    ],
)
def test_staff_catalogue_inputs_take_only_the_schemas_types(two_stores, path, body, field):
    alpha, _beta = two_stores
    product = make_product(alpha)
    client = client_for(staff_member(alpha, Role.MANAGER))
    url = (
        f"/api/v1/staff/variants/{product.variants.get().pk}/"
        if path == "variant"
        else f"/api/v1/staff/products/{product.pk}/"
    )
    response = client.patch(url, body, format="json")
    assert response.status_code == 400, response.content
    assert set(response.json()["error"]["fields"]) == {field}


def test_staff_catalogue_refusals_say_what_kind_they_are(two_stores):
    alpha, _beta = two_stores
    client = client_for(staff_member(alpha, Role.MANAGER))
    mine = make_product(alpha)

    unknown = {**_product_payload(alpha, sku="U-1"), "category": 999_999}
    answer = client.post("/api/v1/staff/products/", unknown, format="json")
    assert (answer.status_code, answer.json()["error"]["code"]) == (404, "unknown_category")
    answer = client.patch(f"/api/v1/staff/products/{mine.pk}/", {"category": 999_999})
    assert (answer.status_code, answer.json()["error"]["code"]) == (404, "unknown_category")

    taken = {**_product_payload(alpha, sku="H-1"), "handle": mine.handle}
    answer = client.post("/api/v1/staff/products/", taken, format="json")
    assert (answer.status_code, answer.json()["error"]["code"]) == (409, "duplicate_handle")

    nul = _product_payload(alpha, sku="O-1")
    nul["variants"][0]["options"] = {"Si\x00ze": "M"}
    answer = client.post("/api/v1/staff/products/", nul, format="json")
    assert (answer.status_code, answer.json()["error"]["code"]) == (422, "invalid_option")
    assert not Product.objects.filter(variants__sku__in=["U-1", "H-1", "O-1"]).exists()


def test_a_title_that_makes_no_slug_still_gets_a_handle(two_stores):
    alpha, _beta = two_stores
    client = client_for(staff_member(alpha, Role.MANAGER))
    payload = {**_product_payload(alpha), "title": "Чайник"}
    created = client.post("/api/v1/staff/products/", payload, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["handle"] == "product"
    cleared = client.patch(f"/api/v1/staff/products/{created.json()['id']}/", {"handle": ""})
    assert cleared.json()["handle"] == "product"
