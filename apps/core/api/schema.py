"""The OpenAPI description of the error shape: the error serializer, and an AutoSchema that
lists the error responses of every operation so none forgets its failure modes."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


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
