"""Moments as the back office shows them: one style everywhere, in the language the person
reads (Django's active language) and the time zone the page is shown in.

Babel carries CLDR's patterns for every locale, so the order of day, month and year, the
month names and the 12/24-hour clock are not written here.
"""

from datetime import date, datetime, timedelta
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_skeleton, format_time
from django.conf import settings
from django.contrib.humanize.templatetags.humanize import NaturalTimeFormatter, naturaltime
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.timesince import timesince, timeuntil


@lru_cache(maxsize=16)
def _locale_for(language: str) -> Locale:
    try:
        return Locale.parse(translation.to_locale(language))
    except (UnknownLocaleError, ValueError):
        # A language Django knows but CLDR does not: the site's own language rather than a 500.
        return Locale.parse(translation.to_locale(settings.LANGUAGE_CODE))


def active_locale() -> Locale:
    """The Babel locale of the language Django speaks in this request."""
    return _locale_for(translation.get_language() or settings.LANGUAGE_CODE)


def display_datetime(value: datetime) -> str:
    """A moment with the zone it is shown in: "Nov 29, 2026, 5:50 PM UTC",
    "29 нояб. 2026 г., 17:50 UTC"."""
    locale = active_locale()
    zone = timezone.get_current_timezone()
    local = timezone.localtime(value, zone)
    day = format_date(local, "medium", locale=locale)
    # CLDR's short time has no zone; a time read by staff in several zones must say which.
    time = format_time(
        local, f"{locale.time_formats['short'].pattern} z", tzinfo=zone, locale=locale
    )
    # The locale's own glue for a date and a time ("{1}, {0}"), as babel's format_datetime.
    glue: str = locale.datetime_formats["medium"]
    return glue.replace("{1}", day).replace("{0}", time)


def display_day(day: date) -> str:
    """A day without its year, for axes and short lists: "Nov 1", "1 нояб."."""
    return format_skeleton("MMMd", day, locale=active_locale())


def display_relative(value: datetime) -> str:
    """How long ago or until, in one unit past a day: "3 hours ago", "2 days ago", "6 days
    from now" (naturaltime's "6 days, 23 hours from now" is more than a column can hold), in
    humanize's words, which Django translates."""
    now = timezone.now()
    if abs(now - value) < timedelta(days=1):
        return str(naturaltime(value))
    words = NaturalTimeFormatter
    if value < now:
        delta = timesince(value, now, time_strings=words.past_substrings, depth=1)
        return str(words.time_strings["past-day"] % {"delta": delta})
    delta = timeuntil(value, now, time_strings=words.future_substrings, depth=1)
    return str(words.time_strings["future-day"] % {"delta": delta})


def time_tag(value: datetime, *, relative: bool = False) -> SafeString:
    """A <time> element: the absolute moment, or how long ago it was ("3 hours ago") for
    lists; either way the absolute moment with its zone is on hover."""
    absolute = display_datetime(value)
    return format_html(
        '<time class="whitespace-nowrap" datetime="{}" title="{}">{}</time>',
        value.isoformat(),
        absolute,
        display_relative(value) if relative else absolute,
    )
