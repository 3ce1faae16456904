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
"""

import datetime as dt
from typing import Annotated

from django.core.exceptions import ValidationError
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


# The same bounds as API schema types: pydantic refuses the value (422) before the service runs,
# and the OpenAPI document states them. ``strict`` refuses JSON booleans and numeric strings.
Amount = Annotated[int, Field(strict=True, ge=1, le=MAX_AMOUNT)]
SignedAmount = Annotated[int, Field(strict=True, ge=-MAX_AMOUNT, le=MAX_AMOUNT)]
Count = Annotated[int, Field(strict=True, ge=0, le=MAX_COUNT)]
Months = Annotated[int, Field(strict=True, ge=1, le=MAX_MONTHS)]
Year = Annotated[int, Field(strict=True, ge=YEAR_MIN, le=YEAR_MAX)]
Day = Annotated[dt.date, Field(ge=DATE_MIN, le=DATE_MAX)]
MoneyDay = Annotated[dt.date, Field(ge=MONEY_DATE_MIN, le=DATE_MAX)]


def text_of(model, field: str):
    """The API schema type of a model's text field: a string no longer than the column, so
    that the OpenAPI document states the bound and an over-long value is a 422 on the field
    before any service runs (PostgreSQL would refuse it as a 500; SQLite would store it)."""
    return Annotated[str, Field(max_length=model._meta.get_field(field).max_length)]


# Query and path parameters arrive as text: bounded, not strict.
YearParam = Annotated[int, Field(ge=YEAR_MIN, le=YEAR_MAX)]
IdParam = Annotated[int, Field(ge=1, le=INT64_MAX)]
