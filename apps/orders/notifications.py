"""Tell the customer when their order moves: queued as a background task after commit,
so a slow mail server never holds a checkout or a staff click."""

from django.conf import settings
from django.core.mail import send_mail
from django.dispatch import receiver
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tasks import task

from apps.orders.models import Order
from apps.orders.signals import order_status_changed
from apps.orders.transitions import OrderStatus

CUSTOMER_SUBJECTS = {
    OrderStatus.PENDING: gettext_lazy("Order %(number)s received"),
    OrderStatus.SHIPPED: gettext_lazy("Order %(number)s has shipped"),
    OrderStatus.CANCELLED: gettext_lazy("Order %(number)s was cancelled"),
    OrderStatus.RETURNED: gettext_lazy("Return of order %(number)s processed"),
}


@task()
def send_order_status_email(order_id: int, status: str) -> None:
    order = Order.objects.select_related("store").filter(pk=order_id).first()
    if order is None or not order.email:
        return
    subject = CUSTOMER_SUBJECTS[status] % {"number": order.number}
    lines = [
        _("Hello,"),
        "",
        f"{subject} ({order.store.name}).",
        _("Total: %(total)s %(currency)s.") % {"total": order.total, "currency": order.currency},
    ]
    if status == OrderStatus.SHIPPED and order.tracking_number:
        lines.append(_("Tracking number: %(number)s.") % {"number": order.tracking_number})
    send_mail(
        subject=subject,
        message="\n".join(lines),
        from_email=order.store.email or settings.DEFAULT_FROM_EMAIL,
        recipient_list=[order.email],
    )


@receiver(order_status_changed)
def email_customer_on_status_change(sender, order, target, **kwargs):
    if target in CUSTOMER_SUBJECTS:
        send_order_status_email.enqueue(order.pk, str(target))
