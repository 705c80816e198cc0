import logging
import time

from csp.middleware import CSPMiddleware
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import Resolver404, resolve

from apps.core.api.errors import (
    database_unavailable,
    is_database_outage,
    not_found,
    permission_denied,
    request_too_large,
)
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


# Room for the rest of an upload form around its file: the other fields, each part's headers
# and the boundaries come to a few hundred bytes; a mebibyte leaves no valid upload short.
MULTIPART_OVERHEAD = 1024 * 1024


def _content_length(request) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0  # what Django itself reads from a malformed header: no body


class RequestBodyLimitMiddleware:
    """Answer 413 from the Content-Length header, before anything reads the body.

    Django checks DATA_UPLOAD_MAX_MEMORY_SIZE only while it parses a form, and never limits a
    file (it streams to a temporary file): without this a worker would take in a body of any
    size before the form refused it. The URLs in settings.UPLOAD_URL_LIMITS take their file
    limit plus MULTIPART_OVERHEAD; every other URL takes DATA_UPLOAD_MAX_MEMORY_SIZE.
    A body without Content-Length is never read by Django, so the header is all there is.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        length = _content_length(request)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if length > limit:
            limit = max(limit, self._upload_limit(request))
            if length > limit:
                return request_too_large(request, limit)
        return self.get_response(request)

    @staticmethod
    def _upload_limit(request) -> int:
        try:
            view_name = resolve(request.path_info).view_name
        except Resolver404:
            return 0
        file_limit = settings.UPLOAD_URL_LIMITS.get(view_name)
        return 0 if file_limit is None else file_limit + MULTIPART_OVERHEAD


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's header, plus settings.CONTENT_SECURITY_POLICY_UNFOLD on the pages drawn in
    unfold's chrome (they mark the request with the `unfold_csp` tag) and nowhere else: the
    API docs, HTMX fragments and JSON answers keep the strict policy."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if getattr(request, "csp_unfold_chrome", False):
            parts.update = {**settings.CONTENT_SECURITY_POLICY_UNFOLD, **(parts.update or {})}
        return parts


class FailureResponseMiddleware:
    """A view's refusal, its 404 and a database outage answered here rather than by Django.

    Django logs a refusal or a 404 raised in a view with its whole traceback (a viewer opening a
    page their role does not allow is no fault to debug); answered here they are logged as one
    line, by django.request, from the response. A database that cannot be reached answers 503
    with Retry-After instead of a 500 that reads as a bug; the same failure outside a view
    reaches handler500, which answers the same. Nothing is kept between requests: Django drops
    a broken connection when the request ends, so the next one finds the database again.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, PermissionDenied):
            return permission_denied(request, exception)
        if isinstance(exception, Http404):
            return not_found(request, exception)
        if is_database_outage(exception):
            return database_unavailable(request)
        return None
