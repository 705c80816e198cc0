import json

import pytest
import yaml
from django.core.management import call_command
from django.test import RequestFactory
from rest_framework.test import APIClient

from apps.core.api.errors import exception_handler, server_error
from apps.core.api.schema import GENERIC_CODES

pytestmark = pytest.mark.django_db


def test_schema_is_yaml_and_json_on_request():
    client = APIClient()
    response = client.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    as_json = client.get("/api/schema/?format=json")
    assert json.loads(as_json.content)["paths"].keys() == schema["paths"].keys()
    assert schema["components"]["securitySchemes"]["jwtAuth"]["scheme"] == "bearer"


def test_every_operation_is_described_with_its_errors():
    schema = yaml.safe_load(APIClient().get("/api/schema/").content)
    operations = [
        (path, method, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    ]
    assert len(operations) >= 28
    for path, method, operation in operations:
        assert operation.get("summary"), (method, path)
        for code in ("401", "403", "404", "405", "406", "429", "500", "503"):
            codes = error_codes(schema, operation["responses"][code])
            assert codes >= set(GENERIC_CODES[code]), (method, path, code)
        # Actions that need nothing but their address carry no body: cancelling one's own
        # order, signing out everywhere, marking a shipment delivered, claiming guest orders.
        bodiless = ("/orders/{number}/cancel/", "/logout-all/", "/deliver/", "/orders/claim/")
        if method in ("post", "patch") and not path.endswith(bodiless):
            assert "requestBody" in operation, (method, path)
            assert "400" in operation["responses"]
    order_create = schema["paths"]["/api/v1/orders/"]["post"]
    assert {"409", "422"} <= set(order_create["responses"])


def error_codes(schema, response) -> set[str]:
    """The `error.code` values a documented error response allows."""
    components = schema["components"]["schemas"]

    def resolve(node):
        return components[node["$ref"].rsplit("/", 1)[1]] if "$ref" in node else node

    body = resolve(response["content"]["application/json"]["schema"])
    code = resolve(resolve(body["properties"]["error"])["properties"]["code"])
    return set(resolve(code["allOf"][0])["enum"] if "allOf" in code else code["enum"])


def test_errors_name_the_codes_each_operation_answers():
    schema = yaml.safe_load(APIClient().get("/api/schema/").content)
    sku = schema["paths"]["/api/v1/staff/products/"]["post"]["responses"]
    assert error_codes(schema, sku["409"]) == {"duplicate_sku", "duplicate_handle"}
    assert error_codes(schema, sku["404"]) == {"not_found", "unknown_category"}
    register = schema["paths"]["/api/v1/auth/register/"]["post"]["responses"]
    assert error_codes(schema, register["409"]) == {"email_taken"}
    assert error_codes(schema, register["422"]) == {"invalid_password"}
    token = schema["paths"]["/api/v1/auth/token/"]["post"]["responses"]
    assert "invalid_credentials" in error_codes(schema, token["401"])


def test_errors_that_ask_to_wait_say_how_long():
    schema = yaml.safe_load(APIClient().get("/api/schema/").content)
    for code in ("429", "503"):
        response = schema["paths"]["/api/v1/products/"]["get"]["responses"][code]
        assert response["headers"]["Retry-After"]["required"] is True


def test_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_docs_pages_use_the_bundled_assets(client, path):
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert "drf_spectacular_sidecar" in html
    assert "cdn.jsdelivr" not in html


def test_unhandled_errors_keep_the_shape():
    response = exception_handler(RuntimeError("boom"), {})
    assert response.status_code == 500
    assert response.data == {
        "error": {"code": "server_error", "message": "An unexpected error occurred."}
    }
    assert "boom" not in str(response.data)
    crashed = server_error(RequestFactory().get("/api/v1/products/"))
    assert crashed.status_code == 500
    assert json.loads(crashed.content)["error"]["code"] == "server_error"


def test_unknown_urls_outside_the_api_keep_the_html_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    api = client.get("/api/v1/no-such-page/")
    assert api.json() == {"error": {"code": "not_found", "message": "Not found."}}


def test_cors_allows_the_configured_storefront_origin(settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://shop.example.com"]
    client = APIClient()
    allowed = client.get("/api/v1/products/", HTTP_ORIGIN="https://shop.example.com")
    assert allowed["Access-Control-Allow-Origin"] == "https://shop.example.com"
    other = client.get("/api/v1/products/", HTTP_ORIGIN="https://evil.example.com")
    assert "Access-Control-Allow-Origin" not in other
    preflight = client.options(
        "/api/v1/orders/",
        HTTP_ORIGIN="https://shop.example.com",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type, idempotency-key",
    )
    assert preflight.status_code == 200
    assert "idempotency-key" in preflight["Access-Control-Allow-Headers"].lower()
    assert "Retry-After" in allowed["Access-Control-Expose-Headers"]
