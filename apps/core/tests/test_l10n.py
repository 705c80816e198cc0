"""One style for money and moments in templates, in English and Russian."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from apps.core.l10n import display_datetime, display_day, display_relative

MOMENT = datetime(2026, 11, 29, 17, 50, tzinfo=UTC)


def render(source: str, **context) -> str:
    return Template("{% load nexus_format %}" + source).render(Context(context))


@pytest.mark.parametrize(
    ("language", "zone", "shown"),
    [
        ("en", "UTC", "Nov 29, 2026, 5:50\u202fPM UTC"),
        ("en", "America/New_York", "Nov 29, 2026, 12:50\u202fPM EST"),
        ("ru", "UTC", "29 нояб. 2026\u202fг., 17:50 UTC"),
    ],
)
def test_a_moment_is_shown_in_the_pages_time_zone_and_says_which(language, zone, shown):
    with translation.override(language), timezone.override(zone):
        assert display_datetime(MOMENT) == shown


def test_a_day_on_an_axis_has_no_year():
    with translation.override("en"):
        assert display_day(date(2026, 11, 1)) == "Nov 1"
    with translation.override("ru"):
        assert display_day(date(2026, 11, 1)) == "1 нояб."


def test_money_filter_in_a_template():
    with translation.override("en"):
        assert render("{{ a|money:c }}", a=Decimal("1185.43"), c="SEK") == "SEK\u00a01,185.43"
    with translation.override("ru"):
        assert render("{{ a|money:c }}", a=Decimal("1185.43"), c="SEK") == "1\u00a0185,43\u00a0SEK"
    assert render('{{ a|money:"EUR"|default:"—" }}', a=None) == "—"


def test_when_filter_is_a_time_element_with_the_zone_on_hover():
    with translation.override("en"), timezone.override("UTC"):
        html = render("{{ at|when }}", at=MOMENT)
    assert html == (
        '<time class="whitespace-nowrap" datetime="2026-11-29T17:50:00+00:00" '
        'title="Nov 29, 2026, 5:50\u202fPM UTC">Nov 29, 2026, 5:50\u202fPM UTC</time>'
    )


@pytest.mark.parametrize(
    ("language", "shown"), [("en", "3\u00a0hours ago"), ("ru", "3\u00a0часа назад")]
)
def test_ago_filter_says_how_long_ago_with_the_moment_on_hover(language, shown):
    at = timezone.now() - timedelta(hours=3, minutes=5)
    with translation.override(language), timezone.override("UTC"):
        html = render("{{ at|ago }}", at=at)
        absolute = display_datetime(at)
    assert html == (
        f'<time class="whitespace-nowrap" datetime="{at.isoformat()}" '
        f'title="{absolute}">{shown}</time>'
    )
    assert render("{{ at|ago }}{{ at|when }}", at=None) == ""


@pytest.mark.parametrize(
    ("language", "shown"),
    [
        ("en", ["2\u00a0days ago", "6\u00a0days from now", "1\u00a0month ago"]),
        ("ru", ["2\u00a0дня назад", "через 6\u00a0дней", "1\u00a0месяц назад"]),
    ],
)
def test_past_a_day_relative_time_keeps_one_unit(language, shown):
    now = timezone.now()
    moments = [
        now - timedelta(days=2, hours=3),
        now + timedelta(days=6, hours=23),
        now - timedelta(days=40),
    ]
    with translation.override(language):
        assert [display_relative(moment) for moment in moments] == shown
