"""Hand-written Django views: the framework floor for bench/api_throughput.py.

Each runs the same queries as its API endpoint and returns byte-for-byte the same JSON
(the benchmark checks that), but without DRF: no serializers, no content negotiation, no
throttles, no permission classes, no filter backends. Input checking is the minimum the
bench traffic needs; these views exist only under bench.api_urls.
"""

import json
from collections import defaultdict
from urllib.parse import urlencode

from django.core.exceptions import ObjectDoesNotExist
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from rest_framework_simplejwt.tokens import AccessToken

from apps.catalog.models import Product, ProductStatus, ProductVariant
from apps.orders.api.representation import after_sale_data, lines_data, sale_data
from apps.orders.models import ShipmentStatus
from apps.orders.selectors import order_detail_for_customer
from apps.orders.services import OrderLineInput, order_place
from apps.orders.transitions import OrderStatus, find_transition
from apps.stores.models import Store
from apps.users.models import User

JSON_OPTIONS = {"ensure_ascii": False, "separators": (",", ":")}
API_PRODUCTS_PATH = "/api/v1/products/"


def _json(data, status=200):
    return JsonResponse(data, status=status, safe=False, json_dumps_params=JSON_OPTIONS)


def _datetime(value):
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _money(value):
    return None if value is None else str(value)


def _variant(variant):
    if not variant.track_inventory:
        available, in_stock = None, True
    else:
        try:
            stock = variant.stock
        except ObjectDoesNotExist:
            available, in_stock = 0, variant.allow_backorder
        else:
            available = max(stock.on_hand - stock.allocated, 0)
            in_stock = variant.allow_backorder or available > 0
    return {
        "id": variant.pk,
        "sku": variant.sku,
        "title": variant.title,
        "options": variant.options,
        "price": str(variant.price),
        "compare_at_price": _money(variant.compare_at_price),
        "available": available,
        "in_stock": in_stock,
    }


def _product(product, variants):
    rows = [_variant(v) for v in variants]
    return {
        "id": product.pk,
        "store": product.store.slug,
        "currency": product.store.currency,
        "category": product.category_id,
        "title": product.title,
        "handle": product.handle,
        "price_from": str(min(v.price for v in variants)) if variants else None,
        "in_stock": any(row["in_stock"] for row in rows),
        "updated_at": _datetime(product.updated_at),
        "variants": rows,
    }


def _variants_by_product(product_ids):
    grouped = defaultdict(list)
    variants = (
        ProductVariant.objects.filter(product_id__in=product_ids)
        .select_related("stock")
        .order_by("position", "id")
    )
    for variant in variants:
        grouped[variant.product_id].append(variant)
    return grouped


def _public_products():
    return Product.objects.filter(status=ProductStatus.ACTIVE, store__is_active=True)


def _page_link(request, page, page_size):
    if page is None:
        return None
    query = {key: request.GET[key] for key in request.GET}
    query["page"] = str(page)
    if page == 1:
        del query["page"]
    query["page_size"] = str(page_size)
    return request.build_absolute_uri(API_PRODUCTS_PATH) + "?" + urlencode(sorted(query.items()))


@require_GET
def product_list(request):
    page_size = min(int(request.GET.get("page_size", 20)), 100)
    page = int(request.GET.get("page", 1))
    queryset = _public_products()
    count = queryset.count()
    start = (page - 1) * page_size
    products = list(
        queryset.select_related("store").order_by("title", "id")[start : start + page_size]
    )
    variants = _variants_by_product([p.pk for p in products])
    return _json(
        {
            "count": count,
            "next": _page_link(request, page + 1 if start + page_size < count else None, page_size),
            "previous": _page_link(request, page - 1 if page > 1 else None, page_size),
            "results": [_product(p, variants[p.pk]) for p in products],
        }
    )


@require_GET
def product_detail(request, pk):
    product = _public_products().select_related("store", "category").filter(pk=pk).first()
    if product is None:
        return _json({"error": {"code": "not_found", "message": "Not found."}}, status=404)
    data = _product(product, _variants_by_product([product.pk])[product.pk])
    data["description"] = product.description
    category = product.category
    data["category_detail"] = (
        None
        if category is None
        else {
            "id": category.pk,
            "name": category.name,
            "slug": category.slug,
            "parent": category.parent_id,
        }
    )
    return _json(data)


def _order(order):
    """The customer's order as the API answers it: the same hand-built parts
    (apps/orders/api/representation.py, plain functions, no DRF), the timeline and
    can_cancel as CustomerOrderSerializer writes them."""
    return {
        "store": order.store.slug,
        **sale_data(order),
        "lines": lines_data(order),
        **after_sale_data(order, staff=False),
        "timeline": [
            {
                "type": event.type,
                "from_value": event.from_value,
                "to_value": event.to_value,
                "text": event.text,
                "message": event.message,
                "created_at": _datetime(event.created_at),
            }
            for event in order.customer_timeline
        ],
        "can_cancel": find_transition(order.status, OrderStatus.CANCELLED) is not None
        and all(s.status == ShipmentStatus.CANCELLED for s in order.shipments.all()),
    }


@csrf_exempt
@require_POST
def order_create(request):
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme != "Bearer":
        return _json({"error": {"code": "not_authenticated", "message": "No token."}}, 401)
    user = User.objects.get(pk=AccessToken(token)["user_id"], is_active=True)
    body = json.loads(request.body)
    store = Store.objects.get(slug=body["store"], is_active=True)
    order, created = order_place(
        store=store,
        customer=user,
        lines=[OrderLineInput(line["variant"], line["quantity"]) for line in body["lines"]],
        shipping_address=body["shipping_address"],
        email=body.get("email", ""),
        phone=body.get("phone", ""),
        customer_note=body.get("note", ""),
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    order = order_detail_for_customer(customer=user).get(pk=order.pk)
    return _json(_order(order), status=201 if created else 200)
