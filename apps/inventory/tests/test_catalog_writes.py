"""Every tracked variant has a Stock row, whichever path created it; the link is an explicit
call in apps/inventory/catalog_writes.py, so the catalogue alone writes no stock."""

import ast
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from rest_framework.test import APIClient

from apps.catalog import services as catalog
from apps.catalog.models import ProductVariant
from apps.catalog.tests.factories import make_product
from apps.inventory.catalog_writes import variant_create, variant_update
from apps.inventory.models import Stock
from apps.stores.roles import Role
from apps.stores.scoping import SYSTEM
from apps.stores.tests.factories import StoreFactory, staff_member

pytestmark = pytest.mark.django_db

# The functions that create or change variants, and the only modules that may call them.
VARIANT_WRITES = {
    "apps.catalog.services": {"product_create", "variant_create", "variant_update"},
    "apps.catalog.services_bulk": {"products_upsert_bulk"},
}
ALLOWED = {
    Path("apps/catalog/services.py"),
    Path("apps/catalog/services_bulk.py"),
    Path("apps/inventory/catalog_writes.py"),
}


def test_the_catalogue_alone_writes_no_stock():
    product = make_product(StoreFactory())
    variant = catalog.variant_create(actor=SYSTEM, product=product, sku="RAW-1", price=1)
    assert not Stock.objects.filter(variant=variant).exists()


def test_every_write_keeps_the_stock_row_in_step():
    product = make_product(StoreFactory(), track_inventory=False)
    untracked = product.variants.get()
    assert not Stock.objects.filter(variant__product=product).exists()

    added = variant_create(
        actor=SYSTEM, product=product, sku="ADDED", price=1, allow_backorder=True
    )
    assert Stock.objects.get(variant=added).allow_backorder is True

    variant_update(actor=SYSTEM, variant=untracked, track_inventory=True)
    assert Stock.objects.get(variant=untracked).allow_backorder is False
    variant_update(actor=SYSTEM, variant=untracked, allow_backorder=True)
    assert Stock.objects.get(variant=untracked).allow_backorder is True


def test_api_variant_writes_create_the_stock_row():
    product = make_product(StoreFactory(), track_inventory=False)
    client = APIClient()
    client.force_authenticate(staff_member(product.store, Role.MANAGER))
    added = client.post(
        f"/api/v1/staff/products/{product.pk}/variants/",
        {"sku": "API-1", "price": "3.00"},
        format="json",
    )
    assert added.status_code == 201, added.content
    assert added.json()["on_hand"] == 0
    untracked = product.variants.get(sku__startswith="SKU-")
    tracked = client.patch(
        f"/api/v1/staff/variants/{untracked.pk}/", {"track_inventory": True}, format="json"
    )
    assert tracked.status_code == 200, tracked.content
    assert tracked.json()["on_hand"] == 0


def test_seeded_demo_variants_that_track_stock_have_a_row():
    call_command("seed_demo", stores=1, products=4, orders=0, stdout=io.StringIO())
    tracked = ProductVariant.objects.filter(track_inventory=True)
    assert tracked.exists()
    assert not tracked.filter(stock__isnull=True).exists()


def _variant_writes_imported(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module in VARIANT_WRITES:
            names = {alias.name for alias in node.names}
            found |= names & VARIANT_WRITES[node.module]
        elif isinstance(node, ast.ImportFrom) and node.module == "apps.catalog":
            # `from apps.catalog import services` reaches every function through the module.
            found |= {f"apps.catalog.{a.name}" for a in node.names} & set(VARIANT_WRITES)
    return found


def test_only_the_stock_link_calls_the_catalogue_variant_writes():
    root = Path(settings.BASE_DIR)
    offenders = {}
    for path in sorted([*root.glob("apps/**/*.py"), *root.glob("bench/*.py")]):
        relative = path.relative_to(root)
        # The catalogue's own tests exercise its rules without stock, on purpose.
        if relative in ALLOWED or relative.parts[:3] == ("apps", "catalog", "tests"):
            continue
        if relative == Path(__file__).relative_to(root):
            continue
        names = _variant_writes_imported(path)
        if names:
            offenders[str(relative)] = sorted(names)
    assert offenders == {}
