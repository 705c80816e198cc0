"""Oversized bodies are refused from their Content-Length, before any of the body is read."""

import io

import pytest
from django.urls import reverse

from apps.core.middleware import MULTIPART_OVERHEAD

pytestmark = pytest.mark.django_db

LIMIT = 1000
FILE_LIMIT = 5000
UPLOAD_URL = "/admin/transfer/importjob/new/"


class UnreadableBody(io.RawIOBase):
    """A body that fails the test if anything starts reading it."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


@pytest.fixture(autouse=True)
def limits(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = LIMIT
    settings.UPLOAD_URL_LIMITS = {"admin:transfer_importjob_new": FILE_LIMIT}


def claim(client, path, length, content_type="application/json"):
    """POST announcing `length` bytes of body; nothing can be read."""
    return client.generic(
        "POST",
        path,
        content_type=content_type,
        CONTENT_LENGTH=str(length),
        **{"wsgi.input": UnreadableBody()},
    )


def test_the_upload_url_is_the_one_the_setting_names():
    assert reverse("admin:transfer_importjob_new") == UPLOAD_URL


def test_an_oversized_api_request_gets_413_in_the_error_shape(client):
    response = claim(client, "/api/v1/auth/token/", LIMIT + 1)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"
    assert response.json()["error"]["message"].endswith("the limit is 1000\xa0bytes.")


def test_an_oversized_form_post_gets_a_plain_413_page(client):
    response = claim(client, "/admin/login/", LIMIT + 1, "application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/plain")
    assert b"too large" in response.content


def test_a_body_at_the_limit_is_served(client):
    body = b'{"email": "", "password": "x"}'
    body = body.replace(b'""', b'"' + b"a" * (LIMIT - len(body)) + b'"', 1)
    assert len(body) == LIMIT
    response = client.post("/api/v1/auth/token/", body, content_type="application/json")
    assert response.status_code != 413


def test_the_import_upload_takes_its_file_limit_plus_the_form_around_it(client):
    response = claim(client, UPLOAD_URL, FILE_LIMIT + MULTIPART_OVERHEAD + 1, "multipart/form-data")
    assert response.status_code == 413
    assert b"too large" in response.content

    file_sized = b"x" * (FILE_LIMIT - 100)
    response = client.post(UPLOAD_URL, {"file": io.BytesIO(file_sized)})
    assert response.status_code == 302  # on to the login page: the body was let through


def test_other_admin_urls_keep_the_general_limit(client):
    response = claim(client, "/admin/orders/order/add/", LIMIT + 1, "multipart/form-data")
    assert response.status_code == 413
