"""Cell readers: each returns a clean value or raises CellError with a message for people."""

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from apps.core.money import MoneyError, to_money

MAX_QUANTITY = 2_000_000_000
_TRUE = {"true", "1", "yes", "y", "t", "on", "да", "x"}
_FALSE = {"false", "0", "no", "n", "f", "off", "нет", ""}
_SPACES = str.maketrans("", "", " \u00a0\u202f\u2009'")


class CellError(Exception):
    pass


def parse_decimal(text: str) -> Decimal:
    value = text.translate(_SPACES)
    if "," in value and "." in value:
        # The last separator is the decimal one: 1.234,50 or 1,234.50.
        if value.rfind(",") > value.rfind("."):
            value = value.replace(".", "").replace(",", ".")
        else:
            value = value.replace(",", "")
    else:
        value = value.replace(",", ".")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise CellError(_("is not a number")) from None
    if not number.is_finite():
        raise CellError(_("is not a number"))
    return number


def parse_money(text: str) -> Decimal:
    try:
        return to_money(parse_decimal(text))
    except MoneyError as error:
        raise CellError(str(error)) from None


def parse_int(text: str, *, minimum: int | None = 0) -> int:
    number = parse_decimal(text)
    if number != number.to_integral_value():
        raise CellError(_("must be a whole number"))
    value = int(number)
    if minimum is not None and value < minimum:
        raise CellError(_("cannot be negative") if minimum == 0 else _("is too small"))
    if abs(value) > MAX_QUANTITY:
        raise CellError(_("is too large"))
    return value


def parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise CellError(_("must be true or false"))


def parse_text(text: str, max_length: int | None) -> str:
    """`max_length` None: the field sets no limit (a CharField may leave it out)."""
    if max_length is not None and len(text) > max_length:
        raise CellError(_("is longer than %(max)s characters") % {"max": max_length})
    return text


class Choices:
    """Values or their (translated) labels, matched without regard to case."""

    def __init__(self, choices: Sequence[tuple[str, object]]) -> None:
        self.values = [str(v) for v, _label in choices]
        self.lookup: dict[str, str] = {}
        for value, label in choices:
            self.lookup[str(label).lower()] = value
            self.lookup[str(value).lower()] = value

    def __call__(self, text: str) -> str:
        try:
            return self.lookup[text.strip().lower()]
        except KeyError:
            raise CellError(
                _("must be one of: %(choices)s") % {"choices": ", ".join(self.values)}
            ) from None
