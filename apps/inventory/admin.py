from django.contrib import admin, messages
from django.contrib.admin import SimpleListFilter
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from unfold.admin import ModelAdmin
from unfold.contrib.filters.admin import (
    AutocompleteSelectFilter,
    ChoicesDropdownFilter,
    RangeDateTimeFilter,
)
from unfold.decorators import display

from apps.core.admin_columns import time_column
from apps.core.errors import ApplicationError
from apps.inventory.forms import StockChangeOrCountForm
from apps.inventory.models import MOVEMENT_FIELDS, Stock, StockMovement
from apps.inventory.selectors import available_units, stock_filter_level, stock_level
from apps.inventory.services import stock_adjust
from apps.stores.admin_mixins import (
    EstimatedCountPaginator,
    StoreFilter,
    StoreScopedAdminMixin,
)
from apps.stores.roles import Capability
from apps.stores.scoping import current_store_id, store_ids_for, user_can

LEVEL_LABELS = {"out": "danger", "low": "warning", "in": "success"}
LEVEL_NAMES = {"out": _("Out of stock"), "low": _("Low stock"), "in": _("In stock")}


class StockLevelFilter(SimpleListFilter):
    title = _("stock level")
    parameter_name = "level"

    def lookups(self, request, model_admin):
        return list(LEVEL_NAMES.items())

    def queryset(self, request, queryset):
        return stock_filter_level(queryset, self.value()) if self.value() else queryset


@admin.register(Stock)
class StockAdmin(StoreScopedAdminMixin, ModelAdmin):
    """Stock levels. Counters are never edited as fields: every change is an adjustment
    through stock_adjust, which writes the ledger."""

    change_capability = Capability.ADJUST_STOCK
    list_display = ("sku", "product", "store", "on_hand", "allocated", "available", "level")
    list_select_related = ("variant", "variant__product", "store")
    list_filter = (StockLevelFilter,)
    search_fields = ("=variant__sku", "=variant__barcode", "variant__product__title")
    list_before_template = "transfer/changelist_links.html"
    fields = ("variant", "store", "on_hand", "allocated", "allow_backorder", "updated")
    readonly_fields = fields
    # Variant order (the unique index on variant_id): sorting by SKU would join and sort
    # every stock row before the first page.
    ordering = ("variant_id",)
    list_per_page = 50
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    change_form_outer_after_template = "admin/inventory/stock/adjust_form.html"

    @display(description=_("SKU"), ordering="variant__sku")
    def sku(self, obj):
        return obj.variant.sku

    @display(description=_("product"), ordering="variant__product__title")
    def product(self, obj):
        return obj.variant.display_title

    @display(description=_("available"))
    def available(self, obj):
        return available_units(obj.variant)

    updated = time_column(Stock, "updated_at", relative=False)

    @display(description=_("level"), label=LEVEL_LABELS)
    def level(self, obj):
        value = stock_level(obj)
        return value, LEVEL_NAMES[value]

    def has_add_permission(self, request):
        # Stock rows follow their variants; they are never created by hand.
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "<path:object_id>/adjust/",
                self.admin_site.admin_view(require_POST(self.adjust_view)),
                name="inventory_stock_adjust",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self._scoped_object_or_404(request, object_id)
        extra_context = {
            **(extra_context or {}),
            "adjust_form": StockChangeOrCountForm(),
            "can_adjust": user_can(request.user, obj.store_id, Capability.ADJUST_STOCK),
            "movements": obj.movements.select_related("actor")[:20],
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def adjust_view(self, request, object_id):
        stock = self._scoped_object_or_404(request, object_id)
        back = reverse("admin:inventory_stock_change", args=(stock.pk,))
        form = StockChangeOrCountForm(request.POST)
        if not form.is_valid():
            for field, errors in form.errors.items():
                label = form.fields[field].label if field in form.fields else ""
                messages.error(
                    request, f"{label}: {' '.join(errors)}" if label else " ".join(errors)
                )
            return HttpResponseRedirect(back)
        try:
            updated = stock_adjust(
                variant=stock.variant, actor=request.user, **form.service_kwargs()
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("%(sku)s: %(on_hand)s on hand, %(available)s available.")
                % {
                    "sku": stock.variant.sku,
                    "on_hand": updated.on_hand,
                    "available": available_units(updated.variant),
                },
            )
        return HttpResponseRedirect(back)


# The kinds of record a movement names, as the ledger stores them (apps/orders/order_state.py).
REFERENCE_KINDS = {"order": _("order"), "shipment": _("shipment"), "return": _("return")}


@admin.register(StockMovement)
class StockMovementAdmin(StoreScopedAdminMixin, ModelAdmin):
    """The ledger: append-only, so read-only here."""

    list_display = (
        "at",
        "sku",
        "reason",
        "on_hand_delta",
        "allocated_delta",
        "on_hand_after",
        "allocated_after",
        "actor",
        "reference",
    )
    list_select_related = ("stock__variant", "actor", "store")
    list_filter = (
        ("reason", ChoicesDropdownFilter),
        ("stock__variant", AutocompleteSelectFilter),
        ("actor", AutocompleteSelectFilter),
        ("created_at", RangeDateTimeFilter),
    )
    list_filter_submit = True
    search_fields = ("=stock__variant__sku", "=reference_id")
    ordering = ("-created_at", "-id")
    list_per_page = 50
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    readonly_fields = tuple(
        {"created_at": "moment", "reference_type": "reference_kind"}.get(name, name)
        for name in MOVEMENT_FIELDS
    )
    fields = readonly_fields

    # A list reads best as "3 hours ago"; the page of one movement says exactly when.
    at = time_column(StockMovement, "created_at")
    moment = time_column(StockMovement, "created_at", relative=False)

    @display(description=_("SKU"), ordering="stock__variant__sku")
    def sku(self, obj):
        return obj.stock.variant.sku

    def get_ordering(self, request):
        """Newest first, along an index. Within one store the (store, created_at) index gives
        that order; across stores only the primary key does (the ledger is append-only, so id
        order is time order), where sorting millions of rows by created_at would not."""
        store_ids = store_ids_for(request.user)
        one_store = (
            current_store_id(request)
            or request.GET.get(StoreFilter.parameter_name)
            or (store_ids is not None and len(store_ids) == 1)
        )
        return self.ordering if one_store else ("-id",)

    @display(description=_("reference type"))
    def reference_kind(self, obj):
        return REFERENCE_KINDS.get(obj.reference_type, obj.reference_type) or "—"

    @display(description=_("reference"))
    def reference(self, obj):
        kind = REFERENCE_KINDS.get(obj.reference_type, obj.reference_type)
        return f"{kind} {obj.reference_id}".strip() or "—"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
