"""The browser tests' guard: skipped on a machine without Chromium, never silently in CI."""

import sys

import pytest

from apps.core.tests.browser import chromium_or_skip


def test_an_existing_chromium_is_used(monkeypatch):
    monkeypatch.setenv("NEXUS_CHROMIUM", sys.executable)
    monkeypatch.setenv("NEXUS_REQUIRE_BROWSER", "1")
    assert chromium_or_skip() == sys.executable


def test_a_missing_chromium_skips_with_the_reason(monkeypatch, tmp_path):
    monkeypatch.setenv("NEXUS_CHROMIUM", str(tmp_path / "chromium"))
    monkeypatch.delenv("NEXUS_REQUIRE_BROWSER", raising=False)
    with pytest.raises(pytest.skip.Exception, match="Chromium not found at"):
        chromium_or_skip()


def test_a_missing_chromium_fails_when_ci_requires_the_browser(monkeypatch, tmp_path):
    monkeypatch.setenv("NEXUS_CHROMIUM", str(tmp_path / "chromium"))
    monkeypatch.setenv("NEXUS_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="NEXUS_REQUIRE_BROWSER=1"):
        chromium_or_skip()
