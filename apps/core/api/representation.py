from django.utils import timezone


def iso_datetime(value) -> str:
    """What DRF's DateTimeField answers (current time zone, "Z" for UTC), for hand-built
    representations on hot paths."""
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text
