"""What the schema says is what the API takes: the shared pieces (pagination, filters, strict
input fields, the request schemas' text patterns and list bounds)."""

import re

import pytest
import yaml
from rest_framework import serializers
from rest_framework.test import APIClient

from apps.core.api import fields
from apps.core.api.schema import NO_NUL, NOT_BLANK
from apps.core.tests.fixtures import api_client_for as client_for
from apps.stores.roles import Role
from apps.stores.tests.factories import StoreFactory, staff_member

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        return yaml.safe_load(APIClient().get("/api/schema/").content)


def parameter(schema, path, name):
    (found,) = [p for p in schema["paths"][path]["get"]["parameters"] if p["name"] == name]
    return found["schema"]


def request_schema(schema, path, method="post"):
    body = schema["paths"][path][method]["requestBody"]["content"]["application/json"]
    return schema["components"]["schemas"][body["schema"]["$ref"].rsplit("/", 1)[1]]


def error_fields(response, status=400):
    assert response.status_code == status, response.content
    return set(response.json()["error"]["fields"])


@pytest.mark.parametrize(
    "query",
    ["page_size=null", "page_size=0", "page_size=101", "page_size=5.0", "page=0", "page=last"],
)
def test_pagination_refuses_what_the_schema_does_not_allow(query):
    name = query.split("=")[0]
    assert error_fields(APIClient().get(f"/api/v1/categories/?{query}")) == {name}


def test_pagination_bounds_are_in_the_schema(schema):
    assert parameter(schema, "/api/v1/categories/", "page")["minimum"] == 1
    page_size = parameter(schema, "/api/v1/categories/", "page_size")
    assert (page_size["minimum"], page_size["maximum"]) == (1, 100)
    assert APIClient().get("/api/v1/categories/?page_size=100&page=1").status_code == 200


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("min_price=1e304", "min_price"),  # django-filter's own limit is 1e50
        ("min_price=+5", "min_price"),
        ("min_price=", "min_price"),
        ("in_stock=1", "in_stock"),
        ("in_stock=maybe", "in_stock"),
        ("in_stock=", "in_stock"),
        ("ordering=", "ordering"),
        ("search=" + "x" * 101, "search"),
    ],
)
def test_filters_refuse_values_django_filter_would_let_through(query, name):
    assert error_fields(APIClient().get(f"/api/v1/products/?{query}")) == {name}


def test_filters_still_take_what_the_schema_allows():
    client = APIClient()
    for query in ("min_price=1e10", "min_price=-0.5", "in_stock=false", "search=", "store=x"):
        assert client.get(f"/api/v1/products/?{query}").status_code == 200, query


def test_filter_bounds_and_types_are_in_the_schema(schema):
    assert parameter(schema, "/api/v1/products/", "min_price")["maximum"] == 1e50
    store = parameter(schema, "/api/v1/staff/stock/", "store")
    assert (store["type"], store["minimum"], store["maximum"]) == ("integer", 1, 2**63 - 1)
    search = parameter(schema, "/api/v1/staff/stock/", "search")
    assert (search["maxLength"], search["pattern"]) == (100, NO_NUL)


def test_staff_filters_refuse_an_empty_choice_and_a_store_below_one():
    store = StoreFactory()
    client = client_for(staff_member(store, Role.MANAGER))
    assert error_fields(client.get("/api/v1/staff/stock/?level=")) == {"level"}
    assert error_fields(client.get("/api/v1/staff/stock/?store=0")) == {"store"}
    assert error_fields(client.get("/api/v1/staff/stock/?store=%201")) == {"store"}


class _Strict(serializers.Serializer):
    text = fields.CharField(max_length=3)
    number = fields.IntegerField()
    flag = fields.BooleanField()
    amount = fields.MoneyField()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("text", 0),
        ("text", True),
        ("text", "   abcd  "),  # longer than 3 as sent, though not once trimmed
        ("number", "5"),
        ("number", 5.0),
        ("number", True),
        ("flag", "yes"),
        ("flag", 1),
        ("amount", 12.5),
        ("amount", "-1"),
        ("amount", "1.005"),
        ("amount", "12345678901"),
        ("amount", "1e3"),
        ("amount", " 5"),
    ],
)
def test_strict_fields_refuse_what_drf_would_coerce(name, value):
    data = {"text": "ab", "number": 5, "flag": True, "amount": "19.90", name: value}
    serializer = _Strict(data=data)
    assert not serializer.is_valid()
    assert set(serializer.errors) == {name}


def test_strict_fields_take_their_own_types():
    serializer = _Strict(data={"text": " a ", "number": 5, "flag": False, "amount": "20"})
    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data["text"] == "a"
    assert str(serializer.validated_data["amount"]) == "20"


def test_text_in_request_schemas_says_what_drf_refuses(schema):
    register = request_schema(schema, "/api/v1/auth/register/")["properties"]
    assert register["first_name"]["pattern"] == NO_NUL  # blank allowed
    token = request_schema(schema, "/api/v1/auth/token/")["properties"]
    assert token["email"]["pattern"] == NOT_BLANK  # DRF trims, then refuses blank
    pattern = re.compile(NOT_BLANK)
    assert pattern.search("a") and not pattern.search("\n\t\u3000")
    assert not pattern.search("a\x00")
    blank = APIClient().post("/api/v1/auth/token/", {"email": "\n", "password": "x"})
    assert error_fields(blank) == {"email"}


def test_nested_lists_carry_their_bounds(schema):
    variants = request_schema(schema, "/api/v1/staff/products/")["properties"]["variants"]
    assert (variants["minItems"], variants["maxItems"]) == (1, 100)


def test_response_schemas_are_left_as_drf_maps_them(schema):
    product = schema["components"]["schemas"]["ProductStaff"]["properties"]
    assert "pattern" not in product["title"]
