"""Two stores side by side, for the checkout back office's tests: whatever store A's staff do,
store B's methods, codes, rates and products stay out of their sight."""

from dataclasses import dataclass

import pytest

from apps.catalog.tests.factories import make_product
from apps.stores.roles import Role
from apps.stores.tests.factories import StoreFactory, staff_member

MANAGEMENT = ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS")


@dataclass
class Shop:
    store: object
    staff: dict
    products: list


def shop(name: str) -> Shop:
    store = StoreFactory(name=name)
    staff = {role: staff_member(store, role) for role in Role.values}
    products = [make_product(store, title=f"{name} product {n}") for n in range(3)]
    return Shop(store, staff, products)


@pytest.fixture
def a():
    return shop("Alpha")


@pytest.fixture
def b():
    return shop("Bravo")


def inline(prefix: str, rows: list[dict] | None = None) -> dict:
    """An inline formset's POST data: its management form and `rows` as new forms."""
    rows = rows or []
    data = dict(
        zip((f"{prefix}-{key}" for key in MANAGEMENT), (len(rows), 0, 0, 1000), strict=True)
    )
    for n, row in enumerate(rows):
        data.update({f"{prefix}-{n}-{field}": value for field, value in row.items()})
    return data


def form_errors(response) -> dict:
    """The admin form's errors by field (200: the page came back with them)."""
    assert response.status_code == 200, response.status_code
    return {
        name: list(errors) for name, errors in response.context["adminform"].form.errors.items()
    }
