"""Reads of a person's own account: their address book."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from apps.core.errors import NotFound
from apps.core.models import MAX_ID
from apps.users.models import CustomerAddress, User


def addresses_for(user: User) -> QuerySet[CustomerAddress]:
    """The person's address book, the default shipping address first."""
    return CustomerAddress.objects.filter(user=user).order_by("-is_default_shipping", "id")


def address_for(user: User, address_id: int) -> CustomerAddress:
    """One entry of the person's own book; another person's entry is simply not found."""
    found = None
    if 0 < address_id <= MAX_ID:
        found = addresses_for(user).filter(pk=address_id).first()
    if found is None:
        raise NotFound(_("Address not found."))
    return found


def default_shipping_address_for(user: User) -> CustomerAddress | None:
    return addresses_for(user).filter(is_default_shipping=True).first()
