"""A discount code's limit under concurrent checkouts, on PostgreSQL: each checkout is a
thread with its own connection, released together."""

from decimal import Decimal

import pytest

from apps.catalog.tests.factories import make_variant
from apps.checkout.models import DiscountCode, DiscountKind
from apps.core.errors import Conflict
from apps.inventory.tests.factories import receive
from apps.orders.models import Order
from apps.orders.services import CheckoutChoice
from apps.orders.tests.test_concurrency import assert_ledger_clean, place, run_concurrently
from apps.stores.tests.factories import StoreFactory
from apps.users.tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_code_with_five_uses_left_goes_to_exactly_five_of_24_checkouts():
    store = StoreFactory()
    variant = make_variant(store, price="10.00")
    receive(variant, 100)
    code = DiscountCode.objects.create(
        store=store,
        code="LAST5",
        kind=DiscountKind.FIXED,
        value=Decimal("2.00"),
        usage_limit=7,
        used_count=2,
    )
    customers = [UserFactory().pk for _ in range(24)]

    def checkout(index: int):
        return place(
            store.pk,
            customers[index],
            [(variant.pk, 1)],
            choice=CheckoutChoice(discount_code="last5"),
        )

    results = run_concurrently(24, checkout)

    won = [value for kind, value in results if kind == "ok"]
    lost = [value for kind, value in results if kind == "error"]
    assert len(won) == 5
    assert all(isinstance(error, Conflict) and error.code == "code_used_up" for error in lost)
    code.refresh_from_db()
    assert code.used_count == 7 and code.redemptions.count() == 5
    assert Order.objects.filter(discount=code).count() == 5
    assert Order.objects.count() == 5
    assert_ledger_clean()
