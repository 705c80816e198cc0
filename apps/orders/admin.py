import re
from collections.abc import Callable

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.options import ShowFacets
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST
from django_htmx.http import reswap, retarget
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin
from unfold.contrib.filters.admin import ChoicesDropdownFilter, RangeDateFilter
from unfold.decorators import action, display

from apps.core.errors import ApplicationError
from apps.core.l10n import time_tag
from apps.core.money import display_money
from apps.orders import admin_customers  # noqa: F401  (registers the Customers section)
from apps.orders.forms import (
    ORDER_ACTIONS,
    RECORDED_KINDS,
    BulkCancelForm,
    form_errors,
)
from apps.orders.fulfilment import order_deliver_shipments, shipment_create
from apps.orders.models import (
    Order,
    OrderLine,
    PaymentKind,
    ReturnDecision,
    ReturnReason,
    ReturnStatus,
)
from apps.orders.payments import payment_record
from apps.orders.selectors import ORDER_PAGE_PREFETCHES, allowed_transitions, order_work
from apps.orders.services import ADDRESS_FIELDS, order_transition
from apps.orders.statuses import FulfilmentStatus, PaymentStatus
from apps.orders.transitions import ALLOCATING_STATUSES, OrderStatus
from apps.stores.admin_mixins import EstimatedCountPaginator, StoreScopedAdminMixin
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
# The timeline's from → to values: order, fulfilment, payment and return states.
VALUE_LABELS = {
    **dict(ReturnStatus.choices),
    **dict(PaymentStatus.choices),
    **dict(FulfilmentStatus.choices),
    **dict(OrderStatus.choices),
}
# What the order page offers, by the capability each needs in the order's store.
PAGE_CAPABILITIES = {
    "fulfil": Capability.FULFIL_ORDERS,
    "manage": Capability.MANAGE_ORDERS,
    "edit": Capability.EDIT_ORDERS,
    "pay": Capability.RECORD_PAYMENTS,
    "refund": Capability.REFUND,
    "write_off": Capability.WRITE_OFF,
}
ADDRESS_LABELS = {
    "name": gettext_lazy("Name"),
    "line1": gettext_lazy("Address"),
    "line2": gettext_lazy("Address (line 2)"),
    "city": gettext_lazy("City"),
    "postal_code": gettext_lazy("Postal code"),
    "region": gettext_lazy("Region"),
    "country": gettext_lazy("Country (2 letters)"),
}
OPTIONAL_ADDRESS_FIELDS = ("line2", "region")
# A bulk action runs each order through the service in its own transaction; a cap keeps
# one request from locking thousands of rows after a "select all".
BULK_LIMIT = 500
PAGE_TEMPLATE = "admin/orders/order/page.html"


@admin.register(Order)
class OrderAdmin(StoreScopedAdminMixin, SimpleHistoryAdmin, ModelAdmin):
    """Orders are never edited as a form: everything changes through the order services, from
    the order page's forms (apps/orders/forms.py) and the bulk actions."""

    change_capability = None
    list_display = (
        "number_display",
        "placed",
        "store",
        "customer_display",
        "status_label",
        "fulfilment_label",
        "payment_label",
        "total_display",
    )
    list_display_links = ("number_display",)
    list_select_related = ("store", "customer")
    list_filter = (
        ("status", ChoicesDropdownFilter),
        ("fulfilment_status", ChoicesDropdownFilter),
        ("payment_status", ChoicesDropdownFilter),
        ("placed_at", RangeDateFilter),
    )
    list_filter_submit = True
    search_fields = ("number", "email", "lines__sku")
    search_help_text = gettext_lazy("An order number, a customer's email or a SKU.")
    list_before_template = "transfer/changelist_links.html"
    ordering = ("-placed_at", "-id")
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = ShowFacets.NEVER
    # unfold renders the table headers again for every row: page size is the main cost.
    list_per_page = 25
    actions = ("bulk_confirm", "bulk_ship", "bulk_deliver", "bulk_cancel", "bulk_mark_paid")
    # What the history pages show of a past version; the order page is drawn by change_view.
    fields = (
        "number",
        "status",
        "fulfilment_status",
        "payment_status",
        "email",
        "phone",
        "shipping_address",
        "subtotal",
        "shipping_total",
        "total",
    )
    readonly_fields = fields

    # Identifiers and amounts never wrap (whitespace-nowrap, tabular-nums: unfold's and
    # static/nexus/admin.css's utilities).
    @display(description=gettext_lazy("number"), ordering="number")
    def number_display(self, obj):
        return format_html('<span class="whitespace-nowrap">{}</span>', obj.number)

    @display(description=gettext_lazy("placed"), ordering="placed_at")
    def placed(self, obj):
        return time_tag(obj.placed_at, relative=True)

    @display(description=gettext_lazy("customer"), header=True)
    def customer_display(self, obj):
        # The e-mail is the order's own (what was confirmed to), not the account's, which
        # may have changed since; the name comes from the account when there still is one.
        name = _customer_name(obj)
        return (name, obj.email) if name else (obj.email, "")

    @display(description=gettext_lazy("status"), ordering="status", label=STATUS_LABELS)
    def status_label(self, obj):
        return obj.status, obj.get_status_display()

    @display(
        description=gettext_lazy("fulfilment"),
        ordering="fulfilment_status",
        label=FULFILMENT_LABELS,
    )
    def fulfilment_label(self, obj):
        return obj.fulfilment_status, obj.get_fulfilment_status_display()

    @display(description=gettext_lazy("payment"), ordering="payment_status", label=PAYMENT_LABELS)
    def payment_label(self, obj):
        return obj.payment_status, obj.get_payment_status_display()

    @display(description=gettext_lazy("total"), ordering="total")
    def total_display(self, obj):
        return format_html(
            '<span class="tabular-nums whitespace-nowrap">{}</span>',
            display_money(obj.total, obj.currency),
        )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("store", "customer")

    def get_list_display(self, request):
        store_ids = store_ids_for(request.user)
        if store_ids is not None and len(store_ids) == 1:
            return tuple(f for f in self.list_display if f != "store")
        return self.list_display

    def has_fulfil_permission(self, request):
        return user_can_anywhere(request.user, Capability.FULFIL_ORDERS)

    def has_manage_permission(self, request):
        return user_can_anywhere(request.user, Capability.MANAGE_ORDERS)

    def has_record_payments_permission(self, request):
        return user_can_anywhere(request.user, Capability.RECORD_PAYMENTS)

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
        """The order page (templates/admin/orders/order/page.html), not a model form: each
        action posts to its own address (action_view)."""
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        order = self._page_order(request, object_id)
        return TemplateResponse(request, PAGE_TEMPLATE, self.page_context(request, order))

    def _page_order(self, request, object_id) -> Order:
        """The order, if it is in the user's stores (the store switcher's choice included),
        with every record the page draws: a fixed number of queries."""
        order = self._scoped_object_or_404(request, object_id)
        prefetch_related_objects([order], *ORDER_PAGE_PREFETCHES)
        return order

    def page_context(self, request, order: Order) -> dict:
        user = request.user
        can = {name: user_can(user, order.store_id, cap) for name, cap in PAGE_CAPABILITIES.items()}
        work = order_work(order)
        balance = work.totals.balance
        unpaid = order.status != OrderStatus.CANCELLED and not work.totals.covered
        transitions = allowed_transitions(order=order, user=user)
        editable = can["edit"] and order.status in ALLOCATING_STATUSES
        request.current_app = self.admin_site.name
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": order,
            "order": order,
            "title": _("Order %(number)s") % {"number": order.number},
            "show_history": True,
            "customer_name": _customer_name(order),
            "can": can,
            "work": work,
            "totals": work.totals,
            "due": max(balance, 0),
            "to_refund": max(-balance, 0),
            "forward": [t for t in transitions if not t.destructive],
            "destructive": [t for t in transitions if t.destructive],
            "may_act": any(can.values()),
            "unpaid": unpaid,
            "unpaid_refused": unpaid and not order.store.ship_unpaid_orders,
            "editable": editable,
            "address_editable": editable and not any(line.quantity_shipped for line in work.lines),
            "address_fields": [
                (name, ADDRESS_LABELS[name], (order.shipping_address or {}).get(name, ""))
                for name in ADDRESS_FIELDS
            ],
            "optional_address_fields": OPTIONAL_ADDRESS_FIELDS,
            "return_reasons": ReturnReason.choices,
            "decisions": ReturnDecision.choices,
            "payment_kinds": [(kind.value, kind.label) for kind in RECORDED_KINDS],
            "events": [
                (event, VALUE_LABELS.get(event.from_value), VALUE_LABELS.get(event.to_value))
                for event in order.events.all()
            ],
        }

    def get_urls(self):
        return [
            path(
                "<path:object_id>/act/<slug:name>/",
                self.admin_site.admin_view(require_POST(self.action_view)),
                name="orders_order_act",
            ),
            *super().get_urls(),
        ]

    def action_view(self, request, object_id, name):
        """One of the order page's forms (apps/orders/forms.py ORDER_ACTIONS): for htmx the
        order's body drawn again with the message; without JavaScript, back to the page."""
        form_class = ORDER_ACTIONS.get(name)
        if form_class is None:
            raise Http404(_("Not found."))
        order = self._scoped_object_or_404(request, object_id)
        form = form_class(request.POST, order=order, actor=request.user)
        status = 200
        if not form.is_valid():
            messages.error(request, form_errors(form))
            status = 400
        else:
            try:
                messages.success(request, form.perform())
            except ApplicationError as error:
                messages.error(request, error.message)
                status = error.status_code
        if not request.htmx:
            return HttpResponseRedirect(reverse("admin:orders_order_change", args=(order.pk,)))
        fresh = self._page_order(request, order.pk)
        context = {**self.page_context(request, fresh), "oob": True}
        response = TemplateResponse(request, f"{PAGE_TEMPLATE}#body", context, status=status)
        if status >= 400:
            # static/nexus/backoffice.js lets htmx swap a 4xx answer that says where it goes.
            retarget(response, "#order-body")
            reswap(response, "outerHTML")
        return response

    # --- bulk actions -------------------------------------------------------------------

    def _selected(self, request, queryset) -> list[Order] | None:
        orders = list(queryset.order_by("pk")[: BULK_LIMIT + 1])
        if len(orders) <= BULK_LIMIT:
            return orders
        self.message_user(
            request,
            _("Select at most %(limit)s orders at a time.") % {"limit": BULK_LIMIT},
            messages.ERROR,
        )
        return None

    def _bulk(self, request, queryset, act: Callable[[Order], object]):
        orders = self._selected(request, queryset)
        if orders is None:
            return
        done = []
        for order in orders:
            try:
                act(order)
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

    @action(description=gettext_lazy("Confirm selected orders"), permissions=["fulfil"])
    def bulk_confirm(self, request, queryset):
        self._bulk(
            request,
            queryset,
            lambda order: order_transition(
                order=order, to_status=OrderStatus.CONFIRMED, actor=request.user
            ),
        )

    @action(description=gettext_lazy("Ship everything left"), permissions=["fulfil"])
    def bulk_ship(self, request, queryset):
        self._bulk(
            request,
            queryset,
            lambda order: shipment_create(order=order, lines=None, actor=request.user),
        )

    @action(description=gettext_lazy("Mark shipments delivered"), permissions=["fulfil"])
    def bulk_deliver(self, request, queryset):
        self._bulk(
            request,
            queryset,
            lambda order: order_deliver_shipments(order=order, actor=request.user),
        )

    @action(description=gettext_lazy("Cancel selected orders…"), permissions=["manage"])
    def bulk_cancel(self, request, queryset):
        """Asks for a reason on a page of its own first (as Django's delete asks), then
        cancels each order with it."""
        form = BulkCancelForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            reason = form.cleaned_data["reason"]
            self._bulk(
                request,
                queryset,
                lambda order: order_transition(
                    order=order, to_status=OrderStatus.CANCELLED, actor=request.user, message=reason
                ),
            )
            return None
        orders = self._selected(request, queryset)
        if orders is None:
            return None
        request.current_app = self.admin_site.name
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Cancel orders"),
            "orders": orders,
            "form": form,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/orders/order/bulk_cancel.html", context)

    @action(description=gettext_lazy("Mark selected orders paid"), permissions=["record_payments"])
    def bulk_mark_paid(self, request, queryset):
        self._bulk(
            request,
            queryset,
            lambda order: payment_record(order=order, kind=PaymentKind.CAPTURE, actor=request.user),
        )


def _customer_name(order: Order) -> str:
    customer = order.customer
    return f"{customer.first_name} {customer.last_name}".strip() if customer else ""
