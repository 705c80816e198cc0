"""The Customers section: a store's customers with their orders, what they spent, their last
order and the staff's notes. Read through apps/orders/customers.py; the notes are the only
thing staff change here, through its service."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import display

from apps.core.admin_columns import time_column
from apps.core.money import display_money
from apps.orders.customers import store_customer_note, with_figures
from apps.orders.models import Order, StoreCustomer
from apps.stores.admin_mixins import EstimatedCountPaginator, StoreScopedAdminMixin
from apps.stores.roles import Capability
from apps.stores.scoping import store_ids_for

RECENT_ORDERS = 20


@admin.register(StoreCustomer)
class StoreCustomerAdmin(StoreScopedAdminMixin, ModelAdmin):
    change_capability = Capability.FULFIL_ORDERS
    list_display = (
        "customer_display",
        "store",
        "order_count_display",
        "spent_display",
        "average_display",
        "last_order",
    )
    list_select_related = ("store", "customer")
    search_fields = ("email",)
    search_help_text = _("A customer's e-mail, or its beginning.")
    ordering = ("-last_order_at", "-id")
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    list_per_page = 25
    fields = (
        "email",
        "name",
        "customer",
        "store",
        "first_order",
        "last_order_page",
        "figures",
        "recent_orders",
        "note",
    )
    readonly_fields = (
        "email",
        "name",
        "customer",
        "store",
        "first_order",
        "last_order_page",
        "figures",
        "recent_orders",
    )

    last_order = time_column(StoreCustomer, "last_order_at")
    first_order = time_column(StoreCustomer, "first_order_at", relative=False)
    last_order_page = time_column(StoreCustomer, "last_order_at", relative=False)

    def get_queryset(self, request):
        return with_figures(super().get_queryset(request))

    def get_list_display(self, request):
        store_ids = store_ids_for(request.user)
        if store_ids is not None and len(store_ids) == 1:
            return tuple(f for f in self.list_display if f != "store")
        return self.list_display

    def get_search_results(self, request, queryset, search_term):
        """An e-mail's beginning, on the (store, email) index: never a scan of every row."""
        term = search_term.strip().lower()
        if not term:
            return queryset, False
        return queryset.filter(email__startswith=term), False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        store_customer_note(customer=obj, actor=request.user, note=form.cleaned_data["note"])

    @display(description=_("customer"), header=True, ordering="email")
    def customer_display(self, obj):
        return (obj.name, obj.email) if obj.name else (obj.email, "")

    @display(description=_("orders"))
    def order_count_display(self, obj):
        return obj.order_count

    @display(description=_("spent"))
    def spent_display(self, obj):
        return display_money(obj.spent, obj.store.currency)

    @display(description=_("average order"))
    def average_display(self, obj):
        if not obj.order_count:
            return "—"
        return display_money(obj.gross / obj.order_count, obj.store.currency)

    @display(description=_("figures"))
    def figures(self, obj):
        return format_html(
            "{} · {} · {}",
            _("%(count)s order(s)") % {"count": obj.order_count},
            _("spent %(amount)s") % {"amount": self.spent_display(obj)},
            _("average %(amount)s") % {"amount": self.average_display(obj)},
        )

    @display(description=_("latest orders"))
    def recent_orders(self, obj):
        orders = Order.objects.filter(store_id=obj.store_id, email=obj.email).order_by(
            "-placed_at", "-id"
        )[:RECENT_ORDERS]
        return (
            format_html_join(
                "",
                '<div><a class="text-primary-600" href="{}">{}</a> · {} · {}</div>',
                (
                    (
                        reverse("admin:orders_order_change", args=(order.pk,)),
                        order.number,
                        order.get_status_display(),
                        display_money(order.total, order.currency),
                    )
                    for order in orders
                ),
            )
            or "—"
        )
