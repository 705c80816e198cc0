"""The one way to build a back-office page (DESIGN.md §6): a class view inside the admin chrome.

A page is mounted with the ModelAdmin whose chrome it wears (`as_admin_view`), is open to staff
who hold its capability in at least one store, reads its rows through a selector that scopes
them to the user's stores, and answers either the whole page or, for htmx, one partial of its
template. `BackofficeListView` adds what a list worked row by row needs (the fulfilment queue,
the stock desk): filters read from the query string and written back into it, the store chosen
in the switcher, and row actions answered in place or, without JavaScript, by a redirect.

It lives in stores, not core, because every page is scoped by the stores' rules.
"""

from collections.abc import Collection
from dataclasses import dataclass
from functools import cached_property
from typing import ClassVar, Self

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.cache import patch_vary_headers
from django.views.generic.base import ContextMixin, TemplateResponseMixin, View
from django_htmx.http import push_url, reswap, retarget

from apps.core.models import MAX_ID
from apps.stores.roles import Capability
from apps.stores.scoping import (
    current_store_id,
    store_ids_for,
    switcher_context,
    user_can_anywhere,
)


def id_from_query(raw: str) -> int | None:
    """A row id typed into an address (filter, cursor): None unless it could be one. The
    database would refuse a larger number itself (an overflow, a 500)."""
    if not raw.isdigit():
        return None
    value = int(raw)
    return value if 0 < value <= MAX_ID else None


@dataclass(frozen=True)
class PageFilters:
    """A list's filters, read from its query string and written back into it in clean form.

    Every field is the query parameter of its name, except store_id, which travels as "store".
    A value the page does not offer reads as no filter: a stale or hand-made link still opens.
    """

    q: str = ""
    store_id: int | None = None

    search_length: ClassVar[int] = 100
    # The page's own filters (its tabs): field → the values it takes.
    choices: ClassVar[dict[str, Collection[str]]] = {}

    @classmethod
    def from_query(cls, query: QueryDict, *, store_ids: set[int] | None) -> Self:
        """`store_ids`: the stores the page may be narrowed to (None: any store)."""
        store_id = id_from_query(query.get("store", ""))
        if store_ids is not None and store_id not in store_ids:
            store_id = None
        own = {name: query.get(name, "") for name in cls.choices}
        return cls(
            q=query.get("q", "").strip()[: cls.search_length],
            store_id=store_id,
            **{name: value if value in cls.choices[name] else "" for name, value in own.items()},
        )

    def querystring(self) -> str:
        query = QueryDict(mutable=True)
        pairs = [("q", self.q), *((name, getattr(self, name)) for name in self.choices)]
        for name, value in [*pairs, ("store", self.store_id)]:
            if value:
                query[name] = value
        return query.urlencode()


class BackofficePageView(TemplateResponseMixin, ContextMixin, View):
    """A page inside the admin chrome. Subclasses name `title`, `template_name`, the
    `capability` it needs and, when it shows rows, `get_scoped_queryset`."""

    model_admin = None
    capability = Capability.VIEW
    title = ""
    # The partial of template_name that answers an htmx request (None: the whole page).
    fragment: str | None = None

    @classmethod
    def as_admin_view(cls, model_admin, **initkwargs):
        """The view behind the admin site's own guard: signed-in active staff, CSRF, no cache."""
        view = cls.as_view(model_admin=model_admin, **initkwargs)
        return model_admin.admin_site.admin_view(view)

    def dispatch(self, request, *args, **kwargs):
        if not user_can_anywhere(request.user, self.capability):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_scoped_queryset(self) -> QuerySet:
        """The page's rows in the stores the user may see: a selector's queryset."""
        raise NotImplementedError

    def get_object(self) -> Model:
        """The row named by the URL, if it is in the user's stores; another store's is a 404."""
        return get_object_or_404(self.get_scoped_queryset(), pk=self.kwargs["pk"])

    @property
    def answers_fragment(self) -> bool:
        htmx = self.request.htmx
        # htmx restoring a page its history cache lost needs all of it.
        return bool(htmx) and not htmx.history_restore_request

    def get_chrome_context(self) -> dict:
        site = self.model_admin.admin_site
        self.request.current_app = site.name
        return {
            **site.each_context(self.request),
            "model_admin": self.model_admin,
            "title": self.title,
            "full_page": True,
        }

    def render_page(self, context: dict, *, fragment: str | None = None, status: int = 200):
        """The whole page in the chrome, or for htmx only `fragment`, a partial of the template."""
        if fragment and self.answers_fragment:
            template = f"{self.template_name}#{fragment}"
        else:
            template, context = self.template_name, {**self.get_chrome_context(), **context}
        response = TemplateResponse(self.request, template, context, status=status)
        # The same URL answers with a fragment or a page: caches must keep them apart.
        patch_vary_headers(response, ("HX-Request",))
        return response

    def render_to_response(self, context, **response_kwargs):
        return self.render_page(context, fragment=self.fragment, **response_kwargs)


class BackofficeListView(BackofficePageView):
    """A list worked row by row: GET shows a page of rows, POST acts on one row (`post`).

    Subclasses give `filters_class`, the URL names of the list and of its row action,
    `row_prefix` (a row is drawn in the element "<row_prefix>-<pk>"), `get_rows` and
    `get_row_context`. The template defines the partials `results` (what a search replaces),
    `page` (the rows that a "more" link appends) and `row`.

    The list shows the store chosen in the switcher; a row action finds its row among all the
    user's stores (get_object), so a list opened before switching still works.
    """

    filters_class: type[PageFilters] = PageFilters
    page_url_name = ""
    row_url_name = ""
    cursor_param = "cursor"
    row_prefix = ""
    row_fragment = "row"

    @classmethod
    def urlpatterns(cls, model_admin) -> list:
        """The list at "" (GET only) and its row action at "<pk>/" (POST only)."""
        return [
            path(
                "",
                cls.as_admin_view(model_admin, http_method_names=["get"]),
                name=cls.page_url_name,
            ),
            path(
                "<int:pk>/",
                cls.as_admin_view(model_admin, http_method_names=["post"]),
                name=cls.row_url_name,
            ),
        ]

    def row_id(self, obj: Model) -> str:
        return f"{self.row_prefix}-{obj.pk}"

    def get_rows(self, cursor: str) -> tuple[list[dict], str | None]:
        """One page of row contexts after `cursor`, and the cursor of the next page if any."""
        raise NotImplementedError

    def get_row_context(self, obj: Model, **extra) -> dict:
        raise NotImplementedError

    def get_summary_context(self) -> dict:
        """What a search refreshes beside the rows (e.g. counters)."""
        return {}

    @cached_property
    def filters(self) -> PageFilters:
        if self.request.method == "GET":
            query = self.request.GET
        else:
            # A row action carries the list's filters, to come back to the same list.
            query = QueryDict(self.request.POST.get("filters", ""))
        current = current_store_id(self.request)
        # With a store chosen in the switcher, the list is that store's.
        store_ids = {current} if current else store_ids_for(self.request.user)
        return self.filters_class.from_query(query, store_ids=store_ids)

    def get_queryset(self) -> QuerySet:
        """The rows the list shows: the user's, in the store of the list's filter or else the
        one chosen in the switcher (the filter only ever names that one, when there is one)."""
        store_id = self.filters.store_id or current_store_id(self.request)
        rows = self.get_scoped_queryset()
        return rows.filter(store_id=store_id) if store_id else rows

    def page_url(self) -> str:
        query = self.filters.querystring()
        return reverse(self.page_url_name) + (f"?{query}" if query else "")

    def get_page_context(self) -> dict:
        """What the page and each of its partials need."""
        return {
            "filters": self.filters,
            "filter_query": self.filters.querystring(),
            "page_path": reverse(self.page_url_name),
        }

    def get_chrome_context(self) -> dict:
        return {**super().get_chrome_context(), **switcher_context(self.request)}

    def get(self, request, *args, **kwargs):
        cursor = request.GET.get(self.cursor_param, "")
        rows, next_cursor = self.get_rows(cursor)
        context = {
            **self.get_page_context(),
            "rows": rows,
            "cursor": cursor,
            "next_cursor": next_cursor,
        }
        if cursor and self.answers_fragment:
            return self.render_page(context, fragment="page")
        context.update(self.get_summary_context())
        response = self.render_page(context, fragment="results")
        if self.answers_fragment:
            # The address bar shows the filters in their clean form (no empty parameters).
            push_url(response, self.page_url())
        return response

    def back_to_list(self, message: str, *, status: int = 200) -> HttpResponse:
        """A row action's answer to a plain form post: the list again, with `message`; a
        refusal by role is a bare 403."""
        if status == 403:
            return HttpResponse(message, status=403, content_type="text/plain; charset=utf-8")
        if status >= 400:
            messages.error(self.request, message)
        else:
            messages.success(self.request, message)
        return HttpResponseRedirect(self.page_url())

    def row_response(self, obj: Model, context: dict, *, status: int = 200) -> HttpResponse:
        """A row action's answer to htmx: the row drawn again from `context`, in place."""
        response = self.render_page(
            {**self.get_page_context(), **context}, fragment=self.row_fragment, status=status
        )
        if status >= 400:
            # htmx leaves 4xx answers alone unless told where they go (static/nexus/backoffice.js).
            retarget(response, f"#{self.row_id(obj)}")
            reswap(response, "outerHTML")
        return response
