"""Test fixtures shared by every app: a store with a bit of everything (for the admin,
scoping and dashboard tests) and an API client signed in as someone."""

from dataclasses import dataclass, field

from rest_framework.test import APIClient

from apps.catalog.tests.factories import CategoryFactory, make_product
from apps.inventory.tests.factories import receive
from apps.orders.tests.factories import place_order
from apps.stores.roles import Role
from apps.stores.services import invitation_create
from apps.stores.tests.factories import StoreFactory, staff_member
from apps.users.tests.factories import UserFactory
from apps.users.tokens import NexusRefreshToken

PASSWORD = "pass-12345-word"


@dataclass
class StoreWorld:
    store: object
    product: object
    variants: list
    orders: list
    customer: object
    staff: dict = field(default_factory=dict)


def build_store(name: str, *, orders: int = 2) -> StoreWorld:
    store = StoreFactory(name=name)
    category = CategoryFactory()
    product = make_product(store, variants=2, category=category)
    variants = list(product.variants.order_by("pk"))
    for variant in variants:
        receive(variant, 100)
    customer = UserFactory()
    placed = [
        place_order(store, [(variants[0], 1), (variants[1], 2)], customer=customer)
        for _ in range(orders)
    ]
    staff = {role: staff_member(store, role) for role in Role.values}
    invitation_create(
        store=store,
        email=f"invited@{store.slug}.example.com",
        role=Role.CLERK,
        actor=staff[Role.OWNER],
        link_base="http://testserver/",
    )
    return StoreWorld(store, product, variants, placed, customer, staff)


def api_client_for(user=None) -> APIClient:
    """An API client with a real access token for `user` (anonymous without one)."""
    client = APIClient()
    if user is not None:
        access = NexusRefreshToken.for_user(user).access_token
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client
