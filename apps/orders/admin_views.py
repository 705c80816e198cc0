"""The fulfilment queue: the open orders of the user's stores, worked row by row with HTMX.

One view on the back-office list base (apps/stores/backoffice.py), one template
(templates/orders/queue.html): GET lists, POST moves one order on. Reads go through the order
selectors (which scope to the user's stores), writes through `order_transition`.
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
from apps.orders.models import Order, OrderLine
from apps.orders.selectors import allowed_transitions, order_list_for_staff
from apps.orders.services import order_transition
from apps.orders.transitions import ALLOCATING_STATUSES as OPEN_STATUSES
from apps.orders.transitions import OrderStatus
from apps.stores.backoffice import BackofficeListView, PageFilters, id_from_query

PAGE_SIZE = 25
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
BACKWARD = (OrderStatus.CANCELLED,)


@dataclass(frozen=True)
class QueueFilters(PageFilters):
    status: str = ""

    choices: ClassVar = {"status": OPEN_STATUSES}


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
        status = self.filters.status
        return self.get_queryset().filter(status__in=[status] if status else OPEN_STATUSES)

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
        page = list(
            orders.order_by(*newest_first).prefetch_related(_lines_prefetch())[: PAGE_SIZE + 1]
        )
        next_cursor = _encode_cursor(page[PAGE_SIZE - 1]) if len(page) > PAGE_SIZE else None
        return [self.get_row_context(order) for order in page[:PAGE_SIZE]], next_cursor

    def get_row_context(self, obj, **extra):
        transitions = allowed_transitions(order=obj, user=self.request.user)
        return {
            "order": obj,
            # Moving the order on comes first; undoing it (cancel, return) sits at the end.
            "transitions": sorted(transitions, key=lambda t: t.target in BACKWARD),
            **extra,
        }

    def get_summary_context(self):
        """Open orders per status, whatever the status tab (an index scan over open orders
        only, never the whole table)."""
        per_status = dict(
            self.get_queryset()
            .filter(status__in=OPEN_STATUSES)
            .order_by()
            .values("status")
            # COUNT(*), not COUNT(id): the (store, status, placed_at) index alone answers it.
            .annotate(n=Count("*"))
            .values_list("status", "n")
        )
        counts = {status: per_status.get(status, 0) for status in OPEN_STATUSES}
        counts["all"] = sum(counts.values())
        tabs = [{"value": "", "label": _("All open"), "count": counts["all"], "key": "all"}]
        tabs += [
            {"value": s, "label": OrderStatus(s).label, "count": counts[s], "key": s}
            for s in OPEN_STATUSES
        ]
        return {"counts": counts, "tabs": tabs, "oob": self.answers_fragment}

    def post(self, request, *args, **kwargs):
        """Move one order along the lifecycle; answer with its new row, or the error in place."""
        order = self.get_object()
        try:
            order_transition(
                order=order,
                to_status=request.POST.get("to", ""),
                actor=request.user,
                tracking_number=request.POST.get("tracking_number", ""),
                restock=request.POST.get("restock") == "on",
            )
        except PermissionDenied:
            # The service checks the role against the transition table; the message is ours
            # because the service's is not translated.
            refused = _("Your role in this store does not allow this action.")
            return self._answer(order, error=refused, status=403)
        except ApplicationError as error:
            return self._answer(order, error=error.message, status=error.status_code)
        return self._answer(order)

    def _answer(self, order: Order, *, error: str = "", status: int = 200):
        if not self.answers_fragment:
            done = _("Order %(number)s is now %(status)s.") % {
                "number": order.number,
                "status": order.get_status_display().lower(),
            }
            return self.back_to_list(error or done, status=status)
        fresh = get_object_or_404(
            self.get_scoped_queryset().prefetch_related(_lines_prefetch()), pk=order.pk
        )
        context = {**self.get_row_context(fresh, error=error), **self.get_summary_context()}
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
