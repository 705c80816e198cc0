from django.urls import path

from apps.users.api import views

urlpatterns = [
    path("auth/register/", views.RegisterView.as_view(), name="auth-register"),
    path("auth/token/", views.TokenObtainView.as_view(), name="auth-token"),
    path("auth/token/refresh/", views.TokenRefreshView.as_view(), name="auth-token-refresh"),
    path("auth/token/verify/", views.TokenVerifyView.as_view(), name="auth-token-verify"),
    path("auth/logout/", views.LogoutView.as_view(), name="auth-logout"),
    path("auth/logout-all/", views.LogoutAllView.as_view(), name="auth-logout-all"),
    path("auth/password-reset/", views.PasswordResetView.as_view(), name="auth-password-reset"),
    path(
        "auth/password-reset/confirm/",
        views.PasswordResetConfirmView.as_view(),
        name="auth-password-reset-confirm",
    ),
    path("auth/me/", views.MeView.as_view(), name="auth-me"),
    path("auth/me/email/", views.EmailChangeView.as_view(), name="auth-me-email"),
    path(
        "auth/me/email/confirm/",
        views.EmailChangeConfirmView.as_view(),
        name="auth-me-email-confirm",
    ),
]
