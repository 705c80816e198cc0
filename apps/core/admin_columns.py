"""Columns the admins share: a datetime field in the back office's one date style."""

from collections.abc import Callable
from typing import Any

from django.db.models import Model
from unfold.decorators import display

from apps.core.l10n import time_tag


def time_column(
    model: type[Model], field: str, *, relative: bool = True
) -> Callable[[Any, Model], Any]:
    """A list_display column or read-only field for `model.field`, titled as the field is.
    Relative in lists ("3 hours ago", "in 6 days") with the moment and its zone on hover; on an
    object's page (relative=False) the moment itself."""

    @display(description=model._meta.get_field(field).verbose_name, ordering=field, empty_value="—")
    def column(admin: Any, obj: Model) -> Any:
        value = getattr(obj, field)
        return None if value is None else time_tag(value, relative=relative)

    return column
