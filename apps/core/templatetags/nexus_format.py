"""The back office's one way to show money and moments in templates:

{% load nexus_format %}
{{ order.total|money:order.currency }}   SEK 1,185.43 / 1 185,43 SEK
{{ order.placed_at|when }}               Nov 29, 2026, 5:50 PM UTC (in a <time> element)
{{ movement.created_at|ago }}            3 hours ago, the absolute moment on hover
"""

from datetime import datetime
from decimal import Decimal

from django import template
from django.utils.safestring import SafeString

from apps.core.l10n import time_tag
from apps.core.money import display_money

register = template.Library()


@register.filter
def money(amount: Decimal | int | None, currency: str) -> str:
    # Empty stays empty, so that `|money:currency|default:"—"` reads as it would elsewhere.
    return "" if amount is None or amount == "" else display_money(amount, currency)


@register.filter
def when(value: datetime | None) -> SafeString | str:
    return "" if value is None else time_tag(value)


@register.filter
def ago(value: datetime | None) -> SafeString | str:
    return "" if value is None else time_tag(value, relative=True)
