"""The back office of a store's checkout: shipping methods (with weight bands), discount codes
(with their uses and what they sold) and tax rates, each store's own.

Who edits them (apps/stores/roles.py; everyone in the store may look):
- shipping methods and discount codes: EDIT_CATALOG, owners and managers. They are prices:
  whoever sets what a variant costs sets what carrying it costs and what a code takes off it
  (issue 13: "managers manage them"), and a manager runs a promotion without the owner.
- tax rates: MANAGE_STORE, owners only. They belong with the store's own tax settings (prices
  include tax, rounding) on the store page, which owners keep: a wrong rate is an accounting
  and legal matter, not a promotion.
"""

from babel.numbers import format_decimal
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from unfold.admin import ModelAdmin, TabularInline
from unfold.contrib.filters.admin import ChoicesDropdownFilter
from unfold.decorators import display

from apps.catalog.models import Product
from apps.checkout.forms import DiscountCodeForm, ShippingMethodForm, TaxRateForm
from apps.checkout.models import (
    DiscountCode,
    DiscountKind,
    DiscountRedemption,
    ShippingMethod,
    ShippingWeightBand,
    TaxRate,
)
from apps.checkout.selectors import (
    discount_codes_with_sales,
    product_choices,
    shipping_methods_with_bands,
)
from apps.core.l10n import active_locale, display_datetime, time_tag
from apps.core.models import MAX_ID
from apps.core.money import display_money
from apps.orders.transitions import OrderStatus
from apps.stores.admin_mixins import ReadOnlyInlineMixin, ScopedInlineMixin, StoreScopedAdminMixin
from apps.stores.roles import Capability
from apps.stores.scoping import current_store_id, store_ids_for, user_can

PRODUCT_CHOICES_PER_PAGE = 20


def default_store_id(request, capability: Capability) -> int | None:
    """The store a new row is for when it goes without saying: the one chosen in the store
    switcher, or the only store where the person may add it."""
    selected = current_store_id(request)
    if selected and user_can(request.user, selected, capability):
        return selected
    store_ids = store_ids_for(request.user, capability)
    if store_ids is not None and len(store_ids) == 1:
        return next(iter(store_ids))
    return None


def percent(value) -> str:
    """12.5 → "12.5 %" with the reader's decimal mark."""
    return _("%(value)s %%") % {"value": format_decimal(value.normalize(), locale=active_locale())}


class StoreSettingsMixin:
    """A row's store is chosen when it is added (the current store by default) and kept: its
    orders, products and redemptions belong to that store."""

    change_capability: Capability

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        return (*readonly, "store") if obj is not None else readonly

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        store_id = default_store_id(request, self.change_capability)
        if store_id is not None:
            initial.setdefault("store", store_id)
        return initial


class WeightBandInline(ScopedInlineMixin, TabularInline):
    model = ShippingWeightBand
    change_capability = Capability.EDIT_CATALOG
    fields = ("up_to_grams", "price")
    extra = 0
    hide_title = True
    verbose_name_plural = _("weight bands (a cart heavier than the last one cannot go)")


@admin.register(ShippingMethod)
class ShippingMethodAdmin(StoreSettingsMixin, StoreScopedAdminMixin, ModelAdmin):
    change_capability = Capability.EDIT_CATALOG
    delete_capability = Capability.EDIT_CATALOG
    form = ShippingMethodForm
    list_display = (
        "name",
        "store",
        "price_display",
        "free_from",
        "countries_display",
        "is_active",
        "position",
    )
    list_select_related = ("store",)
    list_filter = ("is_active",)
    search_fields = ("name",)
    ordering = ("store__name", "position", "id")
    fields = ("store", "name", "price", "free_over", "countries", "is_active", "position")
    inlines = (WeightBandInline,)

    def get_queryset(self, request):
        return shipping_methods_with_bands(super().get_queryset(request))

    @display(description=_("price"), ordering="price")
    def price_display(self, obj):
        if obj.band_count:
            # The bands set the price; the method's own price is not charged.
            return ngettext(
                "by weight (%(count)s band)", "by weight (%(count)s bands)", obj.band_count
            ) % {"count": obj.band_count}
        return display_money(obj.price, obj.store.currency)

    @display(description=_("free from"), ordering="free_over", empty_value="—")
    def free_from(self, obj):
        if obj.free_over is None:
            return None
        return display_money(obj.free_over, obj.store.currency)

    @display(description=_("countries"))
    def countries_display(self, obj):
        return ", ".join(obj.countries) if obj.countries else _("everywhere")


class RedemptionInline(ReadOnlyInlineMixin, ScopedInlineMixin, TabularInline):
    """Each use of the code by an order; a cancelled order's use is given back."""

    model = DiscountRedemption
    parent_store_field = "store"
    change_capability = Capability.EDIT_CATALOG
    fields = ("order", "email", "used_at", "given_back")
    readonly_fields = fields
    extra = 0
    per_page = 20
    tab = True
    hide_title = True
    verbose_name_plural = _("uses")

    @display(description=_("used"))
    def used_at(self, obj):
        return time_tag(obj.created_at)

    @display(description=_("given back"), empty_value="—")
    def given_back(self, obj):
        return time_tag(obj.given_back_at) if obj.given_back_at else None

    @display(description=_("order"))
    def order(self, obj):
        # The order list finds an order by its number (the redemption keeps the number only).
        url = reverse("admin:orders_order_changelist")
        query = urlencode({"q": obj.order_number})
        return format_html('<a href="{}?{}">{}</a>', url, query, obj.order_number)


class StoreProductsWidget(AutocompleteSelectMultiple):
    """The admin's autocomplete, asking for one store's products: Django's own asks the product
    admin, which answers with every store the person works in."""

    def __init__(self, field, admin_site, *, store_id: int, **kwargs):
        super().__init__(field, admin_site, **kwargs)
        self.store_id = store_id

    def get_url(self):
        return reverse(
            f"{self.admin_site.name}:checkout_discountcode_products", args=(self.store_id,)
        )


DISCOUNT_STATES = {
    "active": "success",
    "scheduled": "info",
    "expired": "warning",
    "used_up": "warning",
    "off": "danger",
}


@admin.register(DiscountCode)
class DiscountCodeAdmin(StoreSettingsMixin, StoreScopedAdminMixin, ModelAdmin):
    change_capability = Capability.EDIT_CATALOG
    delete_capability = Capability.EDIT_CATALOG
    form = DiscountCodeForm
    list_display = (
        "code",
        "store",
        "amount",
        "state",
        "window",
        "uses",
        "orders_column",
        "revenue_column",
    )
    list_select_related = ("store",)
    list_filter = ("is_active", ("kind", ChoicesDropdownFilter), "free_shipping")
    search_fields = ("code",)
    ordering = ("store__name", "code")
    autocomplete_fields = ("categories",)
    readonly_fields = ("uses",)
    inlines = (RedemptionInline,)

    def get_queryset(self, request):
        return discount_codes_with_sales(
            super().get_queryset(request), not_sales=(OrderStatus.CANCELLED,)
        )

    def get_actions(self, request):
        actions = super().get_actions(request)
        # A used code is switched off, not deleted: its orders and uses keep their history.
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or not obj.redemptions.exists())

    def get_fieldsets(self, request, obj=None):
        store_id = self._products_store(request, obj)
        choosers = ("products", "categories") if store_id else ("categories",)
        limits = ("starts_at", "ends_at", "usage_limit", "once_per_customer")
        return (
            (None, {"fields": ("store", "code", "is_active")}),
            (_("Discount"), {"fields": ("kind", "value", "free_shipping", "min_subtotal")}),
            (
                _("Applies to"),
                {
                    "fields": choosers,
                    "description": _("Nothing chosen: the whole order.")
                    if store_id
                    else _("Nothing chosen: the whole order. Products are chosen once saved."),
                },
            ),
            (_("Limits"), {"fields": (*limits, "uses") if obj else limits}),
        )

    def _products_store(self, request, obj) -> int | None:
        """The store whose products the code may be limited to: its own once saved; on the
        add page the store that goes without saying (or none: products come after saving)."""
        if obj is not None:
            return obj.store_id
        return default_store_id(request, self.change_capability)

    def get_form(self, request, obj=None, change=False, **kwargs):
        # formfield_for_manytomany is not told which code it is for.
        request.checkout_products_store = self._products_store(request, obj)
        return super().get_form(request, obj, change, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        store_id = getattr(request, "checkout_products_store", None)
        if db_field.name == "store" and store_id is not None:
            # The add form offers that store's products: the code is for that store.
            field.queryset = field.queryset.filter(pk=store_id)
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "products":
            store_id = getattr(request, "checkout_products_store", None)
            kwargs["queryset"] = (
                product_choices(store_id=store_id) if store_id else Product.objects.none()
            )
            kwargs["widget"] = StoreProductsWidget(
                db_field, self.admin_site, store_id=store_id or 0, using=kwargs.get("using")
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_urls(self):
        return [
            path(
                "store/<int:store_id>/products/",
                self.admin_site.admin_view(self.product_choices_view),
                name="checkout_discountcode_products",
            ),
            *super().get_urls(),
        ]

    def product_choices_view(self, request, store_id: int):
        """The chooser's answers (select2's JSON): the products of a store where this person
        may edit codes; any other store is simply not found."""
        if not 0 < store_id <= MAX_ID or not user_can(
            request.user, store_id, self.change_capability
        ):
            raise Http404(_("Not found."))
        products = product_choices(store_id=store_id, term=request.GET.get("term", ""))
        page = Paginator(products, PRODUCT_CHOICES_PER_PAGE).get_page(request.GET.get("page"))
        return JsonResponse(
            {
                "results": [{"id": str(product.pk), "text": str(product)} for product in page],
                "pagination": {"more": page.has_next()},
            }
        )

    @display(description=_("discount"), ordering="value")
    def amount(self, obj):
        if obj.kind == DiscountKind.PERCENTAGE:
            text = percent(obj.value)
        else:
            text = display_money(obj.value, obj.store.currency)
        if obj.free_shipping:
            return (
                _("%(discount)s + free shipping") % {"discount": text}
                if obj.value
                else _("free shipping")
            )
        return text

    @display(description=_("state"), label=DISCOUNT_STATES)
    def state(self, obj):
        now = timezone.now()
        if not obj.is_active:
            key, text = "off", _("Off")
        elif obj.starts_at and now < obj.starts_at:
            key, text = "scheduled", _("Scheduled")
        elif obj.ends_at and now >= obj.ends_at:
            key, text = "expired", _("Expired")
        elif obj.usage_limit is not None and obj.used_count >= obj.usage_limit:
            key, text = "used_up", _("Used up")
        else:
            key, text = "active", _("Active")
        return key, text

    @display(description=_("valid"))
    def window(self, obj):
        starts, ends = obj.starts_at, obj.ends_at
        if starts and ends:
            return f"{display_datetime(starts)} – {display_datetime(ends)}"
        if starts:
            return _("from %(moment)s") % {"moment": display_datetime(starts)}
        if ends:
            return _("until %(moment)s") % {"moment": display_datetime(ends)}
        return _("always")

    @display(description=_("uses"), ordering="used_count")
    def uses(self, obj):
        if obj.usage_limit is None:
            return str(obj.used_count)
        return f"{obj.used_count} / {obj.usage_limit}"

    @display(description=_("orders"), ordering="order_count")
    def orders_column(self, obj):
        return obj.order_count

    @display(description=_("revenue"), ordering="revenue")
    def revenue_column(self, obj):
        return display_money(obj.revenue, obj.store.currency)


@admin.register(TaxRate)
class TaxRateAdmin(StoreSettingsMixin, StoreScopedAdminMixin, ModelAdmin):
    change_capability = Capability.MANAGE_STORE
    delete_capability = Capability.MANAGE_STORE
    form = TaxRateForm
    list_display = ("country", "category_display", "rate_display", "store")
    list_select_related = ("store", "category")
    list_filter = ("country",)
    search_fields = ("country", "category__name")
    ordering = ("store__name", "country", "category__name")
    fields = ("store", "country", "category", "rate")
    autocomplete_fields = ("category",)

    @display(description=_("category"), ordering="category__name")
    def category_display(self, obj):
        return obj.category.name if obj.category else _("standard rate")

    @display(description=_("rate"), ordering="rate")
    def rate_display(self, obj):
        return percent(obj.rate)
