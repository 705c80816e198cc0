"""The customer's address book sits with the account's other addresses (`auth/me/…`), its
views with the order's address serializer."""

from django.urls import path

from apps.orders.api import address_views

urlpatterns = [
    path("auth/me/addresses/", address_views.AddressListView.as_view(), name="auth-me-addresses"),
    path(
        "auth/me/addresses/<int:address_id>/",
        address_views.AddressDetailView.as_view(),
        name="auth-me-address",
    ),
]
