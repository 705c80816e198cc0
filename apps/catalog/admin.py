from django.contrib import admin
from django.db.models import Count, OuterRef, Q, Subquery
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin, TabularInline
from unfold.contrib.filters.admin import AutocompleteSelectFilter, ChoicesDropdownFilter
from unfold.decorators import display

from apps.catalog.models import (
    PRODUCT_FIELDS,
    VARIANT_FIELDS,
    Category,
    Product,
    ProductStatus,
    ProductVariant,
)
from apps.catalog.services import product_update
from apps.core.money import display_money
from apps.inventory.catalog_writes import product_create, variant_create, variant_update
from apps.inventory.selectors import available_units
from apps.stores.admin_mixins import (
    PlatformAdminMixin,
    ScopedInlineMixin,
    ServiceErrorsAsMessagesMixin,
    StoreScopedAdminMixin,
)
from apps.stores.roles import Capability

STATUS_LABELS = {
    ProductStatus.DRAFT: "warning",
    ProductStatus.ACTIVE: "success",
    ProductStatus.ARCHIVED: "info",
}


@admin.register(Category)
class CategoryAdmin(PlatformAdminMixin, ModelAdmin):
    list_display = ("name", "slug", "parent")
    list_select_related = ("parent",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("parent",)


def stock_summary(variant: ProductVariant) -> str:
    units = available_units(variant)
    if units is None:
        return _("not tracked")
    on_hand = getattr(getattr(variant, "stock", None), "on_hand", 0)
    return _("%(available)s available (%(on_hand)s on hand)") % {
        "available": units,
        "on_hand": on_hand,
    }


class VariantInline(ScopedInlineMixin, TabularInline):
    model = ProductVariant
    fk_name = "product"
    # Options (JSON) are set through the API: a JSON box per row does not fit a table.
    fields = (*(f for f in VARIANT_FIELDS if f != "options"), "stock_level")
    readonly_fields = ("stock_level",)
    extra = 0
    min_num = 1
    # Variants that sold keep their ledger; a product is archived rather than pruned.
    can_delete = False
    tab = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("stock", "product")

    # Not "stock": the admin would show the reverse relation's own text (the SKU) instead.
    @display(description=_("stock"))
    def stock_level(self, obj):
        return stock_summary(obj) if obj.pk else "—"

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Product)
class ProductAdmin(
    ServiceErrorsAsMessagesMixin, StoreScopedAdminMixin, SimpleHistoryAdmin, ModelAdmin
):
    change_capability = Capability.EDIT_CATALOG
    list_display = ("title", "handle", "store", "status_label", "category", "variant_count")
    list_select_related = ("store", "category")
    list_filter = (
        ("status", ChoicesDropdownFilter),
        ("category", AutocompleteSelectFilter),
    )
    list_filter_submit = True
    search_fields = ("title", "handle", "=variants__sku", "=variants__barcode")
    list_before_template = "transfer/changelist_links.html"
    autocomplete_fields = ("category",)
    prepopulated_fields = {"handle": ("title",)}
    ordering = ("title", "id")
    list_per_page = 50
    inlines = (VariantInline,)
    fields = ("store", "title", "handle", "category", "status", "description")

    def get_queryset(self, request):
        # A correlated count runs for the rows on the page only; a JOIN + GROUP BY would
        # aggregate every variant of the store before the LIMIT.
        per_product = (
            ProductVariant.objects.filter(product=OuterRef("pk"))
            .order_by()
            .values("product")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return super().get_queryset(request).annotate(variants_total=Subquery(per_product))

    @display(description=_("status"), ordering="status", label=STATUS_LABELS)
    def status_label(self, obj):
        return obj.status, obj.get_status_display()

    def get_search_results(self, request, queryset, search_term):
        """A SKU or barcode (exact) or words of the title; without the JOIN + DISTINCT that
        search_fields over variants would add to every search."""
        term = search_term.strip()
        if not term:
            return queryset, False
        variants = ProductVariant.objects.filter(Q(sku=term) | Q(barcode=term)).values("product_id")
        return queryset.filter(
            Q(pk__in=variants) | Q(title__icontains=term) | Q(handle=term.lower())
        ), False

    @display(description=_("variants"), ordering="variants_total")
    def variant_count(self, obj):
        return obj.variants_total

    def get_readonly_fields(self, request, obj=None):
        # Variants copy their product's store; moving a product would orphan its stock.
        return ("store",) if obj is not None else ()

    def save_model(self, request, obj, form, change):
        # A new product is created with its variants in save_related (a product needs one).
        if change:
            product_update(
                product=obj,
                actor=request.user,
                **{f: form.cleaned_data[f] for f in form.changed_data if f in PRODUCT_FIELDS},
            )

    def save_related(self, request, form, formsets, change):
        variant_formsets = [fs for fs in formsets if fs.model is ProductVariant]
        if not change:
            rows = [
                {f: v for f, v in variant_form.cleaned_data.items() if f in VARIANT_FIELDS}
                for fs in variant_formsets
                for variant_form in fs.forms
                if variant_form.cleaned_data
            ]
            # product_create numbers the variants itself, in the order given.
            rows = sorted(
                (row for row in rows if row.get("sku")), key=lambda r: r.get("position", 0)
            )
            rows = [{f: v for f, v in row.items() if f != "position"} for row in rows]
            product = product_create(
                store=form.cleaned_data["store"],
                actor=request.user,
                variants=rows,
                **{f: form.cleaned_data[f] for f in PRODUCT_FIELDS if f in form.cleaned_data},
            )
            form.instance.pk = product.pk
            form.instance.handle = product.handle
            for fs in variant_formsets:
                fs.new_objects, fs.changed_objects, fs.deleted_objects = [], [], []
            return
        for fs in variant_formsets:
            self._save_variants(form.instance, fs, actor=request.user)
        for fs in formsets:
            if fs.model is not ProductVariant:
                self.save_formset(request, form, fs, change)

    @staticmethod
    def _save_variants(product, formset, *, actor):
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for variant_form in formset.forms:
            if not variant_form.has_changed():
                continue
            data = {
                f: variant_form.cleaned_data[f]
                for f in variant_form.changed_data
                if f in VARIANT_FIELDS
            }
            if variant_form.instance.pk:
                variant_update(variant=variant_form.instance, actor=actor, **data)
                formset.changed_objects.append((variant_form.instance, list(data)))
            else:
                full = {f: v for f, v in variant_form.cleaned_data.items() if f in VARIANT_FIELDS}
                formset.new_objects.append(variant_create(product=product, actor=actor, **full))


VARIANT_MONEY_DISPLAYS = {"price": "price_amount", "compare_at_price": "compare_at_amount"}


@admin.register(ProductVariant)
class ProductVariantAdmin(StoreScopedAdminMixin, SimpleHistoryAdmin, ModelAdmin):
    """Variants are edited on their product's page; this list finds them across products."""

    list_display = (
        "sku",
        "product",
        "title",
        "price_amount",
        "compare_at_amount",
        "barcode",
        "stock_level",
    )
    list_select_related = ("product", "stock", "store")
    list_filter = ("track_inventory", "allow_backorder")
    search_fields = ("=sku", "=barcode", "product__title")
    ordering = ("-id",)
    list_per_page = 50
    # The prices with their store's currency, in the reader's language; the rest as stored.
    fields = (
        "product",
        "store",
        *(VARIANT_MONEY_DISPLAYS.get(name, name) for name in VARIANT_FIELDS),
    )
    readonly_fields = fields

    @display(description=_("price"), ordering="price")
    def price_amount(self, obj):
        return display_money(obj.price, obj.store.currency)

    @display(description=_("compare-at price"), ordering="compare_at_price", empty_value="—")
    def compare_at_amount(self, obj):
        if obj.compare_at_price is None:
            return None
        return display_money(obj.compare_at_price, obj.store.currency)

    # Not "stock": that is the variant's reverse relation, which the admin would show as the
    # Stock row's text (SKU included) instead of calling this method.
    @display(description=_("stock level"))
    def stock_level(self, obj):
        return stock_summary(obj)

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
