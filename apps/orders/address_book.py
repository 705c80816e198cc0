"""The customer's address book (issue 14): entries of apps.users.models.CustomerAddress.

They are written here, beside the order, because an entry is an order's shipping address: the
same fields, cleaned by the same `clean_address`, so any address from the book can be ordered
to. At most `CUSTOMER_ADDRESSES_MAX` entries per person and at most one default shipping
address (a constraint in the database). Every write locks the person's row first, so two
requests adding the last allowed entry, or making two entries the default, queue and the
second sees the first.
"""

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from apps.core.errors import ApplicationError, NotFound
from apps.orders.services import clean_address
from apps.users.models import CustomerAddress, User

MAX_LABEL = 40


def _lock_owner(user: User) -> None:
    User.objects.select_for_update().filter(pk=user.pk).first()


def _clean_label(label: str) -> str:
    label = (label or "").strip()
    if len(label) > MAX_LABEL:
        message = _("A label has at most %(count)s characters.") % {"count": MAX_LABEL}
        raise ApplicationError(message, code="invalid", extra={"fields": {"label": [message]}})
    return label


def _make_default(entry: CustomerAddress) -> None:
    """The old default steps down before the new one takes its place (the constraint checks
    each statement), inside the caller's transaction."""
    CustomerAddress.objects.filter(user_id=entry.user_id, is_default_shipping=True).exclude(
        pk=entry.pk
    ).update(is_default_shipping=False)
    entry.is_default_shipping = True


@transaction.atomic
def address_add(
    *, user: User, address: dict[str, Any], label: str = "", is_default_shipping: bool = False
) -> CustomerAddress:
    cleaned = clean_address(address)
    label = _clean_label(label)
    _lock_owner(user)
    limit = settings.CUSTOMER_ADDRESSES_MAX
    if CustomerAddress.objects.filter(user=user).count() >= limit:
        raise ApplicationError(
            _("An address book holds at most %(count)s addresses: remove one first.")
            % {"count": limit},
            code="too_many_addresses",
        )
    entry = CustomerAddress(user=user, label=label, address=cleaned)
    if is_default_shipping:
        _make_default(entry)
    entry.save()
    return entry


@transaction.atomic
def address_update(
    *,
    entry: CustomerAddress,
    address: dict[str, Any] | None = None,
    label: str | None = None,
    is_default_shipping: bool | None = None,
) -> CustomerAddress:
    """Change what is given: `address` may name only some fields (the rest are kept);
    `is_default_shipping` true makes this the default, false leaves the book without one."""
    if address is not None:
        entry.address = clean_address({**entry.address, **address})
    if label is not None:
        entry.label = _clean_label(label)
    _lock_owner(entry.user)
    if not CustomerAddress.objects.filter(pk=entry.pk).exists():
        raise NotFound(_("Address not found."))  # removed meanwhile: never written back
    if is_default_shipping:
        _make_default(entry)
    elif is_default_shipping is not None:
        entry.is_default_shipping = False
    entry.save()
    return entry


@transaction.atomic
def address_remove(*, entry: CustomerAddress) -> None:
    """Removing the default leaves the book without one: nothing is chosen for the person."""
    _lock_owner(entry.user)
    entry.delete()
