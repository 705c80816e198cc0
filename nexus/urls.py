from django.conf import settings
from django.contrib import admin
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from apps.core.api_docs import RedocView, SwaggerView, staff_unless_public
from apps.core.health import liveness

# Under /api/ refusals, unknown URLs and crashes answer with the API's JSON error shape;
# elsewhere with a page in the back office's chrome.
handler403 = "apps.core.api.errors.permission_denied"
handler404 = "apps.core.api.errors.not_found"
handler500 = "apps.core.api.errors.server_error"

urlpatterns = [
    path("health/", liveness, name="health"),
    # Browsers ask for it on every page whatever the page declares.
    path("favicon.ico", lambda request: redirect(static("nexus/favicon.svg")), name="favicon"),
    path("i18n/", include("django.conf.urls.i18n")),
    # HTMX staff pages inside the admin chrome; before admin.site.urls, which would read
    # "queue" and "desk" as object ids.
    path("admin/orders/order/queue/", include("apps.orders.admin_views")),
    path("admin/inventory/stock/desk/", include("apps.inventory.admin_views")),
    # Sign-in with a per-address budget and "Forgot password?", ahead of the admin's own login.
    path("admin/", include("apps.users.views")),
    path("invitations/", include("apps.stores.views")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("nexus.api_urls")),
    path("api/schema/", staff_unless_public(SpectacularAPIView.as_view()), name="schema"),
    path(
        "api/docs/", staff_unless_public(SwaggerView.as_view(url_name="schema")), name="swagger-ui"
    ),
    path("api/redoc/", staff_unless_public(RedocView.as_view(url_name="schema")), name="redoc"),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
