"""Schemathesis against the live OpenAPI schema: every operation, as a signed-in user.

The WSGI application is called in-process, so requests hit the test database with the
seeded stores, products and orders. Hypothesis is derandomized (a fixed seed) and bounded by
`max_examples`, so the run is reproducible and takes well under a minute.

Random order, shipment and return numbers would only ever meet a 404: the path parameters are
drawn either as generated or naming the seeded order that has a shipment, a return and payment
records, so the after-sale operations work on real objects too.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from rest_framework_simplejwt.tokens import AccessToken
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from apps.catalog.tests.factories import CategoryFactory, make_product
from apps.inventory.tests.factories import receive
from apps.orders.address_book import address_add
from apps.orders.fulfilment import shipment_create
from apps.orders.models import PaymentKind
from apps.orders.payments import payment_record
from apps.orders.returns import ReturnLineInput, return_create
from apps.orders.services import order_transition
from apps.orders.tests.factories import ADDRESS, pay, place_order
from apps.orders.transitions import OrderStatus
from apps.stores.roles import Role
from apps.stores.scoping import SYSTEM
from apps.stores.tests.factories import StoreFactory, staff_member
from apps.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 12

# What the issue asks for (no 5xx, every response as documented) and that auth is enforced.
# Left out: positive_data_acceptance (a schema-valid body may still name an unknown store or
# variant, which is a 400 by design) and negative_data_rejection (DRF coerces 0 to "0" for
# text fields and reads an empty filter as "no filter", both deliberate leniencies).
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    ignored_auth,
]


# Loaded at collection: schemathesis' lazy fixture loader does not support pytest 9 yet.
# Building the schema touches no database.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())

# Path parameter → the seeded object's value, filled by the `caller` fixture for each test.
SEEDED: dict[str, str | int] = {}


@schema.hook
def flatmap_path_parameters(ctx, path_parameters):
    seeded = {name: SEEDED[name] for name in path_parameters or {} if name in SEEDED}
    if not seeded:
        return st.just(path_parameters)
    # The seeded object first: Hypothesis leans towards the first choice.
    return st.sampled_from([{**path_parameters, **seeded}, path_parameters])


@pytest.fixture(autouse=True)
def _keep_the_test_transaction():
    """Django's request signals close "old" connections, which would end the test's
    transaction mid-test; its own test client switches them off the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def caller():
    """An owner of one store who is also a customer there; a second store they cannot see."""
    home, other = StoreFactory(slug="home"), StoreFactory(slug="other")
    user = staff_member(home, Role.OWNER, email="owner@home.example")
    category = CategoryFactory(slug="clothing")
    for store in (home, other):
        product = make_product(store, variants=2, category=category)
        for variant in product.variants.all():
            receive(variant, 50)
        place_order(store, [(product.variants.first(), 1)], customer=user)
        place_order(store, [(product.variants.last(), 1)], customer=UserFactory())
    SEEDED.clear()
    SEEDED.update(_after_sale_order(home, user))
    SEEDED["address_id"] = address_add(user=user, address=ADDRESS, label="Home").pk
    yield {"Authorization": f"Bearer {AccessToken.for_user(user)}"}
    SEEDED.clear()


def _after_sale_order(store, customer):
    """The caller's own order in their store: confirmed, paid, one unit of three shipped
    (on its way), returned (requested) and refunded; path parameters naming it."""
    variant = store.products.get().variants.first()
    order = place_order(store, [(variant, 3)], customer=customer)
    order_transition(order=order, to_status=OrderStatus.CONFIRMED, actor=SYSTEM)
    pay(order)
    line = order.lines.get()
    shipment = shipment_create(
        order=order, lines=[(line.pk, 1)], actor=SYSTEM, carrier="DHL", tracking_number="T1"
    )
    order_return = return_create(
        order=order, lines=[ReturnLineInput(line.pk, 1, "damaged")], actor=SYSTEM
    )
    payment_record(
        order=order,
        kind=PaymentKind.REFUND,
        actor=SYSTEM,
        note="Damaged",
        order_return=order_return,
        lines=[(line.pk, 1)],
    )
    return {
        "number": order.number,
        "shipment_number": shipment.number,
        "return_number": order_return.number,
        "line_id": line.pk,
    }


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, caller):
    _name_seeded_objects(case)
    case.call_and_validate(headers=caller, checks=CHECKS)


def _name_seeded_objects(case):
    """Schemathesis' coverage phase (boundary bodies, no hooks) names every object "0": there
    the seeded objects stand in, while its malformed values ("AAA", "0.5") stay."""
    if case.meta is None or case.meta.phase.name != "coverage":
        return
    for name, value in (case.path_parameters or {}).items():
        if name in SEEDED and str(value) == "0":
            case.path_parameters[name] = SEEDED[name]
