"""The domain bounds: the smallest and largest amount, count, term, year and date edupact accepts.

Every number and date that a person or a client types is checked against one of these in the
service layer (``check_*``, a translated ``ValidationError``) and, in the API, already by its
schema (the ``Annotated`` types below, which the OpenAPI document publishes as ``minimum`` and
``maximum``). Database checks back the money bounds where a column holds money.

Why these numbers — the money-days running sums must never leave a signed 64-bit integer, on
SQLite (which silently turns an overflowing integer into a float) or on PostgreSQL:

- Postings are dated from ``MONEY_DATE_MIN`` (the funds' day-number epoch, 2000-01-01) to
  ``DATE_MAX``: at most ``CENTURY_DAYS`` day numbers.
- No balance (a member's, the pool's) may exceed ``MAX_BALANCE`` = 10^14 minor units
  (10 trillion toman, 100 trillion đồng: far above any kanoon or hụi, far below a bank).
- Money-days of one account are then at most ``MAX_BALANCE × CENTURY_DAYS`` ≈ 3.7 × 10^18, and
  every partial sum of ``Σ amount × day_number`` (Abel summation: the balance at the last line
  times its day, minus the balance-days between lines) at most twice that, ≈ 7.3 × 10^18,
  below 2^63 − 1 ≈ 9.22 × 10^18. ``tests/test_core_bounds.py`` checks the arithmetic.
- One amount (a deposit, a loan, a round's budget) is at most ``MAX_AMOUNT`` = 10^13, so that
  a few of them cannot jump over the balance bound unseen.
- Points are money-days divided by the fund's days per point (at least 1): no account can
  hold more than ``MAX_POINTS`` = ``MAX_BALANCE × CENTURY_DAYS``, and the members of one fund
  together (their deposits are at most the pool plus the loans out, 2 × ``MAX_BALANCE``)
  at most twice that, still below 2^63 − 1.

Money is posted on or before today: ``check_posting_date``. Only the rule simulator, whose
scenarios are hypothetical, moves "today" (``postings_until``); a loan's schedule, a product's
start or a share transfer are dates of what will happen, not postings, and are only kept
within ``DATE_MIN`` … ``DATE_MAX``.
"""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Annotated

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from pydantic import Field

from .money import format_number

INT64_MAX = 2**63 - 1

MAX_AMOUNT = 10**13
MAX_BALANCE = 10**14

DATE_MIN = dt.date(1900, 1, 1)  # birth dates, titles held long ago
MONEY_DATE_MIN = dt.date(2000, 1, 1)  # funds.models.EPOCH: day number 0
DATE_MAX = dt.date(2099, 12, 31)
CENTURY_DAYS = (DATE_MAX - MONEY_DATE_MIN).days + 1

YEAR_MIN = 2000  # plan, programme and evaluation years
YEAR_MAX = 2099

MAX_MONTHS = 360  # a loan's term, a reschedule, a plan's period in months
MAX_COUNT = 10**9  # how many of anything: people, shares, votes, rows
MAX_OFFSET = 10**9  # how far into a list a page may start
MAX_PAGE_LIMIT = 1000  # how many rows one page of an API list may ask for
MAX_DAYS = CENTURY_DAYS  # a rule's number of days: history, cooling-off, default after
MAX_POINTS = MAX_BALANCE * CENTURY_DAYS  # the money-days of the largest balance over a century
MAX_PERCENT = 100  # a fee rate, per year or once
MAX_SMALL_COUNT = 1000  # a count kept in a small column: guarantors, codes, parts of a code
MAX_SEARCH_LENGTH = 200  # the search text of a list: longer than any name it could match


def _number(value: int) -> str:
    return format_number(value, (get_language() or "en")[:2])


def _between(value, low, high, message: str, *, field: str | None, code: str):
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        error = ValidationError(message % {"min": _number(low), "max": _number(high)}, code=code)
        raise ValidationError({field: error}) if field else error
    return value


def check_amount(value, *, minimum: int = 1, maximum: int = MAX_AMOUNT, field=None) -> int:
    """A whole amount in minor units within the bounds (booleans are not numbers)."""
    return _between(
        value,
        minimum,
        maximum,
        _("Enter a whole amount between %(min)s and %(max)s."),
        field=field,
        code="amount_out_of_bounds",
    )


def check_count(value, *, minimum: int = 0, maximum: int = MAX_COUNT, field=None) -> int:
    return _between(
        value,
        minimum,
        maximum,
        _("Enter a whole number between %(min)s and %(max)s."),
        field=field,
        code="count_out_of_bounds",
    )


def check_months(value, *, minimum: int = 1, maximum: int = MAX_MONTHS, field=None) -> int:
    return _between(
        value,
        minimum,
        maximum,
        _("Enter a number of months between %(min)s and %(max)s."),
        field=field,
        code="months_out_of_bounds",
    )


def check_year(value, *, minimum: int = YEAR_MIN, maximum: int = YEAR_MAX, field=None) -> int:
    """A year within the bounds; the message shows the years as years (2099, ۲۰۹۹), not as
    amounts with a thousands separator."""
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        from .text import reader_digits

        language = (get_language() or "en")[:2]
        error = ValidationError(
            _("Enter a year between %(min)s and %(max)s.")
            % {"min": reader_digits(minimum, language), "max": reader_digits(maximum, language)},
            code="year_out_of_bounds",
        )
        raise ValidationError({field: error}) if field else error
    return value


def check_date(
    value: dt.date, *, earliest: dt.date = DATE_MIN, latest: dt.date = DATE_MAX, field=None
) -> dt.date:
    """A date within the bounds; the message shows them in the reader's calendar."""
    if not earliest <= value <= latest:
        from . import preferences
        from .calendars import format_date

        calendar, language = preferences.calendar(), (get_language() or "en")[:2]
        error = ValidationError(
            _("Enter a date between %(min)s and %(max)s.")
            % {
                "min": format_date(earliest, calendar, language),
                "max": format_date(latest, calendar, language),
            },
            code="date_out_of_bounds",
        )
        raise ValidationError({field: error}) if field else error
    return value


def check_not_future(value: dt.date, *, today: dt.date, field=None) -> dt.date:
    """Postings and records of what happened are not dated after today."""
    return check_date(value, earliest=MONEY_DATE_MIN, latest=min(today, DATE_MAX), field=field)


def check_points(value, *, minimum: int = 1, field=None) -> int:
    """A whole number of points (a gift, a pledge) within what any account can hold."""
    return check_count(value, minimum=minimum, maximum=MAX_POINTS, field=field)


# Postings are dated on or before today ---------------------------------------------------------

_POSTINGS_UNTIL: ContextVar[dt.date | None] = ContextVar("postings_until", default=None)


def latest_posting_day() -> dt.date:
    """The last day money may be posted on: today, unless a simulation says otherwise."""
    return _POSTINGS_UNTIL.get() or min(timezone.localdate(), DATE_MAX)


@contextmanager
def postings_until(day: dt.date = DATE_MAX) -> Iterator[None]:
    """Allow postings up to ``day`` (at most ``DATE_MAX``) inside the block: the rule
    simulator plays hypothetical years, whose dates are not bounded by the real today."""
    token = _POSTINGS_UNTIL.set(min(day, DATE_MAX))
    try:
        yield
    finally:
        _POSTINGS_UNTIL.reset(token)


def check_posting_date(value, *, field=None) -> dt.date:
    """The date of money moving (a deposit, a repayment, a due paid) or of points moving:
    from ``MONEY_DATE_MIN`` (the money-days epoch) to today."""
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise TypeError("a posting is dated by a date")
    return check_date(value, earliest=MONEY_DATE_MIN, latest=latest_posting_day(), field=field)


# Django validators (model fields run them in ``full_clean``, forms of those models too) -------


def valid_amount(value) -> None:
    check_amount(value)


def valid_amount_or_zero(value) -> None:
    check_amount(value, minimum=0)


def valid_months(value) -> None:
    check_months(value)


def valid_days(value) -> None:
    check_count(value, maximum=MAX_DAYS)


def valid_day_count(value) -> None:
    """A number of days of at least one (days per point)."""
    check_count(value, minimum=1, maximum=MAX_DAYS)


def valid_small_count(value) -> None:
    check_count(value, maximum=MAX_SMALL_COUNT)


def valid_percent(value) -> None:
    if not 0 <= value <= MAX_PERCENT:
        raise ValidationError(
            _("Enter a rate between %(min)s and %(max)s percent.")
            % {"min": _number(0), "max": _number(MAX_PERCENT)},
            code="percent_out_of_bounds",
        )


def valid_money_date(value) -> None:
    check_date(value, earliest=MONEY_DATE_MIN)


def valid_date(value) -> None:
    check_date(value)


def schema_message(error: dict) -> str:
    """A pydantic error of a bounded schema field as the reader reads it (the API's 422):
    its bound in their digits or calendar; other errors keep pydantic's own message."""
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return _("Enter a whole number.")
    if kind in ("float_type", "float_parsing", "finite_number"):
        return _("Enter a number.")
    if kind in ("enum", "literal_error"):
        return _("Choose one of the values offered.")
    if kind in ("bool_type", "bool_parsing"):
        return _("Enter true or false.")
    if kind in (
        "date_type",
        "date_parsing",
        "date_from_datetime_parsing",
        "date_from_datetime_inexact",
    ):
        return _("Enter a date as year-month-day (2025-01-31).")
    if kind in ("string_too_long", "too_long"):
        limit = ctx.get("max_length")
        if isinstance(limit, int):
            return _("Enter at most %(max)s characters.") % {"max": _number(limit)}
    limit = next((ctx[k] for k in ("le", "lt", "ge", "gt") if k in ctx), None)
    if isinstance(limit, str):  # pydantic states a date bound as ISO text
        try:
            limit = dt.date.fromisoformat(limit)
        except ValueError:
            return error.get("msg", "")
    if limit is None:
        return error.get("msg", "")
    if isinstance(limit, dt.date):
        from . import preferences
        from .calendars import format_date

        shown = format_date(limit, preferences.calendar(), (get_language() or "en")[:2])
        if kind in ("less_than_equal", "less_than"):
            return _("Enter a date on or before %(max)s.") % {"max": shown}
        return _("Enter a date on or after %(min)s.") % {"min": shown}
    if isinstance(limit, int | float) and not isinstance(limit, bool):
        shown = _number(int(limit)) if float(limit).is_integer() else str(limit)
    else:
        return error.get("msg", "")
    if kind in ("less_than_equal", "less_than"):
        return _("Enter a value of at most %(max)s.") % {"max": shown}
    if kind in ("greater_than_equal", "greater_than"):
        return _("Enter a value of at least %(min)s.") % {"min": shown}
    return error.get("msg", "")


# The same bounds as API schema types: pydantic refuses the value (422) before the service runs,
# and the OpenAPI document states them. ``strict`` refuses JSON booleans and numeric strings.
Amount = Annotated[int, Field(strict=True, ge=1, le=MAX_AMOUNT)]
AmountOrZero = Annotated[int, Field(strict=True, ge=0, le=MAX_AMOUNT)]
Points = Annotated[int, Field(strict=True, ge=1, le=MAX_POINTS)]
Days = Annotated[int, Field(strict=True, ge=0, le=MAX_DAYS)]
Percent = Annotated[float, Field(strict=True, ge=0, le=MAX_PERCENT, allow_inf_nan=False)]
Id = Annotated[int, Field(strict=True, ge=1, le=INT64_MAX)]
SignedAmount = Annotated[int, Field(strict=True, ge=-MAX_AMOUNT, le=MAX_AMOUNT)]
Count = Annotated[int, Field(strict=True, ge=0, le=MAX_COUNT)]
SmallCount = Annotated[int, Field(strict=True, ge=0, le=MAX_SMALL_COUNT)]
Month = Annotated[int, Field(strict=True, ge=1, le=12)]  # a month of the year
Months = Annotated[int, Field(strict=True, ge=1, le=MAX_MONTHS)]
Year = Annotated[int, Field(strict=True, ge=YEAR_MIN, le=YEAR_MAX)]
Day = Annotated[
    dt.date,
    Field(
        ge=DATE_MIN,
        le=DATE_MAX,
        json_schema_extra={"formatMinimum": str(DATE_MIN), "formatMaximum": str(DATE_MAX)},
    ),
]
MoneyDay = Annotated[
    dt.date,
    Field(
        ge=MONEY_DATE_MIN,
        le=DATE_MAX,
        json_schema_extra={"formatMinimum": str(MONEY_DATE_MIN), "formatMaximum": str(DATE_MAX)},
    ),
]


def text_of(model, field: str):
    """The API schema type of a model's text field: a string no longer than the column, so
    that the OpenAPI document states the bound and an over-long value is a 422 on the field
    before any service runs (PostgreSQL would refuse it as a 500; SQLite would store it)."""
    return Annotated[str, Field(max_length=model._meta.get_field(field).max_length)]


# Query and path parameters arrive as text: bounded, not strict.
YearParam = Annotated[int, Field(ge=YEAR_MIN, le=YEAR_MAX)]
IdParam = Annotated[int, Field(ge=1, le=INT64_MAX)]
AmountParam = Annotated[int, Field(ge=1, le=MAX_AMOUNT)]
MonthsParam = Annotated[int, Field(ge=1, le=MAX_MONTHS)]
SmallCountParam = Annotated[int, Field(ge=0, le=MAX_SMALL_COUNT)]
