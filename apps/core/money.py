"""Money, read and written in one place.

An amount is a Decimal with two places in the store's currency, within what the catalogue's
and the orders' DecimalField(max_digits=12, decimal_places=2) columns hold. Machines get
format_money ("1185.43"); people get display_money ("SEK 1,185.43", "1 185,43 SEK").
"""

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from babel import Locale
from babel.numbers import format_currency, get_currency_symbol
from django.utils.translation import gettext as _

from apps.core.l10n import active_locale

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


def display_money(amount: Decimal | int, currency: str) -> str:
    """The amount as a person reads it, in the active language: grouped, with the locale's
    decimal mark and its currency where the locale puts it ("SEK 1,185.43" in English,
    "1 185,43 SEK" with no-break spaces in Russian)."""
    locale = active_locale()
    return format_currency(
        amount, currency, format=_currency_pattern(locale, currency), locale=locale
    )


@lru_cache(maxsize=64)
def _currency_pattern(locale: Locale, currency: str) -> str:
    """The locale's currency pattern with CLDR's currency spacing, which Babel leaves out: a
    symbol made of letters is kept apart from the digits by a no-break space ("SEK1,185.43"
    reads as one word), while "€1,185.43" stays as it is. Browsers' Intl.NumberFormat, which
    draws the dashboard chart's axis, applies the same rule."""
    pattern: str = locale.currency_formats["standard"].pattern
    symbol = get_currency_symbol(currency, locale)
    if not _is_sign_or_space(symbol[-1]):
        pattern = re.sub("\u00a4(?=[#0])", "\u00a4\u00a0", pattern)
    if not _is_sign_or_space(symbol[0]):
        pattern = re.sub("(?<=[#0])\u00a4", "\u00a0\u00a4", pattern)
    return pattern


def _is_sign_or_space(char: str) -> bool:
    """CLDR's [:S:] and [:Z:]: beside these the digits need no space."""
    return unicodedata.category(char)[0] in "SZ"
