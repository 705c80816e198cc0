"""The fulfilment queue: the open work of the user's stores, worked row by row with HTMX.

Open work is an order waiting for confirmation, or confirmed with units still to ship. One
view on the back-office list base (apps/stores/backoffice.py), one template
(templates/orders/queue.html): GET lists, POST acts on one order through the same forms as
the order page (apps/orders/forms.py), which call the order services.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import ClassVar

from django.contrib import admin
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_htmx.http import trigger_client_event

from apps.core.errors import ApplicationError, PermissionDenied
from apps.dashboard.selectors import pending_order_count
from apps.orders.forms import ShipForm, TransitionForm, form_errors
from apps.orders.models import Order, OrderLine
from apps.orders.selectors import (
    allowed_transitions,
    order_list_for_staff,
    prefetched_payment_totals,
)
from apps.orders.statuses import FulfilmentStatus
from apps.orders.transitions import OrderStatus
from apps.stores.backoffice import BackofficeListView, PageFilters, id_from_query
from apps.stores.roles import Capability
from apps.stores.scoping import user_can

PAGE_SIZE = 25
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
TO_SHIP = (FulfilmentStatus.UNFULFILLED, FulfilmentStatus.PARTIALLY_SHIPPED)
# The queue's tabs: each a slice of the open work, by the indexed status columns.
WORK = {
    "pending": Q(status=OrderStatus.PENDING),
    "to_ship": Q(status=OrderStatus.CONFIRMED, fulfilment_status=FulfilmentStatus.UNFULFILLED),
    "partially_shipped": Q(
        status=OrderStatus.CONFIRMED, fulfilment_status=FulfilmentStatus.PARTIALLY_SHIPPED
    ),
}
WORK_LABELS = {
    "pending": gettext_lazy("Pending"),
    "to_ship": gettext_lazy("To ship"),
    "partially_shipped": gettext_lazy("Partially shipped"),
}
OPEN_WORK = WORK["pending"] | Q(status=OrderStatus.CONFIRMED, fulfilment_status__in=TO_SHIP)
ROW_ACTIONS = {"transition": TransitionForm, "ship": ShipForm}


@dataclass(frozen=True)
class QueueFilters(PageFilters):
    status: str = ""

    choices: ClassVar = {"status": tuple(WORK)}


def _work_of(order_status: str, fulfilment_status: str) -> str | None:
    """The tab an order's two statuses put it in (None: not open work)."""
    if order_status == OrderStatus.PENDING:
        return "pending"
    if order_status != OrderStatus.CONFIRMED:
        return None
    return {
        FulfilmentStatus.UNFULFILLED: "to_ship",
        FulfilmentStatus.PARTIALLY_SHIPPED: "partially_shipped",
    }.get(fulfilment_status)


def _encode_cursor(order: Order) -> str:
    micros = (order.placed_at - _EPOCH) // timedelta(microseconds=1)
    return f"{micros}.{order.pk}"


def _decode_cursor(raw: str) -> tuple[datetime, int] | None:
    micros, _sep, raw_pk = raw.partition(".")
    pk = id_from_query(raw_pk)
    if pk is None or not micros.isdigit():
        return None
    try:
        return _EPOCH + timedelta(microseconds=int(micros)), pk
    except OverflowError:
        return None


def _search(orders, q: str):
    if not q:
        return orders
    # Exact SKU (as typed or upper-cased) so the line index is used; numbers (upper case by
    # the store prefix rule) and e-mails (stored lower case) match on their beginning.
    sku_lines = OrderLine.objects.filter(order=OuterRef("pk"), sku__in={q, q.upper()})
    match = Q(number__startswith=q.upper()) | Q(email__startswith=q.lower()) | Exists(sku_lines)
    if q.isdigit():
        match |= Q(number__endswith=f"-{q}")
    return orders.filter(match)


def _lines_prefetch() -> Prefetch:
    return Prefetch("lines", queryset=OrderLine.objects.order_by("pk"))


class OrderQueueView(BackofficeListView):
    title = gettext_lazy("Fulfilment queue")
    template_name = "orders/queue.html"
    filters_class = QueueFilters
    page_url_name = "orders-queue"
    row_url_name = "orders-queue-action"
    # The row and the header counters it changed (out of band).
    row_fragment = "changed_row"
    row_prefix = "order"

    def get_scoped_queryset(self):
        return order_list_for_staff(user=self.request.user)

    def _open_orders(self):
        return self.get_queryset().filter(WORK.get(self.filters.status, OPEN_WORK))

    def _with_rows(self, orders):
        """What each row draws: its lines, and its payments for the unpaid warning."""
        return orders.prefetch_related(_lines_prefetch(), "payments")

    def get_rows(self, cursor):
        """One page, newest first, keyset-paged: no COUNT and no OFFSET however many orders."""
        q = self.filters.q
        orders = _search(self._open_orders(), q)
        position = _decode_cursor(cursor) if cursor else None
        if position is not None:
            placed_at, pk = position
            orders = orders.filter(Q(placed_at__lt=placed_at) | Q(placed_at=placed_at, pk__lt=pk))
        newest_first = ("-placed_at", "-pk")
        if q:
            # Same order, but as an expression the date index cannot serve: PostgreSQL then
            # starts from the (store, status) index and sorts the few open matches, instead of
            # walking every order of the store by date in search of them (≈85 ms instead of
            # ≈300 ms for a rare term at a million orders).
            newest_first = (Coalesce("placed_at", "created_at").desc(), "-pk")
        page = list(self._with_rows(orders.order_by(*newest_first))[: PAGE_SIZE + 1])
        next_cursor = _encode_cursor(page[PAGE_SIZE - 1]) if len(page) > PAGE_SIZE else None
        return [self.get_row_context(order) for order in page[:PAGE_SIZE]], next_cursor

    def get_row_context(self, obj, **extra):
        user = self.request.user
        transitions = allowed_transitions(order=obj, user=user)
        unpaid = obj.status != OrderStatus.CANCELLED and not prefetched_payment_totals(obj).covered
        unshipped = [line for line in obj.lines.all() if line.quantity_unshipped]
        return {
            "order": obj,
            # What the row offers; "work", so that a row drawn alone reads it by the same name.
            "work": {
                "forward": [t for t in transitions if not t.destructive],
                "destructive": [t for t in transitions if t.destructive],
                "unshipped": unshipped,
                "can_ship": bool(unshipped)
                and obj.status == OrderStatus.CONFIRMED
                and user_can(user, obj.store_id, Capability.FULFIL_ORDERS),
                "unpaid": unpaid,
                "unpaid_refused": unpaid and not obj.store.ship_unpaid_orders,
                "can_override": user_can(user, obj.store_id, Capability.MANAGE_ORDERS),
            },
            **extra,
        }

    def get_summary_context(self):
        """Open work per tab, whatever the tab shown (index scans over open orders only,
        never the whole table)."""
        per_state = (
            self.get_queryset()
            .filter(OPEN_WORK)
            .order_by()
            .values("status", "fulfilment_status")
            # COUNT(*), not COUNT(id): the indexes alone answer it.
            .annotate(n=Count("*"))
            .values_list("status", "fulfilment_status", "n")
        )
        counts = dict.fromkeys(WORK, 0)
        for status, fulfilment, n in per_state:
            key = _work_of(status, fulfilment)
            if key:
                counts[key] += n
        counts["all"] = sum(counts.values())
        tabs = [{"value": "", "label": _("All open"), "count": counts["all"], "key": "all"}]
        tabs += [
            {"value": key, "label": WORK_LABELS[key], "count": counts[key], "key": key}
            for key in WORK
        ]
        return {"counts": counts, "tabs": tabs, "oob": self.answers_fragment}

    def post(self, request, *args, **kwargs):
        """Confirm, cancel (with a reason) or ship (all or some units) one order; answer
        with its new row, or the refusal in place."""
        order = self.get_object()
        form_class = ROW_ACTIONS.get(request.POST.get("action", ""))
        if form_class is None:
            return self._answer(order, error=_("Unknown action."), status=400)
        form = form_class(request.POST, order=order, actor=request.user)
        if not form.is_valid():
            return self._answer(order, error=form_errors(form), status=400)
        try:
            done = form.perform()
        except PermissionDenied:
            # The message is ours: a refusal by role reads the same on every row.
            refused = _("Your role in this store does not allow this action.")
            return self._answer(order, error=refused, status=403)
        except ApplicationError as error:
            return self._answer(order, error=error.message, status=error.status_code)
        return self._answer(order, done=done)

    def _answer(self, order: Order, *, error: str = "", done: str = "", status: int = 200):
        if not self.answers_fragment:
            return self.back_to_list(error or done, status=status)
        fresh = get_object_or_404(self._with_rows(self.get_scoped_queryset()), pk=order.pk)
        context = {
            **self.get_row_context(fresh, error=error, done=done),
            **self.get_summary_context(),
        }
        response = self.row_response(fresh, context, status=status)
        trigger_client_event(
            response,
            "nexus:pending-count",
            # The same figure the sidebar badge shows (it follows the store switcher).
            {"value": pending_order_count(user=self.request.user, request=self.request)},
        )
        trigger_client_event(
            response, "nexus:focus", {"selector": f"#{self.row_id(order)}"}, after="settle"
        )
        return response


urlpatterns = OrderQueueView.urlpatterns(admin.site.get_model_admin(Order))
