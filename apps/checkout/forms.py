"""The back office's forms for a store's checkout settings: what the database refuses (a code
twice in a store, a second rate for a country, a percentage above 100) is said on the form,
next to the field, before anything is written."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from unfold.widgets import UnfoldAdminTextInputWidget

from apps.checkout.models import DiscountCode, DiscountKind, ShippingMethod, TaxRate

COUNTRY_CODE = re.compile(r"[A-Z]{2}")
# Between codes: commas, semicolons or spaces, as people type lists.
SEPARATORS = re.compile(r"[\s,;]+")


def country_code(value: str) -> str:
    code = value.strip().upper()
    if not COUNTRY_CODE.fullmatch(code):
        raise ValidationError(
            _("%(value)s is not a two-letter country code (ISO 3166), such as DE or GB."),
            code="invalid_country",
            params={"value": value.strip() or '""'},
        )
    return code


class CountryCodeField(forms.CharField):
    """One ISO 3166 alpha-2 code, upper-cased: "de" → "DE"."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", UnfoldAdminTextInputWidget(attrs={"size": 4}))
        super().__init__(max_length=2, min_length=2, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        return country_code(value) if value else value


class CountryListField(forms.CharField):
    """ISO 3166 alpha-2 codes typed as "de, fr nl" and kept as ["DE", "FR", "NL"]; empty is
    every country."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", UnfoldAdminTextInputWidget)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(value)
        return value

    def to_python(self, value):
        if isinstance(value, list | tuple):
            return list(value)
        text = super().to_python(value)
        parts = [part for part in SEPARATORS.split(text) if part]
        errors, codes = [], []
        for part in parts:
            try:
                codes.append(country_code(part))
            except ValidationError as error:
                errors.append(error)
        if errors:
            raise ValidationError(errors)
        # Each once, in the order typed.
        return list(dict.fromkeys(codes))


class ShippingMethodForm(forms.ModelForm):
    countries = CountryListField(
        label=_("countries"),
        help_text=_(
            "Two-letter country codes, separated by commas (DE, AT, CH). Empty: everywhere."
        ),
    )

    class Meta:
        model = ShippingMethod
        fields = ("store", "name", "price", "free_over", "countries", "is_active", "position")


def _store_id(form: forms.ModelForm) -> int | None:
    """The store the row belongs to: chosen on an add form, fixed once saved."""
    store = form.cleaned_data.get("store")
    return store.pk if store is not None else form.instance.store_id


class DiscountCodeForm(forms.ModelForm):
    class Meta:
        model = DiscountCode
        fields = (
            "store",
            "code",
            "is_active",
            "kind",
            "value",
            "free_shipping",
            "min_subtotal",
            "products",
            "categories",
            "starts_at",
            "ends_at",
            "usage_limit",
            "once_per_customer",
        )

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        if SEPARATORS.search(code):
            raise ValidationError(_("A code is one word: no spaces."), code="invalid")
        return code

    def clean(self):
        cleaned = super().clean()
        store_id, code = _store_id(self), cleaned.get("code")
        if store_id and code:
            taken = DiscountCode.objects.filter(store_id=store_id, code__iexact=code)
            if taken.exclude(pk=self.instance.pk).exists():
                self.add_error(
                    "code",
                    ValidationError(
                        _("This store already has the code %(code)s (in any letter case)."),
                        code="unique",
                        params={"code": code},
                    ),
                )
        value = cleaned.get("value")
        if cleaned.get("kind") == DiscountKind.PERCENTAGE and value is not None and value > 100:
            self.add_error("value", _("A percentage is at most 100."))
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The code must end after it starts."))
        limit = cleaned.get("usage_limit")
        if limit is not None and limit < self.instance.used_count:
            self.add_error(
                "usage_limit",
                _("It has been used %(used)s times already: the limit cannot be lower.")
                % {"used": self.instance.used_count},
            )
        products = cleaned.get("products")
        if store_id and products and any(p.store_id != store_id for p in products):
            self.add_error("products", _("Choose products of the code's own store."))
        return cleaned


class TaxRateForm(forms.ModelForm):
    country = CountryCodeField(label=_("country"))

    class Meta:
        model = TaxRate
        fields = ("store", "country", "category", "rate")

    def clean(self):
        cleaned = super().clean()
        store_id, country = _store_id(self), cleaned.get("country")
        if not (store_id and country):
            return cleaned
        category = cleaned.get("category")
        same = TaxRate.objects.filter(store_id=store_id, country=country)
        same = same.filter(category=category) if category else same.filter(category__isnull=True)
        if same.exclude(pk=self.instance.pk).exists():
            message = (
                _("The store already has a rate for %(country)s in %(category)s.")
                if category
                else _("The store already has a rate for %(country)s.")
            )
            self.add_error(
                "country" if not category else "category",
                ValidationError(
                    message, code="unique", params={"country": country, "category": category}
                ),
            )
        return cleaned
