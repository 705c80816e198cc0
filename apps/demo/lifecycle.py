"""Which status a demo order ends in and the steps that take it there, with their times.

The ways to each status are read from the lifecycle table (apps/orders/transitions.py), so
they follow it when it changes. The seeder checks each step against the table again when it
applies it, as order_transition and order_set_payment_status do.
"""

import random
from typing import NamedTuple

from apps.orders.transitions import TRANSITIONS, OrderStatus, PaymentStatus

HOUR = 3600.0
DAY = 24 * HOUR

# How old orders tend to be in each status: (max age in days, [(status, weight), …]).
STATUS_BY_AGE = [
    (
        2,
        [
            (OrderStatus.PENDING, 45),
            (OrderStatus.CONFIRMED, 30),
            (OrderStatus.SHIPPED, 12),
            (OrderStatus.CANCELLED, 8),
            (OrderStatus.DELIVERED, 5),
        ],
    ),
    (
        10,
        [
            (OrderStatus.PENDING, 4),
            (OrderStatus.CONFIRMED, 10),
            (OrderStatus.SHIPPED, 36),
            (OrderStatus.DELIVERED, 38),
            (OrderStatus.CANCELLED, 9),
            (OrderStatus.RETURNED, 3),
        ],
    ),
    (
        10_000,
        [
            (OrderStatus.DELIVERED, 84),
            (OrderStatus.CANCELLED, 8),
            (OrderStatus.RETURNED, 6),
            (OrderStatus.SHIPPED, 2),
        ],
    ),
]

# How long after the previous step a status is reached: (shortest, longest) in seconds.
DELAYS = {
    OrderStatus.CONFIRMED: (0.2 * HOUR, 12 * HOUR),
    OrderStatus.SHIPPED: (2 * HOUR, 2 * DAY),
    OrderStatus.DELIVERED: (1 * DAY, 5 * DAY),
    OrderStatus.CANCELLED: (0.5 * HOUR, 2 * DAY),
    OrderStatus.RETURNED: (3 * DAY, 20 * DAY),
}


class Step(NamedTuple):
    at: float  # a timestamp
    kind: str  # "status" or "payment"
    target: str


def _paths_from(status: str) -> dict[str, list[tuple[str, ...]]]:
    """Every way through the table from `status`, by the status it ends in (the table has no
    cycles)."""
    paths: dict[str, list[tuple[str, ...]]] = {status: [()]}
    for transition in TRANSITIONS:
        if transition.source == status:
            for end, tails in _paths_from(transition.target).items():
                paths.setdefault(end, []).extend((transition.target, *t) for t in tails)
    return paths


PATHS = _paths_from(OrderStatus.PENDING)


def status_for_age(rng: random.Random, age_days: float) -> str:
    weights = next((w for max_age, w in STATUS_BY_AGE if age_days <= max_age), STATUS_BY_AGE[-1][1])
    return rng.choices([s for s, _ in weights], [w for _, w in weights])[0]


def plan(rng: random.Random, status: str, placed_ts: float, now_ts: float) -> list[Step]:
    """The steps after placing that lead to `status`, none later than a minute ago."""
    path = rng.choice(PATHS[status])
    steps: list[Step] = []
    at = placed_ts
    paid = status != OrderStatus.PENDING or rng.random() < 0.3
    if path == (OrderStatus.CANCELLED,):
        # Called off before anyone confirmed it: often before paying, too.
        paid = rng.random() < 0.4
    if paid:
        at += rng.uniform(60, 0.5 * HOUR)
        steps.append(Step(at, "payment", PaymentStatus.PAID))
    for target in path:
        at += rng.uniform(*DELAYS[target])
        steps.append(Step(at, "status", target))
    refund = paid and (
        status == OrderStatus.CANCELLED or (status == OrderStatus.RETURNED and rng.random() < 0.9)
    )
    if refund:
        steps.append(Step(at + rng.uniform(0.2 * HOUR, DAY), "payment", PaymentStatus.REFUNDED))
    # Squeeze recent orders' steps into the time between placing and now.
    latest = now_ts - 60
    if steps and steps[-1].at > latest:
        span = steps[-1].at - placed_ts
        room = max(latest - placed_ts, 1.0)
        steps = [
            step._replace(at=placed_ts + (step.at - placed_ts) * room / span) for step in steps
        ]
    return steps
