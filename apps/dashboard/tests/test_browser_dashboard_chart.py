"""The sales chart in a real browser, under the CSP: its y-axis and tooltip speak the row's
currency in the page's language, and it has a legend."""

from decimal import Decimal

import pytest
from django.conf import settings

from apps.core.tests.browser import admin_login
from apps.core.tests.fixtures import build_store
from apps.orders.models import Order
from apps.stores.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What the chart of the SEK row answers: an axis tick, the last day's tooltip line, the legend.
READ_CHART = """() => {
    const chart = Chart.getChart(document.querySelector('[data-currency="SEK"] canvas.chart'));
    const dataset = chart.data.datasets[0];
    return {
        tick: chart.options.scales.y.ticks.callback.call(chart.scales.y, 2000),
        tooltip: chart.options.plugins.tooltip.callbacks.label({dataset, dataIndex: 29}),
        legend: chart.options.plugins.legend.display && dataset.label,
    };
}"""


@pytest.mark.parametrize(
    ("language", "tick", "tooltip"),
    [
        ("en", "SEK\u00a02,000", "SEK\u00a01,185.43"),
        ("ru", "2\u00a0000\u00a0SEK", "1\u00a0185,43\u00a0SEK"),
    ],
)
def test_the_chart_formats_its_axis_and_tooltip_in_the_rows_currency(
    browser_page, live_server, language, tick, tooltip
):
    shop = build_store("Bravo", orders=1)
    shop.store.currency = "SEK"
    shop.store.save(update_fields=["currency"])
    Order.objects.update(currency="SEK", total=Decimal("1185.43"))
    page = browser_page
    problems = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
    )
    admin_login(page, shop.staff[Role.VIEWER].email, "/admin/")
    page.wait_for_function(
        "() => window.Chart && Chart.getChart(document.querySelector('canvas.chart'))"
    )
    assert page.evaluate(READ_CHART) == {"tick": tick, "tooltip": tooltip, "legend": "Bravo · SEK"}
    assert problems == []
