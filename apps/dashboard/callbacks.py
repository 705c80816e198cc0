"""The admin index (unfold's DASHBOARD_CALLBACK): KPIs of the stores the person may see."""

import json

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from apps.dashboard.selectors import dashboard_data
from apps.orders.transitions import OrderStatus
from apps.stores.scoping import switcher_context

CHART_COLOURS = ("#9333ea", "#0ea5e9", "#f59e0b", "#10b981", "#ef4444")


def _chart(data) -> str:
    return json.dumps(
        {
            "labels": [date_format(day, "SHORT_DATE_FORMAT") for day in data.chart_days],
            "datasets": [
                {
                    "label": currency,
                    "data": [float(amount) for amount in amounts],
                    "backgroundColor": CHART_COLOURS[index % len(CHART_COLOURS)],
                    "borderColor": CHART_COLOURS[index % len(CHART_COLOURS)],
                }
                for index, (currency, amounts) in enumerate(data.chart_series.items())
            ],
        }
    )


def dashboard_callback(request, context):
    data = dashboard_data(user=request.user, request=request)
    context.update(
        {
            "dashboard": data,
            "sales_chart": _chart(data),
            "status_rows": [
                (label, data.status_counts.get(value, 0)) for value, label in OrderStatus.choices
            ],
            "waiting_rows": [
                (OrderStatus(value).label, data.waiting.get(value, 0), value)
                for value in (OrderStatus.PENDING, OrderStatus.CONFIRMED)
            ],
            **switcher_context(request),
            "dashboard_title": _("Today in your stores"),
        }
    )
    return context
