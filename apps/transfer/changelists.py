"""Exports that respect an admin changelist's filters reuse the changelist itself, so a
filter, a search or a date drill-down means the same thing on the page and in the file.

The filters come from the export page's form (and wait on a background job), so they are
untrusted: each way they can be wrong becomes an ApplicationError that the page shows as the
form's error and a job as its failure, never an exception page."""

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import NotRelationField, get_fields_from_path
from django.contrib.admin.views.main import (
    ALL_VAR,
    ERROR_FLAG,
    IS_FACETS_VAR,
    IS_POPUP_VAR,
    PAGE_VAR,
    TO_FIELD_VAR,
)
from django.core.exceptions import FieldDoesNotExist, SuspiciousOperation, ValidationError
from django.db.models import QuerySet
from django.db.models.constants import LOOKUP_SEP
from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext as _

from apps.core.errors import ApplicationError
from apps.orders.models import Order
from apps.stores.roles import Capability
from apps.stores.scoping import Viewer, scope_queryset

# They pick a page of the list or a way to show it, not its rows.
_PRESENTATION_PARAMS = (PAGE_VAR, ALL_VAR, ERROR_FLAG, IS_FACETS_VAR, IS_POPUP_VAR, TO_FIELD_VAR)
# Lookups whose value is a value of the field, so the field can judge it before the query.
_VALUE_LOOKUPS = {"exact", "iexact", "gt", "gte", "lt", "lte", "in", "range"}
_LIST_LOOKUPS = {"in", "range"}


class _Flashed(list):
    """Stands in for the message storage: the changelist reports some bad input (a search
    with a NUL character) as a message to show, and carries on without it."""

    def add(self, level, message, extra_tags=""):
        if level >= messages.ERROR:
            self.append(str(message))


def _compared_field(model, key: str):
    """(field, lookup) when `key` compares a model field with a value; None for anything
    else (a list filter's own parameter, a transform), which the changelist judges."""
    path, _sep, last = key.rpartition(LOOKUP_SEP)
    for field_path, lookup in ((key, "exact"), (path, last)):
        if not field_path or lookup not in _VALUE_LOOKUPS:
            continue
        try:
            field = get_fields_from_path(model, field_path)[-1]
        except (FieldDoesNotExist, NotRelationField):
            continue
        return (field.target_field if field.is_relation else field), lookup
    return None


def _check_values(model, params: QueryDict) -> None:
    """Values the database would choke on (a date that is not one, an id beyond the column's
    range) or that can never match (a status that does not exist) are refused by name."""
    for key, values in params.lists():
        compared = _compared_field(model, key)
        if compared is None:
            continue
        field, lookup = compared
        for value in values:
            items = value.split(",") if lookup in _LIST_LOOKUPS else [value]
            try:
                for item in filter(None, items):
                    python_value = field.to_python(item)
                    field.run_validators(python_value)
                    if field.choices and lookup != "iexact":
                        field.validate(python_value, None)
            except ValidationError as error:
                raise ApplicationError(
                    _("The filter %(filter)s is not valid: %(why)s")
                    % {"filter": f"{key}={value}", "why": " ".join(error.messages)}
                ) from None


def _changelist_rows(model_admin, user, query_string: str):
    try:
        params = QueryDict(query_string.lstrip("?"), mutable=True)
    except SuspiciousOperation:
        raise ApplicationError(_("The order filters are not valid.")) from None
    for name in _PRESENTATION_PARAMS:
        params.pop(name, None)
    _check_values(model_admin.model, params)
    request = HttpRequest()
    request.method = "GET"
    request.GET = params
    request.user = user
    request.path = request.path_info = "/admin/orders/order/"
    request.META["SERVER_NAME"] = "nexus"
    request.META["SERVER_PORT"] = "80"
    request._messages = flashed = _Flashed()
    try:
        changelist = model_admin.get_changelist_instance(request)
    except (IncorrectLookupParameters, SuspiciousOperation):
        raise ApplicationError(_("The order filters are not valid.")) from None
    if flashed:
        raise ApplicationError(" ".join(flashed))
    return changelist.queryset


def order_changelist_queryset(*, user: Viewer | None, query_string: str) -> QuerySet[Order]:
    """The orders the Order changelist shows for `query_string`, within the stores where
    `user` may export. Without a registered Order admin, every order the user may export."""
    if user is None:
        return Order.objects.all()
    model_admin = admin.site._registry.get(Order)
    if model_admin is None:
        return scope_queryset(Order.objects.all(), user, capability=Capability.EXPORT)
    orders = _changelist_rows(model_admin, user, query_string)
    return scope_queryset(orders, user, capability=Capability.EXPORT)
