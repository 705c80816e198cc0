"""A database outage under gunicorn with DEBUG off: 503 with Retry-After at once, then by itself
the normal answers again when the database is back."""

import json
import time

import pytest

from apps.core.testing import fetch, production_gunicorn


@pytest.fixture(scope="module")
def server_and_database(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("outage")
    database_dir = workdir / "database"
    database_dir.mkdir()
    with production_gunicorn(workdir, database_dir / "db.sqlite3") as base_url:
        yield base_url, database_dir


def fetch_with_session(url: str):
    """A session cookie makes the admin read the sessions table before it answers."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        url, headers={"X-Forwarded-Proto": "https", "Cookie": "sessionid=no-such-session"}
    )

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_an_outage_answers_503_with_retry_after_and_recovers_by_itself(server_and_database):
    base_url, database_dir = server_and_database
    admin_page, api_list = f"{base_url}/admin/", f"{base_url}/api/v1/products/"
    assert fetch_with_session(admin_page)[0] == 302  # to the sign-in page
    assert fetch(api_list)[0] == 200

    # SQLite cannot open a file whose folder is gone: the database "is down".
    away = database_dir.with_name("database-away")
    database_dir.rename(away)
    try:
        started = time.monotonic()
        status, headers, body = fetch_with_session(admin_page)
        assert status == 503, body.decode()[:2000]
        assert int(headers["Retry-After"]) > 0
        html = body.decode()
        assert 'data-error-page="503"' in html
        assert "Content-Security-Policy" in headers

        status, headers, body = fetch(api_list)
        assert status == 503, body
        assert int(headers["Retry-After"]) > 0
        assert json.loads(body)["error"]["code"] == "service_unavailable"
        assert time.monotonic() - started < 5  # at once, not after a timeout

        # The probes keep their own answers: alive, and not ready naming the database.
        assert fetch(f"{base_url}/health/")[0] == 200
        status, _, body = fetch(f"{base_url}/api/v1/health/")
        assert status == 503 and json.loads(body)["checks"]["database"]["status"] == "error"
    finally:
        away.rename(database_dir)

    assert fetch_with_session(admin_page)[0] == 302
    assert fetch(api_list)[0] == 200
