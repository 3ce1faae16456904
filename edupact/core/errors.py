"""The refusal every domain operation raises (funds, rotating funds, and the apps to come),
in the shared kernel so that a domain app raises it without importing another, and
``api.problems`` answers it without each endpoint catching it."""

from django.core.exceptions import ValidationError


class Refused(ValidationError):
    """A business rule refused the operation; ``code`` is stable for scripts and tests.

    ``status`` is the HTTP status the API answers it with: 409 (the record's current state
    refuses it) unless the refusal is about what the caller typed (422)."""

    def __init__(self, code: str, message: str, status: int = 409, **params):
        super().__init__(message, code=code, params=params or None)
        self.reason = code
        self.status = status
        self.details = params
