"""Changing one's e-mail address, proved by a one-time token sent to the new address.

The request takes the current password (through django-axes, like a sign-in) and mails a token
to the new address; only its SHA-256 is stored, as with store invitations, and it works once,
for EMAIL_CHANGE_HOURS. The address changes only when the person, signed in, sends the token
back: whoever owns a mistyped address gets the mail but cannot complete the change. The change
revokes every token of the account, like a password change, and records the address as
verified. Asking for one's own unverified address verifies it the same way.

No account enumeration: an address that belongs to another account gets the same answer as any
other. No token is made; the owner of that address is told by mail that someone asked (so a
person who forgot they have an account learns it), and nothing changes.
"""

import hashlib
import secrets
import time
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.errors import ApplicationError, Conflict, Unprocessable
from apps.core.throttling import count_in_window
from apps.users.models import EmailChange, User, canonical_email
from apps.users.services import password_verify

MAILBOX_SCOPE = "email_change_email"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _mail(*, to: str, subject: str, template: str, context: dict) -> None:
    """After commit, and at most PASSWORD_RESET_EMAILS_PER_HOUR a mailbox, as reset mails:
    asking again and again (from many accounts) must not flood someone's mailbox."""
    mailbox = hashlib.sha256(to.encode()).hexdigest()
    if count_in_window(MAILBOX_SCOPE, mailbox, 3600, time.time()) > (
        settings.PASSWORD_RESET_EMAILS_PER_HOUR
    ):
        return
    message = render_to_string(template, context)
    transaction.on_commit(
        lambda: send_mail(
            subject=subject,
            message=message,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[to],
        )
    )


def _link(token: str) -> str:
    storefront = settings.STOREFRONT_EMAIL_CHANGE_URL
    if not storefront:
        return ""
    return f"{storefront}{'&' if '?' in storefront else '?'}{urlencode({'token': token})}"


def email_change_request(
    *, user: User, new_email: str, password: str, request: HttpRequest
) -> None:
    """Mail a one-time token to `new_email` (replacing any earlier request), or, when another
    account holds that address, tell its owner instead; the caller's answer is the same."""
    password_verify(user=user, password=password, request=request)
    new_email = canonical_email(new_email)
    if new_email == user.email and user.email_verified_at is not None:
        raise Conflict(_("This is already your verified e-mail address."), code="email_unchanged")
    with transaction.atomic():
        EmailChange.objects.filter(user=user).delete()
        if User.objects.filter(email__iexact=new_email).exclude(pk=user.pk).exists():
            _mail(
                to=new_email,
                subject=_("Someone asked to use your e-mail address"),
                template="users/email_change_taken.txt",
                context={"email": new_email},
            )
            return
        token = secrets.token_urlsafe(32)
        hours = settings.EMAIL_CHANGE_HOURS
        EmailChange.objects.create(
            user=user,
            new_email=new_email,
            token_hash=_hash(token),
            expires_at=timezone.now() + timedelta(hours=hours),
        )
        _mail(
            to=new_email,
            subject=_("Confirm your e-mail address"),
            template="users/email_change_confirm.txt",
            context={"token": token, "link": _link(token), "hours": hours},
        )


def _invalid_token() -> ApplicationError:
    return Unprocessable(
        _("This confirmation is invalid or has expired. Ask for a new one."),
        code="invalid_token",
    )


@transaction.atomic
def email_change_confirm(*, user: User, token: str) -> User:
    """Make the requested address the account's, verified; the token dies with it, and so
    does every API token of the account when the address changed."""
    change = (
        EmailChange.objects.select_for_update()
        .filter(user=user, token_hash=_hash(token.strip()))
        .first()
    )
    if change is None or change.expires_at <= timezone.now():
        raise _invalid_token()
    change.delete()
    locked = User.objects.select_for_update().get(pk=user.pk)
    old_email = locked.email
    locked.email = change.new_email
    locked.email_verified_at = timezone.now()
    fields = ["email", "email_verified_at"]
    if old_email != locked.email:
        locked.token_generation = F("token_generation") + 1
        fields.append("token_generation")
    try:
        with transaction.atomic():
            locked.save(update_fields=fields)
    except IntegrityError:
        # Someone took the address since the request: the person holds its mailbox, so
        # saying so tells them nothing new.
        raise Conflict(
            _("An account with this email already exists."), code="email_taken"
        ) from None
    locked.refresh_from_db(fields=["token_generation"])
    if old_email != locked.email:
        _mail(
            to=old_email,
            subject=_("Your e-mail address was changed"),
            template="users/email_changed_notice.txt",
            context={"new_email": locked.email},
        )
    return locked
