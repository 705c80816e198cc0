"""The admin index (unfold's DASHBOARD_CALLBACK): KPIs of the stores the person may see, or of
the one picked in the store switcher."""

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from apps.core.l10n import display_day
from apps.core.money import display_money
from apps.dashboard.selectors import CurrencySales, Dashboard, dashboard_data
from apps.orders.statuses import FulfilmentStatus
from apps.orders.transitions import OrderStatus
from apps.stores.models import Store
from apps.stores.scoping import switcher_context, switcher_stores

CHART_COLOURS = ("#9333ea", "#0ea5e9", "#f59e0b", "#10b981", "#ef4444")
# The grey of unfold's own chart axes and legends.
AXIS_COLOUR = "#9ca3af"


@dataclass(frozen=True)
class SalesRow:
    """A row of cards with its chart: the figures of one currency, named by the stores that sell
    in it (the selector sums per currency, so stores that share one share a row)."""

    sales: CurrencySales
    stores: str
    colour: str
    chart: str
    chart_options: str


def _chart(data: Dashboard, currency: str, label: str, colour: str) -> str:
    amounts = data.chart_series.get(currency) or [Decimal("0")] * len(data.chart_days)
    return json.dumps(
        {
            "labels": [display_day(day) for day in data.chart_days],
            "datasets": [
                {
                    "label": label,
                    "data": [float(amount) for amount in amounts],
                    # The tooltip shows these, so that it reads as the cards above it do.
                    "amounts": [display_money(amount, currency) for amount in amounts],
                    "backgroundColor": colour,
                    "borderColor": colour,
                }
            ],
        }
    )


def _chart_options(currency: str) -> str:
    """unfold's look (its defaults are replaced whole when a chart brings options), with a
    legend and a y-axis; static/nexus/dashboard_chart.js formats the axis and the tooltip in
    the currency named under plugins.nexusMoney, which JSON cannot do."""
    language = get_language()
    ticks = {"color": AXIS_COLOUR, "maxRotation": 0}
    return json.dumps(
        {
            "animation": False,
            "maintainAspectRatio": False,
            "maxBarThickness": 8,
            "locale": language,
            "datasets": {"bar": {"borderRadius": 4}},
            "plugins": {
                "legend": {
                    "display": True,
                    "align": "end",
                    "labels": {
                        "color": AXIS_COLOUR,
                        "usePointStyle": True,
                        "pointStyle": "circle",
                        "boxWidth": 6,
                        "boxHeight": 6,
                    },
                },
                "tooltip": {"enabled": True},
                "nexusMoney": {"currency": currency, "locale": language},
            },
            "scales": {
                "x": {"border": {"width": 0}, "grid": {"display": False}, "ticks": ticks},
                "y": {
                    "beginAtZero": True,
                    "border": {"width": 0},
                    "grid": {"display": True},
                    "ticks": {**ticks, "maxTicksLimit": 5},
                },
            },
        }
    )


def _sales_rows(data: Dashboard, stores: list[Store], shown: list[Store]) -> list[SalesRow]:
    """`shown` are the stores the figures cover; a row keeps the colour its place among all
    the person's `stores` gives it, whichever store is picked."""
    places: dict[str, int] = {}
    for place, store in enumerate(stores):
        places.setdefault(store.currency, place)
    rows = []
    for index, sales in enumerate(data.sales):
        names = ", ".join(store.name for store in shown if store.currency == sales.currency)
        colour = CHART_COLOURS[places.get(sales.currency, index) % len(CHART_COLOURS)]
        # Beyond the stores the switcher lists a row has no names; its currency still tells.
        label = f"{names} · {sales.currency}" if names else sales.currency
        rows.append(
            SalesRow(
                sales=sales,
                stores=names,
                colour=colour,
                chart=_chart(data, sales.currency, label, colour),
                chart_options=_chart_options(sales.currency),
            )
        )
    return rows


def dashboard_callback(request, context: dict[str, Any]) -> dict[str, Any]:
    data = dashboard_data(user=request.user, request=request)
    stores = switcher_stores(request)
    switcher = switcher_context(request, stores)
    current = switcher["current_store"]
    picked = [store for store in stores if store.pk == current]
    context.update(
        {
            # The page's <title>; admin's own would say "Site administration".
            "title": picked[0].name if picked else _("Dashboard"),
            "dashboard": data,
            "sales_rows": _sales_rows(data, stores, stores if current is None else picked),
            "status_rows": [
                (label, data.status_counts.get(value, 0)) for value, label in OrderStatus.choices
            ],
            "fulfilment_rows": [
                (label, data.fulfilment_counts.get(value, 0))
                for value, label in FulfilmentStatus.choices
            ],
            "waiting_rows": data.waiting_rows,
            **switcher,
            "dashboard_title": (
                _("Today in %(store)s") % {"store": picked[0].name}
                if picked
                else _("Today in your stores")
            ),
        }
    )
    return context
