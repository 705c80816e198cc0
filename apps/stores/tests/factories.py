from decimal import Decimal

import factory

from apps.stores.models import Store, StoreMembership
from apps.stores.roles import Role
from apps.users.tests.factories import StaffFactory


class StoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Store
        # The shipping method points at the store; the store itself has nothing to save.
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Store {n}")
    slug = factory.Sequence(lambda n: f"store-{n}")
    order_prefix = factory.Sequence(lambda n: f"S{n:03d}")
    currency = "EUR"

    class Params:
        # A store sells with at least one shipping method; these set the first one.
        shipping_flat_rate = Decimal("4.90")
        free_shipping_threshold = None

    standard_shipping = factory.RelatedFactory(
        "apps.checkout.tests.factories.ShippingMethodFactory",
        factory_related_name="store",
        price=factory.SelfAttribute("..shipping_flat_rate"),
        free_over=factory.SelfAttribute("..free_shipping_threshold"),
    )


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StoreMembership

    user = factory.SubFactory(StaffFactory)
    store = factory.SubFactory(StoreFactory)
    role = Role.MANAGER


def staff_member(store, role, **user_kwargs):
    """A staff user with `role` in `store`."""
    return MembershipFactory(store=store, role=role, user=StaffFactory(**user_kwargs)).user
