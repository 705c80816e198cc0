"""The address book under concurrent requests, on PostgreSQL: each write locks the person's
row first, so racing requests never pass the limit nor leave two defaults (or fail on the
constraint that forbids them)."""

import pytest

from apps.orders.address_book import address_add, address_update
from apps.orders.tests.factories import ADDRESS
from apps.orders.tests.test_concurrency import run_concurrently
from apps.users.models import CustomerAddress
from apps.users.tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_racing_additions_stop_at_the_limit(settings):
    settings.CUSTOMER_ADDRESSES_MAX = 3
    user = UserFactory()
    results = run_concurrently(
        8,
        lambda i: address_add(
            user=user, address={**ADDRESS, "line1": f"{i} Row"}, is_default_shipping=True
        ),
    )
    outcomes = sorted(kind for kind, _value in results)
    assert outcomes == ["error"] * 5 + ["ok"] * 3
    assert {value.code for kind, value in results if kind == "error"} == {"too_many_addresses"}
    assert user.addresses.count() == 3
    assert user.addresses.filter(is_default_shipping=True).count() == 1


def test_racing_defaults_leave_exactly_one():
    user = UserFactory()
    entries = [address_add(user=user, address={**ADDRESS, "line1": f"{i} Row"}) for i in range(8)]
    results = run_concurrently(
        8, lambda i: address_update(entry=entries[i], is_default_shipping=True)
    )
    assert [kind for kind, _value in results] == ["ok"] * 8
    assert CustomerAddress.objects.filter(user=user, is_default_shipping=True).count() == 1
