"""User writes: customer sign-up, profile changes, password reset and re-entry, token
revocation, and the account's own part of deleting it."""

from axes.models import AccessAttempt, AccessFailureLog, AccessLog  # type: ignore[import-untyped]
from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.forms.utils import ErrorList
from django.http import HttpRequest
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext as _

from apps.core.errors import ApplicationError, Conflict, PermissionDenied, Unprocessable
from apps.users.forms import NexusPasswordResetForm, NexusSetPasswordForm
from apps.users.models import EmailChange, User, canonical_email

PROFILE_FIELDS = ("first_name", "last_name", "phone")


def password_check(password: str, *, candidate: User) -> None:
    """AUTH_PASSWORD_VALIDATORS against the account-to-be, so that a password resembling its
    own e-mail or name is refused; the refusal names the `password` field."""
    try:
        password_validation.validate_password(password, user=candidate)
    except ValidationError as error:
        raise Unprocessable(
            " ".join(error.messages),
            code="invalid_password",
            extra={"fields": {"password": error.messages}},
        ) from None


def password_verify(*, user: User, password: str, request: HttpRequest) -> None:
    """The person proves it is them before a sensitive change (e-mail, deleting the account).

    Through django-axes like a sign-in: failures count towards the account's lock-out, so a
    stolen access token cannot be used to guess the password. Call it outside any transaction:
    a refusal rolled back with one would erase the failure axes records."""
    if authenticate(request, username=user.email, password=password) != user:
        message = _("Wrong password.")
        raise Unprocessable(
            message, code="wrong_password", extra={"fields": {"password": [message]}}
        )


def password_min_length() -> int:
    """The shortest password AUTH_PASSWORD_VALIDATORS accept (0 when none counts length)."""
    return max(
        (
            validator.min_length
            for validator in password_validation.get_default_password_validators()
            if isinstance(validator, password_validation.MinimumLengthValidator)
        ),
        default=0,
    )


def _email_taken() -> ApplicationError:
    message = _("An account with this email already exists.")
    return Conflict(message, code="email_taken", extra={"fields": {"email": [message]}})


@transaction.atomic
def customer_register(
    *, email: str, password: str, first_name: str = "", last_name: str = "", phone: str = ""
) -> User:
    """Create a customer account (no staff flag, no store membership).

    The password goes through Django's AUTH_PASSWORD_VALIDATORS, with the new user's own
    attributes so that a password resembling the email is refused.
    """
    email = canonical_email(email)
    if User.objects.filter(email__iexact=email).exists():
        raise _email_taken()
    candidate = User(email=email, first_name=first_name.strip(), last_name=last_name.strip())
    password_check(password, candidate=candidate)
    try:
        with transaction.atomic():
            return User.objects.create_user(
                email,
                password,
                first_name=candidate.first_name,
                last_name=candidate.last_name,
                phone=phone.strip(),
            )
    except IntegrityError:
        # Another sign-up with the same address won the race.
        raise _email_taken() from None


def user_update_profile(*, user: User, **changes: str) -> User:
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ApplicationError(
            _("These fields cannot be changed: %s.") % ", ".join(sorted(unknown))
        )
    for field, value in changes.items():
        setattr(user, field, value.strip())
    user.full_clean(exclude=["password"], validate_unique=False)
    user.save(update_fields=[*changes])
    return user


def user_tokens_revoke(*, user: User) -> None:
    """Sign the person out of every API client: tokens issued before now stop working."""
    User.objects.filter(pk=user.pk).update(token_generation=F("token_generation") + 1)
    user.refresh_from_db(fields=["token_generation"])


def password_reset_request(
    *, email: str, request: HttpRequest, for_storefront: bool = False
) -> None:
    """E-mail a one-time reset link if an active account uses the address; say nothing
    either way, so the answer never tells whether the address has an account."""
    form = NexusPasswordResetForm(data={"email": email}, for_storefront=for_storefront)
    if form.is_valid():
        form.save(
            request=request,
            use_https=request.is_secure(),
            subject_template_name="registration/password_reset_subject.txt",
            email_template_name="registration/password_reset_email.txt",
        )


def _invalid_reset_link() -> ApplicationError:
    return Unprocessable(
        _("This reset link is invalid or has expired. Ask for a new one."), code="invalid_token"
    )


def password_reset_confirm(*, uidb64: str, token: str, new_password: str) -> User:
    """Set a new password from a reset link; the link, and every token, dies with the old one."""
    try:
        user = User.objects.get(pk=force_str(urlsafe_base64_decode(uidb64)), is_active=True)
    except (TypeError, ValueError, OverflowError, User.DoesNotExist, ValidationError):
        raise _invalid_reset_link() from None
    if not default_token_generator.check_token(user, token):
        raise _invalid_reset_link()
    form = NexusSetPasswordForm(
        user, data={"new_password1": new_password, "new_password2": new_password}
    )
    if not form.is_valid():
        errors = form.errors.get("new_password2") or form.errors.get("new_password1") or ErrorList()
        # An ErrorList yields its messages as text.
        messages = [str(message) for message in errors]
        raise Unprocessable(
            " ".join(messages),
            code="invalid_password",
            extra={"fields": {"new_password": messages}},
        )
    form.save()
    return user


def user_email_changed(*, user: User) -> None:
    """After someone else (an operator) changed the person's e-mail: the new address is not
    proved yet, and the tokens issued under the old one die, as after a password change."""
    User.objects.filter(pk=user.pk).update(email_verified_at=None)
    user.email_verified_at = None
    EmailChange.objects.filter(user=user).delete()
    user_tokens_revoke(user=user)


def deleted_account_email(user: User) -> str:
    """What a deleted account's e-mail becomes: unique, and routable nowhere (RFC 2606)."""
    return f"deleted-{user.pk}@deleted.invalid"


def account_deletion_check(*, user: User) -> None:
    """People who work in a store, and operators, do not delete themselves: an owner removes
    them from the store first (the store's records keep naming its staff)."""
    if user.is_superuser:
        raise PermissionDenied(
            _("An operator's account is closed by another operator, not here."),
            code="staff_account",
        )
    if user.is_staff or user.memberships.exists():
        raise PermissionDenied(
            _(
                "You work in a store: an owner must remove you from it before you can delete "
                "your account."
            ),
            code="staff_account",
        )


def user_anonymise(*, user: User) -> None:
    """The account stays (its orders point at it) but says nothing of the person any more:
    no name, phone or real e-mail, no addresses, no way to sign in, every token revoked, and
    the lock-out records kept under the old e-mail gone. Inside the caller's transaction."""
    old_email = user.email
    user.email = deleted_account_email(user)
    user.first_name = user.last_name = user.phone = ""
    user.email_verified_at = None
    user.is_active = False
    user.set_unusable_password()
    user.token_generation += 1
    user.save()
    user.addresses.all().delete()
    EmailChange.objects.filter(user=user).delete()
    for record in (AccessAttempt, AccessFailureLog, AccessLog):
        record.objects.filter(username__iexact=old_email).delete()
