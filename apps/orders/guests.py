"""Guest orders: the link that opens one, the one-time code that opens it by e-mail, and
claiming guest orders into an account.

The link's token is the order number signed with the site's secret (Django's signing): it
cannot be guessed, needs no table, and a replayed checkout can answer it again. A code is six
digits sent to the order's e-mail, kept only as a hash, good for a few minutes and a few tries.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.errors import ApplicationError, NotFound
from apps.orders.models import Order, OrderLookupCode, StoreCustomer
from apps.users.models import User

_SIGNER = signing.Signer(salt="nexus.orders.guest-link")
CODE_MINUTES = 15
CODE_TRIES = 5


def order_access_token(order: Order) -> str:
    """The guest's key to their order: what the confirmation e-mail's link carries."""
    return _SIGNER.sign(order.number).rsplit(_SIGNER.sep, 1)[1]


def order_for_access_token(*, number: str, token: str) -> Order:
    """The guest order with this number, if the token is its own; NotFound otherwise, the same
    for a wrong token as for a number that does not exist."""
    try:
        _SIGNER.unsign(f"{number}{_SIGNER.sep}{token}")
    except signing.BadSignature:
        raise NotFound("Order not found.") from None
    order = Order.objects.filter(number=number, customer__isnull=True).first()
    if order is None:
        raise NotFound("Order not found.")
    return order


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def lookup_code_send(*, number: str, email: str) -> None:
    """E-mail a one-time code for the guest order with this number and e-mail. Says nothing
    either way: whoever asks learns no order's existence from the answer."""
    order = (
        Order.objects.select_related("store")
        .filter(number=number, email=email.strip().lower(), customer__isnull=True)
        .first()
    )
    if order is None:
        return
    code = f"{secrets.randbelow(10**6):06d}"
    OrderLookupCode.objects.filter(order=order, used_at__isnull=True).delete()
    OrderLookupCode.objects.create(
        order=order,
        code_hash=_hash(code),
        expires_at=timezone.now() + timedelta(minutes=CODE_MINUTES),
    )
    subject = _("Your code for order %(number)s") % {"number": order.number}
    body = _("Your code is %(code)s. It works for %(minutes)s minutes.") % {
        "code": code,
        "minutes": CODE_MINUTES,
    }
    transaction.on_commit(
        lambda: send_mail(
            subject=subject,
            message=body,
            from_email=order.store.email or settings.DEFAULT_FROM_EMAIL,
            recipient_list=[order.email],
        )
    )


def order_for_lookup_code(*, number: str, email: str, code: str) -> Order:
    """The guest order the code was sent for; each code works once, and a few wrong tries
    spend it (a wrong try is recorded before the refusal, never rolled back with it)."""
    order = _spend_code(number=number, email=email, code=code)
    if order is None:
        raise NotFound("Order not found.")
    return order


@transaction.atomic
def _spend_code(*, number: str, email: str, code: str) -> Order | None:
    lookup = (
        OrderLookupCode.objects.select_for_update()
        .select_related("order")
        .filter(
            order__number=number,
            order__email=email.strip().lower(),
            order__customer__isnull=True,
            used_at__isnull=True,
            expires_at__gt=timezone.now(),
            tries__lt=CODE_TRIES,
        )
        .first()
    )
    if lookup is None:
        return None
    if not secrets.compare_digest(lookup.code_hash, _hash(code.strip())):
        OrderLookupCode.objects.filter(pk=lookup.pk).update(tries=F("tries") + 1)
        return None
    lookup.used_at = timezone.now()
    lookup.save(update_fields=["used_at"])
    return lookup.order


@transaction.atomic
def guest_orders_claim(*, user: User) -> int:
    """Attach the guest orders placed with the account's e-mail to the account, once the
    address is proven theirs; returns how many."""
    if not user.email_verified_at:
        raise ApplicationError(
            "Verify your e-mail address first: only its owner may claim its orders.",
            code="email_not_verified",
        )
    email = user.email.lower()
    StoreCustomer.objects.filter(email=email, customer__isnull=True).update(customer=user)
    return Order.objects.filter(customer__isnull=True, email=email).update(customer=user)
