"""Writes a client may retry: each keyed write is done once per owner (a fund) and key, and a
retry — even a concurrent one — gets what the first call made.

The key lives in an ``idempotency_key`` column with a partial unique index on
(owner, key) WHERE key <> ''. Lookups repeat that condition: SQLite uses a partial index
only when the query states it, and otherwise reads every row of the owner (bench/funds)."""

from collections.abc import Callable

from django.db import IntegrityError, transaction


def by_key(model, key: str, **owner):
    """What ``key`` already made for ``owner`` (e.g. ``fund=…``), or None."""
    return model.objects.filter(idempotency_key=key, **owner).exclude(idempotency_key="").first()


def once(model, key: str | None, work: Callable, *, look_first: bool = True, **owner):
    """Run ``work`` once per (owner, key); without a key, simply run it in a transaction.

    ``look_first=False`` when ``work`` inserts its keyed row before any check that could
    refuse a retry: the unique index then answers the retry, one query less per call."""
    if key and look_first:
        found = by_key(model, key, **owner)
        if found is not None:
            return found
    try:
        with transaction.atomic():
            return work()
    except IntegrityError:
        found = by_key(model, key, **owner) if key else None
        if found is None:
            raise
        return found
