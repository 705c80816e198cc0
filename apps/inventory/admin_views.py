"""The stock desk: find a SKU (typed or scanned), see its figures and last movements, record a
delivery, a correction, damage or a count, all in one row.

One page (`stock_desk`) and one row action (`stock_desk_adjust`), both rendered from
templates/inventory/desk.html; htmx requests get a partial, others the full page or a
redirect. Reads go through the inventory selectors (scoped to the user's stores), writes
through `stock_adjust`.
"""

from dataclasses import dataclass

from django import forms
from django.contrib import admin, messages
from django.db.models import Prefetch, Q, prefetch_related_objects
from django.http import HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import push_url, reswap, retarget, trigger_client_event

from apps.core.errors import ApplicationError
from apps.inventory.models import STAFF_REASONS, MovementReason, Stock
from apps.inventory.selectors import (
    movement_list_for_staff,
    stock_filter_level,
    stock_level,
    stock_list_for_staff,
)
from apps.inventory.services import REMOVING_REASONS, stock_adjust
from apps.stores.roles import Capability
from apps.stores.scoping import stores_for, user_can

PAGE_SIZE = 25
RECENT_MOVEMENTS = 5
EXACT_LIMIT = 10
TEMPLATE = "inventory/desk.html"
LEVELS = (
    ("", gettext_lazy("All")),
    ("low", gettext_lazy("Low stock")),
    ("out", gettext_lazy("Out of stock")),
)


@dataclass(frozen=True)
class DeskFilters:
    q: str
    level: str
    store_id: int | None

    @classmethod
    def from_query(cls, query: QueryDict) -> "DeskFilters":
        level = query.get("level", "")
        store = query.get("store", "")
        return cls(
            q=query.get("q", "").strip()[:64],
            level=level if level in dict(LEVELS) else "",
            store_id=int(store) if store.isdigit() else None,
        )

    def querystring(self) -> str:
        query = QueryDict(mutable=True)
        for key, value in (("q", self.q), ("level", self.level), ("store", self.store_id)):
            if value:
                query[key] = value
        return query.urlencode()


class StockMovementByReasonForm(forms.Form):
    """The desk's entry: how many units and why; the reason says which way they go (a count
    is the figure on the shelf). The stock page's StockChangeOrCountForm takes a signed change
    instead."""

    reason = forms.ChoiceField(
        label=gettext_lazy("Reason"),
        choices=[(reason.value, reason.label) for reason in STAFF_REASONS],
    )
    quantity = forms.IntegerField(
        label=gettext_lazy("Quantity"),
        min_value=-1_000_000,
        max_value=1_000_000,
        error_messages={"required": gettext_lazy("Enter a quantity.")},
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=255, required=False)

    def clean(self):
        cleaned = super().clean()
        reason, quantity = cleaned.get("reason"), cleaned.get("quantity")
        if reason is None or quantity is None:
            return cleaned
        if reason == MovementReason.COUNT:
            if quantity < 0:
                raise forms.ValidationError(_("A count cannot be below zero."))
        elif reason == MovementReason.CORRECTION:
            if quantity == 0:
                raise forms.ValidationError(_("A correction needs a change other than zero."))
        elif quantity <= 0:
            raise forms.ValidationError(
                _("Enter how many units (above zero); the reason says which way they go.")
            )
        return cleaned

    def service_arguments(self) -> dict:
        """The stock_adjust keywords: a count sets the figure, every other reason moves it."""
        reason = self.cleaned_data["reason"]
        quantity = self.cleaned_data["quantity"]
        arguments = {"reason": reason, "note": self.cleaned_data["note"].strip()}
        if reason == MovementReason.COUNT:
            arguments["set_on_hand"] = quantity
        elif reason in REMOVING_REASONS:
            arguments["delta"] = -quantity
        else:
            arguments["delta"] = quantity
        return arguments


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


def _stocks(user, filters: DeskFilters):
    stocks = stock_list_for_staff(user=user)
    if filters.store_id is not None:
        stocks = stocks.filter(store_id=filters.store_id)
    return stocks


def _exact(user, filters: DeskFilters) -> list[Stock]:
    """What a scanner means: the SKU (as typed or upper-cased) or the barcode, exactly."""
    if not filters.q:
        return []
    q = filters.q
    match = Q(variant__sku__in={q, q.upper()}) | Q(variant__barcode=q)
    return list(_stocks(user, filters).filter(match).order_by("variant__sku", "pk")[:EXACT_LIMIT])


def _page(user, filters: DeskFilters, exclude: list[int], after: str):
    """The other matches, by SKU, keyset-paged on (SKU, id): no COUNT, no OFFSET."""
    stocks = stock_filter_level(_stocks(user, filters), filters.level)
    if filters.q:
        q = filters.q
        stocks = stocks.filter(
            Q(variant__sku__icontains=q)
            | Q(variant__barcode__startswith=q)
            | Q(variant__product__title__icontains=q)
            | Q(variant__title__icontains=q)
        )
    if exclude:
        stocks = stocks.exclude(pk__in=exclude)
    sku, _sep, pk = after.rpartition("~")
    if pk.isdigit():
        stocks = stocks.filter(Q(variant__sku__gt=sku) | Q(variant__sku=sku, pk__gt=int(pk)))
    rows = list(stocks.order_by("variant__sku", "pk")[: PAGE_SIZE + 1])
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return rows, (f"{rows[-1].variant.sku}~{rows[-1].pk}" if more else None)


def _desk_url(filters: DeskFilters) -> str:
    query = filters.querystring()
    return reverse("inventory-desk") + (f"?{query}" if query else "")


def _chrome_context(request) -> dict:
    request.current_app = admin.site.name
    context = admin.site.each_context(request)
    if admin.site.is_registered(Stock):
        context["model_admin"] = admin.site.get_model_admin(Stock)
    return context


def _base_context(filters: DeskFilters) -> dict:
    return {
        "filters": filters,
        "filter_query": filters.querystring(),
        "levels": LEVELS,
        "reasons": [(reason.value, reason.label) for reason in STAFF_REASONS],
        "stock_admin_registered": admin.site.is_registered(Stock),
    }


def _row(request, stock: Stock, **extra) -> dict:
    return {
        "stock": stock,
        "level": stock_level(stock),
        "can_adjust": user_can(request.user, stock.store_id, Capability.ADJUST_STOCK),
        **extra,
    }


@require_GET
def stock_desk(request):
    filters = DeskFilters.from_query(request.GET)
    after = request.GET.get("after", "")
    exact = [] if after else _exact(request.user, filters)
    others, next_after = _page(request.user, filters, [s.pk for s in exact], after)
    _with_movements(exact + others, request.user)
    # One exact hit is what a scan looks like: its quantity field takes the focus.
    focus_pk = exact[0].pk if len(exact) == 1 else None
    context = {
        **_base_context(filters),
        "rows": [_row(request, s, exact=True, autofocus=s.pk == focus_pk) for s in exact]
        + [_row(request, s) for s in others],
        "next_after": next_after,
        "after": after,
    }
    fragment = request.htmx and not request.htmx.history_restore_request
    if fragment and after:
        response = render(request, f"{TEMPLATE}#page", context)
    elif fragment:
        response = render(request, f"{TEMPLATE}#results", context)
        # The address bar shows the filters in their clean form (no empty parameters).
        push_url(response, _desk_url(filters))
    else:
        context.update(
            _chrome_context(request),
            title=_("Stock desk"),
            stores=list(stores_for(request.user).order_by("name")),
            full_page=True,
        )
        response = render(request, TEMPLATE, context)
    # The same URL answers with a fragment or a page: caches must keep them apart.
    patch_vary_headers(response, ("HX-Request",))
    return response


@require_POST
def stock_desk_adjust(request, pk: int):
    """Record one change for one stock row; answer with the row's new figures and ledger."""
    user = request.user
    stock = get_object_or_404(stock_list_for_staff(user=user), pk=pk)
    filters = DeskFilters.from_query(QueryDict(request.POST.get("filters", "")))
    form = StockMovementByReasonForm(request.POST)
    if not form.is_valid():
        error = " ".join(message for errors in form.errors.values() for message in errors)
        return _row_response(request, stock, filters, error=error, status=400, form=form)
    try:
        stock_adjust(variant=stock.variant, actor=user, **form.service_arguments())
    except ApplicationError as exc:
        return _row_response(
            request, stock, filters, error=exc.message, status=exc.status_code, form=form
        )
    fresh = get_object_or_404(stock_list_for_staff(user=user), pk=pk)
    done = _("Recorded. %(sku)s: %(on_hand)s on hand, %(available)s available.") % {
        "sku": fresh.variant.sku,
        "on_hand": fresh.on_hand,
        "available": fresh.available_units,
    }
    return _row_response(request, fresh, filters, done=done)


def _row_response(request, stock, filters, *, error="", done="", status=200, form=None):
    if not request.htmx:
        if status == 403:
            return HttpResponse(error, status=403, content_type="text/plain; charset=utf-8")
        if error:
            messages.error(request, f"{stock.variant.sku}: {error}")
        else:
            messages.success(request, done)
        return HttpResponseRedirect(_desk_url(filters))

    _with_movements([stock], request.user)
    context = {
        **_base_context(filters),
        **_row(request, stock, error=error, done=done, values=form.data if form else {}),
    }
    response = render(request, f"{TEMPLATE}#row", context, status=status)
    if status >= 400:
        # htmx leaves 4xx answers alone unless told where they go (static/nexus/backoffice.js).
        retarget(response, f"#stock-{stock.pk}")
        reswap(response, "outerHTML")
        focus = {"selector": f"#stock-{stock.pk}-quantity", "select": True}
    else:
        # Recorded: back to the search field, ready for the next scan.
        focus = {"selector": "#desk-q", "select": True}
    trigger_client_event(response, "nexus:focus", focus, after="settle")
    return response


urlpatterns = [
    path("", admin.site.admin_view(stock_desk), name="inventory-desk"),
    path("<int:pk>/", admin.site.admin_view(stock_desk_adjust), name="inventory-desk-adjust"),
]
