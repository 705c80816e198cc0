"""Callbacks named in the UNFOLD settings; each receives the current request."""

from django.conf import settings
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from apps.stores.roles import Capability
from apps.stores.scoping import is_platform_operator, user_can_anywhere

_ENVIRONMENT_LABELS = {
    "production": (_("Production"), "danger"),
    "test": (_("Test"), "warning"),
    "development": (_("Development"), "info"),
}


def environment_callback(request):
    label, colour = _ENVIRONMENT_LABELS[settings.ENVIRONMENT]
    return [label, colour]


def environment_title_prefix_callback(request):
    return None if settings.ENVIRONMENT == "production" else f"[{settings.ENVIRONMENT}]"


def _can(capability):
    def permission(request):
        return user_can_anywhere(request.user, capability)

    return permission


def _operator(request):
    return is_platform_operator(request.user)


def pending_orders_badge(request):
    from apps.dashboard.selectors import pending_order_count

    count = pending_order_count(user=request.user, request=request)
    # unfold always renders the badge; an empty one is hidden by nexus/admin.css.
    return str(count) if count else ""


def sidebar_navigation(request):
    view = _can(Capability.VIEW)
    return [
        {
            "title": _("Stores"),
            "separator": True,
            "items": [
                {
                    "title": _("Dashboard"),
                    "icon": "dashboard",
                    "link": reverse_lazy("admin:index"),
                    "permission": view,
                },
                {
                    "title": _("Stores"),
                    "icon": "storefront",
                    "link": reverse_lazy("admin:stores_store_changelist"),
                    "permission": view,
                },
            ],
        },
        {
            "title": _("Catalogue"),
            "separator": True,
            "items": [
                {
                    "title": _("Products"),
                    "icon": "inventory_2",
                    "link": reverse_lazy("admin:catalog_product_changelist"),
                    "permission": view,
                },
                {
                    "title": _("Variants"),
                    "icon": "style",
                    "link": reverse_lazy("admin:catalog_productvariant_changelist"),
                    "permission": view,
                },
                {
                    "title": _("Categories"),
                    "icon": "category",
                    "link": reverse_lazy("admin:catalog_category_changelist"),
                    "permission": view,
                },
            ],
        },
        {
            "title": _("Inventory"),
            "separator": True,
            "items": [
                {
                    "title": _("Stock desk"),
                    "icon": "point_of_sale",
                    "link": "/admin/inventory/stock/desk/",
                    "permission": _can(Capability.ADJUST_STOCK),
                },
                {
                    "title": _("Stock levels"),
                    "icon": "warehouse",
                    "link": reverse_lazy("admin:inventory_stock_changelist"),
                    "permission": view,
                },
                {
                    "title": _("Stock movements"),
                    "icon": "swap_vert",
                    "link": reverse_lazy("admin:inventory_stockmovement_changelist"),
                    "permission": view,
                },
            ],
        },
        {
            "title": _("Orders"),
            "separator": True,
            "items": [
                {
                    "title": _("Orders"),
                    "icon": "shopping_cart",
                    "link": reverse_lazy("admin:orders_order_changelist"),
                    "permission": view,
                    "badge": "nexus.unfold_callbacks.pending_orders_badge",
                },
                {
                    "title": _("Fulfilment queue"),
                    "icon": "local_shipping",
                    "link": "/admin/orders/order/queue/",
                    "permission": _can(Capability.FULFIL_ORDERS),
                },
            ],
        },
        {
            "title": _("Import & export"),
            "separator": True,
            "items": [
                {
                    "title": _("Imports"),
                    "icon": "upload",
                    "link": reverse_lazy("admin:transfer_importjob_changelist"),
                    "permission": _can(Capability.IMPORT),
                },
                {
                    "title": _("Exports"),
                    "icon": "download",
                    "link": reverse_lazy("admin:transfer_exportjob_changelist"),
                    "permission": _can(Capability.EXPORT),
                },
            ],
        },
        {
            "title": _("Customers & staff"),
            "separator": True,
            "items": [
                {
                    "title": _("Users"),
                    "icon": "person",
                    "link": reverse_lazy("admin:users_user_changelist"),
                    "permission": view,
                },
                {
                    "title": _("Store memberships"),
                    "icon": "badge",
                    "link": reverse_lazy("admin:stores_storemembership_changelist"),
                    "permission": view,
                },
                {
                    "title": _("Sign-in attempts"),
                    "icon": "lock",
                    "link": reverse_lazy("admin:axes_accessattempt_changelist"),
                    "permission": _operator,
                },
            ],
        },
    ]
