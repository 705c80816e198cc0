from decimal import Decimal

import factory

from apps.catalog.models import Category, Product, ProductStatus, ProductVariant
from apps.inventory.catalog_writes import product_create
from apps.stores.scoping import SYSTEM
from apps.stores.tests.factories import StoreFactory


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


_counter = iter(range(1, 10**9))


def make_product(
    store=None,
    *,
    variants: int = 1,
    price: Decimal = Decimal("10.00"),
    status=ProductStatus.ACTIVE,
    category=None,
    title=None,
    **variant_kwargs,
) -> Product:
    """A product through the surfaces' write path (so its Stock rows exist), `variants` SKUs."""
    store = store or StoreFactory()
    n = next(_counter)
    return product_create(
        store=store,
        actor=SYSTEM,
        title=title or f"Product {n}",
        handle=f"product-{n}",
        category=category,
        status=status,
        variants=[
            {"sku": f"SKU-{n}-{i}", "title": f"Size {i}", "price": price, **variant_kwargs}
            for i in range(variants)
        ],
    )


def make_variant(store=None, **kwargs) -> ProductVariant:
    return make_product(store, **kwargs).variants.get()
