"""Catalogue writes. Every surface creates and changes products and variants through here."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from apps.catalog.models import Category, Product, ProductStatus, ProductVariant
from apps.catalog.signals import variants_saved
from apps.core.errors import ApplicationError
from apps.stores.models import Store
from apps.stores.roles import Capability
from apps.stores.scoping import require_capability

CENT = Decimal("0.01")

PRODUCT_FIELDS = ("category", "title", "handle", "description", "status")
VARIANT_FIELDS = (
    "sku",
    "title",
    "options",
    "price",
    "compare_at_price",
    "barcode",
    "track_inventory",
    "allow_backorder",
    "low_stock_threshold",
    "position",
)


def _validation_message(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(
            f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()
        )
    return " ".join(error.messages)


def _full_clean(instance, *, exclude: list[str] | None = None) -> None:
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as error:
        raise ApplicationError(_validation_message(error), code="invalid") from None


def _check_category(category: Category | None) -> None:
    if category is not None and not isinstance(category, Category):
        raise ApplicationError("Unknown category.", code="unknown_category")


@transaction.atomic
def product_create(
    *,
    store: Store,
    actor,
    title: str,
    handle: str = "",
    category: Category | None = None,
    description: str = "",
    status: str = ProductStatus.DRAFT,
    variants: list[dict],
    check_permission: bool = True,
) -> Product:
    """Create a product with its variants (at least one: a simple product has exactly one).

    Like every catalogue write, it needs the catalogue capability in the store;
    `check_permission` is off only for set-up code with no person behind it.
    """
    if check_permission:
        require_capability(actor, store, Capability.EDIT_CATALOG)
    if not variants:
        raise ApplicationError("A product needs at least one variant.", code="no_variants")
    _check_category(category)
    product = Product(
        store=store,
        category=category,
        title=title.strip(),
        handle=handle.strip() or slugify(title)[:255],
        description=description,
        status=status,
    )
    _full_clean(product)
    product.save()
    created = [
        variant_create(
            product=product,
            actor=actor,
            position=index,
            check_permission=False,
            _send_signal=False,
            **data,
        )
        for index, data in enumerate(variants)
    ]
    variants_saved.send(sender=ProductVariant, variants=created)
    return product


@transaction.atomic
def product_update(*, product: Product, actor, check_permission: bool = True, **changes) -> Product:
    if check_permission:
        require_capability(actor, product.store_id, Capability.EDIT_CATALOG)
    unknown = set(changes) - set(PRODUCT_FIELDS)
    if unknown:
        raise ApplicationError(f"Cannot change {', '.join(sorted(unknown))} of a product.")
    _check_category(changes.get("category"))
    for field, value in changes.items():
        setattr(product, field, value)
    _full_clean(product)
    product.save()
    return product


def _money(value, label: str) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, float | bool):
        raise ApplicationError(f"The {label} must be a decimal number.", code="invalid_price")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ApplicationError(
            f"The {label} must be a number, not {value!r}.", code="invalid_price"
        ) from None
    if not amount.is_finite():
        raise ApplicationError(f"The {label} must be a number.", code="invalid_price")
    if amount < 0:
        raise ApplicationError(f"The {label} cannot be negative.", code="invalid_price")
    if amount != amount.quantize(CENT):
        raise ApplicationError(f"The {label} has more than two decimals.", code="invalid_price")
    return amount.quantize(CENT)


@transaction.atomic
def variant_create(
    *,
    product: Product,
    actor,
    sku: str,
    price: Decimal,
    title: str = "",
    options: dict | None = None,
    compare_at_price: Decimal | None = None,
    barcode: str = "",
    track_inventory: bool = True,
    allow_backorder: bool = False,
    low_stock_threshold: int = 5,
    position: int = 0,
    check_permission: bool = True,
    _send_signal: bool = True,
) -> ProductVariant:
    if check_permission:
        require_capability(actor, product.store_id, Capability.EDIT_CATALOG)
    price = _money(price, "price")
    if price is None:
        raise ApplicationError("A variant needs a price.", code="invalid_price")
    variant = ProductVariant(
        product=product,
        store_id=product.store_id,
        sku=sku.strip(),
        title=title,
        options=options or {},
        price=price,
        compare_at_price=_money(compare_at_price, "compare-at price"),
        barcode=barcode,
        track_inventory=track_inventory,
        allow_backorder=allow_backorder,
        low_stock_threshold=low_stock_threshold,
        position=position,
    )
    _full_clean(variant, exclude=["product", "store"])
    try:
        with transaction.atomic():
            variant.save()
    except IntegrityError:
        raise ApplicationError(
            f"SKU {variant.sku} is already used in this store.", code="duplicate_sku"
        ) from None
    if _send_signal:
        variants_saved.send(sender=ProductVariant, variants=[variant])
    return variant


@transaction.atomic
def variant_update(
    *, variant: ProductVariant, actor, check_permission: bool = True, **changes
) -> ProductVariant:
    if check_permission:
        require_capability(actor, variant.store_id, Capability.EDIT_CATALOG)
    unknown = set(changes) - set(VARIANT_FIELDS)
    if unknown:
        raise ApplicationError(f"Cannot change {', '.join(sorted(unknown))} of a variant.")
    if "price" in changes:
        changes["price"] = _money(changes["price"], "price")
        if changes["price"] is None:
            raise ApplicationError("A variant needs a price.", code="invalid_price")
    if "compare_at_price" in changes:
        changes["compare_at_price"] = _money(changes["compare_at_price"], "compare-at price")
    for field, value in changes.items():
        setattr(variant, field, value)
    _full_clean(variant, exclude=["product", "store"])
    try:
        with transaction.atomic():
            variant.save()
    except IntegrityError:
        raise ApplicationError(
            f"SKU {variant.sku} is already used in this store.", code="duplicate_sku"
        ) from None
    variants_saved.send(sender=ProductVariant, variants=[variant])
    return variant
