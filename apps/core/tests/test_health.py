import subprocess
import sys

import pytest
from django.db.utils import ConnectionHandler

from apps.core import health
from apps.core.testing import BASE_DIR, child_env

pytestmark = pytest.mark.django_db


def test_liveness_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_readiness_reports_each_check_with_its_latency(client):
    response = client.get("/api/v1/health/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["database"]["latency_ms"] >= 0


@pytest.mark.parametrize("path", ["/health/", "/api/v1/health/"])
def test_probes_answer_hosts_outside_allowed_hosts(client, path):
    # Docker and load balancers call the probe by container IP.
    response = client.get(path, HTTP_HOST="10.1.2.3:8000")
    assert response.status_code == 200


def test_readiness_answers_503_naming_the_database_when_it_is_unreachable(client, monkeypatch):
    broken = ConnectionHandler(
        {
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": "nexus",
                "USER": "nobody",
                "HOST": "127.0.0.1",
                "PORT": "1",
                "OPTIONS": {"connect_timeout": 2},
            }
        }
    )
    monkeypatch.setattr(health, "connections", broken)
    response = client.get("/api/v1/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["database"] == {"status": "error", "error": "database unavailable"}
    assert "127.0.0.1" not in response.content.decode()


def test_readiness_with_a_broken_database_url_in_a_fresh_process():
    script = (
        "import django; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/api/v1/health/');"
        "print(r.status_code, r.json()['checks']['database']['status'])"
    )
    env = child_env(
        {
            "DJANGO_SETTINGS_MODULE": "nexus.settings",
            "ENVIRONMENT": "test",
            "DATABASE_URL": "postgres://postgres@127.0.0.1:1/nexus_missing",
        }
    )
    # The guard is generous; connect_timeout is what keeps a real outage short.
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["503", "error"]


def test_responses_do_not_leak_versions(client):
    for path in ("/health/", "/api/v1/health/"):
        response = client.get(path)
        text = response.content.decode().lower()
        assert "django" not in text and "python" not in text and "postgres" not in text
