"""Product admin: writes go through the catalogue services; roles decide who edits."""

import re
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from apps.catalog.models import Product, ProductStatus, ProductVariant
from apps.core.tests.fixtures import build_store
from apps.inventory.models import Stock
from apps.stores.roles import Role

pytestmark = pytest.mark.django_db

VARIANT_PREFIX = "variants"


def product_form(
    store, *, title="Linen shirt", handle="linen-shirt", variants=(), initial=0, existing=()
):
    data = {
        "store": store.pk,
        "title": title,
        "handle": handle,
        "status": ProductStatus.ACTIVE,
        "description": "",
        "category": "",
        f"{VARIANT_PREFIX}-TOTAL_FORMS": len(existing) + len(variants),
        f"{VARIANT_PREFIX}-INITIAL_FORMS": len(existing),
        f"{VARIANT_PREFIX}-MIN_NUM_FORMS": 1,
        f"{VARIANT_PREFIX}-MAX_NUM_FORMS": 1000,
    }
    rows = [*existing, *variants]
    for index, row in enumerate(rows):
        defaults = {
            "title": "",
            "compare_at_price": "",
            "barcode": "",
            "track_inventory": "on",
            "low_stock_threshold": 5,
            "weight_grams": 0,
            "position": index,
            "product": "",
        }
        for key, value in {**defaults, **row}.items():
            data[f"{VARIANT_PREFIX}-{index}-{key}"] = value
    return data


def test_owner_creates_a_product_with_variants_through_the_service(client):
    shop = build_store("Alpha")
    client.force_login(shop.staff[Role.OWNER])
    response = client.post(
        reverse("admin:catalog_product_add"),
        product_form(
            shop.store,
            variants=[{"sku": "SHIRT-S", "price": "29.00"}, {"sku": "SHIRT-M", "price": "31.00"}],
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    product = Product.objects.get(store=shop.store, handle="linen-shirt")
    skus = set(product.variants.values_list("sku", flat=True))
    assert skus == {"SHIRT-S", "SHIRT-M"}
    # the service gave every tracked variant its stock row
    assert Stock.objects.filter(variant__product=product).count() == 2
    # the audit trail says who did it
    assert product.history.get().history_user == shop.staff[Role.OWNER]


def test_duplicate_sku_is_a_message_not_a_crash(client):
    shop = build_store("Alpha")
    taken = shop.variants[0].sku
    client.force_login(shop.staff[Role.MANAGER])
    response = client.post(
        reverse("admin:catalog_product_add"),
        product_form(shop.store, variants=[{"sku": taken, "price": "5.00"}]),
        follow=True,
    )
    assert response.status_code == 200
    assert any("already used" in str(m) for m in get_messages(response.wsgi_request))
    assert not Product.objects.filter(handle="linen-shirt").exists()


def post_product_page(client, shop, *, change_existing=None, variants=()):
    """The product page of the shop's product, sent back with its variants as they are (but
    for `change_existing`'s changes to the first) and `variants` added."""
    product = shop.product
    client.force_login(shop.staff[Role.MANAGER])
    existing = [
        {"id": v.pk, "sku": v.sku, "price": str(v.price), "title": v.title, "product": product.pk}
        for v in product.variants.order_by("position", "pk")
    ]
    existing[0].update(change_existing or {})
    data = product_form(
        shop.store,
        title=product.title,
        handle=product.handle,
        existing=existing,
        variants=variants,
    )
    response = client.post(reverse("admin:catalog_product_change", args=(product.pk,)), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    return existing


def test_editing_a_variant_goes_through_variant_update(client):
    shop = build_store("Alpha")
    existing = post_product_page(client, shop, change_existing={"price": "12.50"})
    variant = ProductVariant.objects.get(pk=existing[0]["id"])
    assert str(variant.price) == "12.50"
    assert variant.history.count() >= 2
    assert variant.history.first().history_user == shop.staff[Role.MANAGER]


def test_a_variant_added_on_the_product_page_gets_its_stock_row(client):
    shop = build_store("Alpha")
    post_product_page(client, shop, variants=[{"sku": "ADDED-1", "price": "4.00"}])
    assert Stock.objects.get(variant__sku="ADDED-1", variant__product=shop.product).on_hand == 0


@pytest.mark.parametrize(
    ("role", "can_edit"),
    [(Role.OWNER, True), (Role.MANAGER, True), (Role.CLERK, False), (Role.VIEWER, False)],
)
def test_catalogue_editing_follows_the_role(client, role, can_edit):
    shop = build_store("Alpha")
    client.force_login(shop.staff[role])
    url = reverse("admin:catalog_product_change", args=(shop.product.pk,))
    page = client.get(url)
    assert page.status_code == 200
    assert ('name="title"' in page.content.decode()) is can_edit
    assert (client.get(reverse("admin:catalog_product_add")).status_code == 200) is can_edit
    response = client.post(
        url, product_form(shop.store, title="Renamed", handle=shop.product.handle)
    )
    shop.product.refresh_from_db()
    assert (shop.product.title == "Renamed") is can_edit
    if not can_edit:
        assert response.status_code == 403


def test_product_search_by_sku_and_barcode(client):
    shop = build_store("Alpha")
    other = build_store("Bravo")
    client.force_login(shop.staff[Role.VIEWER])
    url = reverse("admin:catalog_product_changelist")
    found = {p.pk for p in client.get(url, {"q": shop.variants[0].sku}).context["cl"].result_list}
    assert found == {shop.product.pk}
    found = {p.pk for p in client.get(url, {"q": other.variants[0].sku}).context["cl"].result_list}
    assert found == set()


def test_variant_list_stock_column_shows_the_level_not_the_sku(client):
    shop = build_store("Alpha")
    client.force_login(shop.staff[Role.VIEWER])
    page = client.get(reverse("admin:catalog_productvariant_changelist")).content.decode()
    header = re.search(r'<th[^>]*class="[^"]*column-stock_level[^"]*".*?</th>', page, re.S)
    assert header and "Stock level" in header.group()
    cells = re.findall(r'<td class="field-stock_level[^"]*"[^>]*>(.*?)</td>', page, re.S)
    # The orders build_store places hold some units, so "available" differs from "on hand".
    stocks = Stock.objects.filter(variant__product=shop.product).order_by("-variant_id")
    expected = [f"{s.available} available ({s.on_hand} on hand)" for s in stocks]
    assert [cell.strip() for cell in cells] == expected
    assert {s.available for s in stocks} != {s.on_hand for s in stocks}


def test_product_page_stock_column_shows_the_level_not_the_sku(client):
    shop = build_store("Alpha")
    client.force_login(shop.staff[Role.VIEWER])
    page = client.get(reverse("admin:catalog_product_change", args=(shop.product.pk,)))
    (variants,) = [
        formset
        for formset in page.context["inline_admin_formsets"]
        if formset.opts.model is ProductVariant
    ]
    shown = [
        str(field.contents())
        for form in variants
        for fieldset in form
        for line in fieldset
        for field in line
        if field.field["name"] == "stock_level"
    ]
    stocks = Stock.objects.filter(variant__product=shop.product).order_by("variant__position")
    assert sorted(shown) == sorted(f"{s.available} available ({s.on_hand} on hand)" for s in stocks)
    assert not any(s.variant.sku in text for s in stocks for text in shown)


@pytest.mark.parametrize(
    ("language", "price", "compare_at"),
    [
        ("en", "SEK\u00a01,185.43", "SEK\u00a01,299.00"),
        ("ru", "1\u00a0185,43\u00a0SEK", "1\u00a0299,00\u00a0SEK"),
    ],
)
def test_variant_prices_are_shown_with_the_stores_currency(client, language, price, compare_at):
    shop = build_store("Alpha", orders=0)
    shop.store.currency = "SEK"
    shop.store.save(update_fields=["currency"])
    variant = shop.variants[0]
    ProductVariant.objects.filter(pk=variant.pk).update(
        price=Decimal("1185.43"), compare_at_price=Decimal("1299.00")
    )
    client.force_login(shop.staff[Role.VIEWER])
    headers = {"Accept-Language": language}
    page = client.get(reverse("admin:catalog_productvariant_changelist"), headers=headers)
    text = page.content.decode()
    assert re.search(rf'<td class="field-price_amount[^"]*"[^>]*>{price}</td>', text)
    assert re.search(rf'<td class="field-compare_at_amount[^"]*"[^>]*>{compare_at}</td>', text)
    # The other variant has no compare-at price.
    assert re.search(r'<td class="field-compare_at_amount[^"]*"[^>]*>—</td>', text)
    detail = client.get(
        reverse("admin:catalog_productvariant_change", args=(variant.pk,)), headers=headers
    ).content.decode()
    assert price in detail and compare_at in detail
