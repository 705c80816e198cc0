"""Deleting a customer's account (issue 14): the person's data goes, their orders stay.

The store keeps every order of the account (lines, totals, taxes, statuses, payments,
shipments, returns, placed_at, the store), so its books and figures do not move. What named or
reached the person on them is replaced: the order's e-mail (the account's placeholder
address), phone, customer note, the shipping address's name, lines and postal code (city,
region and country stay, for the store's figures by place), the notes of its returns, and every
occurrence of the person's name, e-mail, phone and address lines in what staff typed (timeline
messages and values, payment notes, return closing notes). The timeline keeps its events; an
event's actor is the account, which stays (anonymised), so nothing dangles.

The order's history (simple-history's HistoricalOrder rows, the staff audit trail of status and
address changes) holds the same contact fields in every row. Its rows are anonymised the same
way rather than deleted: deleting them would erase what staff did to the order, which the store
keeps; anonymising leaves that and removes only the person.

This module sits above the account's own app (users) and calls it: deleting an account is an
act of the orders layer, as it is the orders that must be rewritten (DESIGN.md §3).
"""

import re
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.checkout.models import DiscountRedemption
from apps.core.errors import Conflict
from apps.orders.customers import store_customers_rebuild
from apps.orders.models import Order, OrderEvent, OrderReturn, Payment, StoreCustomer
from apps.orders.statuses import FulfilmentStatus
from apps.orders.transitions import OrderStatus
from apps.users.models import User
from apps.users.services import (
    account_deletion_check,
    deleted_account_email,
    password_verify,
    user_anonymise,
)

# Stored in place of what was erased (data, not a sentence: it is not translated).
ERASED = "[deleted]"
# What of a shipping address names or locates the person; the rest is kept.
ERASED_ADDRESS_FIELDS = ("name", "line1", "line2", "postal_code")
# Orders that still need the address: something is yet to be shipped.
STILL_TO_SHIP = (FulfilmentStatus.UNFULFILLED, FulfilmentStatus.PARTIALLY_SHIPPED)
# What an order (and each of its historical rows) holds to reach the person.
CONTACT = ("email", "phone", "customer_note", "shipping_address")


def customer_account_delete(*, user: User, password: str, request: HttpRequest) -> None:
    """The person deletes their own account, with their password. Refused for staff and
    operators, and while an order of theirs is yet to be shipped (the store needs the
    address): they cancel it, or wait until it has left."""
    password_verify(user=user, password=password, request=request)  # outside: axes counts it
    _delete(user)


@transaction.atomic
def _delete(user: User) -> None:
    locked = User.objects.select_for_update().get(pk=user.pk)
    account_deletion_check(user=locked)
    to_ship = list(
        Order.objects.filter(customer=locked, fulfilment_status__in=STILL_TO_SHIP)
        .exclude(status=OrderStatus.CANCELLED)
        .values_list("number", flat=True)
    )
    if to_ship:
        raise Conflict(
            _(
                "Your orders %(numbers)s are still to be shipped: cancel them or wait until "
                "they have left, then delete your account."
            )
            % {"numbers": ", ".join(to_ship)},
            code="orders_in_progress",
        )
    orders_anonymise_for(user=locked)
    user_anonymise(user=locked)
    user.refresh_from_db()


def _needles(user: User, orders: Iterable[Order]) -> set[str]:
    values = {user.email, user.phone, user.first_name, user.last_name, user.get_full_name()}
    for order in orders:
        values |= {order.email, order.phone}
        address = order.shipping_address or {}
        values |= {str(address.get(field) or "") for field in ERASED_ADDRESS_FIELDS}
    return {value.strip() for value in values if len(value.strip()) >= 2}


def _pattern(needles: set[str]) -> re.Pattern[str] | None:
    """Whole words only (an "Ann" in "Annual" stays), longest first, any letter case."""
    if not needles:
        return None
    words = "|".join(re.escape(value) for value in sorted(needles, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{words})(?!\w)", re.IGNORECASE)


def _scrub(value: Any, pattern: re.Pattern[str] | None) -> Any:
    """Strings erased where they name the person, inside lists and objects too; amounts of
    money (what the timeline renders as numbers) are left alone."""
    if pattern is None:
        return value
    if isinstance(value, str):
        return pattern.sub(ERASED, value)
    if isinstance(value, list):
        return [_scrub(item, pattern) for item in value]
    if isinstance(value, dict) and "currency" not in value:
        return {key: _scrub(item, pattern) for key, item in value.items()}
    return value


def _erased_address(address: dict[str, Any] | None) -> dict[str, Any]:
    return {**(address or {}), **dict.fromkeys(ERASED_ADDRESS_FIELDS, "")}


def _erase_contact(queryset: Any, email: str, fields: list[str]) -> None:
    """An order's contact fields, or its historical rows' (the same fields)."""
    rows = list(queryset)
    for row in rows:
        row.email = email
        row.phone = ""
        row.customer_note = ""
        row.shipping_address = _erased_address(row.shipping_address)
        row.updated_at = timezone.now()
    if rows:
        queryset.model.objects.bulk_update(rows, fields, batch_size=500)


def orders_anonymise_for(*, user: User) -> int:
    """Erase the person from every order of their account (see the module's note), in the
    caller's transaction; returns how many orders there were."""
    orders = list(Order.objects.filter(customer=user).only(*CONTACT, "number", "store_id"))
    if not orders:
        return 0
    ids = [order.pk for order in orders]
    pattern = _pattern(_needles(user, orders))
    email = deleted_account_email(user)
    _erase_contact(Order.objects.filter(pk__in=ids), email, [*CONTACT, "updated_at"])
    # The history's rows keep their own moment (`updated_at` as it was then) untouched.
    _erase_contact(Order.history.model.objects.filter(id__in=ids), email, list(CONTACT))
    _scrub_rows(OrderEvent.objects.filter(order_id__in=ids), pattern, ("message", "data"))
    _scrub_rows(Payment.objects.filter(order_id__in=ids), pattern, ("note",))
    OrderReturn.objects.filter(order_id__in=ids).update(customer_note="")
    _scrub_rows(OrderReturn.objects.filter(order_id__in=ids), pattern, ("close_reason",))
    numbers = [order.number for order in orders]
    DiscountRedemption.objects.filter(order_number__in=numbers).update(email=email)
    _forget_as_store_customer(user, orders)
    return len(orders)


def _forget_as_store_customer(user: User, orders: list[Order]) -> None:
    """The stores' Customers sections keep the figures, not the person: their rows (name,
    e-mail, staff notes about them) go and come back from the anonymised orders."""
    emails = {order.email for order in orders} | {user.email.lower()}
    stores = {order.store_id for order in orders}
    StoreCustomer.objects.filter(Q(customer=user) | Q(email__in=emails)).delete()
    for store_id in stores:
        store_customers_rebuild(store_id=store_id)


def _scrub_rows(queryset: Any, pattern: re.Pattern[str] | None, fields: tuple[str, ...]) -> None:
    """Rewrite the rows whose fields name the person; the others are not written."""
    changed = []
    for row in queryset.only("pk", *fields).iterator(chunk_size=500):
        scrubbed = {field: _scrub(getattr(row, field), pattern) for field in fields}
        if any(scrubbed[field] != getattr(row, field) for field in fields):
            for field, value in scrubbed.items():
                setattr(row, field, value)
            changed.append(row)
    if changed:
        queryset.model.objects.bulk_update(changed, list(fields), batch_size=500)
