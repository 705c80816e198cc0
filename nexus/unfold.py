"""The admin chrome (django-unfold). Callbacks are dotted paths: this module stays import-light."""

from django.templatetags.static import static
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

UNFOLD = {
    "SITE_TITLE": "Nexus",
    "SITE_HEADER": "Nexus",
    "SITE_SUBHEADER": _("Back office"),
    "SITE_SYMBOL": "hub",
    "SITE_URL": "/admin/",
    "SHOW_HISTORY": True,
    "SHOW_VIEW_ON_SITE": False,
    "SHOW_LANGUAGES": True,
    "DASHBOARD_CALLBACK": "apps.dashboard.callbacks.dashboard_callback",
    "ENVIRONMENT": "nexus.unfold_callbacks.environment_callback",
    "ENVIRONMENT_TITLE_PREFIX": "nexus.unfold_callbacks.environment_title_prefix_callback",
    "SITE_FAVICONS": [
        {
            "rel": "icon",
            "type": "image/svg+xml",
            "href": lambda request: static("nexus/favicon.svg"),
        }
    ],
    "STYLES": [lambda request: static("nexus/admin.css")],
    "SCRIPTS": [],
    "SIDEBAR": {
        "show_search": True,
        "command_search": True,
        "show_all_applications": False,
        "navigation": "nexus.unfold_callbacks.sidebar_navigation",
    },
    "COMMAND": {"search_models": True, "show_history": True},
    "LOGIN": {"redirect_after": reverse_lazy("admin:index")},
}
