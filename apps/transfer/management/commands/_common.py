"""Shared by the transfer commands: they run as ops (every store), through the same services
as the admin pages, and turn bad input into a message and an exit code, never a traceback."""

from pathlib import Path

from django.core.management.base import CommandError

from apps.stores.models import Store
from apps.transfer.models import FileFormat


def store_by_slug(slug: str | None) -> Store | None:
    if not slug:
        return None
    store = Store.objects.filter(slug=slug).first()
    if store is None:
        raise CommandError(f"No store with slug {slug!r}.")
    return store


def format_for(path: str) -> str:
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in FileFormat.values:
        raise CommandError(f"Cannot tell the format of {path!r}: use a .csv or .xlsx file name.")
    return suffix
