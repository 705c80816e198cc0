from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm
from unfold.widgets import UnfoldAdminSelectWidget

from apps.orders.models import Order
from apps.stores.admin_mixins import StoreScopedAdminMixin
from apps.stores.models import StoreMembership
from apps.stores.roles import Capability, Role
from apps.stores.scoping import (
    forget_store_roles,
    is_platform_operator,
    scope_queryset,
    store_ids_for,
    stores_for,
    user_can_anywhere,
)
from apps.users.models import User

admin.site.unregister(Group)


class NexusUserCreationForm(UserCreationForm):
    """A new staff member joins one of the creator's stores with a role right away, so that
    an owner never creates an account they can no longer see."""

    store = forms.ModelChoiceField(
        label=_("store"), queryset=None, required=False, widget=UnfoldAdminSelectWidget
    )
    role = forms.ChoiceField(
        label=_("role"),
        choices=[("", "—"), *Role.choices],
        required=False,
        widget=UnfoldAdminSelectWidget,
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("email",)

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        user = request.user if request else None
        self.fields["store"].queryset = stores_for(user, Capability.MANAGE_STORE)
        if not is_platform_operator(user):
            self.fields["store"].required = True
            self.fields["role"].required = True

    def clean(self):
        cleaned = super().clean()
        if bool(cleaned.get("store")) != bool(cleaned.get("role")):
            raise forms.ValidationError(_("Choose both a store and a role, or neither."))
        return cleaned


class NexusUserChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"


class UserMembershipInline(TabularInline):
    model = StoreMembership
    fk_name = "user"
    fields = ("store", "role")
    extra = 0
    tab = True
    verbose_name_plural = _("store roles")

    def _capability(self, request):
        if user_can_anywhere(request.user, Capability.MANAGE_STORE):
            return Capability.MANAGE_STORE
        return Capability.VIEW

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("store")
        return scope_queryset(queryset, request.user, capability=self._capability(request))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "store":
            kwargs["queryset"] = stores_for(request.user, Capability.MANAGE_STORE)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_view_permission(self, request, obj=None):
        return user_can_anywhere(request.user, Capability.VIEW)

    def has_change_permission(self, request, obj=None):
        return user_can_anywhere(request.user, Capability.MANAGE_STORE)

    has_add_permission = has_change_permission
    has_delete_permission = has_change_permission


@admin.register(User)
class UserAdmin(StoreScopedAdminMixin, BaseUserAdmin, ModelAdmin):
    """Staff of the user's stores and the customers who ordered from them.

    Owners manage the people of their own stores; only operators touch operators, customers
    without a store role and platform flags.
    """

    store_field = "memberships__store"
    change_capability = Capability.MANAGE_STORE
    form = NexusUserChangeForm
    add_form = NexusUserCreationForm
    change_password_form = AdminPasswordChangeForm
    ordering = ("email",)
    list_per_page = 50
    list_display = ("email", "first_name", "last_name", "is_staff", "is_active", "date_joined")
    list_filter = ("is_staff", "is_active")
    search_fields = ("email", "first_name", "last_name")
    inlines = (UserMembershipInline,)
    readonly_fields = ("last_login", "date_joined")
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),
        (_("Store role"), {"fields": ("store", "role")}),
    )

    def get_queryset(self, request):
        queryset = super(StoreScopedAdminMixin, self).get_queryset(request)
        if is_platform_operator(request.user):
            return queryset
        memberships = scope_queryset(StoreMembership.objects.all(), request.user)
        orders = scope_queryset(Order.objects.all(), request.user)
        return queryset.filter(
            Q(pk__in=memberships.values("user_id")) | Q(pk__in=orders.values("customer_id"))
        )

    def get_list_filter(self, request):
        if is_platform_operator(request.user):
            return (*self.list_filter, "is_superuser")
        return self.list_filter

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.add_fieldsets
        account = (None, {"fields": ("email", "password")})
        personal = (_("Personal info"), {"fields": ("first_name", "last_name", "phone")})
        dates = (_("Important dates"), {"fields": ("last_login", "date_joined")})
        if is_platform_operator(request.user):
            flags = ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")
        else:
            flags = ("is_active",)
        return (account, personal, (_("Permissions"), {"fields": flags}), dates)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is None:

            class RequestBoundForm(form):
                def __init__(self, *args, **inner):
                    super().__init__(*args, request=request, **inner)

            return RequestBoundForm
        return form

    def get_inline_instances(self, request, obj=None):
        # The add form carries the first store role itself.
        return super().get_inline_instances(request, obj) if obj is not None else []

    def _visible(self, request, obj) -> bool:
        return self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return user_can_anywhere(request.user, Capability.VIEW)
        return is_platform_operator(request.user) or self._visible(request, obj)

    def has_change_permission(self, request, obj=None):
        if is_platform_operator(request.user):
            return True
        if obj is None:
            return user_can_anywhere(request.user, Capability.MANAGE_STORE)
        if obj.is_superuser or obj.pk == request.user.pk:
            return obj.pk == request.user.pk
        managed = store_ids_for(request.user, Capability.MANAGE_STORE) or set()
        their_stores = set(obj.memberships.values_list("store_id", flat=True))
        # An owner may not take over an account that also works in stores they do not own.
        return bool(their_stores) and their_stores <= managed

    def has_delete_permission(self, request, obj=None):
        return is_platform_operator(request.user)

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        if not change and form.cleaned_data.get("store"):
            obj.is_staff = True
        super().save_model(request, obj, form, change)
        if not change and form.cleaned_data.get("store"):
            StoreMembership.objects.create(
                user=obj, store=form.cleaned_data["store"], role=form.cleaned_data["role"]
            )
            forget_store_roles(request.user)
