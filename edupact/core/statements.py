"""An ORM statement compiled once and run many times with other values.

Django builds and compiles the SQL of a queryset on every call; for a hot read whose shape
is fixed (an account by key in a user's scope, asked on every API deposit) that work cost
more CPU than the database's answer (bench/funds, ``api-profile``). ``Reused`` builds the
queryset once per key (a ``Scope`` is hashable) with stand-in values, keeps its SQL and
parameters, and runs it again as a raw query with the real values in place of the stand-ins.
The SQL is the ORM's own, so the scoping rules stay in one place (``core.scoping``).

Only for querysets of one model's own columns (no ``select_related``, no annotations):
the rows are mapped back to the model by column name.
"""

from collections.abc import Callable

from django.db import connections
from django.db.models import QuerySet

from .bounds import INT64_MAX

INT64_MIN = -INT64_MAX - 1
# Stand-ins no real key equals (keys are positive), each distinct.
_STAND_INS = tuple(-987_654_321_000 - n for n in range(8))
_LIMIT = 1024
_DB = "default"  # edupact runs on one database


class Reused:
    def __init__(self, build: Callable[..., QuerySet]):
        """``build(key, *values)`` returns the queryset; ``values`` are integers."""
        self.build = build
        self._compiled: dict = {}

    def first(self, key, *values: int):
        """The first row of ``build(key, *values)`` as a model instance, or None.

        A value outside a signed 64-bit integer names no row (keys are ``bigint``), and the
        raw query would not get there: SQLite cannot bind it, PostgreSQL refuses it. The
        ORM answers such a lookup with no rows; so does this."""
        if any(not INT64_MIN <= value <= INT64_MAX for value in values):
            return None
        model, sql, slots, params = self._statement(key, len(values))
        params = list(params)
        for position, n in slots:
            params[position] = values[n]
        return next(iter(model._default_manager.raw(sql, params, using=_DB)), None)

    def _statement(self, key, count: int):
        cache_key = (connections[_DB].settings_dict["NAME"], key, count)
        found = self._compiled.get(cache_key)
        if found is not None:
            return found
        stand_ins = _STAND_INS[:count]
        queryset = self.build(key, *stand_ins)
        query = queryset.query
        if query.select_related or query.annotations or query.extra or query.deferred_loading[0]:
            raise ValueError("Reused runs querysets of one model's own columns only")
        sql, params = query.get_compiler(_DB).as_sql()
        slots = [(i, stand_ins.index(p)) for i, p in enumerate(params) if p in stand_ins]
        if sorted({n for _, n in slots}) != list(range(count)):
            raise ValueError("every value must reach the SQL as a parameter")
        if len(self._compiled) >= _LIMIT:
            self._compiled.clear()
        found = self._compiled[cache_key] = (queryset.model, sql, slots, tuple(params))
        return found
