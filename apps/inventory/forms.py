from django import forms
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from unfold.widgets import UnfoldAdminSelectWidget, UnfoldAdminTextInputWidget

from apps.inventory.models import STAFF_REASONS, MovementReason
from apps.inventory.services import Direction, reason_direction

DIRECTION_MARKS = {Direction.ADDS: "+", Direction.REMOVES: "−", Direction.EITHER: "±"}


def reason_choices(*, count_sets_the_figure: bool = False) -> list[tuple[str, Promise]]:
    """The staff reasons, each named with the way the inventory services let it move the
    shelf ("Received (+)"), so nobody learns the rule from a refusal."""
    choices = []
    for reason in STAFF_REASONS:
        if count_sets_the_figure and reason == MovementReason.COUNT:
            label = format_lazy(_("{reason} (sets the figure)"), reason=reason.label)
        else:
            mark = DIRECTION_MARKS[reason_direction(reason)]
            label = format_lazy("{reason} ({mark})", reason=reason.label, mark=mark)
        choices.append((reason.value, label))
    return choices


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
        # No numeric keypad: a phone's has no minus key, and a change may be negative.
        widget=UnfoldAdminTextInputWidget,
    )
    reason = forms.ChoiceField(
        label=_("reason"),
        choices=reason_choices(),
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


class StockMovementByReasonForm(forms.Form):
    """The stock desk's entry: a reason and a number. A count's number is the figure on the
    shelf; a correction's is a signed change (-2, +3); the other reasons go one way only, so
    their number is how many units, with or without its sign. Which way a change may go is
    the inventory services' rule: a change against it is refused there, not here."""

    reason = forms.ChoiceField(
        label=_("Reason"), choices=reason_choices(count_sets_the_figure=True)
    )
    quantity = forms.IntegerField(
        label=_("Quantity"),
        min_value=-1_000_000,
        max_value=1_000_000,
        error_messages={"required": _("Enter a quantity.")},
    )
    note = forms.CharField(label=_("Note"), max_length=255, required=False)

    def clean(self):
        cleaned = super().clean()
        reason, quantity = cleaned.get("reason"), cleaned.get("quantity")
        if reason is None or quantity is None:
            return cleaned
        if reason == MovementReason.COUNT:
            if quantity < 0:
                raise forms.ValidationError(_("A count cannot be below zero."))
        elif quantity == 0:
            raise forms.ValidationError(_("The change is zero: nothing to record."))
        return cleaned

    def service_arguments(self) -> dict:
        """The stock_adjust keywords: a count sets the figure, every other reason moves it."""
        reason = self.cleaned_data["reason"]
        quantity = self.cleaned_data["quantity"]
        arguments = {"reason": reason, "note": self.cleaned_data["note"].strip()}
        if reason == MovementReason.COUNT:
            arguments["set_on_hand"] = quantity
        elif reason_direction(reason) is Direction.REMOVES:
            # "2 damaged" and "-2 damaged" mean the same: two units gone.
            arguments["delta"] = -abs(quantity)
        else:
            arguments["delta"] = quantity
        return arguments
