from django import forms
from django.utils.translation import gettext_lazy as _
from unfold.widgets import UnfoldAdminSelectWidget, UnfoldAdminTextInputWidget

from apps.inventory.models import STAFF_REASONS, MovementReason


class StockChangeOrCountForm(forms.Form):
    """A staff change to what is on the shelf: either a change (+5, -2) or a counted figure."""

    MODE_DELTA = "delta"
    MODE_COUNT = "count"

    mode = forms.ChoiceField(
        label=_("kind"),
        choices=[(MODE_DELTA, _("Change by")), (MODE_COUNT, _("Counted on hand"))],
        initial=MODE_DELTA,
        widget=UnfoldAdminSelectWidget,
    )
    quantity = forms.IntegerField(
        label=_("quantity"),
        help_text=_("A change (e.g. 5 or -2), or the counted figure."),
        widget=UnfoldAdminTextInputWidget(attrs={"inputmode": "numeric"}),
    )
    reason = forms.ChoiceField(
        label=_("reason"),
        choices=[(reason.value, reason.label) for reason in STAFF_REASONS],
        initial=MovementReason.RECEIVED,
        widget=UnfoldAdminSelectWidget,
    )
    note = forms.CharField(
        label=_("note"), max_length=255, required=False, widget=UnfoldAdminTextInputWidget
    )

    def clean(self):
        cleaned = super().clean()
        quantity = cleaned.get("quantity")
        if quantity is None:
            return cleaned
        if cleaned.get("mode") == self.MODE_COUNT and quantity < 0:
            self.add_error("quantity", _("A counted figure cannot be negative."))
        if cleaned.get("mode") == self.MODE_DELTA and quantity == 0:
            self.add_error("quantity", _("The change is zero: nothing to record."))
        return cleaned

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        amount = {"delta" if data["mode"] == self.MODE_DELTA else "set_on_hand": data["quantity"]}
        return {**amount, "reason": data["reason"], "note": data["note"]}
