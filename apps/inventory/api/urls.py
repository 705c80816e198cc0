from django.urls import path

from apps.inventory.api import views

urlpatterns = [
    path("staff/stock/", views.StockLevelListView.as_view(), name="staff-stock-list"),
    path(
        "staff/stock/adjustments/",
        views.StockAdjustmentView.as_view(),
        name="staff-stock-adjustment",
    ),
]
