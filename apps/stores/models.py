from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from apps.core.models import TimeStampedModel
from apps.stores.roles import Role

currency_validator = RegexValidator(
    r"^[A-Z]{3}$", _("Use a three-letter ISO 4217 currency code, e.g. EUR.")
)
order_prefix_validator = RegexValidator(
    r"^[A-Z0-9]{2,8}$", _("Use 2 to 8 capital letters or digits, e.g. ACME.")
)


class Store(TimeStampedModel):
    class TaxRounding(models.TextChoices):
        PER_LINE = "line", _("Per line")
        PER_ORDER = "order", _("Per order")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    currency = models.CharField(
        _("currency"), max_length=3, default="EUR", validators=[currency_validator]
    )
    order_prefix = models.CharField(
        _("order number prefix"),
        max_length=8,
        unique=True,
        validators=[order_prefix_validator],
        help_text=_("Order numbers of this store start with it, e.g. ACME-1000042."),
    )
    email = models.EmailField(_("contact email"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    address = models.TextField(_("address"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # The store's own guard rails on its orders (apps/orders/fulfilment.py, services.py).
    ship_unpaid_orders = models.BooleanField(
        _("ship unpaid orders"),
        default=False,
        help_text=_(
            "Off: an order that is not paid (or authorised) ships only when a manager "
            "overrides with a reason."
        ),
    )
    auto_confirm_orders = models.BooleanField(_("confirm new orders automatically"), default=False)
    prices_include_tax = models.BooleanField(
        _("prices include tax"),
        default=False,
        help_text=_("On: catalogue prices are what customers pay, tax included."),
    )
    tax_rounding = models.CharField(
        _("round tax"), max_length=8, choices=TaxRounding.choices, default=TaxRounding.PER_LINE
    )
    reservation_minutes = models.PositiveSmallIntegerField(
        _("hold carts' stock for (minutes)"),
        default=0,
        help_text=_("0: carts hold nothing; stock is taken when the order is placed."),
    )
    return_window_days = models.PositiveSmallIntegerField(
        _("return window (days)"),
        default=30,
        help_text=_(
            "Customers may request a return this many days after a shipment. "
            "0: only staff create returns."
        ),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        ordering = ["name"]

    def __str__(self):
        return self.name


class StoreMembership(TimeStampedModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    store = models.ForeignKey(
        Store, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("store")
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("store membership")
        verbose_name_plural = _("store memberships")
        ordering = ["store__name", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["user", "store"], name="membership_user_store_unique"),
        ]

    def __str__(self):
        return f"{self.user} · {self.store} ({self.get_role_display()})"


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    REVOKED = "revoked", _("Revoked")
    EXPIRED = "expired", _("Expired")


class StoreInvitation(TimeStampedModel):
    """An owner's offer of a role in their store to an e-mail address.

    Nobody joins a store by being named: the person proves they hold the address by opening
    the one-time link sent there, and only then does a membership exist. Only the token's
    hash is stored, so reading the table gives no working link.
    """

    store = models.ForeignKey(
        Store, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("store")
    )
    email = models.EmailField(_("email address"))
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    expires_at = models.DateTimeField(_("expires at"))
    sent_at = models.DateTimeField(_("last sent at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("accepted by"),
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("staff invitation")
        verbose_name_plural = _("staff invitations")
        ordering = ["-created_at"]
        constraints = [
            # One open invitation per address and store: resend it rather than pile up links.
            models.UniqueConstraint(
                "store",
                Lower("email"),
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_store_email",
            ),
        ]

    def __str__(self):
        return f"{self.email} · {self.store} ({self.get_role_display()})"

    def status_at(self, now) -> str:
        if self.accepted_at:
            return InvitationStatus.ACCEPTED
        if self.revoked_at:
            return InvitationStatus.REVOKED
        if self.expires_at <= now:
            return InvitationStatus.EXPIRED
        return InvitationStatus.PENDING

    @property
    def status(self) -> str:
        return self.status_at(timezone.now())
