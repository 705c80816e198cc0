"""What happens to a demo order after it is placed, and when.

An order follows a scenario: the acts a store and its customer perform on it (pay, confirm,
ship some or all, deliver, take back, refund, cancel…), each some time after the one before.
Which scenario an order gets depends on its age, so new orders wait for work and old ones are
done with. The outcome of each act (statuses, counters, records, stock) is not decided here:
apps/demo/sale.py plays the acts by the services' rules and derives the statuses.
"""

import random
from enum import StrEnum
from typing import NamedTuple

HOUR = 3600.0
DAY = 24 * HOUR


class Act(StrEnum):
    AUTHORISE = "authorise"  # the card provider holds the amount due
    CAPTURE = "capture"  # the card provider takes what is due (or was authorised)
    DEPOSIT = "deposit"  # half of it arrives by bank transfer
    BANK_TRANSFER = "bank_transfer"  # all of it arrives by bank transfer
    VOID = "void"  # the open authorisation is let go
    CONFIRM = "confirm"
    CANCEL = "cancel"
    SHIP_PART = "ship_part"  # some units now, the rest later
    SHIP_REST = "ship_rest"  # everything not shipped yet
    CANCEL_SHIPMENT = "cancel_shipment"  # the last shipment, before it is delivered
    DELIVER_FIRST = "deliver_first"
    DELIVER_ALL = "deliver_all"  # every shipment on its way
    RETURN_PART = "return_part"  # the customer sends some units back
    RETURN_ALL = "return_all"  # …or everything
    RECEIVE = "receive"  # the last return arrives: restocked or written off
    REFUND_RETURN = "refund_return"  # its lines paid back
    CLOSE = "close"  # the last return closed
    DECLINE = "decline"  # the last return closed, never received
    REFUND_ALL = "refund_all"  # everything captured and not refunded yet
    GOODWILL = "goodwill"  # a part of the total paid back, nothing returned


A = Act
PAID_AND_CONFIRMED = (A.CAPTURE, A.CONFIRM)
DELIVERED = (*PAID_AND_CONFIRMED, A.SHIP_REST, A.DELIVER_ALL)

# Named by where the order ends: its status, fulfilment, payment and last return.
SCENARIOS: dict[str, tuple[Act, ...]] = {
    "placed": (),
    "authorised": (A.AUTHORISE,),
    "paid": (A.CAPTURE,),
    "to_ship": PAID_AND_CONFIRMED,
    "to_ship_authorised": (A.AUTHORISE, A.CONFIRM),
    "deposit_paid": (A.CONFIRM, A.DEPOSIT),
    # Cards are often authorised at checkout and captured when the goods leave.
    "partially_shipped": (A.AUTHORISE, A.CONFIRM, A.SHIP_PART, A.CAPTURE),
    "shipped": (A.AUTHORISE, A.CONFIRM, A.SHIP_REST, A.CAPTURE),
    "shipped_again": (*PAID_AND_CONFIRMED, A.SHIP_REST, A.CANCEL_SHIPMENT, A.SHIP_REST),
    "partially_delivered": (*PAID_AND_CONFIRMED, A.SHIP_PART, A.SHIP_REST, A.DELIVER_FIRST),
    "delivered": DELIVERED,
    "delivered_in_two": (*PAID_AND_CONFIRMED, A.SHIP_PART, A.SHIP_REST, A.DELIVER_ALL),
    "goodwill_refund": (*DELIVERED, A.GOODWILL),
    "return_requested": (*DELIVERED, A.RETURN_PART),
    "return_received": (*DELIVERED, A.RETURN_ALL, A.RECEIVE),
    "partially_returned": (*DELIVERED, A.RETURN_PART, A.RECEIVE, A.REFUND_RETURN, A.CLOSE),
    "returned": (*DELIVERED, A.RETURN_ALL, A.RECEIVE, A.REFUND_RETURN, A.CLOSE),
    "return_declined": (*DELIVERED, A.RETURN_PART, A.DECLINE),
    "cancelled": (A.CANCEL,),
    "cancelled_refunded": (*PAID_AND_CONFIRMED, A.CANCEL, A.REFUND_ALL),
    "cancelled_voided": (A.AUTHORISE, A.CANCEL, A.VOID),
    # Paid twice, by transfer and by card: the store owes the customer.
    "overpaid": (A.CONFIRM, A.BANK_TRANSFER, A.CAPTURE),
}

# What a scenario becomes for an order of a single unit, which cannot be split.
WHOLE = {
    "partially_shipped": "shipped",
    "partially_delivered": "delivered",
    "delivered_in_two": "delivered",
    "partially_returned": "returned",
}
SPLITS = frozenset({A.SHIP_PART, A.RETURN_PART})

# How old orders tend to be in each scenario: (max age in days, {scenario: weight}).
SCENARIO_BY_AGE: list[tuple[float, dict[str, float]]] = [
    (
        2,
        {
            "placed": 20,
            "authorised": 12,
            "paid": 13,
            "to_ship": 18,
            "to_ship_authorised": 7,
            "deposit_paid": 2,
            "partially_shipped": 5,
            "shipped": 10,
            "shipped_again": 1,
            "delivered": 4,
            "cancelled": 5,
            "cancelled_refunded": 2,
            "cancelled_voided": 1,
        },
    ),
    (
        10,
        {
            "placed": 2,
            "paid": 2,
            "to_ship": 8,
            "deposit_paid": 1,
            "partially_shipped": 4,
            "shipped": 22,
            "shipped_again": 2,
            "partially_delivered": 5,
            "delivered": 26,
            "delivered_in_two": 4,
            "goodwill_refund": 2,
            "return_requested": 3,
            "return_received": 2,
            "partially_returned": 3,
            "cancelled": 6,
            "cancelled_refunded": 3,
        },
    ),
    (
        10_000,
        {
            "shipped": 2,
            "delivered": 68,
            "delivered_in_two": 6,
            "goodwill_refund": 2,
            "partially_returned": 4,
            "returned": 5,
            "return_declined": 1,
            "cancelled": 5,
            "cancelled_refunded": 3,
            "cancelled_voided": 1,
            "overpaid": 0.3,
        },
    ),
]

# How long after the act before it each act happens: (shortest, longest) in seconds.
DELAYS: dict[Act, tuple[float, float]] = {
    A.AUTHORISE: (30, 0.2 * HOUR),
    A.CAPTURE: (60, 0.5 * HOUR),
    A.DEPOSIT: (1 * DAY, 3 * DAY),
    A.BANK_TRANSFER: (1 * DAY, 3 * DAY),
    A.VOID: (0.1 * HOUR, 2 * HOUR),
    A.CONFIRM: (0.2 * HOUR, 12 * HOUR),
    A.CANCEL: (0.5 * HOUR, 2 * DAY),
    A.SHIP_PART: (2 * HOUR, 2 * DAY),
    A.SHIP_REST: (2 * HOUR, 4 * DAY),
    A.CANCEL_SHIPMENT: (0.5 * HOUR, 1 * DAY),
    A.DELIVER_FIRST: (1 * DAY, 4 * DAY),
    A.DELIVER_ALL: (1 * DAY, 5 * DAY),
    A.RETURN_PART: (1 * DAY, 14 * DAY),
    A.RETURN_ALL: (1 * DAY, 14 * DAY),
    A.RECEIVE: (2 * DAY, 6 * DAY),
    A.REFUND_RETURN: (0.2 * HOUR, 1 * DAY),
    A.CLOSE: (0.1 * HOUR, 1 * DAY),
    A.DECLINE: (5 * DAY, 9 * DAY),
    A.REFUND_ALL: (0.2 * HOUR, 1 * DAY),
    A.GOODWILL: (1 * DAY, 6 * DAY),
}


class Step(NamedTuple):
    at: float  # a timestamp
    act: Act


def scenario_for_age(rng: random.Random, age_days: float) -> str:
    weights = next(
        (w for max_age, w in SCENARIO_BY_AGE if age_days <= max_age), SCENARIO_BY_AGE[-1][1]
    )
    return rng.choices(list(weights), list(weights.values()))[0]


def fitting(scenario: str, units: int) -> str:
    """The scenario an order of `units` units can follow."""
    if units < 2 and SPLITS & set(SCENARIOS[scenario]):
        return WHOLE.get(scenario, "delivered")
    return scenario


def plan(rng: random.Random, scenario: str, placed_ts: float, now_ts: float) -> list[Step]:
    """The scenario's acts with their times, none later than a minute ago."""
    steps: list[Step] = []
    at = placed_ts
    for act in SCENARIOS[scenario]:
        at += rng.uniform(*DELAYS[act])
        steps.append(Step(at, act))
    # Squeeze recent orders' steps into the time between placing and now.
    latest = now_ts - 60
    if steps and steps[-1].at > latest:
        span = steps[-1].at - placed_ts
        room = max(latest - placed_ts, 1.0)
        steps = [
            step._replace(at=placed_ts + (step.at - placed_ts) * room / span) for step in steps
        ]
    return steps
