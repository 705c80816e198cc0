from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from unfold.widgets import (
    UnfoldAdminFileFieldWidget,
    UnfoldAdminSelectWidget,
    UnfoldBooleanSwitchWidget,
)

from apps.stores.roles import Capability
from apps.stores.scoping import stores_for
from apps.transfer.models import ExportKind, FileFormat, ImportKind


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What to import"), choices=ImportKind.choices, widget=UnfoldAdminSelectWidget
    )
    store = forms.ModelChoiceField(
        label=_("Into store"), queryset=None, widget=UnfoldAdminSelectWidget
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV (UTF-8 or Windows-1251, comma or semicolon) or XLSX."),
        widget=UnfoldAdminFileFieldWidget,
    )
    valid_only = forms.BooleanField(
        label=_("Import the valid rows only"),
        required=False,
        help_text=_("Rows with errors are skipped instead of stopping the whole import."),
        widget=UnfoldBooleanSwitchWidget,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].queryset = stores_for(user, Capability.IMPORT).order_by("name")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.TRANSFER_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _(
                    "The file is %(size)s MB; the limit is %(limit)s MB. Split it into smaller "
                    "files."
                )
                % {"size": round(upload.size / 1048576, 1), "limit": round(limit / 1048576, 1)}
            )
        if upload.size == 0:
            raise forms.ValidationError(_("The file is empty."))
        return upload


class ExportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What to export"), choices=ExportKind.choices, widget=UnfoldAdminSelectWidget
    )
    file_format = forms.ChoiceField(
        label=_("Format"), choices=FileFormat.choices, widget=UnfoldAdminSelectWidget
    )
    store = forms.ModelChoiceField(
        label=_("Store"),
        queryset=None,
        required=False,
        empty_label=_("All my stores"),
        widget=UnfoldAdminSelectWidget,
    )
    # The order changelist's query string, so the export holds what the list showed.
    filters = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].queryset = stores_for(user, Capability.EXPORT).order_by("name")

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("kind") not in (ExportKind.ORDERS, ExportKind.ORDER_LINES):
            # Only the order list hands its filters on: any others were never applied, and
            # would be recorded on the export as if they had been.
            cleaned_data["filters"] = ""
        return cleaned_data
