"""Store scoping for every back-office admin, built on apps.stores.scoping.

Staff are not superusers and hold no Django model permissions: what they may see and do is
decided by their role in each store (apps/stores/roles.py), never by auth permissions.
"""

import json

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Model, QuerySet
from django.http import Http404
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from unfold.contrib.filters.admin import DropdownFilter

from apps.stores.models import Store
from apps.stores.roles import Capability
from apps.stores.scoping import (
    is_platform_operator,
    scope_queryset,
    store_ids_for,
    stores_for,
    user_can,
    user_can_anywhere,
)

SESSION_STORE_KEY = "nexus_current_store"


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


def current_store_id(request) -> int | None:
    """The store chosen in the store switcher, if the user may still see it."""
    store_id = request.session.get(SESSION_STORE_KEY) if hasattr(request, "session") else None
    if store_id is None:
        return None
    allowed = store_ids_for(request.user)
    if allowed is not None and store_id not in allowed:
        return None
    return store_id


def scope_to_current_store(
    queryset: QuerySet,
    user,
    request=None,
    *,
    store_field: str = "store",
    capability: Capability = Capability.VIEW,
) -> QuerySet:
    """scope_queryset, then narrowed to the store chosen in the switcher (if any)."""
    queryset = scope_queryset(queryset, user, store_field=store_field, capability=capability)
    selected = current_store_id(request) if request is not None else None
    return queryset.filter(**{f"{store_field}_id": selected}) if selected else queryset


def switcher_context(request) -> dict:
    """The store switcher is offered to people who work in more than one store."""
    stores = list(stores_for(request.user).only("pk", "name").order_by("name")[:50])
    return {
        "switcher_stores": stores if len(stores) > 1 else [],
        "current_store": current_store_id(request),
    }


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
        field = self.model_admin_store_field
        if field is None:
            return queryset.filter(pk=store_id)
        return queryset.filter(**{f"{field}_id": store_id})

    def __init__(self, request, params, model, model_admin):
        self.model_admin_store_field = model_admin.store_field
        super().__init__(request, params, model, model_admin)


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
        filters = list(super().get_list_filter(request))
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
        sql, params = queryset.order_by().values("pk").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            plan = cursor.fetchone()[0]
        if isinstance(plan, str):
            plan = json.loads(plan)
        return int(plan[0]["Plan"]["Plan Rows"])
