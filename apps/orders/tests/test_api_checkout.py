"""The quote and the order agree: same body, same cents; what changed in between answers 409
naming it; the quote writes nothing."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from apps.catalog.tests.factories import make_variant
from apps.checkout.models import DiscountCode, DiscountKind, ShippingMethod, TaxRate
from apps.core.tests.fixtures import api_client_for as client_for
from apps.inventory.tests.factories import receive
from apps.orders.models import Order, OrderEvent
from apps.orders.services import order_transition
from apps.orders.tests.factories import ADDRESS
from apps.orders.transitions import OrderStatus
from apps.stores.roles import Role
from apps.stores.tests.factories import StoreFactory, staff_member
from apps.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
QUOTE = "/api/v1/checkout/quote/"
ORDERS = "/api/v1/orders/"


@pytest.fixture
def shop():
    store = StoreFactory(slug="alpha", shipping_flat_rate=Decimal("4.90"))
    express = ShippingMethod.objects.create(
        store=store, name="Express", price=Decimal("12.00"), countries=["GB"], position=1
    )
    TaxRate.objects.create(store=store, country="GB", rate=Decimal("20"))
    DiscountCode.objects.create(
        store=store, code="SPRING", kind=DiscountKind.PERCENTAGE, value=Decimal("10")
    )
    variant = make_variant(store, price=Decimal("10.00"))
    receive(variant, 10)
    return store, variant, express


def body(store, variant, quantity=3, **extra):
    return {
        "store": store.slug,
        "lines": [{"variant": variant.pk, "quantity": quantity}],
        "shipping_address": ADDRESS,
        **extra,
    }


def test_the_quote_answers_every_amount_and_the_order_charges_exactly_it(shop):
    store, variant, express = shop
    customer = UserFactory()
    data = body(store, variant, discount_code="spring", shipping_method=express.pk)

    quote = APIClient().post(QUOTE, data, format="json")

    assert quote.status_code == 200, quote.content
    answer = quote.json()
    # 30.00 − 3.00 = 27.00, tax 20 % = 5.40; Express 12.00 + 2.40 tax.
    assert (
        answer["subtotal"],
        answer["discount_total"],
        answer["shipping_total"],
        answer["tax_total"],
        answer["total"],
    ) == ("30.00", "3.00", "12.00", "7.80", "46.80")
    assert answer["orderable"] and answer["problems"] == []
    assert answer["lines"][0]["available"] == 10
    assert {m["name"]: m["price"] for m in answer["shipping_methods"]} == {
        "Standard shipping": "4.90",
        "Express": "12.00",
    }
    assert not Order.objects.exists() and not OrderEvent.objects.exists()

    placed = client_for(customer).post(
        ORDERS, {**data, "expected_total": answer["total"]}, format="json"
    )
    assert placed.status_code == 201, placed.content
    order = placed.json()
    for field in ("subtotal", "discount_total", "shipping_total", "tax_total", "total"):
        assert order[field] == answer[field], field
    assert (order["discount_code"], order["shipping_method_name"]) == ("SPRING", "Express")
    assert order["lines"][0]["tax_total"] == "5.40"
    assert DiscountCode.objects.get().used_count == 1


def test_every_problem_is_named_in_the_quote(shop):
    store, variant, express = shop
    address = {**ADDRESS, "country": "FR"}
    answer = (
        APIClient()
        .post(
            QUOTE,
            body(
                store,
                variant,
                quantity=11,
                shipping_address=address,
                shipping_method=express.pk,
                discount_code="NOPE",
            ),
            format="json",
        )
        .json()
    )
    assert not answer["orderable"]
    assert sorted(p["code"] for p in answer["problems"]) == [
        "method_not_for_country",
        "short_stock",
        "unknown_code",
    ]


def test_what_changed_since_the_quote_answers_409_naming_it(shop):
    store, variant, _express = shop
    customer = client_for(UserFactory())
    total = APIClient().post(QUOTE, body(store, variant), format="json").json()["total"]
    variant.price = Decimal("11.00")
    variant.save()

    moved = customer.post(ORDERS, body(store, variant, expected_total=total), format="json")

    assert moved.status_code == 409
    error = moved.json()["error"]
    assert error["code"] == "total_changed" and error["expected_total"] == total
    DiscountCode.objects.update(usage_limit=1, used_count=1)
    used_up = customer.post(ORDERS, body(store, variant, discount_code="SPRING"), format="json")
    assert used_up.status_code == 409
    assert used_up.json()["error"]["code"] == "code_used_up"
    unknown = customer.post(ORDERS, body(store, variant, discount_code="NOPE"), format="json")
    assert unknown.status_code == 400
    assert unknown.json()["error"]["problems"][0]["code"] == "unknown_code"
    assert not Order.objects.exists()


def test_cancelling_gives_the_code_back(shop):
    store, variant, _express = shop
    placed = client_for(UserFactory()).post(
        ORDERS, body(store, variant, discount_code="SPRING"), format="json"
    )
    order = Order.objects.get(number=placed.json()["number"])
    assert DiscountCode.objects.get().used_count == 1
    order_transition(
        order=order,
        to_status=OrderStatus.CANCELLED,
        actor=staff_member(store, Role.MANAGER),
        message="Changed their mind",
    )
    assert DiscountCode.objects.get().used_count == 0


def test_an_edit_reprices_with_the_orders_code_and_tax(shop):
    from apps.orders.edits import order_line_set_quantity

    store, variant, _express = shop
    placed = client_for(UserFactory()).post(
        ORDERS, body(store, variant, discount_code="SPRING"), format="json"
    )
    order = Order.objects.get(number=placed.json()["number"])
    order_line_set_quantity(
        order=order,
        line_id=order.lines.get().pk,
        quantity=1,
        actor=staff_member(store, Role.MANAGER),
    )
    order.refresh_from_db()
    # 10.00 − 1.00 = 9.00, tax 1.80; standard 4.90 + 0.98 tax.
    assert (order.discount_total, order.tax_total, order.total) == (
        Decimal("1.00"),
        Decimal("2.78"),
        Decimal("16.68"),
    )


def test_refunding_lines_pays_back_what_was_paid_for_them(shop):
    from apps.orders.models import PaymentKind
    from apps.orders.payments import payment_record

    store, variant, _express = shop
    placed = client_for(UserFactory()).post(
        ORDERS, body(store, variant, discount_code="SPRING"), format="json"
    )
    order = Order.objects.get(number=placed.json()["number"])
    manager = staff_member(store, Role.MANAGER)
    payment_record(order=order, kind=PaymentKind.CAPTURE, actor=manager)
    refund, _created = payment_record(
        order=order,
        kind=PaymentKind.REFUND,
        actor=manager,
        lines=[(order.lines.get().pk, 1)],
        note="One came broken",
    )
    # One of three at 10.00, 10 % off, 20 % tax on top: 9.00 + 1.80.
    assert refund.amount == Decimal("10.80")
