"""Money, read and written in one place.

An amount is a Decimal with two places in the store's currency, within what the catalogue's
and the orders' DecimalField(max_digits=12, decimal_places=2) columns hold.
"""

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("9999999999.99")


class MoneyError(ValueError):
    """Why a value is not an amount, worded to follow the name of what holds it."""


def to_money(value: Decimal | int | str) -> Decimal:
    """The amount as stored, or MoneyError."""
    if isinstance(value, float | bool):
        # A float has already lost the cents it was given (0.1 is not a tenth).
        raise MoneyError(_("must be a decimal number"))
    if not isinstance(value, Decimal):
        try:
            value = Decimal(str(value).strip())
        except InvalidOperation:
            raise MoneyError(_("is not a number")) from None
    if not value.is_finite():
        raise MoneyError(_("is not a number"))
    if value < 0:
        raise MoneyError(_("cannot be negative"))
    # Before rounding: quantize fails on numbers beyond the context's precision.
    if value > MAX_AMOUNT:
        raise MoneyError(_("is too large"))
    if value != value.quantize(CENT):
        raise MoneyError(_("has more than two decimals"))
    return value.quantize(CENT)


def format_money(amount: Decimal) -> str:
    """What DRF's DecimalField(decimal_places=2) answers for a stored amount."""
    return f"{amount:.2f}"


def format_cents(cents: int) -> str:
    """format_money for a whole number of cents, without a Decimal (bulk data generators)."""
    whole, part = divmod(abs(cents), 100)
    return f"{'-' if cents < 0 else ''}{whole}.{part:02d}"
