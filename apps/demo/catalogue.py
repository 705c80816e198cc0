"""One store's catalogue: products of its theme, their variants and opening stock.

A variant's values pass through the catalogue's own variant_values (VARIANT_FIELDS only,
prices read by apps/core/money.py), and the rows are written column by column from the
model instances they make, so what the seeder writes is what the catalogue would store.
"""

from datetime import timedelta

from django.utils.text import slugify

from apps.catalog.models import (
    PRODUCT_FIELDS,
    VARIANT_FIELDS,
    Category,
    Product,
    ProductStatus,
    ProductVariant,
)
from apps.catalog.services import variant_values
from apps.core.bulk import BulkWriter
from apps.core.money import format_cents
from apps.demo.context import StoreRun
from apps.demo.data import CATALOGUE, VARIANT_COUNTS, Theme
from apps.demo.ledger import StockLedger

YEAR = timedelta(days=365)
PRODUCT_COLUMNS = ["id", "created_at", "updated_at", "store", *PRODUCT_FIELDS]
VARIANT_COLUMNS = ["id", "created_at", "updated_at", "product", "store", *VARIANT_FIELDS]
# What a column holds on an instance (category_id, not the Category).
PRODUCT_ATTNAMES = [Product._meta.get_field(name).attname for name in PRODUCT_FIELDS]
VARIANT_ATTNAMES = [ProductVariant._meta.get_field(name).attname for name in VARIANT_FIELDS]


def combinations(axes: list[tuple[str, list[str]]]) -> list[dict[str, str]]:
    combos: list[dict[str, str]] = [{}]
    for name, values in axes:
        combos = [{**combo, name: value} for combo in combos for value in values]
    # The first axis varies fastest: a product's first variants are its sizes, then colours.
    return sorted(combos, key=lambda c: [values.index(c[name]) for name, values in axes[::-1]])


class CatalogueWriter:
    def __init__(self, run: StoreRun, ledger: StockLedger, categories: dict[str, Category]):
        self.run = run
        self.ledger = ledger
        self.categories = categories
        self.theme: Theme = CATALOGUE[run.spec.theme]
        self.combos = combinations(self.theme.axes)
        self.created = run.now - YEAR - timedelta(days=20)
        self.received_at = run.now - YEAR - timedelta(days=7)
        self.products = BulkWriter(Product, PRODUCT_COLUMNS, pipe=run.pipe)
        self.variants = BulkWriter(ProductVariant, VARIANT_COLUMNS, pipe=run.pipe)

    def write(self, count: int) -> list[ProductVariant]:
        """Write `count` products; returns the variants for sale, each with its product and
        (when counted) its stock."""
        sellable: list[ProductVariant] = []
        for index in range(count):
            product = self._product(index)
            self._add(self.products, product, PRODUCT_ATTNAMES, self.run.store.pk)
            for variant in self._variants(product, index):
                self._add(self.variants, variant, VARIANT_ATTNAMES, product.pk, self.run.store.pk)
                if variant.track_inventory:
                    self._open_stock(variant)
                if product.status == ProductStatus.ACTIVE:
                    sellable.append(variant)
        self.products.flush()
        self.variants.flush()
        return sellable

    def _add(self, writer: BulkWriter, instance, attnames, *parents) -> None:
        values = [getattr(instance, name) for name in attnames]
        writer.add((instance.pk, self.created, self.created, *parents, *values))

    def _product(self, index: int) -> Product:
        rng, theme = self.run.rng, self.theme
        subcategory, nouns = list(theme.subcategories.items())[index % len(theme.subcategories)]
        title = f"{rng.choice(theme.adjectives)} {rng.choice(nouns)}".strip()
        roll = rng.random()
        status = (
            ProductStatus.DRAFT
            if roll < 0.04
            else ProductStatus.ARCHIVED
            if roll < 0.07
            else ProductStatus.ACTIVE
        )
        return Product(
            pk=self.run.take_id(Product),
            store=self.run.store,
            category=self.categories[f"{theme.root}/{subcategory}"],
            title=title,
            handle=f"{slugify(title)}-{index + 1}",
            description=f"{title}, from the {subcategory.lower()} range of {self.run.store.name}.",
            status=status,
        )

    def _variants(self, product: Product, index: int) -> list[ProductVariant]:
        rng = self.run.rng
        base_cents = rng.randrange(*self.theme.price_cents, 100) - 1
        variants = []
        for position, options in enumerate(
            self.combos[: VARIANT_COUNTS[index % len(VARIANT_COUNTS)]]
        ):
            tracked = not (set(options.values()) & self.theme.untracked_values)
            cents = base_cents + position * 100
            values = {
                "sku": f"{self.run.spec.order_prefix}-{index + 1:05d}-{position + 1}",
                "title": " / ".join(options.values()),
                "options": options,
                "price": format_cents(cents),
                "compare_at_price": format_cents(cents + cents // 5)
                if rng.random() < 0.15
                else None,
                "barcode": f"{rng.randrange(10**12, 10**13)}",
                "track_inventory": tracked,
                "allow_backorder": tracked and rng.random() < 0.04,
                "low_stock_threshold": 5,
                # Files weigh nothing; a parcel what its goods do.
                "weight_grams": rng.randrange(*self.theme.grams, 10) if tracked else 0,
                "position": position,
            }
            variant = ProductVariant(
                pk=self.run.take_id(ProductVariant),
                product=product,
                store=self.run.store,
                **variant_values(values, new=True),
            )
            variants.append(variant)
        return variants

    def _open_stock(self, variant: ProductVariant) -> None:
        stock = self.ledger.open(variant)
        # A few variants were never delivered: they show as out of stock.
        if self.run.rng.random() > 0.03:
            self.ledger.receive(
                stock, self.run.rng.randint(15, 120), self.received_at, "Opening stock"
            )
