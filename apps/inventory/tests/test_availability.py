"""The availability rule: its Python and SQL forms agree on the same rows, and allocation
obeys it (a counted variant without a Stock row is refused, not sold unallocated)."""

import logging

import pytest

from apps.catalog.models import ProductVariant
from apps.catalog.tests.factories import make_variant
from apps.inventory.models import Stock, StockMovement
from apps.inventory.order_stock import StockRecordMissing
from apps.inventory.selectors import (
    available_units,
    available_units_expression,
    can_order,
    can_order_condition,
    stock_filter_level,
    stock_level,
)
from apps.inventory.tables import STOCK_EXPORT_COLUMNS, stock_export_rows
from apps.inventory.tests.factories import receive
from apps.orders.models import Order, OrderLine
from apps.orders.tests.factories import place_order
from apps.stores.tests.factories import StoreFactory

pytestmark = pytest.mark.django_db

THRESHOLD = 3

# name: (track_inventory, variant's allow_backorder, Stock row as (on_hand, allocated,
#        allow_backorder) or None, units, can order 1, can order 4, level of the row)
CASES = {
    "untracked": (False, False, None, None, True, True, None),
    "untracked, row left over": (False, False, (0, 0, False), None, True, True, "in"),
    "tracked, plenty": (True, False, (9, 2, False), 7, True, True, "in"),
    "tracked, low": (True, False, (5, 2, False), 3, True, False, "low"),
    "tracked, all allocated": (True, False, (2, 2, False), 0, False, False, "out"),
    "tracked, no row": (True, False, None, 0, False, False, None),
    "tracked, no row, backorders": (True, True, None, 0, False, False, None),
    "backorders, empty": (True, True, (0, 0, True), 0, True, True, "out"),
    "backorders, oversold": (True, True, (1, 4, True), 0, True, True, "out"),
    "backorders, some": (True, True, (6, 4, True), 2, True, True, "low"),
}


@pytest.fixture
def rows():
    """One variant per case, its Stock row exactly as the case says."""
    store = StoreFactory()
    variants = {}
    for name, (track, backorder, row, *_expected) in CASES.items():
        variant = make_variant(store, low_stock_threshold=THRESHOLD, allow_backorder=backorder)
        ProductVariant.objects.filter(pk=variant.pk).update(track_inventory=track)
        Stock.objects.filter(variant=variant).delete()
        if row is not None:
            on_hand, allocated, row_backorder = row
            Stock.objects.create(
                variant=variant,
                store=store,
                on_hand=on_hand,
                allocated=allocated,
                allow_backorder=row_backorder,
            )
        variants[name] = variant.pk
    return variants


def test_python_and_sql_agree_with_the_table(rows, django_assert_num_queries):
    names = {pk: name for name, pk in rows.items()}
    expected = {
        name: {"units": units, "one": one, "four": four, "level": level}
        for name, (*_given, units, one, four, level) in CASES.items()
    }

    variants = ProductVariant.objects.select_related("stock").filter(pk__in=names)
    python = {
        names[v.pk]: {
            "units": available_units(v),
            "one": can_order(v),
            "four": can_order(v, 4),
            "level": None,
        }
        for v in variants
    }
    stocks = list(Stock.objects.select_related("variant").filter(variant_id__in=names))
    # Reached from its Stock row, a variant needs no query to answer.
    with django_assert_num_queries(0):
        for stock in stocks:
            name = names[stock.variant_id]
            assert available_units(stock.variant) == python[name]["units"], name
            python[name]["level"] = stock_level(stock)
    assert python == expected

    sql_units = dict(
        Stock.objects.filter(variant_id__in=names)
        .annotate(units=available_units_expression())
        .values_list("variant_id", "units")
    )
    sql_orderable = set(
        ProductVariant.objects.filter(pk__in=names)
        .filter(can_order_condition())
        .values_list("pk", flat=True)
    )
    sql_levels = {
        variant_id: level
        for level in ("out", "low", "in")
        for variant_id in stock_filter_level(Stock.objects.all(), level).values_list(
            "variant_id", flat=True
        )
    }
    assert {names[pk]: units for pk, units in sql_units.items()} == {
        name: e["units"] for name, e in expected.items() if CASES[name][2] is not None
    }
    assert {names[pk] for pk in sql_orderable} == {n for n, e in expected.items() if e["one"]}
    assert {names[pk]: level for pk, level in sql_levels.items()} == {
        name: e["level"] for name, e in expected.items() if e["level"] is not None
    }


def test_the_stock_export_writes_the_same_figure(rows):
    names = {pk: name for name, pk in rows.items()}
    variant_of = dict(ProductVariant.objects.values_list("sku", "pk"))
    sku, available = STOCK_EXPORT_COLUMNS.index("sku"), STOCK_EXPORT_COLUMNS.index("available")
    exported = {
        names[variant_of[row[sku]]]: row[available] for row in stock_export_rows(store_ids=None)
    }
    assert exported == {name: case[3] for name, case in CASES.items() if case[2] is not None}


def test_a_counted_variant_without_a_stock_row_is_refused_and_nothing_written(caplog):
    store = StoreFactory()
    stocked = make_variant(store)
    receive(stocked, 5)
    rowless = make_variant(store, allow_backorder=True)
    Stock.objects.filter(variant=rowless).delete()
    movements = StockMovement.objects.count()

    with caplog.at_level(logging.ERROR), pytest.raises(StockRecordMissing) as refusal:
        place_order(store, [(stocked, 1), (rowless, 1)])

    assert refusal.value.code == "no_stock_record"
    assert refusal.value.skus == [rowless.sku]
    assert rowless.sku in refusal.value.message and stocked.sku not in refusal.value.message
    assert rowless.sku in caplog.text
    assert not Order.objects.exists() and not OrderLine.objects.exists()
    assert StockMovement.objects.count() == movements
    assert Stock.objects.get(variant=stocked).allocated == 0


def test_a_stock_row_left_over_from_counting_does_not_limit_an_order():
    store = StoreFactory()
    variant = make_variant(store)
    ProductVariant.objects.filter(pk=variant.pk).update(track_inventory=False)

    order = place_order(store, [(variant, 3)])

    assert order.lines.get().quantity == 3
    stock = Stock.objects.get(variant=variant)
    assert (stock.on_hand, stock.allocated) == (0, 0)
    assert not stock.movements.exists()
