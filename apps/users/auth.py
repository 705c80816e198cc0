"""Sign-in identity shared by the admin login and the API token endpoint."""

from apps.users.models import canonical_email


def login_identifier(request, credentials) -> str:
    """AXES_USERNAME_CALLABLE: lock-outs count the canonical e-mail, whatever case or spacing
    was typed, on both surfaces."""
    raw = (credentials or {}).get("username")
    if raw is None and request is not None:
        raw = getattr(request, "POST", {}).get("username")
    return canonical_email(raw or "")
