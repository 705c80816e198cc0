"""The admin, its static files and the probes served by gunicorn with DEBUG off."""

import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from apps.core.testing import BASE_DIR, PRODUCTION_ENV, child_env, free_port, run_manage


def fetch(url: str) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture(scope="module")
def production_server(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("production")
    env = child_env(
        {
            **PRODUCTION_ENV,
            "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
            "STATIC_ROOT": str(workdir / "static"),
            "MEDIA_ROOT": str(workdir / "media"),
        }
    )
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
        result = run_manage(*command, env=env, timeout=180)
        assert result.returncode == 0, result.stderr
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "nexus.wsgi", "-c", "gunicorn.conf.py"],
        cwd=BASE_DIR,
        env={**env, "PORT": str(port), "WEB_CONCURRENCY": "1", "GUNICORN_HOST": "127.0.0.1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if fetch(f"{base_url}/health/")[0] == 200:
                break
        except OSError:
            time.sleep(0.2)
    else:
        server.kill()
        pytest.fail("gunicorn did not start: " + server.stdout.read().decode())
    yield base_url
    server.terminate()
    server.wait(timeout=10)


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
