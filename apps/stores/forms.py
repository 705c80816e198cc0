from django import forms
from django.utils.translation import gettext_lazy as _
from unfold.widgets import UnfoldAdminPasswordWidget, UnfoldAdminTextInputWidget

from apps.stores.models import StoreInvitation


class InvitationForm(forms.ModelForm):
    """The owner names an address and a role; nothing about an account is looked up or shown,
    so the form tells nobody whether the address already has one."""

    class Meta:
        model = StoreInvitation
        fields = ("email", "store", "role")


class AcceptSignedOutForm(forms.Form):
    """An existing account accepts by proving it is theirs: the account's own password."""

    password = forms.CharField(
        label=_("Password of this account"),
        strip=False,
        widget=UnfoldAdminPasswordWidget(attrs={"autocomplete": "current-password"}),
    )


class AcceptNewAccountForm(forms.Form):
    first_name = forms.CharField(
        label=_("first name"), max_length=150, required=False, widget=UnfoldAdminTextInputWidget
    )
    last_name = forms.CharField(
        label=_("last name"), max_length=150, required=False, widget=UnfoldAdminTextInputWidget
    )
    password1 = forms.CharField(
        label=_("Choose a password"),
        strip=False,
        widget=UnfoldAdminPasswordWidget(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("The same password again"),
        strip=False,
        widget=UnfoldAdminPasswordWidget(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return cleaned
