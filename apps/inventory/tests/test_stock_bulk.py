import pytest

from apps.catalog.tests.factories import make_variant
from apps.core.errors import ApplicationError
from apps.inventory.ledger import StockReference
from apps.inventory.models import MovementReason, Stock, StockMovement
from apps.inventory.order_stock import stock_allocate
from apps.inventory.selectors import ledger_mismatches
from apps.inventory.services import (
    StockChange,
    StockChangesRefused,
    stock_adjust,
    stock_change_bulk,
)
from apps.inventory.tests.factories import receive
from apps.stores.scoping import SYSTEM
from apps.stores.tests.factories import StoreFactory

pytestmark = pytest.mark.django_db

REF = StockReference("import", "1")


@pytest.fixture
def store():
    return StoreFactory()


def _refusal_of_stock_adjust(**kwargs) -> str:
    with pytest.raises(ApplicationError) as error:
        stock_adjust(actor=SYSTEM, reason=MovementReason.COUNT, **kwargs)
    return error.value.message.rstrip(".")


def test_bulk_refuses_with_the_words_of_the_single_change(store):
    short = make_variant(store)
    held = make_variant(store)
    receive(short, 2)
    receive(held, 5)
    stock_allocate(lines=[(held.pk, 4)], actor=SYSTEM, reference=StockReference("order", "1"))
    fine = make_variant(store)

    with pytest.raises(StockChangesRefused) as error:
        stock_change_bulk(
            changes=[
                StockChange(variant_id=short.pk, delta=-3),
                StockChange(variant_id=held.pk, set_on_hand=1),
                StockChange(variant_id=fine.pk, set_on_hand=9),
            ],
            actor=SYSTEM,
            reference=REF,
        )

    assert sorted(error.value.problems) == sorted(
        [
            _refusal_of_stock_adjust(variant=short, delta=-3),
            _refusal_of_stock_adjust(variant=held, set_on_hand=1),
        ]
    )
    assert Stock.objects.get(variant=fine).on_hand == 0
    assert not StockMovement.objects.filter(reference_type="import").exists()


def test_bulk_holds_each_reason_to_its_direction_as_the_single_change_does(store):
    damaged = make_variant(store)
    received = make_variant(store)
    receive(received, 5)

    with pytest.raises(StockChangesRefused) as error:
        stock_change_bulk(
            changes=[
                StockChange(variant_id=damaged.pk, delta=2, reason=MovementReason.DAMAGED),
                StockChange(variant_id=received.pk, set_on_hand=3, reason=MovementReason.RECEIVED),
            ],
            actor=SYSTEM,
            reference=REF,
        )

    single = []
    for kwargs in (
        {"variant": damaged, "delta": 2, "reason": MovementReason.DAMAGED},
        {"variant": received, "set_on_hand": 3, "reason": MovementReason.RECEIVED},
    ):
        with pytest.raises(ApplicationError) as refused:
            stock_adjust(actor=SYSTEM, **kwargs)
        assert refused.value.code == "wrong_direction"
        single.append(refused.value.message.rstrip("."))
    assert sorted(error.value.problems) == sorted(single)


def test_bulk_lets_a_backorder_row_drop_below_what_orders_hold(store):
    variant = make_variant(store, allow_backorder=True)
    receive(variant, 5)
    stock_allocate(lines=[(variant.pk, 4)], actor=SYSTEM, reference=StockReference("order", "1"))

    moved = stock_change_bulk(
        changes=[StockChange(variant_id=variant.pk, set_on_hand=1)], actor=SYSTEM, reference=REF
    )

    assert moved == 1
    assert Stock.objects.get(variant=variant).on_hand == 1
    assert ledger_mismatches() == []


def test_bulk_creates_missing_rows_but_not_below_zero(store):
    counted = make_variant(store)
    negative = make_variant(store)
    Stock.objects.filter(variant__in=[counted, negative]).delete()

    with pytest.raises(StockChangesRefused) as error:
        stock_change_bulk(
            changes=[
                StockChange(variant_id=counted.pk, set_on_hand=4),
                StockChange(variant_id=negative.pk, delta=-1),
            ],
            actor=SYSTEM,
            reference=REF,
        )
    assert error.value.problems == [f"{negative.sku}: on hand cannot go below zero (it is 0)"]
    assert not Stock.objects.filter(variant__in=[counted, negative]).exists()

    stock_change_bulk(
        changes=[StockChange(variant_id=counted.pk, set_on_hand=4)], actor=SYSTEM, reference=REF
    )
    assert Stock.objects.get(variant=counted).on_hand == 4
    assert ledger_mismatches() == []


@pytest.mark.parametrize(
    "change",
    [
        StockChange(variant_id=0, set_on_hand=1, delta=1),
        StockChange(variant_id=0),
        StockChange(variant_id=0, delta=True),
        StockChange(variant_id=0, delta=1, reason=MovementReason.ORDER_ALLOCATED),
    ],
)
def test_bulk_checks_each_change_as_the_single_change_does(store, change):
    variant = make_variant(store)
    bad = StockChange(
        variant_id=variant.pk,
        set_on_hand=change.set_on_hand,
        delta=change.delta,
        reason=change.reason,
    )
    with pytest.raises(ApplicationError) as error:
        stock_change_bulk(changes=[bad], actor=SYSTEM, reference=REF)
    assert error.value.code == "invalid"
    assert not StockMovement.objects.filter(reference_type="import").exists()
