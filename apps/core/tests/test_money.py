from decimal import Decimal

import pytest
from django.utils import translation

from apps.core.money import MoneyError, display_money, format_cents, format_money, to_money


@pytest.mark.parametrize(
    ("value", "amount"),
    [
        ("12.3", Decimal("12.30")),
        (" 7 ", Decimal("7.00")),
        (5, Decimal("5.00")),
        (Decimal("0"), Decimal("0.00")),
        ("9999999999.99", Decimal("9999999999.99")),
    ],
)
def test_amounts_are_decimals_with_two_places(value, amount):
    result = to_money(value)
    assert result == amount and str(result) == str(amount)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (0.1, "decimal number"),
        (True, "decimal number"),
        ("ten", "not a number"),
        ("NaN", "not a number"),
        (Decimal("Infinity"), "not a number"),
        ("-0.01", "negative"),
        ("1.234", "two decimals"),
        ("10000000000", "too large"),
        ("1E+40", "too large"),
    ],
)
def test_what_is_not_an_amount(value, problem):
    with pytest.raises(MoneyError) as error:
        to_money(value)
    assert problem in str(error.value)


def test_formatting_matches_what_the_api_answers():
    assert format_money(Decimal("12.5")) == "12.50"
    assert format_money(Decimal("-3")) == "-3.00"
    assert [format_cents(c) for c in (0, 7, 1999, 100000, -150)] == [
        "0.00",
        "0.07",
        "19.99",
        "1000.00",
        "-1.50",
    ]


@pytest.mark.parametrize(
    ("language", "currency", "shown"),
    [
        ("en", "SEK", "SEK\u00a01,185.43"),
        ("en", "EUR", "€1,185.43"),
        ("ru", "SEK", "1\u00a0185,43\u00a0SEK"),
        ("ru", "EUR", "1\u00a0185,43\u00a0€"),
        ("ru", "RUB", "1\u00a0185,43\u00a0₽"),
    ],
)
def test_people_read_amounts_grouped_with_their_currency_in_their_language(
    language, currency, shown
):
    with translation.override(language):
        assert display_money(Decimal("1185.43"), currency) == shown


def test_a_refund_keeps_its_sign_and_a_large_amount_its_groups():
    with translation.override("en"):
        assert display_money(Decimal("-3"), "SEK") == "-SEK\u00a03.00"
        assert display_money(Decimal("9999999999.99"), "EUR") == "€9,999,999,999.99"
    with translation.override("ru"):
        assert display_money(Decimal("-3"), "SEK") == "-3,00\u00a0SEK"


def test_a_language_without_a_locale_falls_back_to_the_sites():
    with translation.override("xx"):
        assert display_money(Decimal("5"), "SEK") == "SEK\u00a05.00"
