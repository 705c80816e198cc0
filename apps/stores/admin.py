from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin, TabularInline
from unfold.contrib.filters.admin import AutocompleteSelectFilter, ChoicesDropdownFilter
from unfold.decorators import action, display

from apps.core.admin_columns import time_column
from apps.core.errors import ApplicationError
from apps.stores.admin_mixins import (
    ReadOnlyInlineMixin,
    ScopedInlineMixin,
    ServiceErrorsAsMessagesMixin,
    StoreScopedAdminMixin,
)
from apps.stores.forms import InvitationForm
from apps.stores.models import InvitationStatus, Store, StoreInvitation, StoreMembership
from apps.stores.roles import Capability
from apps.stores.scoping import SESSION_STORE_KEY, is_platform_operator, user_can
from apps.stores.services import (
    invitation_create,
    invitation_resend,
    invitation_revoke,
    membership_change_role,
    membership_remove,
)


class MembershipInline(ReadOnlyInlineMixin, ScopedInlineMixin, TabularInline):
    """The store's staff at a glance; roles change on the membership page, people join by
    invitation, so nothing is edited here."""

    model = StoreMembership
    parent_store_field = None
    change_capability = Capability.MANAGE_STORE
    fields = ("user", "role", "since")
    readonly_fields = fields
    extra = 0
    tab = True
    verbose_name_plural = _("staff")
    since = time_column(StoreMembership, "created_at")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")


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
        (_("Tax"), {"fields": ("prices_include_tax", "tax_rounding")}),
        (
            _("Orders"),
            {
                "fields": (
                    "auto_confirm_orders",
                    "ship_unpaid_orders",
                    "return_window_days",
                    "reservation_minutes",
                )
            },
        ),
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
class StoreMembershipAdmin(
    ServiceErrorsAsMessagesMixin, StoreScopedAdminMixin, SimpleHistoryAdmin, ModelAdmin
):
    """Owners change a person's role in their store or remove them from it; people join
    through invitations, and their account (name, e-mail, password) stays theirs."""

    change_capability = Capability.MANAGE_STORE
    delete_capability = Capability.MANAGE_STORE
    list_display = ("user", "store", "role", "since")
    list_filter = (("role", ChoicesDropdownFilter), ("user", AutocompleteSelectFilter))
    list_select_related = ("user", "store")
    search_fields = ("user__email", "user__first_name", "user__last_name", "store__name")
    fields = ("user", "store", "role")
    readonly_fields = ("user", "store")
    actions = ("remove_selected",)
    since = time_column(StoreMembership, "created_at")

    def has_add_permission(self, request):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        # Removing goes through membership_remove (last owner, back-office access).
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change):
        membership_change_role(membership=obj, role=form.cleaned_data["role"], actor=request.user)

    def delete_model(self, request, obj):
        membership_remove(membership=obj, actor=request.user)

    @action(description=_("Remove selected people from their store"), permissions=["delete"])
    def remove_selected(self, request, queryset):
        for membership in queryset.select_related("user", "store"):
            try:
                membership_remove(membership=membership, actor=request.user)
            except ApplicationError as error:
                self.message_user(request, f"{membership}: {error.message}", messages.WARNING)
            else:
                self.message_user(request, _("Removed: %(m)s.") % {"m": membership})


INVITATION_LABELS = {
    InvitationStatus.PENDING: "info",
    InvitationStatus.ACCEPTED: "success",
    InvitationStatus.REVOKED: "danger",
    InvitationStatus.EXPIRED: "warning",
}


@admin.register(StoreInvitation)
class StoreInvitationAdmin(
    ServiceErrorsAsMessagesMixin, StoreScopedAdminMixin, SimpleHistoryAdmin, ModelAdmin
):
    change_capability = Capability.MANAGE_STORE
    form = InvitationForm
    list_display = ("email", "store", "role", "status_label", "invited_by", "sent", "expires")
    list_filter = (("role", ChoicesDropdownFilter),)
    list_select_related = ("store", "invited_by")
    search_fields = ("email",)
    readonly_fields = (
        "status_label",
        "invited_by",
        "sent_at_moment",
        "expires_at_moment",
        "accepted_at_moment",
        "accepted_by",
        "revoked_at_moment",
    )
    actions = ("resend_selected", "revoke_selected")
    actions_detail = ("resend_detail", "revoke_detail")

    sent = time_column(StoreInvitation, "sent_at")
    expires = time_column(StoreInvitation, "expires_at")
    sent_at_moment = time_column(StoreInvitation, "sent_at", relative=False)
    expires_at_moment = time_column(StoreInvitation, "expires_at", relative=False)
    accepted_at_moment = time_column(StoreInvitation, "accepted_at", relative=False)
    revoked_at_moment = time_column(StoreInvitation, "revoked_at", relative=False)

    @display(description=_("status"), label=INVITATION_LABELS)
    def status_label(self, obj):
        return obj.status, InvitationStatus(obj.status).label

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("email", "store", "role")
        return ("email", "store", "role", *self.readonly_fields)

    def get_readonly_fields(self, request, obj=None):
        # An invitation is what was sent: to change it, revoke it and invite again.
        return ("email", "store", "role", *self.readonly_fields) if obj else ()

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change):
        if change:
            return
        invitation = invitation_create(
            store=form.cleaned_data["store"],
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
            actor=request.user,
            link_base=request.build_absolute_uri("/"),
        )
        obj.pk = invitation.pk

    def _each(self, request, invitations, run, done_message):
        for invitation in invitations:
            try:
                run(invitation)
            except ApplicationError as error:
                self.message_user(request, f"{invitation.email}: {error.message}", messages.WARNING)
            else:
                self.message_user(request, done_message % {"email": invitation.email})

    def _resend(self, request, invitations):
        link_base = request.build_absolute_uri("/")
        self._each(
            request,
            invitations,
            lambda i: invitation_resend(invitation=i, actor=request.user, link_base=link_base),
            _("Invitation sent again to %(email)s."),
        )

    def _revoke(self, request, invitations):
        self._each(
            request,
            invitations,
            lambda i: invitation_revoke(invitation=i, actor=request.user),
            _("Invitation to %(email)s revoked."),
        )

    @action(description=_("Send selected invitations again"), permissions=["change"])
    def resend_selected(self, request, queryset):
        self._resend(request, queryset.select_related("store"))

    @action(description=_("Revoke selected invitations"), permissions=["change"])
    def revoke_selected(self, request, queryset):
        self._revoke(request, queryset.select_related("store"))

    def _detail(self, request, object_id, run):
        invitation = self._scoped_object_or_404(request, object_id)
        if not self.has_change_permission(request, invitation):
            raise PermissionDenied
        run(request, [invitation])
        return HttpResponseRedirect(
            reverse("admin:stores_storeinvitation_change", args=(invitation.pk,))
        )

    @action(description=_("Send again"), permissions=["change"])
    def resend_detail(self, request, object_id):
        return self._detail(request, object_id, self._resend)

    @action(description=_("Revoke"), permissions=["change"])
    def revoke_detail(self, request, object_id):
        return self._detail(request, object_id, self._revoke)
