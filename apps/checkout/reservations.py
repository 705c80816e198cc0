"""Cart reservations: stock held for a checkout for the store's reservation_minutes.

A reservation allocates its lines like an order does (ledger reason "reserved", its reference
as the movements' reference), so reserved units are unavailable to everyone else through the
same locked rows that keep orders from overselling. An order placed with the reservation's
token consumes it: in the order's transaction the reservation's allocation is released and the
order's taken, with the stock rows locked throughout, so nobody slips in between. When it runs
out, the task worker releases it.
"""

import hashlib
import logging
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks import default_task_backend, task

from apps.checkout.models import CartReservation, CartReservationLine
from apps.core.errors import ApplicationError, Conflict, NotFound
from apps.inventory.ledger import StockReference
from apps.inventory.models import MovementReason
from apps.inventory.order_stock import stock_allocate, stock_release
from apps.stores.models import Store
from apps.stores.scoping import SYSTEM, Actor

logger = logging.getLogger(__name__)
RESERVATION_REFERENCE = "reservation"
SWEEP_BATCH = 500


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _stock_reference(reservation: CartReservation) -> StockReference:
    return StockReference(RESERVATION_REFERENCE, reservation.reference)


def reservation_create(
    *, store: Store, quantities: Mapping[int, int], actor: Actor = SYSTEM
) -> tuple[CartReservation, str]:
    """Hold the cart's units for the store's reservation_minutes; (reservation, token).
    All or nothing: a short line refuses the whole cart, naming every short SKU."""
    if not store.reservation_minutes:
        raise ApplicationError("This store does not hold carts' stock.", code="reservations_off")
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        reservation = CartReservation.objects.create(
            store=store,
            token_hash=_hash(token),
            reference=secrets.token_hex(8),
            expires_at=timezone.now() + timedelta(minutes=store.reservation_minutes),
        )
        CartReservationLine.objects.bulk_create(
            CartReservationLine(reservation=reservation, variant_id=variant_id, quantity=quantity)
            for variant_id, quantity in quantities.items()
        )
        stock_allocate(
            lines=list(quantities.items()),
            actor=actor,
            reference=_stock_reference(reservation),
            reason=MovementReason.RESERVED,
        )
    _release_when_due(reservation)
    return reservation, token


def _release_when_due(reservation: CartReservation) -> None:
    """Ask the worker to release the reservation when it runs out. A backend that cannot
    defer (the tests' immediate one) leaves it to the next sweep."""
    if default_task_backend.supports_defer:
        transaction.on_commit(
            lambda: release_expired_reservations.using(
                run_after=reservation.expires_at + timedelta(seconds=1)
            ).enqueue()
        )


def _release(reservation: CartReservation, *, order_number: str = "") -> None:
    lines = list(reservation.lines.values_list("variant_id", "quantity"))
    if lines:
        stock_release(
            lines=lines,
            actor=SYSTEM,
            reference=_stock_reference(reservation),
            reason=MovementReason.RESERVATION_RELEASED,
        )
    reservation.ended_at = timezone.now()
    reservation.order_number = order_number
    reservation.save(update_fields=["ended_at", "order_number"])


def reservation_for_token(
    *, store: Store, token: str, now: datetime | None = None
) -> CartReservation:
    """The store's open reservation with this token, locked; NotFound when there is none,
    Conflict when it has run out (the cart must be reserved or quoted again)."""
    reservation = (
        CartReservation.objects.select_for_update()
        .filter(store=store, token_hash=_hash(token), ended_at__isnull=True)
        .first()
    )
    if reservation is None:
        raise NotFound("Reservation not found.")
    if reservation.expires_at <= (now or timezone.now()):
        raise Conflict("The reservation has run out.", code="reservation_expired")
    return reservation


def reservation_variant_ids(reservation: CartReservation) -> set[int]:
    return set(reservation.lines.values_list("variant_id", flat=True))


def reservation_consume(*, reservation: CartReservation, order_number: str) -> None:
    """Inside the order's transaction, before it allocates, with the stock rows of both
    already locked (in pk order, so nobody deadlocks): the reservation's units become free
    again for the order's allocation to take."""
    _release(reservation, order_number=order_number)


@transaction.atomic
def reservation_cancel(*, store: Store, token: str) -> None:
    """The storefront gives the cart's units back before they run out."""
    _release(reservation_for_token(store=store, token=token))


def reservations_release_expired(*, now: datetime | None = None) -> int:
    """Release every reservation that has run out; returns how many. Each in its own
    transaction, oldest first, a batch at a time."""
    now = now or timezone.now()
    released = 0
    # One being consumed by an order right now is skipped, not waited for, and not retried.
    seen: set[int] = set()
    while True:
        ids = list(
            CartReservation.objects.filter(ended_at__isnull=True, expires_at__lte=now)
            .exclude(pk__in=seen)
            .order_by("expires_at")
            .values_list("pk", flat=True)[:SWEEP_BATCH]
        )
        if not ids:
            return released
        seen.update(ids)
        for pk in ids:
            with transaction.atomic():
                reservation = (
                    CartReservation.objects.select_for_update(skip_locked=True)
                    .filter(pk=pk, ended_at__isnull=True)
                    .first()
                )
                if reservation is not None:
                    _release(reservation)
                    released += 1


@task()
def release_expired_reservations() -> None:
    released = reservations_release_expired()
    if released:
        logger.info("released %s expired cart reservation(s)", released)


def reservation_held(*, store: Store, token: str) -> dict[int, int]:
    """Units an open reservation holds, by variant (for the quote); empty when there is none."""
    return dict(
        CartReservationLine.objects.filter(
            reservation__store=store,
            reservation__token_hash=_hash(token),
            reservation__ended_at__isnull=True,
            reservation__expires_at__gt=timezone.now(),
        ).values_list("variant_id", "quantity")
    )
