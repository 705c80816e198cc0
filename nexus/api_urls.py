from django.urls import include, path

from apps.core.health import readiness

app_name = "api"

urlpatterns = [
    path("health/", readiness, name="health"),
    path("", include("apps.users.api.urls")),
    path("", include("apps.stores.api.urls")),
    path("", include("apps.catalog.api.urls")),
    path("", include("apps.orders.api.urls")),
    path("", include("apps.orders.api.address_urls")),
    path("", include("apps.inventory.api.urls")),
]
