"""One JSON error shape for every API failure:

{"error": {"code": "...", "message": "...", "fields": {"name": ["..."]}}}

Also the pieces that keep the OpenAPI description honest about it: the error serializer,
an AutoSchema that lists the error responses of every operation, and the JSON answers for
the failures that happen outside DRF views (unknown URLs, crashes, axes lockouts).
"""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.http import conditional_page
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from apps.core.errors import ApplicationError

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"

# Ids are 64-bit: an id field capped here answers 400 where a larger number would overflow
# the database lookup.
MAX_ID = 2**63 - 1


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


# OpenAPI description of the error shape.


class ErrorFieldShortageSerializer(serializers.Serializer):
    sku = serializers.CharField()
    requested = serializers.IntegerField()
    available = serializers.IntegerField()


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable, machine-readable error code.")
    message = serializers.CharField(help_text="Human-readable message, translated.")
    fields = serializers.DictField(
        child=serializers.JSONField(),
        required=False,
        help_text="Field name → list of messages (validation errors only).",
    )
    shortages = ErrorFieldShortageSerializer(
        many=True, required=False, help_text="Every short SKU (insufficient_stock only)."
    )


class ErrorResponseSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


ERROR_DESCRIPTIONS = {
    "400": "Invalid input or a business rule refused the request.",
    "401": "Missing, invalid or expired access token.",
    "403": "Your role does not allow this, or the account is locked out.",
    "404": "Not found (or not visible to you).",
    "405": "Method not allowed.",
    "406": "Not acceptable: this API answers JSON.",
    "409": "Conflict with the current state, e.g. insufficient stock.",
    "415": "Unsupported media type: send JSON.",
    "422": "The Idempotency-Key was already used with a different request body.",
    "429": "Too many requests; see the Retry-After header.",
}

_ALWAYS = ("401", "403", "404", "405", "406", "429")
_WITH_BODY = ("400", "415")


class NexusAutoSchema(AutoSchema):
    """Adds the documented error responses to every operation.

    Views may declare more (409, 422) with `extend_schema(responses=...)`; what they declare
    wins, the rest come from here so no operation forgets its failure modes.
    """

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        codes = list(_ALWAYS)
        if self.method in ("POST", "PUT", "PATCH"):
            codes += _WITH_BODY
        elif self.method == "GET":
            codes.append("400")
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    ErrorResponseSerializer, code, direction=direction
                )
                responses[code]["description"] = ERROR_DESCRIPTIONS[code]
        return dict(sorted(responses.items()))


def error_response(code: int):
    """An `extend_schema(responses=...)` entry for an error this operation may answer."""
    return OpenApiResponse(ErrorResponseSerializer, description=ERROR_DESCRIPTIONS[str(code)])


def iso_datetime(value) -> str:
    """What DRF's DateTimeField answers (current time zone, "Z" for UTC), for hand-built
    representations on hot paths."""
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class PublicReadMixin:
    """Anonymous catalogue reads: cacheable for a minute, revalidated with an ETag.

    The ETag is a hash of the rendered body (ConditionalGetMiddleware, per view), so a client
    sending If-None-Match gets a bodiless 304 when nothing changed.
    """

    permission_classes = [AllowAny]
    public_max_age = 60

    @classmethod
    def as_view(cls, **initkwargs):
        return conditional_page(super().as_view(**initkwargs))

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code == status.HTTP_200_OK:
            patch_cache_control(response, public=True, max_age=self.public_max_age)
        return response
