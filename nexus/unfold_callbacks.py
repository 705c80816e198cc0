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
    # "" draws no badge (templates/unfold/helpers/app_list_badge.html).
    return str(count) if count else ""


def _item(title, icon, url_name, permission, badge=None) -> dict:
    item = {
        "title": title,
        "icon": icon,
        "link": reverse_lazy(url_name),
        "permission": permission,
    }
    return {**item, "badge": badge} if badge else item


_VIEW = _can(Capability.VIEW)

# Section → (title, Material icon, URL name, who sees the link[, badge callback]).
_SIDEBAR = (
    (
        _("Stores"),
        (
            (_("Dashboard"), "dashboard", "admin:index", _VIEW),
            (_("Stores"), "storefront", "admin:stores_store_changelist", _VIEW),
        ),
    ),
    (
        _("Catalogue"),
        (
            (_("Products"), "inventory_2", "admin:catalog_product_changelist", _VIEW),
            (_("Variants"), "style", "admin:catalog_productvariant_changelist", _VIEW),
            (_("Categories"), "category", "admin:catalog_category_changelist", _VIEW),
        ),
    ),
    (
        _("Inventory"),
        (
            (_("Stock desk"), "point_of_sale", "inventory-desk", _can(Capability.ADJUST_STOCK)),
            (_("Stock levels"), "warehouse", "admin:inventory_stock_changelist", _VIEW),
            (_("Stock movements"), "swap_vert", "admin:inventory_stockmovement_changelist", _VIEW),
        ),
    ),
    (
        _("Orders"),
        (
            (
                _("Orders"),
                "shopping_cart",
                "admin:orders_order_changelist",
                _VIEW,
                "nexus.unfold_callbacks.pending_orders_badge",
            ),
            (
                _("Fulfilment queue"),
                "local_shipping",
                "orders-queue",
                _can(Capability.FULFIL_ORDERS),
            ),
        ),
    ),
    (
        _("Checkout"),
        (
            (
                _("Shipping methods"),
                "local_post_office",
                "admin:checkout_shippingmethod_changelist",
                _VIEW,
            ),
            (_("Discount codes"), "sell", "admin:checkout_discountcode_changelist", _VIEW),
            (_("Tax rates"), "percent", "admin:checkout_taxrate_changelist", _VIEW),
        ),
    ),
    (
        _("Import & export"),
        (
            (
                _("Imports"),
                "upload",
                "admin:transfer_importjob_changelist",
                _can(Capability.IMPORT),
            ),
            (
                _("Exports"),
                "download",
                "admin:transfer_exportjob_changelist",
                _can(Capability.EXPORT),
            ),
        ),
    ),
    (
        _("Customers & staff"),
        (
            (_("Customers"), "groups", "admin:orders_storecustomer_changelist", _VIEW),
            (_("Users"), "person", "admin:users_user_changelist", _VIEW),
            (_("Store memberships"), "badge", "admin:stores_storemembership_changelist", _VIEW),
            (
                _("Staff invitations"),
                "mail",
                "admin:stores_storeinvitation_changelist",
                _can(Capability.MANAGE_STORE),
            ),
            (_("Sign-in attempts"), "lock", "admin:axes_accessattempt_changelist", _operator),
        ),
    ),
)


def sidebar_navigation(request):
    return [
        {"title": title, "separator": True, "items": [_item(*item) for item in items]}
        for title, items in _SIDEBAR
    ]
