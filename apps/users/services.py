"""User writes used by the API: customer sign-up and profile changes."""

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from apps.core.errors import ApplicationError

User = get_user_model()

PROFILE_FIELDS = ("first_name", "last_name", "phone")


def _email_taken() -> ApplicationError:
    message = _("An account with this email already exists.")
    return ApplicationError(message, code="email_taken", extra={"fields": {"email": [message]}})


@transaction.atomic
def customer_register(
    *, email: str, password: str, first_name: str = "", last_name: str = "", phone: str = ""
):
    """Create a customer account (no staff flag, no store membership).

    The password goes through Django's AUTH_PASSWORD_VALIDATORS, with the new user's own
    attributes so that a password resembling the email is refused.
    """
    email = User.objects.normalize_email(email.strip()).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise _email_taken()
    candidate = User(email=email, first_name=first_name.strip(), last_name=last_name.strip())
    try:
        password_validation.validate_password(password, user=candidate)
    except ValidationError as error:
        raise ApplicationError(
            " ".join(error.messages),
            code="invalid_password",
            extra={"fields": {"password": error.messages}},
        ) from None
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


def user_update_profile(*, user, **changes):
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
