from apps.orders.models import PaymentKind
from apps.orders.payments import payment_record
from apps.orders.services import OrderLineInput, order_place
from apps.stores.scoping import SYSTEM
from apps.users.tests.factories import UserFactory

ADDRESS = {
    "name": "Ada Lovelace",
    "line1": "12 Analytical Row",
    "city": "London",
    "postal_code": "N1 9GU",
    "country": "GB",
}


def place_order(store, lines, customer=None, **kwargs):
    """Place an order for [(variant, quantity), …] through the service; returns the order."""
    order, _created = order_place(
        store=store,
        customer=customer or UserFactory(),
        lines=[OrderLineInput(variant.pk, quantity) for variant, quantity in lines],
        shipping_address=kwargs.pop("shipping_address", ADDRESS),
        **kwargs,
    )
    return order


def pay(order, amount=None):
    """Capture what the order owes (or `amount`), as a payment provider would report it."""
    payment, _created = payment_record(
        order=order, kind=PaymentKind.CAPTURE, amount=amount, actor=SYSTEM, method="card"
    )
    return payment
