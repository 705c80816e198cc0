"""One JSON error shape for every API failure:

{"error": {"code": "...", "message": "...", "fields": {"name": ["..."]}}}

DRF's exception handler, and the JSON answers for the failures that happen outside DRF views
(unknown URLs, refusals, crashes, a database outage, bodies refused by size, axes lockouts).
Outside /api/ the same failures answer with a page in the back office's chrome.
"""

import logging
import sys

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from apps.core.errors import ApplicationError

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"


def _error_body(code: str, message: str, fields: dict | None = None, **extra) -> dict:
    body = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    body.update(extra)
    return {"error": body}


def _flatten_message(detail) -> str:
    if isinstance(detail, list) and detail:
        return _flatten_message(detail[0])
    if isinstance(detail, dict) and detail:
        return _flatten_message(next(iter(detail.values())))
    return str(detail)


def exception_handler(exc, context):
    if is_database_outage(exc):
        return database_unavailable(context["request"])
    if isinstance(exc, ApplicationError):
        return Response(_error_body(exc.code, exc.message, **exc.extra), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        logger.exception("unhandled API error", exc_info=exc)
        return Response(
            _error_body("server_error", _("An unexpected error occurred.")),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )

    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = _error_body(
            "invalid", _flatten_message(detail) or _("Invalid input."), fields=detail
        )
    else:
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        # simplejwt puts a dict in `detail`; its class still names the failure.
        code = codes if isinstance(codes, str) else getattr(exc, "default_code", "error")
        response.data = _error_body(code, _flatten_message(response.data.get("detail", exc)))
    return response


# Answers for failures that never reach a DRF view: JSON under /api/, a page in the chrome
# everywhere else.

ERROR_TITLES = {
    403: gettext_lazy("You cannot open this page"),
    404: gettext_lazy("Page not found"),
    500: gettext_lazy("Something went wrong"),
    503: gettext_lazy("We'll be right back"),
}

# A restart or a failover of the database takes seconds; clients may try again after this.
RETRY_AFTER_SECONDS = 10

# Failures of the connection itself (SQLSTATE class 08, the server shutting down or starting
# up), as opposed to what one query did (a deadlock, a lock or statement timeout).
OUTAGE_SQLSTATES = ("08", "57P01", "57P02", "57P03")
SQLITE_IOERR, SQLITE_CANTOPEN = 10, 14


def is_database_outage(exc: BaseException | None) -> bool:
    """Whether `exc` says the database cannot be reached, rather than that a query failed."""
    if isinstance(exc, InterfaceError):
        return True  # the driver's connection is closed or was never opened
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    sqlite_code = getattr(cause, "sqlite_errorcode", None)
    if sqlite_code is not None:
        return sqlite_code & 0xFF in (SQLITE_IOERR, SQLITE_CANTOPEN)
    sqlstate = getattr(cause, "sqlstate", None)
    # psycopg gives no SQLSTATE when it could not reach the server at all.
    return sqlstate is None or sqlstate.startswith(OUTAGE_SQLSTATES)


def _is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def _error_page(request, status_code: int, *, signed_in: bool = True) -> HttpResponse:
    """The page for `status_code`: in the admin chrome with its sidebar for staff, in the bare
    theme for everyone else, with a way back.

    Without `signed_in` nothing is read about the person (their session, roles and messages
    live in the database), so the page can be drawn while the database is down.
    """
    if not signed_in:
        request.user = AnonymousUser()
    in_chrome = request.user.is_active and request.user.is_staff
    context = {
        **admin.site.each_context(request),
        "title": ERROR_TITLES[status_code],
        "status_code": status_code,
        "error_layout": "admin/base_site.html" if in_chrome else "nexus/error_layout_bare.html",
    }
    if not signed_in:
        context["messages"] = ()
    return render(request, f"{status_code}.html", context, status=status_code)


def permission_denied(request, exception=None):
    if _is_api(request):
        return JsonResponse(
            _error_body("permission_denied", str(exceptions.PermissionDenied.default_detail)),
            status=403,
        )
    return _error_page(request, 403)


def not_found(request, exception=None):
    if _is_api(request):
        return JsonResponse(_error_body("not_found", _("Not found.")), status=404)
    return _error_page(request, 404)


def database_unavailable(request) -> HttpResponse:
    """503 with Retry-After while the database cannot be reached; nothing here touches it."""
    if _is_api(request):
        response: HttpResponse = JsonResponse(
            _error_body(
                "service_unavailable",
                _("The service is briefly unavailable. Try again in a few seconds."),
            ),
            status=503,
        )
    else:
        response = _error_page(request, 503, signed_in=False)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request):
    # Django calls this inside its `except`: the exception is still at hand.
    if is_database_outage(sys.exc_info()[1]):
        return database_unavailable(request)
    if _is_api(request):
        return JsonResponse(
            _error_body("server_error", _("An unexpected error occurred.")), status=500
        )
    try:
        return _error_page(request, 500)
    except Exception:
        # The chrome needs the database and the templates; this page needs neither.
        logger.exception("the 500 page could not be drawn in the chrome")
        return HttpResponseServerError("<h1>Server Error (500)</h1>")


def request_too_large(request, limit: int):
    """413 for a body refused from its Content-Length (apps.core.middleware)."""
    message = _("The request is too large: the limit is %(limit)s.") % {
        "limit": filesizeformat(limit)
    }
    if _is_api(request):
        return JsonResponse(_error_body("request_too_large", message), status=413)
    return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")


def lockout_response(request, original_response=None, credentials=None):
    """django-axes lockout: the API gets the error shape, the admin keeps its lockout page."""
    cool_off = settings.AXES_COOLOFF_TIME
    status_code = settings.AXES_HTTP_RESPONSE_CODE
    if _is_api(request):
        response = JsonResponse(
            _error_body(
                "locked_out",
                _("Too many failed sign-in attempts. Try again later."),
            ),
            status=status_code,
        )
        response["Retry-After"] = str(int(cool_off.total_seconds()))
        return response
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "username": (credentials or {}).get(settings.AXES_USERNAME_FORM_FIELD, ""),
        "cooloff_timedelta": cool_off,
    }
    return render(request, settings.AXES_LOCKOUT_TEMPLATE, context, status=status_code)
