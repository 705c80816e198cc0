from django import forms
from django.utils.translation import gettext_lazy as _

from apps.stores.models import StoreMembership
from apps.users.models import User


class StoreMembershipForm(forms.ModelForm):
    """Staff are added by their exact email address: an owner can give a role to a person
    they know without the admin listing every account on the platform."""

    email = forms.EmailField(label=_("email address"))

    class Meta:
        model = StoreMembership
        fields = ("store", "role")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields(["email", "store", "role"])
        if self.instance.pk is None and "store" in self.fields:
            self.fields["store"].required = True
        if self.instance.pk:
            self.fields["email"].initial = self.instance.user.email
            self.fields["email"].disabled = True

    def clean_email(self):
        email = self.cleaned_data["email"]
        if self.instance.pk:
            return self.instance.user.email
        user = User.objects.filter(email__iexact=email, is_active=True).first()
        if user is None:
            raise forms.ValidationError(
                _("No active account uses this address; create the user first.")
            )
        self.instance.user = user
        return email

    def clean(self):
        cleaned = super().clean()
        store = cleaned.get("store") or (self.instance.store if self.instance.store_id else None)
        if store and self.instance.user_id:
            taken = StoreMembership.objects.filter(user_id=self.instance.user_id, store=store)
            if taken.exclude(pk=self.instance.pk).exists():
                raise forms.ValidationError(_("This person already has a role in that store."))
        return cleaned

    def save(self, commit=True):
        membership = super().save(commit=commit)
        user = membership.user
        if commit and not user.is_staff:
            # A store role is what opens the back office to a person.
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        return membership
