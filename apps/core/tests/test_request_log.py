import logging

import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db


@override_settings(REQUEST_LOG=True)
def test_one_log_line_per_request_when_enabled(caplog):
    with caplog.at_level(logging.INFO, logger="nexus.request"):
        Client().get("/admin/login/?next=/admin/")
    lines = [r.getMessage() for r in caplog.records if r.name == "nexus.request"]
    assert len(lines) == 1
    method, path, status = lines[0].split()[:3]
    assert (method, path, status) == ("GET", "/admin/login/?next=/admin/", "200")
    assert lines[0].endswith("user=-")


@override_settings(REQUEST_LOG=False)
def test_no_request_lines_when_disabled(caplog):
    with caplog.at_level(logging.INFO, logger="nexus.request"):
        Client().get("/admin/login/")
    assert not [r for r in caplog.records if r.name == "nexus.request"]


def test_a_django_log_line_is_printed_once_with_debug_on(tmp_path):
    """Django's DEBUG-only console handler would repeat every django.* line on stderr."""
    import os
    import subprocess
    import sys

    from django.conf import settings

    script = (
        "import django, logging; django.setup(); "
        "logging.getLogger('django.request').warning('printed once')"
    )
    environment = {
        **os.environ,
        "ENVIRONMENT": "development",
        "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "nexus.settings",
    }
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.stdout + result.stderr).count("printed once") == 1
