"""The refusal every funds operation raises, in a module of its own so that the ledger and
the services (which calls the ledger) both raise it without importing each other."""

from django.core.exceptions import ValidationError


class Refused(ValidationError):
    """A business rule refused the operation; ``code`` is stable for scripts and tests."""

    def __init__(self, code: str, message: str, **params):
        super().__init__(message, code=code, params=params or None)
        self.reason = code
        self.details = params
