"""Who works in a store: invitations, memberships and the back-office flag they imply.

Staff join a store only by accepting an invitation sent to their address; owners manage the
role a person has in their store, never the person's account. `is_staff` is never set by
hand: `staff_access_sync` derives it from the memberships after every change.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.errors import ApplicationError, NotFound
from apps.stores.models import InvitationStatus, Store, StoreInvitation, StoreMembership
from apps.stores.roles import Capability, Role
from apps.stores.scoping import Actor, acting_person, forget_store_roles, require_capability
from apps.users.models import User, canonical_email
from apps.users.services import password_check


def staff_access_sync(*, user: User) -> None:
    """The back office opens to operators and to people with at least one store role."""
    is_staff = user.is_superuser or user.memberships.exists()
    if user.is_staff != is_staff:
        User.objects.filter(pk=user.pk).update(is_staff=is_staff)
        user.is_staff = is_staff
    forget_store_roles(user)


def membership_create(*, user: User, store: Store, role: str) -> StoreMembership:
    """A role for a person who proved their address (invitation acceptance) or for the demo
    seeder. No surface calls this for someone else: staff are invited."""
    membership = StoreMembership.objects.create(user=user, store=store, role=role)
    staff_access_sync(user=user)
    return membership


def _keeps_an_owner(membership: StoreMembership) -> bool:
    others = StoreMembership.objects.filter(store_id=membership.store_id, role=Role.OWNER)
    return others.exclude(pk=membership.pk).exists()


@transaction.atomic
def membership_change_role(
    *, membership: StoreMembership, role: str, actor: Actor
) -> StoreMembership:
    require_capability(actor, membership.store_id, Capability.MANAGE_STORE)
    if role not in Role.values:
        raise ApplicationError(_("Unknown role: %(role)s.") % {"role": role}, code="invalid_role")
    membership = StoreMembership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == Role.OWNER and role != Role.OWNER and not _keeps_an_owner(membership):
        raise ApplicationError(_("A store keeps at least one owner."), code="last_owner")
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    forget_store_roles(actor)
    return membership


@transaction.atomic
def membership_remove(*, membership: StoreMembership, actor: Actor) -> None:
    require_capability(actor, membership.store_id, Capability.MANAGE_STORE)
    membership = StoreMembership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == Role.OWNER and not _keeps_an_owner(membership):
        raise ApplicationError(_("A store keeps at least one owner."), code="last_owner")
    user = membership.user
    membership.delete()
    staff_access_sync(user=user)
    forget_store_roles(actor)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token(invitation: StoreInvitation) -> str:
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    invitation.token_hash = _hash(token)
    invitation.sent_at = now
    invitation.expires_at = now + timedelta(days=settings.STORE_INVITATION_DAYS)
    return token


def _send_invitation(invitation: StoreInvitation, token: str, link_base: str) -> None:
    link = link_base.rstrip("/") + reverse("invitation-accept", args=[token])
    context = {"invitation": invitation, "link": link, "days": settings.STORE_INVITATION_DAYS}
    subject = _("You are invited to work in %(store)s") % {"store": invitation.store.name}
    message = render_to_string("stores/invitation_email.txt", context)
    transaction.on_commit(
        lambda: send_mail(
            subject=subject,
            message=message,
            from_email=invitation.store.email or settings.DEFAULT_FROM_EMAIL,
            recipient_list=[invitation.email],
        )
    )


@transaction.atomic
def invitation_create(
    *, store: Store, email: str, role: str, actor: Actor, link_base: str
) -> StoreInvitation:
    """Invite an address to a role; the e-mail leaves after commit. `link_base` is the
    back office's origin as the inviter reached it (https://nexus.example.com)."""
    require_capability(actor, store, Capability.MANAGE_STORE)
    email = canonical_email(email)
    if role not in Role.values:
        raise ApplicationError(_("Unknown role: %(role)s.") % {"role": role}, code="invalid_role")
    if StoreMembership.objects.filter(store=store, user__email__iexact=email).exists():
        raise ApplicationError(
            _("This person already has a role in this store."), code="already_member"
        )
    invitation = StoreInvitation(
        store=store, email=email, role=role, invited_by=acting_person(actor)
    )
    token = _new_token(invitation)
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError:
        raise ApplicationError(
            _("This address already has an open invitation to this store: resend it instead."),
            code="already_invited",
        ) from None
    _send_invitation(invitation, token, link_base)
    return invitation


def _locked_for(actor: Actor, invitation: StoreInvitation) -> StoreInvitation:
    require_capability(actor, invitation.store_id, Capability.MANAGE_STORE)
    return StoreInvitation.objects.select_for_update().select_related("store").get(pk=invitation.pk)


@transaction.atomic
def invitation_resend(
    *, invitation: StoreInvitation, actor: Actor, link_base: str
) -> StoreInvitation:
    """A fresh link and a fresh expiry; the old link stops working."""
    invitation = _locked_for(actor, invitation)
    if invitation.status in (InvitationStatus.ACCEPTED, InvitationStatus.REVOKED):
        raise ApplicationError(
            _("Only a pending or expired invitation can be sent again."), code="invitation_closed"
        )
    token = _new_token(invitation)
    invitation.save(update_fields=["token_hash", "sent_at", "expires_at", "updated_at"])
    _send_invitation(invitation, token, link_base)
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation: StoreInvitation, actor: Actor) -> StoreInvitation:
    invitation = _locked_for(actor, invitation)
    if invitation.status == InvitationStatus.ACCEPTED:
        raise ApplicationError(
            _("This invitation was accepted: change or remove the membership instead."),
            code="invitation_closed",
        )
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at", "updated_at"])
    return invitation


def invitation_for_token(token: str) -> StoreInvitation:
    """The pending invitation behind a link; any other link is simply not found."""
    invitation = (
        StoreInvitation.objects.select_related("store").filter(token_hash=_hash(token)).first()
    )
    if invitation is None or invitation.status != InvitationStatus.PENDING:
        raise NotFound(_("This invitation link is invalid, expired, revoked or already used."))
    return invitation


def account_for_invitation(invitation: StoreInvitation) -> User | None:
    return User.objects.filter(email__iexact=invitation.email).first()


def _pending_locked(token: str) -> StoreInvitation:
    # Two clicks on one link at once: the second waits here and then finds it used.
    invitation = StoreInvitation.objects.select_for_update().get(pk=invitation_for_token(token).pk)
    if invitation.status != InvitationStatus.PENDING:
        raise NotFound(_("This invitation link is invalid, expired, revoked or already used."))
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, user: User) -> StoreMembership:
    """The signed-in holder of the invited address takes the role."""
    invitation = _pending_locked(token)
    if canonical_email(user.email) != invitation.email:
        raise ApplicationError(
            _("This invitation was sent to another address. Sign in as %(email)s to accept it.")
            % {"email": invitation.email},
            code="wrong_account",
        )
    if not user.is_active:
        raise ApplicationError(_("This account is deactivated."), code="inactive_account")
    membership = StoreMembership.objects.filter(user=user, store_id=invitation.store_id).first()
    if membership is None:
        membership = membership_create(user=user, store=invitation.store, role=invitation.role)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    return membership


@transaction.atomic
def invitation_accept_with_new_account(
    *, token: str, password: str, first_name: str = "", last_name: str = ""
) -> StoreMembership:
    """For an address with no account yet: the person sets their own password."""
    invitation = _pending_locked(token)
    if account_for_invitation(invitation) is not None:
        raise ApplicationError(
            _("An account already uses this address: sign in to accept."), code="account_exists"
        )
    password_check(
        password, candidate=User(email=invitation.email, first_name=first_name, last_name=last_name)
    )
    user = User.objects.create_user(
        invitation.email, password, first_name=first_name.strip(), last_name=last_name.strip()
    )
    return invitation_accept(token=token, user=user)
