"""Domain errors raised by services; every surface turns them into its own kind of message."""

from typing import Any


class ApplicationError(Exception):
    """A business rule refused the request. `code` is stable, `message` is for people."""

    code = "invalid"
    status_code = 400

    def __init__(
        self, message: str, *, code: str | None = None, extra: dict[str, Any] | None = None
    ):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.extra = extra or {}


class NotFound(ApplicationError):
    code = "not_found"
    status_code = 404


class PermissionDenied(ApplicationError):
    code = "permission_denied"
    status_code = 403


class Conflict(ApplicationError):
    code = "conflict"
    status_code = 409


class Unprocessable(ApplicationError):
    """The request is well formed (the API's schema accepts it) but a rule the schema cannot
    state refuses it: a password the validators reject, an expired link."""

    code = "unprocessable"
    status_code = 422
