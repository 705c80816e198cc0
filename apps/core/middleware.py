import logging
import time

from csp.middleware import CSPMiddleware
from django.conf import settings

from apps.core.health import liveness, readiness

request_logger = logging.getLogger("nexus.request")

HEALTH_VIEWS = {"/health/": liveness, "/api/v1/health/": readiness}


class HealthCheckMiddleware:
    """Answer the probes before host validation and the HTTPS redirect.

    Load balancers and Docker call the probes by IP or `localhost`, which ALLOWED_HOSTS rightly
    rejects for every other page, and over plain HTTP inside the private network.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        view = HEALTH_VIEWS.get(request.path_info)
        if view is not None:
            return view(request)
        return self.get_response(request)


class RequestLogMiddleware:
    """One line per request on stdout, for platforms that collect container logs."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.enabled = settings.REQUEST_LOG

    def __call__(self, request):
        if not self.enabled:
            return self.get_response(request)
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = (time.perf_counter() - started) * 1000
        user = getattr(request, "user", None)
        request_logger.info(
            "%s %s %s %.1fms user=%s",
            request.method,
            request.get_full_path(),
            response.status_code,
            duration_ms,
            user.pk if user is not None and user.is_authenticated else "-",
        )
        return response


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's header, plus settings.CONTENT_SECURITY_POLICY_UNFOLD on the pages drawn in
    unfold's chrome (they mark the request with the `unfold_csp` tag) and nowhere else: the
    API docs, HTMX fragments and JSON answers keep the strict policy."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if getattr(request, "csp_unfold_chrome", False):
            parts.update = {**settings.CONTENT_SECURITY_POLICY_UNFOLD, **(parts.update or {})}
        return parts
