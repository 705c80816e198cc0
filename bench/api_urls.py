"""Nexus's own URLs plus the plain views the API is measured against (bench only)."""

from django.urls import path

from bench import api_plain_views
from nexus.urls import handler404, handler500  # noqa: F401
from nexus.urls import urlpatterns as nexus_urlpatterns

urlpatterns = [
    *nexus_urlpatterns,
    path("bench/plain/products/", api_plain_views.product_list),
    path("bench/plain/products/<int:pk>/", api_plain_views.product_detail),
    path("bench/plain/orders/", api_plain_views.order_create),
]
