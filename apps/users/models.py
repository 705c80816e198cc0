from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel


def canonical_email(value: str) -> str:
    """The one spelling of an address: how accounts are stored, looked up, locked out and
    throttled. Without it, "Ann@x.io" and "ann@x.io" would be two lock-out counters."""
    return BaseUserManager.normalize_email((value or "").strip()).lower()


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields: Any) -> "User":
        if not email:
            raise ValueError("Users must have an email address.")
        user = self.model(email=canonical_email(email), **extra_fields)
        user.set_password(password)
        user.full_clean(exclude=["password"], validate_unique=False)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields: Any) -> "User":
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(
        self, email: str, password: str | None = None, **extra_fields: Any
    ) -> "User":
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username: str | None) -> "User":
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with an email: staff of a store, an operator, or a customer."""

    email = models.EmailField(_("email address"), unique=True)
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    is_staff = models.BooleanField(
        _("staff status"),
        default=False,
        help_text=_("Designates whether the user can log into the back office."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    # When the person last proved they read mail at `email` (a confirmed e-mail change);
    # empty until then, and again whenever the address changes another way.
    email_verified_at = models.DateTimeField(
        _("e-mail verified at"), null=True, blank=True, editable=False
    )
    token_generation = models.PositiveIntegerField(
        _("token generation"),
        default=0,
        editable=False,
        help_text=_(
            "API tokens carry the generation they were issued in; raising it signs the "
            "person out of every device."
        ),
    )

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="users_user_email_ci_unique"),
        ]

    def __str__(self):
        return self.email

    def clean(self):
        super().clean()
        self.email = canonical_email(self.email)

    def set_password(self, raw_password):
        # Every way a password changes (admin, reset link, API, shell) passes here, so the
        # tokens issued under the old password die with it. An account that had no password
        # yet (being created) has no tokens to revoke.
        had_password = self.pk is not None and bool(self.password)
        super().set_password(raw_password)
        if had_password:
            self.token_generation += 1

    def get_full_name(self):
        return f"{self.first_name} {self.last_name}".strip() or self.email

    def get_short_name(self):
        return self.first_name or self.email


class CustomerAddress(TimeStampedModel):
    """An address of the person's address book, kept exactly as an order keeps its shipping
    address (a JSON object of apps/orders/services.ADDRESS_FIELDS): the book's rules are the
    order's, in apps/orders/address_book.py, so a saved address can always be ordered to."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="addresses", verbose_name=_("user")
    )
    label = models.CharField(_("label"), max_length=40, blank=True, help_text=_("e.g. Home"))
    address = models.JSONField(_("address"), default=dict)
    is_default_shipping = models.BooleanField(_("default shipping address"), default=False)

    class Meta:
        verbose_name = _("customer address")
        verbose_name_plural = _("customer addresses")
        ordering = ["id"]
        constraints = [
            # One default per person at most; the service moves it in one transaction.
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(is_default_shipping=True),
                name="customeraddress_one_default_per_user",
            ),
        ]

    def __str__(self):
        return self.label or f"{self.user_id} #{self.pk}"


class EmailChange(models.Model):
    """A pending change of the person's e-mail, waiting for the one-time token sent to the new
    address. One per person: asking again replaces it. Only the token's SHA-256 is kept."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="email_change", verbose_name=_("user")
    )
    new_email = models.EmailField(_("new e-mail address"))
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))

    class Meta:
        verbose_name = _("e-mail change")
        verbose_name_plural = _("e-mail changes")

    def __str__(self):
        return f"{self.user_id} → {self.new_email}"
