"""Callbacks named in the UNFOLD settings; each receives the current request."""

from django.conf import settings
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

_ENVIRONMENT_COLOURS = {"production": "danger", "test": "warning", "development": "info"}


def environment_callback(request):
    return [_(settings.ENVIRONMENT.capitalize()), _ENVIRONMENT_COLOURS[settings.ENVIRONMENT]]


def environment_title_prefix_callback(request):
    return None if settings.ENVIRONMENT == "production" else f"[{settings.ENVIRONMENT}]"


def _can_view(model_label):
    def permission(request):
        return request.user.has_perm(
            f"{model_label.split('.')[0]}.view_{model_label.split('.')[1]}"
        )

    return permission


def sidebar_navigation(request):
    return [
        {
            "title": _("Customers & staff"),
            "separator": True,
            "items": [
                {
                    "title": _("Users"),
                    "icon": "person",
                    "link": reverse_lazy("admin:users_user_changelist"),
                    "permission": _can_view("users.user"),
                },
            ],
        },
    ]
