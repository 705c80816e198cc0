import django_filters
from django.utils.translation import gettext_lazy as _

from apps.core.models import MAX_ID


def store_id_filter() -> django_filters.NumberFilter:
    """`?store=<id>` on staff lists: a whole id in the database's range (a larger number would
    overflow the query instead of simply matching nothing). Scoping is the queryset's job."""
    return django_filters.NumberFilter(
        field_name="store_id",
        label=_("Store id"),
        min_value=1,
        max_value=MAX_ID,
        decimal_places=0,
    )
