import re

from django.contrib import admin, messages
from django.contrib.admin.options import ShowFacets
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin, TabularInline
from unfold.contrib.filters.admin import ChoicesDropdownFilter, RangeDateFilter
from unfold.decorators import action, display

from apps.core.errors import ApplicationError
from apps.orders.forms import OrderNoteForm, OrderPaymentForm, OrderTransitionForm
from apps.orders.models import Order, OrderLine
from apps.orders.selectors import allowed_transitions
from apps.orders.services import order_add_note, order_transition
from apps.orders.statuses import FulfilmentStatus, PaymentStatus
from apps.orders.transitions import OrderStatus
from apps.stores.admin_mixins import (
    EstimatedCountPaginator,
    ReadOnlyInlineMixin,
    ScopedInlineMixin,
    StoreScopedAdminMixin,
)
from apps.stores.roles import Capability
from apps.stores.scoping import store_ids_for, user_can, user_can_anywhere

ORDER_NUMBER = re.compile(r"^[A-Za-z0-9]{2,8}-\d+$")
STATUS_LABELS = {
    OrderStatus.PENDING: "warning",
    OrderStatus.CONFIRMED: "info",
    OrderStatus.CANCELLED: "danger",
}
FULFILMENT_LABELS = {
    FulfilmentStatus.UNFULFILLED: "warning",
    FulfilmentStatus.PARTIALLY_SHIPPED: "primary",
    FulfilmentStatus.SHIPPED: "primary",
    FulfilmentStatus.PARTIALLY_DELIVERED: "info",
    FulfilmentStatus.DELIVERED: "success",
    FulfilmentStatus.PARTIALLY_RETURNED: "danger",
    FulfilmentStatus.RETURNED: "danger",
}
PAYMENT_LABELS = {
    PaymentStatus.UNPAID: "warning",
    PaymentStatus.AUTHORISED: "info",
    PaymentStatus.PARTIALLY_PAID: "warning",
    PaymentStatus.PAID: "success",
    PaymentStatus.PARTIALLY_REFUNDED: "info",
    PaymentStatus.REFUNDED: "info",
    PaymentStatus.OVERPAID: "danger",
}
VALUE_LABELS = {
    **dict(OrderStatus.choices),
    **dict(FulfilmentStatus.choices),
    **dict(PaymentStatus.choices),
}
# A bulk action runs each order through the service in its own transaction; a cap keeps
# one request from locking thousands of rows after a "select all".
BULK_LIMIT = 500


class OrderLineInline(ReadOnlyInlineMixin, ScopedInlineMixin, TabularInline):
    model = OrderLine
    fields = ("sku", "product_title", "variant_title", "unit_price", "quantity", "line_total")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Order)
class OrderAdmin(StoreScopedAdminMixin, SimpleHistoryAdmin, ModelAdmin):
    """Orders are never edited as a form: status, payment and notes change through the
    order services, from the buttons on the order page and the bulk actions."""

    change_capability = None
    list_display = (
        "number",
        "placed_at",
        "store",
        "customer_display",
        "status_label",
        "payment_label",
        "total_display",
    )
    list_display_links = ("number",)
    list_select_related = ("store", "customer")
    list_filter = (
        ("status", ChoicesDropdownFilter),
        ("payment_status", ChoicesDropdownFilter),
        ("placed_at", RangeDateFilter),
    )
    list_filter_submit = True
    search_fields = ("number", "email", "lines__sku")
    search_help_text = _("An order number, a customer's email or a SKU.")
    list_before_template = "transfer/changelist_links.html"
    ordering = ("-placed_at", "-id")
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = ShowFacets.NEVER
    # unfold renders the table headers again for every row: page size is the main cost.
    list_per_page = 25
    inlines = (OrderLineInline,)
    actions = ("bulk_confirm", "bulk_ship", "bulk_deliver", "bulk_cancel", "bulk_mark_paid")
    change_form_outer_before_template = "admin/orders/order/actions_panel.html"
    change_form_outer_after_template = "admin/orders/order/timeline.html"
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "number",
                    "store",
                    "status",
                    "fulfilment_status",
                    "payment_status",
                    "placed_at",
                )
            },
        ),
        (_("Customer"), {"fields": ("customer", "email", "phone", "customer_note")}),
        (_("Shipping address"), {"fields": ("address",)}),
        (_("Totals"), {"fields": ("subtotal", "shipping_total", "total_display")}),
    )
    readonly_fields = (
        "number",
        "store",
        "status",
        "fulfilment_status",
        "payment_status",
        "placed_at",
        "customer",
        "email",
        "phone",
        "customer_note",
        "address",
        "subtotal",
        "shipping_total",
        "total_display",
    )

    @display(description=_("customer"), header=True)
    def customer_display(self, obj):
        # The e-mail is the order's own (what was confirmed to), not the account's, which
        # may have changed since; the name comes from the account when there still is one.
        customer = obj.customer
        name = f"{customer.first_name} {customer.last_name}".strip() if customer else ""
        return (name, obj.email) if name else (obj.email, "")

    @display(description=_("status"), ordering="status", label=STATUS_LABELS)
    def status_label(self, obj):
        return obj.status, obj.get_status_display()

    @display(description=_("payment"), ordering="payment_status", label=PAYMENT_LABELS)
    def payment_label(self, obj):
        return obj.payment_status, obj.get_payment_status_display()

    @display(description=_("total"), ordering="total")
    def total_display(self, obj):
        return f"{obj.total} {obj.currency}"

    @display(description=_("address"))
    def address(self, obj):
        a = obj.shipping_address or {}
        parts = [
            a.get("name"),
            a.get("line1"),
            a.get("line2"),
            " ".join(p for p in (a.get("postal_code"), a.get("city")) if p),
            a.get("region"),
            a.get("country"),
        ]
        return ", ".join(p for p in parts if p) or "—"

    def get_list_display(self, request):
        store_ids = store_ids_for(request.user)
        if store_ids is not None and len(store_ids) == 1:
            return tuple(f for f in self.list_display if f != "store")
        return self.list_display

    def has_fulfil_permission(self, request):
        return user_can_anywhere(request.user, Capability.FULFIL_ORDERS)

    def has_manage_permission(self, request):
        return user_can_anywhere(request.user, Capability.MANAGE_ORDERS)

    def get_search_results(self, request, queryset, search_term):
        """Exact matches on indexed columns: a LIKE '%…%' over a million orders is a full scan."""
        term = search_term.strip()
        if not term:
            return queryset, False
        if "@" in term:
            return queryset.filter(email=term.lower()), False
        if ORDER_NUMBER.match(term) and queryset.filter(number=term.upper()).exists():
            return queryset.filter(number=term.upper()), False
        return queryset.filter(pk__in=OrderLine.objects.filter(sku=term).values("order_id")), False

    # --- order page -------------------------------------------------------------------

    def change_view(self, request, object_id, form_url="", extra_context=None):
        order = self._scoped_object_or_404(request, object_id)
        extra_context = {
            **(extra_context or {}),
            "order_transitions": allowed_transitions(order=order, user=request.user),
            "order_payments": payment_options(order, request.user),
            "can_note": user_can(request.user, order.store_id, Capability.FULFIL_ORDERS),
            "note_form": OrderNoteForm(),
            "order_events": [
                (
                    event,
                    VALUE_LABELS.get(event.from_value, ""),
                    VALUE_LABELS.get(event.to_value, ""),
                )
                for event in order.events.select_related("actor").order_by("-created_at", "-id")
            ],
            "status_shipped": OrderStatus.SHIPPED,
            "status_returned": OrderStatus.RETURNED,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        def view(func, name):
            return path(
                f"<path:object_id>/{name}/",
                self.admin_site.admin_view(require_POST(func)),
                name=f"orders_order_{name}",
            )

        return [
            view(self.transition_view, "transition"),
            view(self.payment_view, "payment"),
            view(self.note_view, "note"),
            *super().get_urls(),
        ]

    def _run(self, request, object_id, form_class, call, success):
        order = self._scoped_object_or_404(request, object_id)
        form = form_class(request.POST)
        if not form.is_valid():
            messages.error(request, _("The request was not valid; please try again."))
        else:
            try:
                call(order, form.cleaned_data)
            except ApplicationError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, success(order, form.cleaned_data))
        return HttpResponseRedirect(reverse("admin:orders_order_change", args=(order.pk,)))

    def transition_view(self, request, object_id):
        return self._run(
            request,
            object_id,
            OrderTransitionForm,
            lambda order, data: order_transition(
                order=order,
                to_status=data["to_status"],
                actor=request.user,
                tracking_number=data["tracking_number"],
                restock=data["restock"],
                message=data["message"],
            ),
            lambda order, data: (
                _("Order %(number)s is now %(status)s.")
                % {"number": order.number, "status": OrderStatus(data["to_status"]).label}
            ),
        )

    def payment_view(self, request, object_id):
        return self._run(
            request,
            object_id,
            OrderPaymentForm,
            lambda order, data: order_set_payment_status(
                order=order,
                to_status=data["to_status"],
                actor=request.user,
                message=data["message"],
            ),
            lambda order, data: (
                _("Payment of order %(number)s is now %(status)s.")
                % {"number": order.number, "status": PaymentStatus(data["to_status"]).label}
            ),
        )

    def note_view(self, request, object_id):
        return self._run(
            request,
            object_id,
            OrderNoteForm,
            lambda order, data: order_add_note(
                order=order, actor=request.user, message=data["message"]
            ),
            lambda order, data: _("Note added to order %(number)s.") % {"number": order.number},
        )

    # --- bulk actions -------------------------------------------------------------------

    def _bulk(self, request, queryset, to_status=None, payment=None):
        orders = list(queryset.order_by("pk")[: BULK_LIMIT + 1])
        if len(orders) > BULK_LIMIT:
            self.message_user(
                request,
                _("Select at most %(limit)s orders at a time.") % {"limit": BULK_LIMIT},
                messages.ERROR,
            )
            return
        done = []
        for order in orders:
            try:
                if payment:
                    order_set_payment_status(order=order, to_status=payment, actor=request.user)
                else:
                    order_transition(order=order, to_status=to_status, actor=request.user)
            except ApplicationError as error:
                self.message_user(
                    request,
                    _("%(number)s: %(error)s") % {"number": order.number, "error": error.message},
                    messages.WARNING,
                )
            else:
                done.append(order.number)
        if done:
            self.message_user(
                request,
                ngettext(
                    "%(count)d order done: %(numbers)s.",
                    "%(count)d orders done: %(numbers)s.",
                    len(done),
                )
                % {"count": len(done), "numbers": ", ".join(done)},
                messages.SUCCESS,
            )

    @action(description=_("Confirm selected orders"), permissions=["fulfil"])
    def bulk_confirm(self, request, queryset):
        self._bulk(request, queryset, to_status=OrderStatus.CONFIRMED)

    @action(description=_("Ship selected orders"), permissions=["fulfil"])
    def bulk_ship(self, request, queryset):
        self._bulk(request, queryset, to_status=OrderStatus.SHIPPED)

    @action(description=_("Mark selected orders delivered"), permissions=["fulfil"])
    def bulk_deliver(self, request, queryset):
        self._bulk(request, queryset, to_status=OrderStatus.DELIVERED)

    @action(description=_("Cancel selected orders"), permissions=["manage"])
    def bulk_cancel(self, request, queryset):
        self._bulk(request, queryset, to_status=OrderStatus.CANCELLED)

    @action(description=_("Mark selected orders paid"), permissions=["manage"])
    def bulk_mark_paid(self, request, queryset):
        self._bulk(request, queryset, payment=PaymentStatus.PAID)
