from django import forms
from django.utils.translation import gettext_lazy as _

from apps.orders.models import PaymentKind
from apps.orders.transitions import OrderStatus


class OrderTransitionForm(forms.Form):
    to_status = forms.ChoiceField(choices=OrderStatus.choices)
    tracking_number = forms.CharField(label=_("tracking number"), max_length=64, required=False)
    restock = forms.BooleanField(label=_("put the goods back in stock"), required=False)
    message = forms.CharField(label=_("comment"), max_length=500, required=False)


class OrderPaymentForm(forms.Form):
    kind = forms.ChoiceField(choices=PaymentKind.choices)
    message = forms.CharField(label=_("comment"), max_length=500, required=False)


class OrderNoteForm(forms.Form):
    message = forms.CharField(
        label=_("note"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
