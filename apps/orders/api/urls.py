from django.urls import path

from apps.orders.api import views

urlpatterns = [
    path("orders/", views.CustomerOrderListView.as_view(), name="order-list"),
    path("orders/<str:number>/", views.CustomerOrderDetailView.as_view(), name="order-detail"),
    path(
        "orders/<str:number>/cancel/",
        views.CustomerOrderCancelView.as_view(),
        name="order-cancel",
    ),
    path("staff/orders/", views.StaffOrderListView.as_view(), name="staff-order-list"),
    path(
        "staff/orders/<str:number>/",
        views.StaffOrderDetailView.as_view(),
        name="staff-order-detail",
    ),
    path(
        "staff/orders/<str:number>/transition/",
        views.StaffOrderTransitionView.as_view(),
        name="staff-order-transition",
    ),
]
