"""Liveness and readiness probes.

Liveness (/health/) proves the process answers and touches nothing else, so a database outage
does not get healthy web processes restarted. Readiness (/api/v1/health/) checks every backend
the process needs and names the one that fails, without revealing versions or error details.
"""

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


def check_database() -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    cache.set("nexus:health", "ok", timeout=5)
    if cache.get("nexus:health") != "ok":
        raise RuntimeError("cache did not return the value it was given")


def configured_checks() -> dict[str, Callable[[], None]]:
    checks = {"database": check_database}
    if settings.REDIS_URL:
        checks["cache"] = check_cache
    return checks


def run_checks() -> tuple[bool, dict[str, dict]]:
    results: dict[str, dict] = {}
    healthy = True
    for name, check in configured_checks().items():
        started = time.perf_counter()
        try:
            check()
        except Exception:
            healthy = False
            logger.exception("readiness check %s failed", name)
            results[name] = {"status": "error", "error": f"{name} unavailable"}
            if name == "database":
                # A broken persistent connection must not be reused by the next request.
                connections["default"].close_if_unusable_or_obsolete()
        else:
            latency_ms = round((time.perf_counter() - started) * 1000, 2)
            results[name] = {"status": "ok", "latency_ms": latency_ms}
    return healthy, results


@never_cache
@require_safe
def liveness(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readiness(request):
    healthy, checks = run_checks()
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks},
        status=200 if healthy else 503,
    )
