"""Bare `pytest`, as the README's manual set-up runs it, uses the test settings."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(__file__).resolve().parents[3]


def test_the_suite_runs_on_the_test_settings():
    assert settings.ENVIRONMENT == "test"


def test_bare_pytest_chooses_the_test_settings_itself():
    environment = {k: v for k, v in os.environ.items() if k != "ENVIRONMENT"}
    environment["ENVIRONMENT"] = "development"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"{Path(__file__).relative_to(BASE_DIR)}::test_the_suite_runs_on_the_test_settings",
        ],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-2000:]
