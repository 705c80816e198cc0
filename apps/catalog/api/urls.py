from django.urls import path

from apps.catalog.api import views

urlpatterns = [
    path("categories/", views.CategoryListView.as_view(), name="category-list"),
    path("products/", views.ProductListView.as_view(), name="product-list"),
    path("products/<int:pk>/", views.ProductDetailView.as_view(), name="product-detail"),
    path("staff/products/", views.StaffProductListView.as_view(), name="staff-product-list"),
    path(
        "staff/products/<int:pk>/",
        views.StaffProductDetailView.as_view(),
        name="staff-product-detail",
    ),
    path(
        "staff/products/<int:pk>/variants/",
        views.StaffVariantCreateView.as_view(),
        name="staff-variant-create",
    ),
    path(
        "staff/variants/<int:pk>/",
        views.StaffVariantDetailView.as_view(),
        name="staff-variant-detail",
    ),
]
