"""One JSON error shape for every API failure:

{"error": {"code": "...", "message": "...", "fields": {"name": ["..."]}}}

DRF's exception handler, and the JSON answers for the failures that happen outside DRF views
(unknown URLs, crashes, bodies refused by size, axes lockouts).
"""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.views import defaults
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


# Answers for failures that never reach a DRF view. Outside /api/ Django's own pages stay.


def _is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def not_found(request, exception=None):
    if _is_api(request):
        return JsonResponse(_error_body("not_found", _("Not found.")), status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _is_api(request):
        return JsonResponse(
            _error_body("server_error", _("An unexpected error occurred.")), status=500
        )
    return defaults.server_error(request)


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
