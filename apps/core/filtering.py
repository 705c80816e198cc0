"""The API's filter backend (its own module: DRF imports it while loading generics)."""

import re

import django_filters
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError

# What the schema's `number` and `integer` query parameters are: JSON's own number literals.
NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
# RFC 3339, the schema's `date-time`.
DATE_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:[Zz]|[+-][0-9]{2}:[0-9]{2})"
)
BOOLEANS = ("true", "false")


def loose_value_error(filter_field: django_filters.Filter, value: str) -> str | None:
    """Why `value` is not what the schema says this filter takes, for the values django-filter
    would let through anyway: an empty value (read as "no filter"), "1", "yes" or "abc" for a
    boolean (the last read as "no filter"), " 5" or "+5" for a number, a bare date for a
    date-time, a text longer than its limit once its spaces are trimmed. None when it is."""
    if isinstance(filter_field, django_filters.CharFilter):
        limit = filter_field.extra.get("max_length")
        if limit is not None and len(value) > limit:
            return _("Ensure this field has no more than %(limit)s characters.") % {"limit": limit}
        return None
    if isinstance(filter_field, django_filters.BooleanFilter):
        return None if value in BOOLEANS else _("Must be true or false.")
    if value == "":
        return _("This field may not be blank.")
    if isinstance(filter_field, django_filters.NumberFilter) and not NUMBER.fullmatch(value):
        return _("A number is required.")
    if isinstance(filter_field, django_filters.IsoDateTimeFilter) and not DATE_TIME.fullmatch(
        value
    ):
        return _("An RFC 3339 date and time is required, e.g. 2026-01-31T09:00:00Z.")
    return None


class QueryFilterBackend(DjangoFilterBackend):
    """django-filter, skipped when the query string names none of the view's filters.

    Building a FilterSet and its form costs about a millisecond per request; with no filter
    given it would return the queryset unchanged anyway.

    Each value given must be what the schema says (`loose_value_error`): django-filter's
    forms are lenient the way HTML forms need, which a typed API contract is not.
    """

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None or not any(
            name in request.query_params for name in filterset_class.base_filters
        ):
            return queryset
        filterset = self.get_filterset(request, queryset, view)
        errors = {} if filterset.is_valid() else dict(filterset.errors)
        for name, filter_field in filterset_class.base_filters.items():
            if name in request.query_params:
                error = loose_value_error(filter_field, request.query_params[name])
                if error is not None:
                    errors[name] = [error]
        if errors:
            raise ValidationError({name: list(messages) for name, messages in errors.items()})
        return filterset.qs
