"""The derived statuses, as tables: every fulfilment and payment status from its inputs."""

from decimal import Decimal
from types import SimpleNamespace

import pytest

from apps.orders.statuses import (
    FulfilmentStatus,
    PaymentStatus,
    PaymentTotals,
    fulfilment_status_for,
    payment_status_for,
)


def line(quantity, shipped=0, delivered=0, returned=0):
    return SimpleNamespace(
        quantity=quantity,
        quantity_shipped=shipped,
        quantity_delivered=delivered,
        quantity_returned=returned,
    )


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ([line(3), line(2)], FulfilmentStatus.UNFULFILLED),
        ([line(3, shipped=1), line(2)], FulfilmentStatus.PARTIALLY_SHIPPED),
        ([line(3, shipped=3), line(2)], FulfilmentStatus.PARTIALLY_SHIPPED),
        # Something delivered while units are still on the shelf: the work left comes first.
        ([line(3, shipped=3, delivered=3), line(2)], FulfilmentStatus.PARTIALLY_SHIPPED),
        ([line(3, shipped=3), line(2, shipped=2)], FulfilmentStatus.SHIPPED),
        (
            [line(3, shipped=3, delivered=1), line(2, shipped=2)],
            FulfilmentStatus.PARTIALLY_DELIVERED,
        ),
        (
            [line(3, shipped=3, delivered=3), line(2, shipped=2, delivered=2)],
            FulfilmentStatus.DELIVERED,
        ),
        (
            [line(3, shipped=3, delivered=3, returned=1), line(2, shipped=2)],
            FulfilmentStatus.PARTIALLY_RETURNED,
        ),
        ([line(3, shipped=1, returned=1), line(2)], FulfilmentStatus.PARTIALLY_RETURNED),
        (
            [line(3, shipped=3, returned=3), line(2, shipped=2, returned=2)],
            FulfilmentStatus.RETURNED,
        ),
    ],
)
def test_fulfilment_status_from_line_quantities(lines, expected):
    assert fulfilment_status_for(lines) == expected


D = Decimal


@pytest.mark.parametrize(
    ("totals", "expected", "balance"),
    [
        (PaymentTotals(total=D("50")), PaymentStatus.UNPAID, D("50")),
        (PaymentTotals(total=D("50"), authorised=D("50")), PaymentStatus.AUTHORISED, D("50")),
        (
            PaymentTotals(total=D("50"), authorised=D("50"), voided=D("50")),
            PaymentStatus.UNPAID,
            D("50"),
        ),
        (PaymentTotals(total=D("50"), captured=D("20")), PaymentStatus.PARTIALLY_PAID, D("30")),
        (
            PaymentTotals(total=D("50"), authorised=D("50"), captured=D("50")),
            PaymentStatus.PAID,
            D("0"),
        ),
        (PaymentTotals(total=D("50"), captured=D("60")), PaymentStatus.OVERPAID, D("-10")),
        (
            PaymentTotals(total=D("50"), captured=D("50"), refunded=D("15")),
            PaymentStatus.PARTIALLY_REFUNDED,
            D("0"),
        ),
        (
            PaymentTotals(total=D("50"), captured=D("50"), refunded=D("50")),
            PaymentStatus.REFUNDED,
            D("0"),
        ),
        # Cancelled after paying: nothing is owed, everything kept is due back.
        (
            PaymentTotals(total=D("50"), captured=D("50"), cancelled=True),
            PaymentStatus.PAID,
            D("-50"),
        ),
    ],
)
def test_payment_status_and_balance_from_the_records(totals, expected, balance):
    assert payment_status_for(totals) == expected
    assert totals.balance == balance


def test_an_authorisation_covers_shipping_but_a_partial_payment_does_not():
    assert PaymentTotals(total=D("50"), authorised=D("50")).covered
    assert PaymentTotals(total=D("50"), authorised=D("50"), captured=D("30")).covered
    assert not PaymentTotals(total=D("50"), captured=D("30")).covered
