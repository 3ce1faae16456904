"""Who is acting: set by the web middleware, the API auth and the CLI."""

from contextlib import contextmanager
from contextvars import ContextVar

_actor: ContextVar = ContextVar("edupact_actor", default=None)


def current_actor():
    return _actor.get()


@contextmanager
def acting_as(user):
    token = _actor.set(user)
    try:
        yield
    finally:
        _actor.reset(token)


def set_actor(user) -> None:
    """For authentication that happens inside a request (API tokens); the middleware resets it."""
    _actor.set(user)
