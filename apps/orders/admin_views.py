"""The fulfilment queue: the open orders of the user's stores, worked row by row with HTMX.

One page (`order_queue`) and one row action (`order_queue_action`), both rendered from
templates/orders/queue.html; an htmx request gets the fragment it needs (a partial), any
other request the full page or a redirect, so every link and form also works without JS.
Reads go through the order selectors (which scope to the user's stores), writes through
`order_transition`.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.contrib import admin, messages
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.db.models.functions import Coalesce
from django.http import HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import push_url, reswap, retarget, trigger_client_event

from apps.core.errors import ApplicationError, PermissionDenied
from apps.dashboard.selectors import pending_order_count
from apps.orders.models import Order, OrderLine
from apps.orders.selectors import allowed_transitions, order_list_for_staff
from apps.orders.services import order_transition
from apps.orders.transitions import OPEN_STATUSES, OrderStatus
from apps.stores.scoping import stores_for

PAGE_SIZE = 25
TEMPLATE = "orders/queue.html"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
BACKWARD = (OrderStatus.CANCELLED, OrderStatus.RETURNED)


@dataclass(frozen=True)
class QueueFilters:
    q: str
    status: str
    store_id: int | None

    @classmethod
    def from_query(cls, query: QueryDict) -> "QueueFilters":
        status = query.get("status", "")
        store = query.get("store", "")
        return cls(
            q=query.get("q", "").strip()[:100],
            status=status if status in OPEN_STATUSES else "",
            store_id=int(store) if store.isdigit() else None,
        )

    def querystring(self) -> str:
        query = QueryDict(mutable=True)
        for key, value in (("q", self.q), ("status", self.status), ("store", self.store_id)):
            if value:
                query[key] = value
        return query.urlencode()


def _encode_cursor(order: Order) -> str:
    micros = (order.placed_at - _EPOCH) // timedelta(microseconds=1)
    return f"{micros}.{order.pk}"


def _decode_cursor(raw: str) -> tuple[datetime, int] | None:
    micros, _sep, pk = raw.partition(".")
    if not (micros.isdigit() and pk.isdigit()):
        return None
    return _EPOCH + timedelta(microseconds=int(micros)), int(pk)


def _open_orders(user, filters: QueueFilters):
    orders = order_list_for_staff(user=user)
    if filters.store_id is not None:
        orders = orders.filter(store_id=filters.store_id)
    return orders.filter(status__in=[filters.status] if filters.status else OPEN_STATUSES)


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


def _page(user, filters: QueueFilters, cursor: str) -> tuple[list[Order], str | None]:
    """One page, newest first, keyset-paged: no COUNT and no OFFSET however many orders."""
    orders = _search(_open_orders(user, filters), filters.q)
    position = _decode_cursor(cursor) if cursor else None
    if position is not None:
        placed_at, pk = position
        orders = orders.filter(Q(placed_at__lt=placed_at) | Q(placed_at=placed_at, pk__lt=pk))
    newest_first = ("-placed_at", "-pk")
    if filters.q:
        # Same order, but as an expression the date index cannot serve: PostgreSQL then starts
        # from the (store, status) index and sorts the few open matches, instead of walking
        # every order of the store by date in search of them (≈85 ms instead of ≈300 ms for a
        # rare term at a million orders).
        newest_first = (Coalesce("placed_at", "created_at").desc(), "-pk")
    rows = list(orders.order_by(*newest_first).prefetch_related(_lines_prefetch())[: PAGE_SIZE + 1])
    next_cursor = _encode_cursor(rows[PAGE_SIZE - 1]) if len(rows) > PAGE_SIZE else None
    return rows[:PAGE_SIZE], next_cursor


def _counts(user, store_id: int | None) -> dict[str, int]:
    """Open orders per status (an index scan over open orders only, never the whole table)."""
    filters = QueueFilters(q="", status="", store_id=store_id)
    per_status = dict(
        _open_orders(user, filters)
        .order_by()
        .values("status")
        # COUNT(*), not COUNT(id): the (store, status, placed_at) index alone answers it.
        .annotate(n=Count("*"))
        .values_list("status", "n")
    )
    counts = {status: per_status.get(status, 0) for status in OPEN_STATUSES}
    counts["all"] = sum(counts.values())
    return counts


def _status_tabs(counts: dict[str, int]) -> list[dict]:
    tabs = [{"value": "", "label": _("All open"), "count": counts["all"], "key": "all"}]
    tabs += [
        {"value": s, "label": OrderStatus(s).label, "count": counts[s], "key": s}
        for s in OPEN_STATUSES
    ]
    return tabs


def _row_context(request, order: Order) -> dict:
    transitions = allowed_transitions(order=order, user=request.user)
    return {
        "order": order,
        # Moving the order on comes first; undoing it (cancel, return) sits at the end.
        "transitions": sorted(transitions, key=lambda t: t.target in BACKWARD),
    }


def _base_context(filters: QueueFilters) -> dict:
    return {
        "filters": filters,
        "filter_query": filters.querystring(),
        "order_admin_registered": admin.site.is_registered(Order),
    }


def _rows(request, orders: list[Order]) -> list[dict]:
    return [_row_context(request, order) for order in orders]


def _chrome_context(request) -> dict:
    request.current_app = admin.site.name
    context = admin.site.each_context(request)
    if admin.site.is_registered(Order):
        context["model_admin"] = admin.site.get_model_admin(Order)
    return context


def _vary_on_htmx(response: HttpResponse) -> HttpResponse:
    # The same URL answers with a fragment or a page: caches must keep them apart.
    patch_vary_headers(response, ("HX-Request",))
    return response


@require_GET
def order_queue(request):
    filters = QueueFilters.from_query(request.GET)
    cursor = request.GET.get("cursor", "")
    orders, next_cursor = _page(request.user, filters, cursor)
    context = {
        **_base_context(filters),
        "rows": _rows(request, orders),
        "next_cursor": next_cursor,
        "cursor": cursor,
    }
    fragment = request.htmx and not request.htmx.history_restore_request
    if fragment and cursor:
        return _vary_on_htmx(render(request, f"{TEMPLATE}#page", context))
    counts = _counts(request.user, filters.store_id)
    context.update(
        counts=counts,
        tabs=_status_tabs(counts),
    )
    if fragment:
        response = render(request, f"{TEMPLATE}#results", {**context, "oob": True})
        # The address bar shows the filters in their clean form (no empty parameters).
        push_url(response, _queue_url(filters))
        return _vary_on_htmx(response)
    context.update(
        _chrome_context(request),
        title=_("Fulfilment queue"),
        stores=list(stores_for(request.user).order_by("name")),
    )
    return _vary_on_htmx(render(request, TEMPLATE, context))


def _queue_url(filters: QueueFilters) -> str:
    query = filters.querystring()
    return reverse("orders-queue") + (f"?{query}" if query else "")


def _lines_prefetch() -> Prefetch:
    return Prefetch("lines", queryset=OrderLine.objects.order_by("pk"))


@require_POST
def order_queue_action(request, pk: int):
    """Move one order along the lifecycle; answer with its new row, or the error in place."""
    user = request.user
    order = get_object_or_404(order_list_for_staff(user=user), pk=pk)
    filters = QueueFilters.from_query(QueryDict(request.POST.get("filters", "")))
    try:
        order_transition(
            order=order,
            to_status=request.POST.get("to", ""),
            actor=user,
            tracking_number=request.POST.get("tracking_number", ""),
            restock=request.POST.get("restock") == "on",
        )
    except PermissionDenied:
        # The service checks the role against the transition table; the message is ours
        # because the service's is not translated.
        refused = _("Your role in this store does not allow this action.")
        return _row_response(request, order, filters, error=refused, status=403)
    except ApplicationError as error:
        return _row_response(request, order, filters, error=error.message, status=error.status_code)
    return _row_response(request, order, filters)


def _row_response(request, order: Order, filters: QueueFilters, *, error="", status=200):
    """The order's fresh row plus the header counters (out of band) for htmx; for a plain
    form post a redirect back to the queue with a message (or a bare 403)."""
    if not request.htmx:
        if status == 403:
            return HttpResponse(error, status=403, content_type="text/plain; charset=utf-8")
        if error:
            messages.error(request, error)
        else:
            messages.success(
                request,
                _("Order %(number)s is now %(status)s.")
                % {"number": order.number, "status": order.get_status_display().lower()},
            )
        return HttpResponseRedirect(_queue_url(filters))

    user = request.user
    fresh = get_object_or_404(
        order_list_for_staff(user=user).prefetch_related(_lines_prefetch()), pk=order.pk
    )
    counts = _counts(user, filters.store_id)
    context = {
        **_base_context(filters),
        **_row_context(request, fresh),
        "error": error,
        "counts": counts,
        "tabs": _status_tabs(counts),
        "oob": True,
    }
    body = render_to_string(f"{TEMPLATE}#row", context, request) + render_to_string(
        f"{TEMPLATE}#counts", context, request
    )
    response = HttpResponse(body, status=status)
    if status >= 400:
        # htmx leaves 4xx answers alone unless told where they go (static/nexus/backoffice.js).
        retarget(response, f"#order-{order.pk}")
        reswap(response, "outerHTML")
    trigger_client_event(
        response,
        "nexus:pending-count",
        # The same figure the sidebar badge shows (it follows the dashboard's store switcher).
        {"value": pending_order_count(user=user, request=request)},
    )
    trigger_client_event(
        response, "nexus:focus", {"selector": f"#order-{order.pk}"}, after="settle"
    )
    return response


urlpatterns = [
    path("", admin.site.admin_view(order_queue), name="orders-queue"),
    path("<int:pk>/", admin.site.admin_view(order_queue_action), name="orders-queue-action"),
]
