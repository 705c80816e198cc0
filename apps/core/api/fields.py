"""Input fields that take what the schema says and nothing else.

DRF's fields coerce: a text field turns 0 into "0", an integer field reads "5" as 5, a
boolean field reads "yes" and 1 as true, a decimal field takes 12.5 as well as "12.5". The
schema (what storefront clients are generated from) says `string`, `integer`, `boolean`; a
client sending anything else has a bug, and is told so with a 400 instead of being guessed.

Text fields also check their length before trimming, as the schema's `maxLength` counts.
"""

import re
from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.money import format_money

# What MoneyField takes: up to ten whole digits (MAX_AMOUNT), then up to two decimals.
MONEY_PATTERN = r"^[0-9]{1,10}(?:\.[0-9]{1,2})?$"
_MONEY = re.compile(MONEY_PATTERN.removeprefix("^").removesuffix("$"))


class CharField(serializers.CharField):
    """Only a JSON string, no longer than `max_length` as sent."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        if self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


class EmailField(CharField, serializers.EmailField):
    pass


class SlugField(CharField, serializers.SlugField):
    pass


class IntegerField(serializers.IntegerField):
    """Only a JSON integer (not "5", not 5.0, not true)."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class BooleanField(serializers.BooleanField):
    """Only true or false (not "yes", not 1)."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


# ModelSerializer's model field → serializer field mapping, with the strict fields above.
_STRICT = {
    serializers.CharField: CharField,
    serializers.EmailField: EmailField,
    serializers.SlugField: SlugField,
    serializers.IntegerField: IntegerField,
    serializers.BooleanField: BooleanField,
}


class ModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer for input whose fields take only what the schema says."""

    serializer_field_mapping = {
        model_field: _STRICT.get(field, field)
        for model_field, field in serializers.ModelSerializer.serializer_field_mapping.items()
    }


@extend_schema_field(
    {
        "type": "string",
        "format": "decimal",
        "pattern": MONEY_PATTERN,
        "example": "19.90",
    }
)
class MoneyField(serializers.Field):
    """An amount as the API writes it: a string like "19.90" or "20", never negative, at most
    two decimals and MAX_AMOUNT. A JSON number is refused: a float has already lost cents."""

    default_error_messages = {
        "invalid": _('An amount is a string like "19.90": digits, then up to two decimals.'),
    }

    def to_internal_value(self, data) -> Decimal:
        if not isinstance(data, str) or not _MONEY.fullmatch(data):
            self.fail("invalid")
        return Decimal(data)

    def to_representation(self, value) -> str:
        return format_money(value)
