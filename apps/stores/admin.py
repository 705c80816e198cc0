from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin, TabularInline
from unfold.contrib.filters.admin import AutocompleteSelectFilter, ChoicesDropdownFilter

from apps.stores.admin_mixins import (
    SESSION_STORE_KEY,
    ScopedInlineMixin,
    StoreScopedAdminMixin,
)
from apps.stores.forms import StoreMembershipForm
from apps.stores.models import Store, StoreMembership
from apps.stores.roles import Capability
from apps.stores.scoping import forget_store_roles, is_platform_operator, user_can


class MembershipInline(ScopedInlineMixin, TabularInline):
    model = StoreMembership
    parent_store_field = None
    change_capability = Capability.MANAGE_STORE
    form = StoreMembershipForm
    fields = ("email", "role")
    extra = 0
    tab = True
    verbose_name_plural = _("staff")


@admin.register(Store)
class StoreAdmin(StoreScopedAdminMixin, SimpleHistoryAdmin, ModelAdmin):
    store_field = None
    change_capability = Capability.MANAGE_STORE
    list_display = ("name", "slug", "currency", "order_prefix", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "slug", "order_prefix")
    prepopulated_fields = {"slug": ("name",)}
    inlines = (MembershipInline,)
    fieldsets = (
        (None, {"fields": ("name", "slug", "order_prefix", "currency", "is_active")}),
        (_("Contact"), {"fields": ("email", "phone", "address")}),
        (_("Shipping"), {"fields": ("shipping_flat_rate", "free_shipping_threshold")}),
    )

    def has_add_permission(self, request):
        # Opening a store is a platform decision; owners run the stores they were given.
        return is_platform_operator(request.user)

    def has_delete_permission(self, request, obj=None):
        return is_platform_operator(request.user)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not is_platform_operator(request.user):
            return ("slug", "order_prefix", "currency")
        return ()

    def get_prepopulated_fields(self, request, obj=None):
        return {} if "slug" in self.get_readonly_fields(request, obj) else self.prepopulated_fields

    def get_urls(self):
        return [
            path(
                "switch/",
                self.admin_site.admin_view(require_POST(self.switch_store_view)),
                name="stores_store_switch",
            ),
            *super().get_urls(),
        ]

    def switch_store_view(self, request):
        """Remember the store the user works in; empty means all of their stores."""
        value = request.POST.get("store", "")
        if value:
            try:
                store_id = int(value)
            except ValueError:
                store_id = None
            if store_id is None or not user_can(request.user, store_id, Capability.VIEW):
                messages.error(request, _("You are not a member of that store."))
            else:
                request.session[SESSION_STORE_KEY] = store_id
        else:
            request.session.pop(SESSION_STORE_KEY, None)
        target = request.POST.get("next") or reverse("admin:index")
        if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
            target = reverse("admin:index")
        return HttpResponseRedirect(target)


@admin.register(StoreMembership)
class StoreMembershipAdmin(StoreScopedAdminMixin, SimpleHistoryAdmin, ModelAdmin):
    change_capability = Capability.MANAGE_STORE
    delete_capability = Capability.MANAGE_STORE
    list_display = ("user", "store", "role", "created_at")
    list_filter = (("role", ChoicesDropdownFilter), ("user", AutocompleteSelectFilter))
    list_select_related = ("user", "store")
    search_fields = ("user__email", "user__first_name", "user__last_name", "store__name")
    form = StoreMembershipForm
    fields = ("email", "store", "role")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        forget_store_roles(request.user)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        forget_store_roles(request.user)
