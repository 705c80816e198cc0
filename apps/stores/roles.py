"""Roles and what each may do: the one table every surface consults (DESIGN.md §5)."""

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    MANAGER = "manager", _("Manager")
    CLERK = "clerk", _("Clerk")
    VIEWER = "viewer", _("Viewer")


class Capability(StrEnum):
    VIEW = "view"
    EDIT_CATALOG = "edit_catalog"
    IMPORT = "import"
    ADJUST_STOCK = "adjust_stock"
    FULFIL_ORDERS = "fulfil_orders"  # confirm, ship, deliver, take returns back, notes
    MANAGE_ORDERS = "manage_orders"  # cancel, close returns, ship unpaid with a reason
    EDIT_ORDERS = "edit_orders"  # lines and address before shipping
    RECORD_PAYMENTS = "record_payments"  # authorisations, captures, voids
    REFUND = "refund"
    WRITE_OFF = "write_off"  # returned goods that never go back on the shelf
    EXPORT = "export"
    MANAGE_STORE = "manage_store"  # memberships and store settings


ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.OWNER: frozenset(Capability),
    Role.MANAGER: frozenset(
        {
            Capability.VIEW,
            Capability.EDIT_CATALOG,
            Capability.IMPORT,
            Capability.ADJUST_STOCK,
            Capability.FULFIL_ORDERS,
            Capability.MANAGE_ORDERS,
            Capability.EDIT_ORDERS,
            Capability.RECORD_PAYMENTS,
            Capability.REFUND,
            Capability.WRITE_OFF,
            Capability.EXPORT,
        }
    ),
    Role.CLERK: frozenset(
        {Capability.VIEW, Capability.ADJUST_STOCK, Capability.FULFIL_ORDERS, Capability.EXPORT}
    ),
    Role.VIEWER: frozenset({Capability.VIEW}),
}


def role_has(role: str, capability: Capability) -> bool:
    return capability in ROLE_CAPABILITIES.get(role, frozenset())
