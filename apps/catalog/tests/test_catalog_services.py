from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from apps.catalog.models import Product, ProductVariant
from apps.catalog.selectors import category_descendant_ids, product_list_public
from apps.catalog.services import product_create, product_update, variant_create, variant_update
from apps.catalog.tests.factories import CategoryFactory, make_product
from apps.core.errors import ApplicationError, PermissionDenied
from apps.stores.roles import Role
from apps.stores.scoping import SYSTEM
from apps.stores.tests.factories import StoreFactory, staff_member

pytestmark = pytest.mark.django_db

# Set-up and rule tests with no person behind them; the role check has its own test below.


def test_product_needs_a_variant():
    with pytest.raises(ApplicationError) as error:
        product_create(actor=SYSTEM, store=StoreFactory(), title="Mug", variants=[])
    assert error.value.code == "no_variants"
    assert not Product.objects.exists()


def test_handle_defaults_to_the_slugged_title_and_is_unique_per_store():
    store, other = StoreFactory(), StoreFactory()
    product = product_create(
        actor=SYSTEM, store=store, title="Blue Mug", variants=[{"sku": "M1", "price": 5}]
    )
    assert product.handle == "blue-mug"
    product_create(
        actor=SYSTEM, store=other, title="Blue Mug", variants=[{"sku": "M1", "price": 5}]
    )
    with pytest.raises(ApplicationError):
        product_create(
            actor=SYSTEM, store=store, title="Blue Mug", variants=[{"sku": "M2", "price": 5}]
        )
    assert Product.objects.filter(store=store).count() == 1


def test_sku_is_unique_per_store_only():
    store, other = StoreFactory(), StoreFactory()
    product = make_product(store)
    sku = product.variants.get().sku
    with pytest.raises(ApplicationError) as error:
        variant_create(actor=SYSTEM, product=product, sku=sku, price=Decimal("1"))
    assert error.value.code == "duplicate_sku"
    make_product(other, title="Other")
    variant_create(actor=SYSTEM, product=make_product(other), sku=sku, price=Decimal("1"))


@pytest.mark.parametrize("price", ["-1", "abc", "1.234", float("nan"), None])
def test_bad_prices_are_refused(price):
    product = make_product(StoreFactory())
    with pytest.raises(ApplicationError) as error:
        variant_create(actor=SYSTEM, product=product, sku="X", price=price)
    assert error.value.code == "invalid_price"
    assert product.variants.count() == 1


def test_database_refuses_negative_prices_and_duplicate_skus():
    product = make_product(StoreFactory())
    variant = product.variants.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        ProductVariant.objects.filter(pk=variant.pk).update(price=-1)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProductVariant.objects.create(
            product=product, store=product.store, sku=variant.sku, price=1
        )


def test_updates_go_through_validation():
    product = make_product(StoreFactory())
    variant = product.variants.get()
    variant_update(actor=SYSTEM, variant=variant, price="12.30", compare_at_price="15")
    variant.refresh_from_db()
    assert variant.price == Decimal("12.30") and variant.compare_at_price == Decimal("15.00")
    with pytest.raises(ApplicationError):
        product_update(actor=SYSTEM, product=product, store=StoreFactory())
    with pytest.raises(ApplicationError):
        product_update(actor=SYSTEM, product=product, status="sold-out")


def test_public_listing_shows_only_active_products_of_active_stores():
    store, closed = StoreFactory(), StoreFactory(is_active=False)
    active = make_product(store)
    make_product(store, status="draft")
    make_product(store, status="archived")
    make_product(closed)
    assert list(product_list_public()) == [active]


def test_category_descendants():
    root = CategoryFactory()
    child = CategoryFactory(parent=root)
    grandchild = CategoryFactory(parent=child)
    CategoryFactory()
    assert set(category_descendant_ids(root)) == {root.pk, child.pk, grandchild.pk}


@pytest.mark.parametrize("role", [Role.CLERK, Role.VIEWER])
def test_catalogue_writes_need_the_catalogue_capability(role):
    store = StoreFactory()
    person = staff_member(store, role)
    product = make_product(store)
    variant = product.variants.get()
    attempts = [
        lambda: product_create(
            store=store, actor=person, title="Mug", variants=[{"sku": "MUG", "price": 5}]
        ),
        lambda: product_update(product=product, actor=person, title="Renamed"),
        lambda: variant_create(product=product, actor=person, sku="NEW", price=1),
        lambda: variant_update(variant=variant, actor=person, price=1),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()
    product.refresh_from_db()
    variant.refresh_from_db()
    assert product.title != "Renamed" and variant.price == Decimal("10.00")
    assert Product.objects.count() == 1 and ProductVariant.objects.count() == 1
    manager = staff_member(store, Role.MANAGER)
    product_update(product=product, actor=manager, title="Renamed")
