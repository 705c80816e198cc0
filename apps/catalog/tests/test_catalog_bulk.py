from decimal import Decimal

import pytest

from apps.catalog.models import Product, ProductStatus, ProductVariant
from apps.catalog.services_bulk import (
    CatalogueBatch,
    CatalogueChanged,
    NewVariant,
    products_upsert_bulk,
)
from apps.catalog.tests.factories import make_product
from apps.core.errors import ApplicationError
from apps.stores.scoping import SYSTEM
from apps.stores.tests.factories import StoreFactory

pytestmark = pytest.mark.django_db


def upsert(store, **batch):
    return products_upsert_bulk(
        store=store, batch=CatalogueBatch(**batch), actor=SYSTEM, reason="Bulk test"
    )


def test_new_rows_get_the_catalogue_s_defaults_positions_and_history():
    store = StoreFactory()
    old = make_product(store, variants=2)
    written = upsert(
        store,
        products_new={"mug": {"title": "Mug"}},
        variants_new=[
            NewVariant("mug", {"sku": "MUG-1", "price": "5"}),
            NewVariant(old.handle, {"sku": "OLD-3", "price": Decimal("7.50")}),
            NewVariant("mug", {"sku": "MUG-2", "price": "6.10", "track_inventory": False}),
        ],
    )
    mug = Product.objects.get(store=store, handle="mug")
    assert (mug.status, mug.description, mug.category) == (ProductStatus.DRAFT, "", None)
    assert mug.history.get().history_change_reason == "Bulk test"
    first = ProductVariant.objects.get(sku="MUG-1")
    assert (first.price, first.position, first.options) == (Decimal("5.00"), 0, {})
    assert (first.track_inventory, first.low_stock_threshold) == (True, 5)
    assert ProductVariant.objects.get(sku="MUG-2").position == 1
    assert ProductVariant.objects.get(sku="OLD-3").position == 2
    assert first.history.get().history_type == "+"
    added = ProductVariant.objects.get(sku="OLD-3")
    assert written.new_tracked == {"MUG-1": first.pk, "OLD-3": added.pk}


def test_changes_write_history_and_report_stock_flags():
    store = StoreFactory()
    variant = make_product(store).variants.get()
    written = upsert(
        store,
        products_update={variant.product_id: {"title": "Renamed"}},
        variants_update={variant.pk: {"price": "12.30", "allow_backorder": True}},
    )
    variant.refresh_from_db()
    assert (variant.price, variant.allow_backorder) == (Decimal("12.30"), True)
    assert variant.product.title == "Renamed"
    assert variant.history.latest("history_id").history_type == "~"
    (flagged,) = written.stock_flags_changed
    assert (flagged.pk, flagged.sku, flagged.allow_backorder) == (variant.pk, variant.sku, True)
    priced_only = upsert(store, variants_update={variant.pk: {"price": "13"}})
    assert priced_only.stock_flags_changed == []


@pytest.mark.parametrize(
    "batch",
    [
        {"variants_new": [NewVariant("mug", {"sku": "M", "price": "1.234"})]},
        {"variants_new": [NewVariant("mug", {"sku": "M", "price": "10000000000"})]},
        {"variants_new": [NewVariant("mug", {"sku": "M", "price": ""})]},
        {"variants_new": [NewVariant("mug", {"sku": "M"})]},
        {"variants_new": [NewVariant("mug", {"sku": " ", "price": "1"})]},
        {"variants_new": [NewVariant("mug", {"sku": "M", "price": "1", "colour": "red"})]},
        {"products_new": {"bad handle": {"title": "Bad"}}},
        {"products_new": {"cup": {"title": "Cup", "weight": 3}}},
    ],
)
def test_what_the_catalogue_refuses_writes_nothing(batch):
    store = StoreFactory()
    batch = {"products_new": {"mug": {"title": "Mug"}}, **batch}
    with pytest.raises(ApplicationError):
        upsert(store, **batch)
    assert not Product.objects.filter(store=store).exists()


def test_rows_gone_since_the_plan_are_reported():
    store = StoreFactory()
    with pytest.raises(CatalogueChanged):
        upsert(store, variants_new=[NewVariant("nowhere", {"sku": "N", "price": "1"})])
    other = make_product(StoreFactory()).variants.get()
    with pytest.raises(CatalogueChanged):
        upsert(store, variants_update={other.pk: {"price": "2"}})
    other.refresh_from_db()
    assert other.price == Decimal("10.00")
