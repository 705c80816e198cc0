"""The OpenAPI description, exact enough for a storefront team to generate its client from.

- The error shape, and every operation's error responses with the codes each may carry (an
  enum, so a code the schema does not name fails the schema test).
- Request text fields say what DRF refuses: a NUL character anywhere, and only whitespace
  where a blank is not allowed (DRF trims before it checks).
- Nested lists carry their item bounds; query filters their bounds and integer types.
"""

from functools import cache

from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import is_list_serializer
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import serializers

# Python's whitespace (str.isspace: what DRF's trimming removes), spelled out rather than as
# `\s`, whose meaning differs between regex engines.
WHITESPACE = (
    r"\t\n\u000b\u000c\r\u001c-\u001f \u0085\u00a0\u1680\u2000-\u200a"
    r"\u2028\u2029\u202f\u205f\u3000"
)
NO_NUL = r"^[^\u0000]*$"
NOT_BLANK = rf"^[^\u0000]*[^\u0000{WHITESPACE}][^\u0000]*$"


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
    "400": "The request does not match this schema: `invalid` (with `fields`) or "
    "`parse_error` (the body is not JSON).",
    "401": "Missing, invalid, expired or revoked access token.",
    "403": "Your role does not allow this.",
    "404": "Not found (or not visible to you), or an object the body names is not.",
    "405": "Method not allowed.",
    "406": "Not acceptable: this API answers JSON.",
    "409": "Conflict with the current state, e.g. insufficient stock or a duplicate.",
    "413": "The request body is too large.",
    "415": "Unsupported media type: send JSON.",
    "422": "Well formed, but refused by a rule this schema cannot state.",
    "429": "Too many requests, or too many failed sign-ins; see the Retry-After header.",
    "500": "An unexpected error; nothing was changed.",
    "503": "The database is briefly unreachable; see the Retry-After header.",
}

# The codes the framework answers with, the same on every operation.
GENERIC_CODES = {
    "401": (
        "not_authenticated",
        "authentication_failed",
        "token_not_valid",
        "token_revoked",
        "bad_authorization_header",
        "user_not_found",
        "user_inactive",
    ),
    "403": ("permission_denied",),
    "404": ("not_found",),
    "405": ("method_not_allowed",),
    "406": ("not_acceptable",),
    "413": ("request_too_large",),
    "415": ("unsupported_media_type",),
    "429": ("throttled", "locked_out"),
    "500": ("server_error",),
    "503": ("service_unavailable",),
}

_ALWAYS = ("401", "403", "404", "405", "406", "429", "500", "503")
_WITH_BODY = ("400", "413", "415")
_RETRY_AFTER = ("429", "503")


@cache
def error_serializer(status: str, codes: tuple[str, ...] = ()) -> type[serializers.Serializer]:
    """The error shape with `code` limited to the framework's codes for `status` and `codes`:
    a component per status (`Error404`) and per status and codes (`Error409DuplicateSku`)."""
    name = f"Error{status}" + "".join(part.title() for code in codes for part in code.split("_"))
    every = list(dict.fromkeys((*GENERIC_CODES.get(status, ()), *codes)))

    @extend_schema_field({"type": "string", "enum": every})
    class CodeField(serializers.CharField):
        pass

    detail = type(
        f"{name}DetailSerializer",
        (ErrorDetailSerializer,),
        {"code": CodeField(help_text="Stable, machine-readable error code.")},
    )
    return type(f"{name}Serializer", (serializers.Serializer,), {"error": detail()})


def error_response(status: int, *codes: str) -> OpenApiResponse:
    """An `extend_schema(responses=...)` entry for an error this operation may answer, naming
    the codes it carries besides the framework's own for the status; without codes, any code
    (operations not described to the code yet)."""
    key = str(status)
    description = ERROR_DESCRIPTIONS[key]
    if not codes:
        return OpenApiResponse(ErrorResponseSerializer, description=description)
    listed = ", ".join(f"`{code}`" for code in codes)
    return OpenApiResponse(
        error_serializer(key, codes), description=f"{description} Codes: {listed}."
    )


class NexusAutoSchema(AutoSchema):
    """Adds the documented error responses to every operation, and says in the request
    schemas what the serializers refuse beyond DRF's own mapping.

    Views may declare more (409, 422, a 404 naming the body's objects) with
    `extend_schema(responses=...)` and `error_response`; what they declare wins, the rest come
    from here so no operation forgets its failure modes.
    """

    _direction: str | None = None

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        codes = list(_ALWAYS)
        if self.method in ("POST", "PUT", "PATCH") or (
            self.method == "DELETE" and self.get_request_serializer() is not None
        ):
            codes += _WITH_BODY
        elif self.method == "GET":
            codes.append("400")
        for code in codes:
            if code not in responses:
                serializer = (
                    error_serializer(code) if code in GENERIC_CODES else ErrorResponseSerializer
                )
                responses[code] = self._get_response_for_code(serializer, code, direction=direction)
                responses[code]["description"] = ERROR_DESCRIPTIONS[code]
        return dict(sorted(responses.items()))

    def _get_response_headers_for_code(self, status_code, direction="response"):
        headers = super()._get_response_headers_for_code(status_code, direction)
        if str(status_code) in _RETRY_AFTER:
            headers["Retry-After"] = {
                "schema": {"type": "integer", "minimum": 0},
                "description": "Seconds to wait before trying again.",
                "required": True,
            }
        return headers

    def _map_basic_serializer(self, serializer, direction):
        """Also a serializer's `openapi_one_of` (alternatives among its fields) and
        `openapi_properties` (keywords a field's mapping cannot say) in request schemas."""
        outer, self._direction = self._direction, direction
        try:
            schema = super()._map_basic_serializer(serializer, direction)
        finally:
            self._direction = outer
        if direction == "request":
            if one_of := getattr(serializer, "openapi_one_of", None):
                schema["oneOf"] = one_of
            for name, keywords in getattr(serializer, "openapi_properties", {}).items():
                schema["properties"][name].update(keywords)
        return schema

    def _insert_field_validators(self, field, schema):
        super()._insert_field_validators(field, schema)
        if self._direction != "request":
            return
        if is_list_serializer(field) and schema.get("type") == "array":
            _list_bounds(field, schema)
        elif isinstance(field, serializers.CharField) and schema.get("type") == "string":
            _text_pattern(field, schema)


def _list_bounds(field: serializers.ListSerializer, schema: dict) -> None:
    minimum = field.min_length or (0 if field.allow_empty else 1)
    if minimum:
        schema["minItems"] = minimum
    if field.max_length is not None:
        schema["maxItems"] = field.max_length


def _text_pattern(field: serializers.CharField, schema: dict) -> None:
    """DRF refuses a NUL anywhere, and (trimming) only whitespace where blank is not allowed."""
    if {"pattern", "format", "enum", "oneOf"} & set(schema):
        return
    blank_refused = not field.allow_blank and field.trim_whitespace
    schema["pattern"] = NOT_BLANK if blank_refused else NO_NUL


class NexusFilterExtension(DjangoFilterExtension):
    """django-filter's parameters with the bounds their form fields check: a whole-number
    filter is an integer, a number filter stays within its limits (django-filter's own
    1e50 included), a text filter within its length and without NUL."""

    target_class = "apps.core.filtering.QueryFilterBackend"
    priority = 1

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name, filter_field):
        parameters = super().resolve_filter_field(
            auto_schema, model, filterset_class, field_name, filter_field
        )
        form_field = filter_field.field
        for parameter in parameters:
            schema = parameter["schema"]
            if schema.get("type") in ("number", "integer"):
                _number_bounds(form_field, schema)
            elif schema.get("type") == "string" and "enum" not in schema and "format" not in schema:
                schema["pattern"] = NO_NUL
                if getattr(form_field, "max_length", None) is not None:
                    schema["maxLength"] = form_field.max_length
        return parameters


def _number_bounds(form_field, schema: dict) -> None:
    if getattr(form_field, "decimal_places", None) == 0:
        schema["type"] = "integer"
    for validator in form_field.validators:
        limit = validator.limit_value if hasattr(validator, "limit_value") else None
        if limit is None:
            continue
        limit = int(limit) if float(limit).is_integer() and abs(limit) < 2**64 else float(limit)
        kind = type(validator).__name__
        if kind == "MaxValueValidator":
            schema["maximum"] = min(schema.get("maximum", limit), limit)
        elif kind == "MinValueValidator":
            schema["minimum"] = max(schema.get("minimum", limit), limit)
