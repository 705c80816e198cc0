import pytest
from django.core import mail

from apps.catalog.tests.factories import make_variant
from apps.inventory.tests.factories import receive
from apps.orders.fulfilment import shipment_create
from apps.orders.services import order_transition
from apps.orders.tests.factories import pay, place_order
from apps.orders.transitions import OrderStatus
from apps.stores.roles import Role
from apps.stores.tests.factories import StoreFactory, staff_member

pytestmark = pytest.mark.django_db


def test_customer_is_emailed_after_commit_on_placement_and_shipping(
    django_capture_on_commit_callbacks,
):
    store = StoreFactory()
    clerk = staff_member(store, Role.CLERK)
    variant = make_variant(store, allow_backorder=True)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        order = place_order(store, [(variant, 1)])
    assert mail.outbox == []  # nothing leaves before the transaction commits
    for callback in callbacks:
        callback()
    assert [m.subject for m in mail.outbox] == [f"Order {order.number} received"]

    with django_capture_on_commit_callbacks(execute=True):
        order_transition(order=order, to_status=OrderStatus.CONFIRMED, actor=clerk)
    assert len(mail.outbox) == 1  # confirming is internal: no e-mail

    receive(variant, 1)
    with django_capture_on_commit_callbacks(execute=True):
        pay(order)
        shipment_create(order=order, lines=None, actor=clerk, tracking_number="ZX9")
    shipped = mail.outbox[-1]
    assert shipped.subject == f"Order {order.number} has shipped"
    assert "Tracking number: ZX9." in shipped.body
    assert f"Total: {order.total} {order.currency}." in shipped.body
    assert shipped.to == [order.email]
