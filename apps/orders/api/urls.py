from django.urls import path

from apps.orders.api import after_sale_views, checkout_views, edit_views, guest_views, views

STAFF_ORDER = "staff/orders/<str:number>/"

urlpatterns = [
    path("checkout/quote/", checkout_views.CheckoutQuoteView.as_view(), name="checkout-quote"),
    path(
        "checkout/reservations/",
        checkout_views.CheckoutReservationView.as_view(),
        name="checkout-reservation",
    ),
    path(
        "checkout/reservations/cancel/",
        checkout_views.CheckoutReservationCancelView.as_view(),
        name="checkout-reservation-cancel",
    ),
    path("orders/", views.CustomerOrderListView.as_view(), name="order-list"),
    path("orders/lookup/", guest_views.OrderLookupView.as_view(), name="order-lookup"),
    path("orders/lookup/code/", guest_views.LookupCodeView.as_view(), name="order-lookup-code"),
    path("orders/claim/", guest_views.GuestOrderClaimView.as_view(), name="order-claim"),
    path("orders/<str:number>/", views.CustomerOrderDetailView.as_view(), name="order-detail"),
    path(
        "orders/<str:number>/cancel/",
        views.CustomerOrderCancelView.as_view(),
        name="order-cancel",
    ),
    path(
        "orders/<str:number>/returns/",
        after_sale_views.CustomerReturnCreateView.as_view(),
        name="order-return-create",
    ),
    path("staff/orders/", views.StaffOrderListView.as_view(), name="staff-order-list"),
    path(STAFF_ORDER, views.StaffOrderDetailView.as_view(), name="staff-order-detail"),
    path(
        f"{STAFF_ORDER}transition/",
        views.StaffOrderTransitionView.as_view(),
        name="staff-order-transition",
    ),
    path(
        f"{STAFF_ORDER}shipments/",
        after_sale_views.StaffShipmentListView.as_view(),
        name="staff-order-shipments",
    ),
    path(
        f"{STAFF_ORDER}shipments/<str:shipment_number>/cancel/",
        after_sale_views.StaffShipmentCancelView.as_view(),
        name="staff-order-shipment-cancel",
    ),
    path(
        f"{STAFF_ORDER}shipments/<str:shipment_number>/deliver/",
        after_sale_views.StaffShipmentDeliverView.as_view(),
        name="staff-order-shipment-deliver",
    ),
    path(
        f"{STAFF_ORDER}returns/",
        after_sale_views.StaffReturnListView.as_view(),
        name="staff-order-returns",
    ),
    path(
        f"{STAFF_ORDER}returns/<str:return_number>/receive/",
        after_sale_views.StaffReturnReceiveView.as_view(),
        name="staff-order-return-receive",
    ),
    path(
        f"{STAFF_ORDER}returns/<str:return_number>/close/",
        after_sale_views.StaffReturnCloseView.as_view(),
        name="staff-order-return-close",
    ),
    path(
        f"{STAFF_ORDER}payments/",
        after_sale_views.StaffPaymentListView.as_view(),
        name="staff-order-payments",
    ),
    path(
        f"{STAFF_ORDER}lines/",
        edit_views.StaffOrderLineAddView.as_view(),
        name="staff-order-line-add",
    ),
    path(
        f"{STAFF_ORDER}lines/<int:line_id>/",
        edit_views.StaffOrderLineView.as_view(),
        name="staff-order-line",
    ),
    path(
        f"{STAFF_ORDER}address/",
        edit_views.StaffOrderAddressView.as_view(),
        name="staff-order-address",
    ),
]
