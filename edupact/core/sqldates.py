"""Dates as whole day numbers inside SQL, on SQLite and PostgreSQL alike.

Closed forms such as money-days (Σ balance × days) need "days between two dates" in an
aggregate or an UPDATE; Django's date subtraction gives a duration (a Python function per
row on SQLite), so this counts days since a fixed epoch with each database's own arithmetic.
"""

import datetime as dt

from django.db.models import BigIntegerField, Func


class DayNumber(Func):
    """Whole days from ``epoch`` to a date column (NULL stays NULL)."""

    output_field = BigIntegerField()

    def __init__(self, expression, epoch: dt.date, **extra):
        self.epoch = epoch
        super().__init__(expression, **extra)

    def as_sql(self, compiler, connection, **extra):
        # julianday() of a date is n + 0.5: the difference with the epoch's is exact.
        sql, params = compiler.compile(self.source_expressions[0])
        return f"CAST(julianday({sql}) - julianday(%s) AS INTEGER)", [
            *params,
            self.epoch.isoformat(),
        ]

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        # bigint, so that amount × days never overflows an integer literal's int4.
        return f"(({sql})::date - %s::date)::bigint", [*params, self.epoch.isoformat()]
