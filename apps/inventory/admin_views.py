"""The stock desk: find a SKU (typed or scanned), see its figures and last movements, record a
delivery, a correction, damage or a count, all in one row.

One view on the back-office list base (apps/stores/backoffice.py), one template
(templates/inventory/desk.html): GET finds, POST records one change. Reads go through the
inventory selectors (scoped to the user's stores), writes through `stock_adjust`.
"""

from dataclasses import dataclass
from typing import ClassVar

from django.contrib import admin
from django.db.models import Prefetch, Q, prefetch_related_objects
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_htmx.http import trigger_client_event

from apps.core.errors import ApplicationError
from apps.inventory.forms import StockMovementByReasonForm
from apps.inventory.models import Stock
from apps.inventory.selectors import (
    movement_list_for_staff,
    stock_filter_level,
    stock_level,
    stock_list_for_staff,
)
from apps.inventory.services import stock_adjust
from apps.stores.backoffice import BackofficeListView, PageFilters, id_from_query
from apps.stores.roles import Capability
from apps.stores.scoping import user_can

PAGE_SIZE = 25
RECENT_MOVEMENTS = 5
EXACT_LIMIT = 10
LEVELS = (
    ("", gettext_lazy("All")),
    ("low", gettext_lazy("Low stock")),
    ("out", gettext_lazy("Out of stock")),
)


@dataclass(frozen=True)
class DeskFilters(PageFilters):
    level: str = ""

    search_length: ClassVar = 64
    choices: ClassVar = {"level": dict(LEVELS)}


def _with_movements(stocks: list[Stock], user) -> list[Stock]:
    recent = movement_list_for_staff(user=user).select_related(None).select_related("actor")
    prefetch_related_objects(
        stocks,
        Prefetch(
            "movements",
            queryset=recent.order_by("-created_at", "-pk")[:RECENT_MOVEMENTS],
            to_attr="recent_movements",
        ),
    )
    return stocks


class StockDeskView(BackofficeListView):
    title = gettext_lazy("Stock desk")
    template_name = "inventory/desk.html"
    filters_class = DeskFilters
    page_url_name = "inventory-desk"
    row_url_name = "inventory-desk-adjust"
    cursor_param = "after"
    row_prefix = "stock"

    def get_scoped_queryset(self):
        return stock_list_for_staff(user=self.request.user)

    def _exact(self) -> list[Stock]:
        """What a scanner means: the SKU (as typed or upper-cased) or the barcode, exactly."""
        q = self.filters.q
        if not q:
            return []
        match = Q(variant__sku__in={q, q.upper()}) | Q(variant__barcode=q)
        return list(self.get_queryset().filter(match).order_by("variant__sku", "pk")[:EXACT_LIMIT])

    def _others(self, exclude: list[int], after: str) -> tuple[list[Stock], str | None]:
        """The other matches, by SKU, keyset-paged on (SKU, id): no COUNT, no OFFSET."""
        stocks = stock_filter_level(self.get_queryset(), self.filters.level)
        if q := self.filters.q:
            stocks = stocks.filter(
                Q(variant__sku__icontains=q)
                | Q(variant__barcode__startswith=q)
                | Q(variant__product__title__icontains=q)
                | Q(variant__title__icontains=q)
            )
        if exclude:
            stocks = stocks.exclude(pk__in=exclude)
        sku, _sep, raw_pk = after.rpartition("~")
        pk = id_from_query(raw_pk)
        if pk is not None:
            stocks = stocks.filter(Q(variant__sku__gt=sku) | Q(variant__sku=sku, pk__gt=pk))
        rows = list(stocks.order_by("variant__sku", "pk")[: PAGE_SIZE + 1])
        more = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
        return rows, (f"{rows[-1].variant.sku}~{rows[-1].pk}" if more else None)

    def get_rows(self, cursor):
        exact = [] if cursor else self._exact()
        others, next_cursor = self._others([s.pk for s in exact], cursor)
        _with_movements(exact + others, self.request.user)
        # One exact hit is what a scan looks like: its quantity field takes the focus.
        focus_pk = exact[0].pk if len(exact) == 1 else None
        rows = [self.get_row_context(s, exact=True, autofocus=s.pk == focus_pk) for s in exact]
        return rows + [self.get_row_context(s) for s in others], next_cursor

    def get_row_context(self, obj, **extra):
        return {
            "stock": obj,
            "level": stock_level(obj),
            "can_adjust": user_can(self.request.user, obj.store_id, Capability.ADJUST_STOCK),
            **extra,
        }

    def get_page_context(self):
        return {
            **super().get_page_context(),
            "levels": LEVELS,
            "reasons": StockMovementByReasonForm.base_fields["reason"].choices,
        }

    def post(self, request, *args, **kwargs):
        """Record one change for one stock row; answer with the row's new figures and ledger."""
        stock = self.get_object()
        form = StockMovementByReasonForm(request.POST)
        if not form.is_valid():
            error = " ".join(message for errors in form.errors.values() for message in errors)
            return self._answer(stock, error=error, status=400, form=form)
        try:
            stock_adjust(variant=stock.variant, actor=request.user, **form.service_arguments())
        except ApplicationError as exc:
            return self._answer(stock, error=exc.message, status=exc.status_code, form=form)
        fresh = self.get_object()
        done = _("Recorded. %(sku)s: %(on_hand)s on hand, %(available)s available.") % {
            "sku": fresh.variant.sku,
            "on_hand": fresh.on_hand,
            "available": fresh.available_units,
        }
        return self._answer(fresh, done=done)

    def _answer(self, stock: Stock, *, error="", done="", status=200, form=None):
        if not self.answers_fragment:
            message = f"{stock.variant.sku}: {error}" if error else done
            return self.back_to_list(message, status=status)
        _with_movements([stock], self.request.user)
        values = form.data if form else {}
        context = self.get_row_context(stock, error=error, done=done, values=values)
        response = self.row_response(stock, context, status=status)
        if status >= 400:
            focus = {"selector": f"#{self.row_id(stock)}-quantity", "select": True}
        else:
            # Recorded: back to the search field, ready for the next scan.
            focus = {"selector": "#desk-q", "select": True}
        trigger_client_event(response, "nexus:focus", focus, after="settle")
        return response


urlpatterns = StockDeskView.urlpatterns(admin.site.get_model_admin(Stock))
