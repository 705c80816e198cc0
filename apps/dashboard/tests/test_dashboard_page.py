"""The dashboard page as a person reads it: each row named by its stores, amounts in the one
money style of their language, the chart with its legend, axis and tooltip in that style, and
the title of what it covers."""

import json
import re
from decimal import Decimal
from html import unescape

import pytest
from django.urls import reverse

from apps.core.tests.fixtures import build_store
from apps.orders.models import Order
from apps.stores.roles import Role
from apps.stores.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_currencies():
    """Alpha sells in EUR, Bravo in SEK, 1,185.43 SEK in all; a manager of Alpha views Bravo."""
    alpha = build_store("Alpha", orders=1)
    bravo = build_store("Bravo", orders=2)
    bravo.store.currency = "SEK"
    bravo.store.save(update_fields=["currency"])
    first, second = bravo.orders
    Order.objects.filter(pk=first.pk).update(currency="SEK", total=Decimal("1000.00"))
    Order.objects.filter(pk=second.pk).update(currency="SEK", total=Decimal("185.43"))
    person = alpha.staff[Role.MANAGER]
    MembershipFactory(user=person, store=bravo.store, role=Role.VIEWER)
    return alpha, bravo, person


def dashboard(client, language="en"):
    return client.get(reverse("admin:index"), headers={"Accept-Language": language})


def charts(page: str) -> dict[str, tuple[dict, dict]]:
    """currency → (data, options) of each chart on the page."""
    found = {}
    for options, data in re.findall(
        r'<canvas class="chart" data-options="([^"]*)" data-type="bar" data-value="([^"]*)"', page
    ):
        options, data = json.loads(unescape(options)), json.loads(unescape(data))
        found[options["plugins"]["nexusMoney"]["currency"]] = (data, options)
    return found


@pytest.mark.parametrize(
    ("language", "month", "average", "day"),
    [
        ("en", "SEK\u00a01,185.43", "SEK\u00a0592.72", r"[A-Z][a-z]{2} \d{1,2}"),
        ("ru", "1\u00a0185,43\u00a0SEK", "592,72\u00a0SEK", r"\d{1,2} [а-я]{3,4}\.?"),
    ],
)
def test_amounts_are_in_the_money_style_of_the_readers_language(
    client, two_currencies, language, month, average, day
):
    _, _, person = two_currencies
    client.force_login(person)
    page = dashboard(client, language).content.decode()
    row = page[page.index('data-currency="SEK"') :]
    assert f">{month}</div>" in row and f">{average}</div>" in row
    data, options = charts(page)["SEK"]
    assert sum(Decimal(str(amount)) for amount in data["datasets"][0]["data"]) == Decimal("1185.43")
    assert set(data["datasets"][0]["amounts"]) <= {month, "SEK\u00a00.00", "0,00\u00a0SEK"}
    assert options["plugins"]["nexusMoney"] == {"currency": "SEK", "locale": language}
    assert options["plugins"]["legend"]["display"] and options["scales"]["y"]["ticks"]
    assert len(data["labels"]) == 30
    assert all(re.fullmatch(day, label) for label in data["labels"]), data["labels"]


def test_each_row_and_chart_names_its_stores(client, two_currencies):
    _, _, person = two_currencies
    client.force_login(person)
    page = dashboard(client).content.decode()
    headings = re.findall(r'<h2 id="sales-(\w+)"[^>]*>(.*?)</h2>', page, re.S)
    named = {currency: re.sub(r"<[^>]+>|\s+", " ", html).split() for currency, html in headings}
    assert named == {"EUR": ["Alpha", "EUR"], "SEK": ["Bravo", "SEK"]}
    legends = {c: data["datasets"][0]["label"] for c, (data, _) in charts(page).items()}
    assert legends == {"EUR": "Alpha · EUR", "SEK": "Bravo · SEK"}


def test_the_title_is_the_dashboard_or_the_picked_store(client, two_currencies):
    _, bravo, person = two_currencies
    client.force_login(person)
    page = dashboard(client).content.decode()
    assert re.search(r"<title>[^<]*\bDashboard \| Nexus</title>", page)
    assert "Site administration" not in page

    client.post(reverse("admin:stores_store_switch"), {"store": bravo.store.pk})
    page = dashboard(client).content.decode()
    assert re.search(r"<title>[^<]*\bBravo \| Nexus</title>", page)
    assert re.findall(r'data-currency="(\w+)"', page) == ["SEK"]
    assert set(charts(page)) == {"SEK"}
    assert "Today in Bravo" in page
