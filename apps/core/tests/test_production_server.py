"""The admin, its static files and the probes served by gunicorn with DEBUG off."""

import re
import socket
import urllib.error
import urllib.request

import pytest

from apps.core.testing import (
    fetch,
    production_gunicorn,
)


@pytest.fixture(scope="module")
def production_server(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("production")
    with production_gunicorn(workdir, workdir / "db.sqlite3") as base_url:
        yield base_url


def test_admin_login_is_served_with_unfold_and_hashed_static_files(production_server):
    status, _, body = fetch(f"{production_server}/admin/login/")
    assert status == 200
    html = body.decode()
    assert "Nexus" in html
    stylesheets = re.findall(r'href="(/static/[^"]+\.css)"', html)
    scripts = re.findall(r'src="(/static/[^"]+\.js)"', html)
    assert any("unfold" in href for href in stylesheets)
    for asset in stylesheets + scripts:
        # Hashed names: whitenoise's manifest storage rewrote them.
        assert re.search(r"\.[0-9a-f]{12}\.(css|js)$", asset), asset
        status, headers, _ = fetch(production_server + asset)
        assert status == 200, asset
        assert "max-age=315360000" in headers.get("Cache-Control", ""), asset


def test_probes_answer_under_gunicorn_without_naming_versions(production_server):
    assert fetch(f"{production_server}/health/")[0] == 200
    status, headers, body = fetch(f"{production_server}/api/v1/health/")
    assert status == 200, body
    # The server under test, not Django's test client: gunicorn names itself, never a version.
    for path in ("/health/", "/api/v1/health/", "/admin/login/"):
        _status, headers, body = fetch(f"{production_server}{path}")
        served_by = headers.get("Server", "")
        assert not re.search(r"\d", served_by), (path, served_by)
        text = body.decode().lower()
        assert "django/" not in text and "python/" not in text, path


def test_plain_http_pages_redirect_to_https_but_probes_do_not(production_server):
    request = urllib.request.Request(f"{production_server}/admin/login/")

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as error:
        opener.open(request, timeout=10)
    assert error.value.code == 301
    with opener.open(f"{production_server}/api/v1/health/", timeout=10) as response:
        assert response.status == 200


def test_an_oversized_form_is_refused_before_its_body_is_sent(production_server):
    """Only the headers go out. They pass the CSRF check's first steps (origin, cookie), after
    which Django would read the form from the body: without the limit no answer would come."""
    host = production_server.removeprefix("http://")
    with socket.create_connection(tuple(host.split(":")), timeout=10) as connection:
        connection.sendall(
            f"POST /admin/login/ HTTP/1.1\r\nHost: {host}\r\nX-Forwarded-Proto: https\r\n"
            f"Origin: https://{host}\r\nCookie: csrftoken={'a' * 32}\r\n"
            "Content-Type: multipart/form-data; boundary=x\r\n"
            "Content-Length: 1073741824\r\n\r\n".encode()
        )
        reply = connection.recv(4096)
    assert reply.startswith(b"HTTP/1.1 413"), reply
