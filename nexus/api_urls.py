from django.urls import path

from apps.core.health import readiness

app_name = "api"

urlpatterns = [
    path("health/", readiness, name="health"),
]
