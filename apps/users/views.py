"""Back-office pages about one's own identity: sign-in with a per-address budget and the
"Forgot password?" flow in the unfold chrome (Django's own reset views and tokens)."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.shortcuts import render
from django.urls import path, reverse, reverse_lazy
from django.utils.translation import gettext as _

from apps.core.client_ip import client_ip
from apps.core.throttling import rate_allows
from apps.users.forms import NexusPasswordResetForm, NexusSetPasswordForm
from apps.users.services import password_reset_request


def _too_many(request, back_url):
    return render(
        request,
        "admin/login_throttled.html",
        {
            "message": _("Too many attempts from your address. Try again later."),
            "back_url": back_url,
        },
        status=429,
    )


def admin_login(request, extra_context=None):
    """Every attempt counts against the address's "login" budget, shared with the API's token
    endpoint, before any password is checked: spraying many accounts from one address is
    slowed even though django-axes only counts failures per account."""
    if request.method == "POST" and not rate_allows("login", client_ip(request)):
        return _too_many(request, reverse("admin:login"))
    return admin.site.login(request, extra_context)


class _ChromeMixin:
    """The unfold sign-in chrome: site title, colours and the way back to sign-in."""

    def get_context_data(self, **kwargs):
        return {
            **admin.site.each_context(self.request),
            **super().get_context_data(**kwargs),
            "login_url": reverse("admin:login"),
            "reset_url": reverse("admin_password_reset"),
        }


class PasswordResetView(_ChromeMixin, auth_views.PasswordResetView):
    form_class = NexusPasswordResetForm
    success_url = reverse_lazy("password_reset_done")

    def post(self, request, *args, **kwargs):
        if not rate_allows("password_reset", client_ip(request)):
            return _too_many(request, reverse("admin_password_reset"))
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        # The same service as the API's reset endpoint: one path sends every reset e-mail.
        password_reset_request(email=form.cleaned_data["email"], request=self.request)
        return super(auth_views.PasswordResetView, self).form_valid(form)


class PasswordResetDoneView(_ChromeMixin, auth_views.PasswordResetDoneView):
    pass


class PasswordResetConfirmView(_ChromeMixin, auth_views.PasswordResetConfirmView):
    form_class = NexusSetPasswordForm
    success_url = reverse_lazy("password_reset_complete")


class PasswordResetCompleteView(_ChromeMixin, auth_views.PasswordResetCompleteView):
    pass


urlpatterns = [
    path("login/", admin_login, name="nexus_admin_login"),
    path("password_reset/", PasswordResetView.as_view(), name="admin_password_reset"),
    path("password_reset/done/", PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "reset/<uidb64>/<token>/",
        PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("reset/done/", PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]
