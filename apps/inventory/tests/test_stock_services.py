import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction

from apps.catalog.tests.factories import make_variant
from apps.core.errors import ApplicationError
from apps.inventory.catalog_writes import variant_update
from apps.inventory.ledger import StockReference
from apps.inventory.models import MovementReason, Stock, StockMovement
from apps.inventory.order_stock import stock_allocate, stock_consume, stock_release
from apps.inventory.services import stock_adjust
from apps.inventory.tests.factories import receive
from apps.stores.roles import Role
from apps.stores.scoping import SYSTEM
from apps.stores.tests.factories import StoreFactory, staff_member

pytestmark = pytest.mark.django_db

REF = StockReference("order", "T-1")


@pytest.fixture
def variant():
    return make_variant(StoreFactory())


def test_tracked_variants_get_a_stock_row_and_untracked_do_not():
    store = StoreFactory()
    tracked = make_variant(store)
    untracked = make_variant(store, track_inventory=False)
    assert Stock.objects.filter(variant=tracked, store=store).exists()
    assert not Stock.objects.filter(variant=untracked).exists()


def test_adjust_writes_a_movement_with_reason_actor_and_result(variant):
    clerk = staff_member(variant.store, Role.CLERK)
    stock_adjust(variant=variant, delta=10, reason=MovementReason.RECEIVED, actor=clerk)
    stock_adjust(
        variant=variant, delta=-2, reason=MovementReason.DAMAGED, actor=clerk, note="dropped"
    )
    stock = stock_adjust(variant=variant, set_on_hand=7, reason=MovementReason.COUNT, actor=clerk)
    assert stock.on_hand == 7
    movements = list(StockMovement.objects.filter(stock=stock).order_by("id"))
    assert [(m.reason, m.on_hand_delta, m.on_hand_after) for m in movements] == [
        ("received", 10, 10),
        ("damaged", -2, 8),
        ("count", -1, 7),
    ]
    assert all(m.actor == clerk for m in movements)
    assert movements[1].note == "dropped"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"delta": -1, "reason": "damaged"}, "negative_stock"),
        ({"delta": 0, "reason": "received"}, "invalid"),
        ({"delta": 1, "set_on_hand": 3, "reason": "received"}, "invalid"),
        ({"delta": 1, "reason": "order_allocated"}, "invalid"),
        ({"delta": 1.5, "reason": "received"}, "invalid"),
        ({"set_on_hand": -4, "reason": "count"}, "negative_stock"),
        ({"delta": 2, "reason": "damaged"}, "wrong_direction"),
        ({"delta": -1, "reason": "received"}, "wrong_direction"),
        ({"delta": -1, "reason": "returned"}, "wrong_direction"),
    ],
)
def test_bad_adjustments_raise_and_change_nothing(variant, kwargs, code):
    with pytest.raises(ApplicationError) as error:
        stock_adjust(variant=variant, actor=SYSTEM, **kwargs)
    assert error.value.code == code
    assert Stock.objects.get(variant=variant).on_hand == 0
    assert not StockMovement.objects.exists()


def test_set_up_writes_record_no_person(variant):
    receive(variant, 3)
    stock_allocate(lines=[(variant.pk, 1)], actor=SYSTEM, reference=REF)
    assert [m.actor for m in StockMovement.objects.filter(stock__variant=variant)] == [None, None]


def test_on_hand_cannot_drop_below_what_orders_hold(variant):
    receive(variant, 5)
    stock_allocate(lines=[(variant.pk, 4)], actor=SYSTEM, reference=REF)
    with pytest.raises(ApplicationError) as error:
        stock_adjust(
            variant=variant,
            delta=-2,
            reason=MovementReason.DAMAGED,
            actor=SYSTEM,
        )
    assert error.value.code == "below_allocated"


def test_database_refuses_overselling_even_past_the_services(variant):
    receive(variant, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Stock.objects.filter(variant=variant).update(allocated=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        Stock.objects.filter(variant=variant).update(on_hand=-1)


def test_release_and_consume_keep_the_ledger(variant):
    receive(variant, 5)
    stock_allocate(lines=[(variant.pk, 3)], actor=SYSTEM, reference=REF)
    stock_release(lines=[(variant.pk, 1)], actor=SYSTEM, reference=REF)
    stock_consume(lines=[(variant.pk, 2)], actor=SYSTEM, reference=REF)
    stock = Stock.objects.get(variant=variant)
    assert (stock.on_hand, stock.allocated) == (3, 0)
    reasons = list(
        StockMovement.objects.filter(reference_id="T-1")
        .order_by("id")
        .values_list("reason", flat=True)
    )
    assert reasons == ["order_allocated", "order_released", "order_shipped"]
    call_command("check_stock_ledger")


def test_backorders_cannot_be_switched_off_while_outstanding():
    variant = make_variant(StoreFactory(), allow_backorder=True)
    stock_allocate(lines=[(variant.pk, 2)], actor=SYSTEM, reference=REF)
    with pytest.raises(ApplicationError) as error:
        variant_update(variant=variant, actor=SYSTEM, allow_backorder=False)
    assert error.value.code == "backorders_outstanding"


def test_check_stock_ledger_reports_a_tampered_row(variant, capsys):
    receive(variant, 5)
    call_command("check_stock_ledger")
    Stock.objects.filter(variant=variant).update(on_hand=9)
    with pytest.raises(CommandError) as error:
        call_command("check_stock_ledger")
    assert error.value.returncode == 1
    assert variant.sku in capsys.readouterr().err


@pytest.mark.postgres
def test_postgresql_refuses_to_rewrite_the_ledger(variant):
    receive(variant, 5)
    movement = StockMovement.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        StockMovement.objects.filter(pk=movement.pk).update(on_hand_delta=50)
    with pytest.raises(IntegrityError), transaction.atomic():
        movement.delete()


@pytest.mark.parametrize("role", [Role.VIEWER, None])
def test_adjusting_needs_the_stock_capability_in_the_variants_store(variant, role):
    from apps.core.errors import PermissionDenied

    person = staff_member(variant.store if role else StoreFactory(), role or Role.OWNER)
    with pytest.raises(PermissionDenied):
        stock_adjust(variant=variant, delta=5, reason=MovementReason.RECEIVED, actor=person)
    assert Stock.objects.get(variant=variant).on_hand == 0
    assert not StockMovement.objects.exists()
