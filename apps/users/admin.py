from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from apps.core.admin_columns import time_column
from apps.stores.admin_mixins import ReadOnlyInlineMixin, StoreScopedAdminMixin
from apps.stores.models import StoreMembership
from apps.stores.roles import Capability
from apps.stores.scoping import (
    is_platform_operator,
    scope_queryset,
    user_can_anywhere,
    users_visible_to,
)
from apps.stores.services import staff_access_sync
from apps.users.models import User
from apps.users.services import user_email_changed, user_tokens_revoke

admin.site.unregister(Group)


class NexusUserCreationForm(UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("email",)


class NexusUserChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"


class UserMembershipInline(ReadOnlyInlineMixin, TabularInline):
    """The person's roles in the viewer's stores, read-only: roles change on the membership
    page, through the service that keeps back-office access in step."""

    model = StoreMembership
    fk_name = "user"
    fields = ("store", "role", "since")
    readonly_fields = fields
    since = time_column(StoreMembership, "created_at")
    extra = 0
    tab = True
    verbose_name_plural = _("store roles")

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("store")
        return scope_queryset(queryset, request.user)

    def has_view_permission(self, request, obj=None):
        return user_can_anywhere(request.user, Capability.VIEW)


IDENTITY_FIELDS = ("email", "first_name", "last_name", "phone")
OWN_FIELDS = ("first_name", "last_name", "phone")


@admin.register(User)
class UserAdmin(StoreScopedAdminMixin, BaseUserAdmin, ModelAdmin):
    """Staff of the user's stores and the customers who ordered from them.

    Identity belongs to its person: only operators create accounts, change someone else's
    e-mail, name or password, or set flags. A person edits their own name and phone here and
    changes their own password with the old one; owners see their staff read-only and manage
    roles on the membership page.
    """

    store_field = "memberships__store"
    change_capability = Capability.MANAGE_STORE
    form = NexusUserChangeForm
    add_form = NexusUserCreationForm
    change_password_form = AdminPasswordChangeForm
    ordering = ("email",)
    list_per_page = 50
    list_display = ("email", "first_name", "last_name", "is_staff", "is_active", "joined")
    list_filter = ("is_staff", "is_active")
    search_fields = ("email", "first_name", "last_name")
    inlines = (UserMembershipInline,)
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    joined = time_column(User, "date_joined")
    last_login_moment = time_column(User, "last_login", relative=False)
    date_joined_moment = time_column(User, "date_joined", relative=False)

    def get_queryset(self, request):
        queryset = super(StoreScopedAdminMixin, self).get_queryset(request)
        return queryset & users_visible_to(request.user)

    def get_list_filter(self, request):
        filters = super().get_list_filter(request)
        return [*filters, "is_superuser"] if is_platform_operator(request.user) else filters

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.add_fieldsets
        dates = (
            _("Important dates"),
            {"fields": ("last_login_moment", "date_joined_moment", "email_verified_at")},
        )
        if is_platform_operator(request.user):
            flags = ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")
            return (
                (None, {"fields": ("email", "password")}),
                (_("Personal info"), {"fields": OWN_FIELDS}),
                (_("Permissions"), {"fields": flags}),
                dates,
            )
        return (
            (None, {"fields": ("email",)}),
            (_("Personal info"), {"fields": OWN_FIELDS}),
            (_("Access"), {"fields": ("is_active", "is_staff")}),
            dates,
        )

    def get_readonly_fields(self, request, obj=None):
        # The back-office flag follows store roles (staff_access_sync), for operators too.
        always = ("is_staff", "last_login_moment", "date_joined_moment", "email_verified_at")
        if obj is None or is_platform_operator(request.user):
            return always
        if obj.pk == request.user.pk:
            return ("email", "is_active", *always)
        return (*IDENTITY_FIELDS, "is_active", *always)

    def get_inline_instances(self, request, obj=None):
        return super().get_inline_instances(request, obj) if obj is not None else []

    def _visible(self, request, obj) -> bool:
        return self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return user_can_anywhere(request.user, Capability.VIEW)
        return is_platform_operator(request.user) or self._visible(request, obj)

    def has_add_permission(self, request):
        return is_platform_operator(request.user)

    def has_change_permission(self, request, obj=None):
        if is_platform_operator(request.user):
            return True
        return obj is not None and obj.pk == request.user.pk

    def has_delete_permission(self, request, obj=None):
        return is_platform_operator(request.user)

    def user_change_password(self, request, id, form_url=""):
        # Setting a password without the old one is an operator's act; people change their
        # own at the account menu's "Change password" (old password required) or by reset.
        if not is_platform_operator(request.user):
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if "is_active" in form.changed_data and not obj.is_active:
            user_tokens_revoke(user=obj)
        if change and "email" in form.changed_data:
            user_email_changed(user=obj)
        staff_access_sync(user=obj)
