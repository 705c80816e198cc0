"""Tell the customer when their order moves or ships: queued as a background task after
commit, so a slow mail server never holds a checkout or a staff click."""

from urllib.parse import urlencode

from django.conf import settings
from django.core.mail import send_mail
from django.dispatch import receiver
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tasks import task

from apps.orders.guests import order_access_token
from apps.orders.models import Order, Shipment, ShipmentStatus
from apps.orders.signals import order_shipment_changed, order_status_changed
from apps.orders.transitions import OrderStatus

CUSTOMER_SUBJECTS = {
    OrderStatus.PENDING: gettext_lazy("Order %(number)s received"),
    OrderStatus.CANCELLED: gettext_lazy("Order %(number)s was cancelled"),
}
SHIPPED_SUBJECT = gettext_lazy("Order %(number)s has shipped")


def _send(order: Order, subject: str, extra: list[str]) -> None:
    lines = [
        _("Hello,"),
        "",
        f"{subject} ({order.store.name}).",
        _("Total: %(total)s %(currency)s.") % {"total": order.total, "currency": order.currency},
        *extra,
    ]
    send_mail(
        subject=subject,
        message="\n".join(lines),
        from_email=order.store.email or settings.DEFAULT_FROM_EMAIL,
        recipient_list=[order.email],
    )


def _guest_link(order: Order) -> list[str]:
    """A guest has no account to find the order in: the e-mail carries its key."""
    if order.customer_id is not None:
        return []
    token = order_access_token(order)
    if settings.STOREFRONT_ORDER_URL:
        query = urlencode({"number": order.number, "token": token})
        return [_("Your order: %(url)s") % {"url": f"{settings.STOREFRONT_ORDER_URL}?{query}"}]
    return [_("Your order's key: %(token)s (with its number).") % {"token": token}]


@task()
def send_order_status_email(order_id: int, status: str) -> None:
    order = Order.objects.select_related("store").filter(pk=order_id).first()
    if order is None or not order.email:
        return
    extra = _guest_link(order) if status == OrderStatus.PENDING else []
    _send(order, CUSTOMER_SUBJECTS[status] % {"number": order.number}, extra)


@task()
def send_shipment_email(shipment_id: int) -> None:
    shipment = (
        Shipment.objects.select_related("order__store")
        .prefetch_related("lines__order_line")
        .filter(pk=shipment_id)
        .first()
    )
    if shipment is None or not shipment.order.email:
        return
    extra = [f"{line.quantity} × {line.order_line.product_title}" for line in shipment.lines.all()]
    if shipment.tracking_number:
        extra.append(_("Tracking number: %(number)s.") % {"number": shipment.tracking_number})
    if shipment.tracking_url:
        extra.append(shipment.tracking_url)
    _send(shipment.order, SHIPPED_SUBJECT % {"number": shipment.order.number}, extra)


@receiver(order_status_changed)
def email_customer_on_status_change(sender, order, target, **kwargs):
    if target in CUSTOMER_SUBJECTS:
        send_order_status_email.enqueue(order.pk, str(target))


@receiver(order_shipment_changed)
def email_customer_on_shipment(sender, shipment, **kwargs):
    if shipment.status == ShipmentStatus.SHIPPED:
        send_shipment_email.enqueue(shipment.pk)
