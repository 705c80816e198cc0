"""Catalogue writes: the rules of a product and its variants.

Stock is not the catalogue's (catalog < inventory): surfaces create and change variants
through apps/inventory/catalog_writes.py, which calls these and gives every tracked variant
its Stock row in the same transaction. The file import's bulk path is services_bulk.py.
"""

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils.text import slugify

from apps.catalog.models import (
    PRODUCT_FIELDS,
    VARIANT_FIELDS,
    Category,
    Product,
    ProductStatus,
    ProductVariant,
)
from apps.core.errors import ApplicationError, Conflict, NotFound
from apps.core.money import MoneyError, to_money
from apps.stores.models import Store
from apps.stores.roles import Capability
from apps.stores.scoping import Actor, require_capability


def _validation_message(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(
            f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()
        )
    return " ".join(error.messages)


def _full_clean(instance: Model, *, exclude: list[str] | None = None) -> None:
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as error:
        raise ApplicationError(_validation_message(error), code="invalid") from None


def _category(category: Category | int | None) -> Category | None:
    """The category itself, given or by id."""
    if category is None or isinstance(category, Category):
        return category
    found = Category.objects.filter(pk=category).first() if isinstance(category, int) else None
    if found is None:
        message = "Unknown category."
        raise NotFound(message, code="unknown_category", extra={"fields": {"category": [message]}})
    return found


def _check_handle_free(product: Product) -> None:
    taken = Product.objects.filter(store_id=product.store_id, handle=product.handle)
    if taken.exclude(pk=product.pk).exists():
        raise Conflict(
            f"The handle {product.handle} is already used in this store.", code="duplicate_handle"
        )


def _default_handle(title: str) -> str:
    """The title as a slug; "product" when nothing of it makes one (a title in Cyrillic or
    Chinese): the store's handles are unique, so the next such product needs its own."""
    return slugify(title)[:255] or "product"


def _save_product(product: Product) -> None:
    _check_handle_free(product)
    _full_clean(product)
    try:
        with transaction.atomic():
            product.save()
    except IntegrityError:
        # Another write took the handle between the check and the save.
        raise Conflict(
            f"The handle {product.handle} is already used in this store.", code="duplicate_handle"
        ) from None


@transaction.atomic
def product_create(
    *,
    store: Store,
    actor: Actor,
    title: str,
    handle: str = "",
    category: Category | int | None = None,
    description: str = "",
    status: str = ProductStatus.DRAFT,
    variants: list[dict[str, Any]],
) -> Product:
    """Create a product with its variants (at least one: a simple product has exactly one).

    Like every catalogue write, it needs the catalogue capability in the store.
    """
    require_capability(actor, store, Capability.EDIT_CATALOG)
    if not variants:
        raise ApplicationError("A product needs at least one variant.", code="no_variants")
    product = Product(
        store=store,
        category=_category(category),
        title=title.strip(),
        handle=handle.strip() or _default_handle(title),
        description=description,
        status=status,
    )
    _save_product(product)
    for index, data in enumerate(variants):
        _insert_variant(product, {**data, "position": index})
    return product


@transaction.atomic
def product_update(*, product: Product, actor: Actor, **changes: Any) -> Product:
    require_capability(actor, product.store_id, Capability.EDIT_CATALOG)
    unknown = set(changes) - set(PRODUCT_FIELDS)
    if unknown:
        raise ApplicationError(f"Cannot change {', '.join(sorted(unknown))} of a product.")
    if "category" in changes:
        changes["category"] = _category(changes["category"])
    if "handle" in changes and not changes["handle"].strip():
        changes["handle"] = _default_handle(changes.get("title", product.title))
    for field, value in changes.items():
        setattr(product, field, value)
    _save_product(product)
    return product


def handle_is_valid(handle: str) -> bool:
    """What the model's handle field accepts (a slug that fits), checked without a model."""
    if not handle:
        return False
    try:
        Product._meta.get_field("handle").run_validators(handle)
    except ValidationError:
        return False
    return True


def _money(
    value: Decimal | int | str | None, label: str, *, required: bool = False
) -> Decimal | None:
    if value is None or value == "":
        if required:
            raise ApplicationError(f"A variant needs a {label}.", code="invalid_price")
        return None
    try:
        return to_money(value)
    except MoneyError as error:
        raise ApplicationError(f"The {label} {error}.", code="invalid_price") from None


def variant_values(values: dict[str, Any], *, new: bool = False) -> dict[str, Any]:
    """Variant fields as stored: only VARIANT_FIELDS, amounts checked and rounded to cents.
    A `new` variant needs a SKU and a price."""
    unknown = set(values) - set(VARIANT_FIELDS)
    if unknown:
        raise ApplicationError(f"Cannot set {', '.join(sorted(unknown))} of a variant.")
    clean = {"sku": "", "price": None, **values} if new else dict(values)
    if "sku" in clean:
        clean["sku"] = clean["sku"].strip()
        if not clean["sku"]:
            raise ApplicationError("A variant needs a SKU.", code="invalid")
    if "options" in clean:
        clean["options"] = clean["options"] or {}
    if "price" in clean:
        clean["price"] = _money(clean["price"], "price", required=True)
    if "compare_at_price" in clean:
        clean["compare_at_price"] = _money(clean["compare_at_price"], "compare-at price")
    return clean


def _save_variant(variant: ProductVariant) -> None:
    _full_clean(variant, exclude=["product", "store"])
    try:
        with transaction.atomic():
            variant.save()
    except IntegrityError:
        raise Conflict(
            f"SKU {variant.sku} is already used in this store.", code="duplicate_sku"
        ) from None


@transaction.atomic
def variant_create(*, product: Product, actor: Actor, **fields: Any) -> ProductVariant:
    """A variant of `product` from VARIANT_FIELDS (sku and price needed; the model's defaults
    fill the rest)."""
    require_capability(actor, product.store_id, Capability.EDIT_CATALOG)
    return _insert_variant(product, fields)


def _insert_variant(product: Product, fields: dict[str, Any]) -> ProductVariant:
    values = variant_values(fields, new=True)
    variant = ProductVariant(product=product, store_id=product.store_id, **values)
    _save_variant(variant)
    return variant


@transaction.atomic
def variant_update(*, variant: ProductVariant, actor: Actor, **changes: Any) -> ProductVariant:
    require_capability(actor, variant.store_id, Capability.EDIT_CATALOG)
    for field, value in variant_values(changes).items():
        setattr(variant, field, value)
    _save_variant(variant)
    return variant
