"""Store scoping for every back-office admin, built on apps.stores.scoping.

Staff are not superusers and hold no Django model permissions: what they may see and do is
decided by their role in each store (apps/stores/roles.py), never by auth permissions.
"""

import json
from functools import cache

from django.contrib import messages
from django.contrib.admin import (
    AllValuesFieldListFilter,
    FieldListFilter,
    RelatedFieldListFilter,
)
from django.contrib.admin.exceptions import NotRegistered
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import (
    build_q_object_from_lookup_parameters,
    get_fields_from_path,
    get_model_from_relation,
)
from django.core.exceptions import EmptyResultSet, ValidationError
from django.core.paginator import Paginator
from django.core.validators import EMPTY_VALUES
from django.db import connections, transaction
from django.db.models import Model, QuerySet
from django.http import Http404, HttpResponseRedirect
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from unfold.contrib.filters.admin import DropdownFilter
from unfold.contrib.filters.admin.mixins import AutocompleteMixin

from apps.core.errors import ApplicationError
from apps.core.models import MAX_ID
from apps.stores.models import Store
from apps.stores.roles import Capability
from apps.stores.scoping import (
    current_store_id,
    is_platform_operator,
    scope_to_current_store,
    store_ids_for,
    stores_for,
    switcher_context,
    user_can,
    user_can_anywhere,
)


def store_id_of(obj: Model, store_field: str | None) -> int | None:
    """Follow `store_field` ("store", "order__store"; None: obj is the store) to a store id."""
    if obj is None:
        return None
    if store_field is None:
        return obj.pk
    *path, last = store_field.split("__")
    for step in path:
        obj = getattr(obj, step, None)
        if obj is None:
            return None
    return getattr(obj, f"{last}_id", None)


class StoreFilter(DropdownFilter):
    """Filter by store; its choices are only the stores the user may see."""

    title = _("store")
    parameter_name = "store"

    def lookups(self, request, model_admin):
        return list(stores_for(request.user).order_by("name").values_list("pk", "name"))

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        try:
            store_id = int(value)
        except (TypeError, ValueError):
            return queryset.none()
        if not 0 < store_id <= MAX_ID:
            # The database would refuse the number itself (an overflow, a 500).
            return queryset.none()
        field = self.model_admin_store_field
        if field is None:
            return queryset.filter(pk=store_id)
        return queryset.filter(**{f"{field}_id": store_id})

    def __init__(self, request, params, model, model_admin):
        self.model_admin_store_field = model_admin.store_field
        super().__init__(request, params, model, model_admin)


def visible_rows(request, admin_site, model: type[Model]) -> QuerySet:
    """The rows of `model` this person may see: what its registered admin lists for them.

    One rule per model (UserAdmin decides which people are visible, each store-scoped admin
    its rows); a model no admin shows them contributes nothing.
    """
    try:
        model_admin = admin_site.get_model_admin(model)
    except NotRegistered:
        return model._default_manager.none()
    if not model_admin.has_view_permission(request):
        return model._default_manager.none()
    return model_admin.get_queryset(request)


class VisibleRelatedValuesMixin:
    """A relation filter only ever holds ids of rows the viewer may see.

    Django accepts `?<relation>__id__exact=<any id>` and every filter renders the label of the
    id it holds. An id outside the viewer's rows is dropped, exactly as an id that does not
    exist: the list is then empty, and neither the label nor the existence of the row shows.
    """

    def __init__(self, field, request, params, model, model_admin, field_path):
        # Set before the parent's __init__, which lists the choices.
        self.visible = visible_rows(request, model_admin.admin_site, get_model_from_relation(field))
        super().__init__(field, request, params, model, model_admin, field_path)
        requested = [
            value
            for value in self.used_parameters.get(self.lookup_kwarg, ())
            if value not in EMPTY_VALUES
        ]
        self.nothing_visible = False
        if requested:
            shown = self._visible_among(requested)
            self.lookup_val = self.used_parameters[self.lookup_kwarg] = shown
            self.nothing_visible = not shown

    def _visible_among(self, values: list[str]) -> list[str]:
        target = self.field.target_field
        # Exact lookups, OR-ed: an integer out of the column's range matches nothing instead
        # of failing in the database.
        lookup = build_q_object_from_lookup_parameters({target.name: values})
        try:
            return [
                str(value)
                for value in self.visible.filter(lookup).values_list(target.attname, flat=True)
            ]
        except (ValueError, ValidationError) as error:
            raise IncorrectLookupParameters(error) from error

    def queryset(self, request, queryset):
        if self.nothing_visible:
            return queryset.none()
        return super().queryset(request, queryset)


class VisibleRelatedChoicesMixin(VisibleRelatedValuesMixin):
    """…and offers only those rows as choices; Django lists every row of the related table."""

    def field_choices(self, field, request, model_admin):
        return field.get_choices(
            include_blank=False,
            limit_choices_to={"pk__in": self.visible.values("pk")},
            ordering=self.field_admin_ordering(field, request, model_admin),
        )


class VisibleValuesMixin:
    """Values across a relation ("stock__variant__sku") are offered from this list's own rows;
    Django reads them from every row of the related table."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        self.lookup_choices = (
            model_admin.get_queryset(request)
            .distinct()
            .order_by(field_path)
            .values_list(field_path, flat=True)
        )


@cache
def visible_filter_class(filter_class: type) -> type:
    """`filter_class`, made to offer, label and filter by visible rows only."""
    if issubclass(filter_class, AutocompleteMixin):
        # Lists nothing itself: its choices come from the admin autocomplete view, which
        # answers from the related admin's get_queryset.
        mixin = VisibleRelatedValuesMixin
    elif issubclass(filter_class, RelatedFieldListFilter):
        mixin = VisibleRelatedChoicesMixin
    elif issubclass(filter_class, AllValuesFieldListFilter):
        mixin = VisibleValuesMixin
    else:
        # Choices, booleans, dates and SimpleListFilters show no rows of another table.
        return filter_class
    return type(f"Visible{filter_class.__name__}", (mixin, filter_class), {})


def visible_list_filter(model: type[Model], item):
    """A list_filter entry rewritten onto visible_filter_class."""
    if isinstance(item, str):
        field = get_fields_from_path(model, item)[-1]
        # The class FieldListFilter.create would pick for the field.
        default = next(cls for test, cls in FieldListFilter._field_list_filters if test(field))
        return item, visible_filter_class(default)
    if isinstance(item, (list, tuple)):
        path, filter_class = item
        return path, visible_filter_class(filter_class)
    return item


class StoreScopedAdminMixin:
    """Put first in the bases of every ModelAdmin whose rows belong to a store.

    store_field: lookup path from the model to its Store ("store", "order__store");
    None when the model is Store itself. Capabilities name what each admin permission needs.
    """

    store_field: str | None = "store"
    view_capability = Capability.VIEW
    change_capability = Capability.EDIT_CATALOG
    add_capability: Capability | None = None
    delete_capability: Capability | None = None

    def _scope(self, queryset: QuerySet, request, capability=Capability.VIEW) -> QuerySet:
        if self.store_field is None:
            store_ids = store_ids_for(request.user, capability)
            queryset = queryset if store_ids is None else queryset.filter(pk__in=sorted(store_ids))
            selected = current_store_id(request)
            return queryset.filter(pk=selected) if selected else queryset
        return scope_to_current_store(
            queryset, request.user, request, store_field=self.store_field, capability=capability
        )

    # A block of the changelist, so that list_before_template stays free for the admins.
    change_list_template = "admin/scoped_change_list.html"

    def get_queryset(self, request):
        return self._scope(super().get_queryset(request), request, self.view_capability)

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(
            request, {**switcher_context(request), **(extra_context or {})}
        )

    def _allowed(self, request, obj, capability) -> bool:
        if capability is None:
            return False
        if obj is None:
            return user_can_anywhere(request.user, capability)
        return user_can(request.user, store_id_of(obj, self.store_field), capability)

    def has_module_permission(self, request):
        return user_can_anywhere(request.user, self.view_capability)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request, obj, self.view_capability) or self.has_change_permission(
            request, obj
        )

    def has_change_permission(self, request, obj=None):
        return self._allowed(request, obj, self.change_capability)

    def has_add_permission(self, request):
        return self._allowed(request, None, self.add_capability or self.change_capability)

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request, obj, self.delete_capability)

    def get_list_filter(self, request):
        filters = [
            visible_list_filter(self.model, item) for item in super().get_list_filter(request)
        ]
        show_store = len(store_ids_for(request.user) or (0, 1)) > 1
        if show_store and StoreFilter not in filters:
            filters.insert(0, StoreFilter)
        return filters

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.remote_field.model
        if related is Store:
            kwargs["queryset"] = stores_for(request.user, self.change_capability)
        else:
            related_admin = self.admin_site._registry.get(related)
            if isinstance(related_admin, StoreScopedAdminMixin):
                kwargs["queryset"] = related_admin.get_queryset(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Another store's object must not be distinguishable from a missing one.
        raise Http404(_("Not found."))

    def history_view(self, request, object_id, extra_context=None):
        self._scoped_object_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._scoped_object_or_404(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def _scoped_object_or_404(self, request, object_id):
        obj = self.get_object(request, object_id)
        if obj is None:
            raise Http404(_("Not found."))
        return obj


class ScopedInlineMixin:
    """Inline permissions follow the parent object's store."""

    parent_store_field: str | None = "store"
    change_capability = Capability.EDIT_CATALOG

    def _allowed(self, request, obj):
        if obj is None:
            return user_can_anywhere(request.user, self.change_capability)
        return user_can(
            request.user, store_id_of(obj, self.parent_store_field), self.change_capability
        )

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return user_can_anywhere(request.user, Capability.VIEW)
        return user_can(request.user, store_id_of(obj, self.parent_store_field), Capability.VIEW)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request, obj)

    def has_add_permission(self, request, obj=None):
        return self._allowed(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request, obj)


class ServiceErrorsAsMessagesMixin:
    """A service's refusal (ApplicationError) on an add, change or delete page becomes a message
    on the same page, and nothing of the attempt is kept."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            with transaction.atomic():
                return super().changeform_view(request, object_id, form_url, extra_context)
        except ApplicationError as error:
            messages.error(request, error.message)
            return HttpResponseRedirect(request.get_full_path())

    def delete_view(self, request, object_id, extra_context=None):
        try:
            with transaction.atomic():
                return super().delete_view(request, object_id, extra_context)
        except ApplicationError as error:
            messages.error(request, error.message)
            return HttpResponseRedirect(request.get_full_path())


class ReadOnlyInlineMixin:
    """Rows shown beside their parent and changed only through services elsewhere."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PlatformAdminMixin:
    """Platform-wide data (categories): every staff member may read it, operators edit it."""

    def has_module_permission(self, request):
        return user_can_anywhere(request.user, Capability.VIEW)

    def has_view_permission(self, request, obj=None):
        return user_can_anywhere(request.user, Capability.VIEW)

    def has_change_permission(self, request, obj=None):
        return is_platform_operator(request.user)

    def has_add_permission(self, request):
        return is_platform_operator(request.user)

    def has_delete_permission(self, request, obj=None):
        return is_platform_operator(request.user)


class EstimatedCountPaginator(Paginator):
    """Counts exactly when the result is small; on PostgreSQL, estimates when it is large.

    A changelist over a million orders must not run COUNT(*) on every page view: the
    planner's row estimate (the same figure pg_class.reltuples feeds) is good enough to size
    the pager, and an exact count is only run once the estimate says it is cheap.
    """

    exact_below = 10_000

    @cached_property
    def count(self):
        queryset = self.object_list
        if not isinstance(queryset, QuerySet):
            return super().count
        connection = connections[queryset.db]
        if connection.vendor != "postgresql":
            return super().count
        estimate = self._estimate(queryset, connection)
        if estimate < self.exact_below:
            return super().count
        return estimate

    @staticmethod
    def _estimate(queryset, connection) -> int:
        try:
            sql, params = queryset.order_by().values("pk").query.sql_with_params()
        except EmptyResultSet:
            # Django knows without asking (.none(), an id beyond the column's range).
            return 0
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            plan = cursor.fetchone()[0]
        if isinstance(plan, str):
            plan = json.loads(plan)
        return int(plan[0]["Plan"]["Plan Rows"])
