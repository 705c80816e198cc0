"""The order page's and the queue's actions as forms: each reads one POST, calls one service
and says what it did, in the reader's language.

Every object a form names (a line, a shipment, a return) is looked up within the order the
view found in the user's stores, so an id of another order is simply not one of this order.
The page offers a form only to the roles that may use it; the services check the role again,
so a forged post is refused with their message.
"""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.catalog.selectors import variant_list_for_staff
from apps.core.models import MAX_ID
from apps.core.money import display_money
from apps.orders.edits import (
    order_change_address,
    order_line_add,
    order_line_remove,
    order_line_set_quantity,
)
from apps.orders.fulfilment import shipment_cancel, shipment_create, shipment_deliver
from apps.orders.models import (
    Order,
    OrderReturn,
    PaymentKind,
    ReturnDecision,
    ReturnReason,
    Shipment,
)
from apps.orders.payments import payment_record
from apps.orders.returns import ReturnLineInput, return_close, return_create, return_receive
from apps.orders.services import ADDRESS_FIELDS, order_add_note, order_transition
from apps.orders.statuses import FulfilmentStatus
from apps.orders.transitions import OrderStatus
from apps.stores.scoping import Actor

MAX_REASON = 500
# Longer than any quantity a line can hold; int() of a longer string is refused by Python.
MAX_DIGITS = 9
RECORDED_KINDS = (PaymentKind.CAPTURE, PaymentKind.AUTHORISATION, PaymentKind.VOID)


def _reason_field(required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=gettext_lazy("reason"),
        max_length=MAX_REASON,
        required=required,
        error_messages={"required": gettext_lazy("Say why: a reason is required.")},
    )


def _id_field() -> forms.IntegerField:
    return forms.IntegerField(min_value=1, max_value=MAX_ID)


def numbered_values(data, prefix: str) -> dict[int, str]:
    """Values of the fields named "<prefix>-<id>" (one per line), by id; blanks left out."""
    values = {}
    for key, value in data.items():
        name, _sep, raw_id = key.partition("-")
        if name == prefix and raw_id.isdigit() and len(raw_id) < 19 and value.strip():
            values[int(raw_id)] = value.strip()
    return values


def line_quantities(data, prefix: str = "qty") -> list[tuple[int, int]]:
    """(line id, quantity) pairs from the per-line quantity inputs; blank reads as none."""
    pairs = []
    for line_id, raw in numbered_values(data, prefix).items():
        if not raw.isdigit() or len(raw) > MAX_DIGITS:
            raise forms.ValidationError(_("Quantities are whole numbers, zero or more."))
        pairs.append((line_id, int(raw)))
    return pairs


class OrderActionForm(forms.Form):
    """One action on one order: `perform` calls the service and returns the success message;
    a refusal raises the service's ApplicationError."""

    def __init__(self, data, *, order: Order, actor: Actor):
        super().__init__(data)
        self.order = order
        self.actor = actor

    def perform(self) -> str:
        raise NotImplementedError

    def clean_shipment(self) -> Shipment:
        shipment = self.order.shipments.filter(pk=self.cleaned_data["shipment"]).first()
        if shipment is None:
            raise forms.ValidationError(_("That is not a shipment of this order."))
        return shipment

    def clean_order_return(self) -> OrderReturn | None:
        pk = self.cleaned_data["order_return"]
        if pk is None:
            return None
        order_return = self.order.returns.filter(pk=pk).first()
        if order_return is None:
            raise forms.ValidationError(_("That is not a return of this order."))
        return order_return


class TransitionForm(OrderActionForm):
    to_status = forms.ChoiceField(choices=OrderStatus.choices)
    reason = _reason_field(required=False)

    def perform(self) -> str:
        to_status = self.cleaned_data["to_status"]
        order_transition(
            order=self.order,
            to_status=to_status,
            actor=self.actor,
            message=self.cleaned_data["reason"],
        )
        return _("Order %(number)s is now %(status)s.") % {
            "number": self.order.number,
            "status": str(OrderStatus(to_status).label).lower(),
        }


class NoteForm(OrderActionForm):
    message = forms.CharField(label=gettext_lazy("note"), max_length=2000)

    def perform(self) -> str:
        order_add_note(order=self.order, actor=self.actor, message=self.cleaned_data["message"])
        return _("Note added to order %(number)s.") % {"number": self.order.number}


class ShipForm(OrderActionForm):
    """Ship the quantities typed per line ("qty-<line id>"), or with `everything` all that
    is left (the queue's "Ship all")."""

    everything = forms.BooleanField(required=False)
    carrier = forms.CharField(max_length=64, required=False)
    tracking_number = forms.CharField(max_length=64, required=False)
    tracking_url = forms.URLField(max_length=500, required=False, assume_scheme="https")
    unpaid_reason = forms.CharField(max_length=MAX_REASON, required=False)

    def clean(self):
        data = super().clean()
        data["lines"] = None if data.get("everything") else line_quantities(self.data)
        return data

    def perform(self) -> str:
        data = self.cleaned_data
        shipment = shipment_create(
            order=self.order,
            lines=data["lines"],
            actor=self.actor,
            carrier=data["carrier"],
            tracking_number=data["tracking_number"],
            tracking_url=data["tracking_url"],
            unpaid_reason=data["unpaid_reason"],
        )
        self.order.refresh_from_db(fields=["fulfilment_status"])
        return _("Shipment %(number)s is on its way; the order is %(status)s.") % {
            "number": shipment.number,
            "status": str(FulfilmentStatus(self.order.fulfilment_status).label).lower(),
        }


class DeliverForm(OrderActionForm):
    shipment = _id_field()

    def perform(self) -> str:
        shipment = shipment_deliver(shipment=self.cleaned_data["shipment"], actor=self.actor)
        return _("Shipment %(number)s delivered.") % {"number": shipment.number}


class CancelShipmentForm(OrderActionForm):
    shipment = _id_field()
    reason = _reason_field()

    def perform(self) -> str:
        shipment = shipment_cancel(
            shipment=self.cleaned_data["shipment"],
            actor=self.actor,
            reason=self.cleaned_data["reason"],
        )
        return _("Shipment %(number)s cancelled; its goods are back in stock.") % {
            "number": shipment.number
        }


class ReturnCreateForm(OrderActionForm):
    """A return of shipped units: a quantity ("qty-<line id>") and a reason ("why-<line id>")
    per line."""

    note = forms.CharField(max_length=2000, required=False)

    def clean(self):
        data = super().clean()
        reasons = numbered_values(self.data, "why")
        data["lines"] = [
            ReturnLineInput(line_id, quantity, reasons.get(line_id, ReturnReason.OTHER))
            for line_id, quantity in line_quantities(self.data)
            if quantity
        ]
        return data

    def perform(self) -> str:
        order_return = return_create(
            order=self.order,
            lines=self.cleaned_data["lines"],
            actor=self.actor,
            note=self.cleaned_data["note"],
        )
        return _("Return %(number)s opened.") % {"number": order_return.number}


class ReceiveReturnForm(OrderActionForm):
    """The goods of a return arrived: per return line ("decision-<return line id>") restock
    or write off. Writing off is destructive, so it needs a reason, kept on the timeline."""

    order_return = _id_field()
    reason = _reason_field(required=False)

    def clean(self):
        data = super().clean()
        decisions = numbered_values(self.data, "decision")
        if set(decisions.values()) - set(ReturnDecision.values):
            raise forms.ValidationError(_("Choose restock or write off for each line."))
        if ReturnDecision.WRITE_OFF in decisions.values() and not data.get("reason"):
            raise forms.ValidationError(_("Say why the goods are written off."))
        data["decisions"] = decisions
        return data

    def perform(self) -> str:
        order_return = self.cleaned_data["order_return"]
        reason = self.cleaned_data["reason"]
        return_receive(
            order_return=order_return,
            actor=self.actor,
            decisions=self.cleaned_data["decisions"],
            reason=reason,
        )
        return _("Return %(number)s received.") % {"number": order_return.number}


class CloseReturnForm(OrderActionForm):
    order_return = _id_field()
    note = forms.CharField(max_length=MAX_REASON, required=False)

    def perform(self) -> str:
        order_return = self.cleaned_data["order_return"]
        return_close(order_return=order_return, actor=self.actor, note=self.cleaned_data["note"])
        return _("Return %(number)s closed.") % {"number": order_return.number}


class _MoneyForm(OrderActionForm):
    amount = forms.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal("0.01"), required=False, localize=True
    )
    method = forms.CharField(max_length=64, required=False)

    def _recorded(self, payment, created: bool) -> str:
        if not created:
            return _("That payment was recorded already.")
        return _("%(kind)s of %(amount)s recorded.") % {
            "kind": payment.get_kind_display(),
            "amount": display_money(payment.amount, payment.currency),
        }


class PaymentForm(_MoneyForm):
    kind = forms.ChoiceField(choices=[(k.value, k.label) for k in RECORDED_KINDS])
    provider = forms.CharField(max_length=64, required=False)
    external_reference = forms.CharField(max_length=128, required=False)
    note = forms.CharField(max_length=MAX_REASON, required=False)

    def perform(self) -> str:
        data = self.cleaned_data
        payment, created = payment_record(
            order=self.order,
            kind=data["kind"],
            actor=self.actor,
            amount=data["amount"],
            method=data["method"],
            provider=data["provider"],
            external_reference=data["external_reference"],
            note=data["note"],
        )
        return self._recorded(payment, created)


class RefundForm(_MoneyForm):
    """A refund: an amount, or per-line quantities ("qty-<line id>") that price it; tied to a
    return when it pays one back; always with a reason."""

    order_return = forms.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    reason = _reason_field()

    def clean(self):
        data = super().clean()
        data["lines"] = [(pk, quantity) for pk, quantity in line_quantities(self.data) if quantity]
        return data

    def perform(self) -> str:
        data = self.cleaned_data
        payment, created = payment_record(
            order=self.order,
            kind=PaymentKind.REFUND,
            actor=self.actor,
            amount=data["amount"],
            method=data["method"],
            note=data["reason"],
            order_return=data["order_return"],
            lines=data["lines"] or None,
        )
        return self._recorded(payment, created)


class LineQuantityForm(OrderActionForm):
    line = _id_field()
    quantity = forms.IntegerField(min_value=1, max_value=MAX_ID)

    def perform(self) -> str:
        order_line_set_quantity(
            order=self.order,
            line_id=self.cleaned_data["line"],
            quantity=self.cleaned_data["quantity"],
            actor=self.actor,
        )
        return _("Quantity changed; the totals follow.")


class LineRemoveForm(OrderActionForm):
    line = _id_field()

    def perform(self) -> str:
        order_line_remove(order=self.order, line_id=self.cleaned_data["line"], actor=self.actor)
        return _("Line removed; the totals follow.")


class LineAddForm(OrderActionForm):
    """Add a variant by its SKU, found among the order's own store's variants only."""

    sku = forms.CharField(max_length=64)
    quantity = forms.IntegerField(min_value=1, max_value=MAX_ID, initial=1)

    def clean_sku(self):
        sku = self.cleaned_data["sku"].strip()
        variants = variant_list_for_staff(user=self.actor).filter(store_id=self.order.store_id)
        variant = variants.filter(sku=sku).first() or variants.filter(sku=sku.upper()).first()
        if variant is None:
            raise forms.ValidationError(
                _("No variant with SKU %(sku)s in this store.") % {"sku": sku}
            )
        return variant

    def perform(self) -> str:
        variant = self.cleaned_data["sku"]
        order_line_add(
            order=self.order,
            variant_id=variant.pk,
            quantity=self.cleaned_data["quantity"],
            actor=self.actor,
        )
        return _("%(sku)s added; the totals follow.") % {"sku": variant.sku}


class AddressForm(OrderActionForm):
    name = forms.CharField(max_length=200)
    line1 = forms.CharField(max_length=200)
    line2 = forms.CharField(max_length=200, required=False)
    city = forms.CharField(max_length=100)
    postal_code = forms.CharField(max_length=32)
    region = forms.CharField(max_length=100, required=False)
    country = forms.CharField(max_length=2, min_length=2)

    def perform(self) -> str:
        address = {field: self.cleaned_data[field] for field in ADDRESS_FIELDS}
        order_change_address(order=self.order, address=address, actor=self.actor)
        return _("Shipping address changed.")


# The order page's actions by the name in their URL.
ORDER_ACTIONS: dict[str, type[OrderActionForm]] = {
    "transition": TransitionForm,
    "note": NoteForm,
    "ship": ShipForm,
    "deliver": DeliverForm,
    "cancel-shipment": CancelShipmentForm,
    "return": ReturnCreateForm,
    "receive": ReceiveReturnForm,
    "close-return": CloseReturnForm,
    "payment": PaymentForm,
    "refund": RefundForm,
    "line-quantity": LineQuantityForm,
    "line-remove": LineRemoveForm,
    "line-add": LineAddForm,
    "address": AddressForm,
}


class BulkCancelForm(forms.Form):
    """The reason asked on the bulk cancel's confirmation page."""

    reason = _reason_field()


def form_errors(form: forms.Form) -> str:
    """A form's errors as one sentence for a message."""
    return " ".join(str(error) for errors in form.errors.values() for error in errors)
