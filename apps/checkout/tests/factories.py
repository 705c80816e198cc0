from decimal import Decimal

import factory

from apps.checkout.models import ShippingMethod


class ShippingMethodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShippingMethod

    name = "Standard shipping"
    price = Decimal("4.90")
