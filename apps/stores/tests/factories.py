from decimal import Decimal

import factory

from apps.stores.models import Store, StoreMembership
from apps.stores.roles import Role
from apps.users.tests.factories import StaffFactory


class StoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Store

    name = factory.Sequence(lambda n: f"Store {n}")
    slug = factory.Sequence(lambda n: f"store-{n}")
    order_prefix = factory.Sequence(lambda n: f"S{n:03d}")
    currency = "EUR"
    shipping_flat_rate = Decimal("4.90")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StoreMembership

    user = factory.SubFactory(StaffFactory)
    store = factory.SubFactory(StoreFactory)
    role = Role.MANAGER


def staff_member(store, role, **user_kwargs):
    """A staff user with `role` in `store`."""
    return MembershipFactory(store=store, role=role, user=StaffFactory(**user_kwargs)).user
