"""Dates are stored Gregorian and shown in the user's calendar.

Jalali input accepts Persian or ASCII digits and two-digit years (``۹۶/۰۱/۲۰``);
Gregorian input accepts ISO ``2023-04-11`` and ``11/04/2023`` (day first, as in Vietnam).
"""

import calendar as gregorian
import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

import jdatetime
from babel.dates import format_date as babel_format_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .text import ascii_digits, persian_digits


class Calendar(StrEnum):
    JALALI = "jalali"
    GREGORIAN = "gregorian"


# The choice of a calendar on every model that keeps one (users, organisations, funds,
# rotating funds). The migrations hold the literal choices, so none changes with this list.
CALENDAR_CHOICES = [
    (Calendar.JALALI, gettext_lazy("Jalali (Solar Hijri)")),
    (Calendar.GREGORIAN, gettext_lazy("Gregorian")),
]


_PARTS = re.compile(r"^\s*(\d{1,4})\s*[/\-.]\s*(\d{1,2})\s*[/\-.]\s*(\d{1,4})\s*$")
JALALI_MONTHS_FA = [
    "فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور",
    "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند",
]  # fmt: skip
JALALI_MONTHS_LATIN = [
    "Farvardin", "Ordibehesht", "Khordad", "Tir", "Mordad", "Shahrivar",
    "Mehr", "Aban", "Azar", "Dey", "Bahman", "Esfand",
]  # fmt: skip
GREGORIAN_MONTHS = [
    gettext_lazy("January"), gettext_lazy("February"), gettext_lazy("March"),
    gettext_lazy("April"), gettext_lazy("May"), gettext_lazy("June"), gettext_lazy("July"),
    gettext_lazy("August"), gettext_lazy("September"), gettext_lazy("October"),
    gettext_lazy("November"), gettext_lazy("December"),
]  # fmt: skip


class InvalidDate(ValueError):
    """Raised with a translated message that forms show on the field."""


def _expand_year(year: int, digits: int, today_year: int) -> int:
    """Two-digit years pick the century that puts them at most ten years ahead."""
    if digits > 2:
        return year
    century = today_year // 100 * 100
    candidate = century + year
    return candidate - 100 if candidate > today_year + 10 else candidate


def parse_date(text: str, calendar: Calendar | str) -> dt.date:
    """Read a date typed in ``calendar``; raise InvalidDate with a translated message."""
    raw = ascii_digits(str(text)).strip()
    match = _PARTS.match(raw)
    if not match:
        raise InvalidDate(_("Enter a date such as %(example)s.") % {"example": example(calendar)})
    a, b, c = match.groups()
    try:
        if Calendar(calendar) == Calendar.JALALI:
            year = _expand_year(int(a), len(a), jdatetime.date.today().year)
            return jdatetime.date(year, int(b), int(c)).togregorian()
        if len(a) == 4:  # ISO order
            return dt.date(int(a), int(b), int(c))
        year = _expand_year(int(c), len(c), dt.date.today().year)
        return dt.date(year, int(b), int(a))
    except ValueError as exc:
        raise InvalidDate(_("This date does not exist in the calendar.")) from exc


def example(calendar: Calendar | str) -> str:
    return "1396/01/20" if Calendar(calendar) == Calendar.JALALI else "11/04/2023"


def to_jalali(value: dt.date) -> jdatetime.date:
    return jdatetime.date.fromgregorian(date=value)


def format_date(
    value: dt.date | dt.datetime | None,
    calendar: Calendar | str,
    language: str,
    style: str = "short",
) -> str:
    """Show a date in the calendar and digits of the reader.

    ``short``: 1396/01/20 (Persian digits in fa), 11/04/2023 in vi, 11 Apr 2023 in en;
    ``long``: 20 فروردین 1396, ngày 11 tháng 4 năm 2023, 11 April 2023.
    """
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    if Calendar(calendar) == Calendar.JALALI:
        j = to_jalali(value)
        if style == "long" and language == "fa":
            text = f"{j.day} {JALALI_MONTHS_FA[j.month - 1]} {j.year}"
        else:
            text = f"{j.year:04d}/{j.month:02d}/{j.day:02d}"
        return persian_digits(text) if language == "fa" else text
    if language == "vi":
        if style == "long":
            return f"ngày {value.day} tháng {value.month} năm {value.year}"
        return value.strftime("%d/%m/%Y")
    if language == "fa":
        return persian_digits(value.strftime("%Y/%m/%d"))
    return babel_format_date(value, "d MMMM y" if style == "long" else "d MMM y", locale="en")


def format_month(year: int, month: int, calendar: Calendar | str, language: str) -> str:
    """A month of ``calendar`` by name: «اردیبهشت ۱۳۹۶» in fa, 1396/02 for other readers of a
    Jalali month, "Apr 2024" / "04/2024" for Gregorian months."""
    if Calendar(calendar) == Calendar.JALALI:
        if language == "fa":
            return persian_digits(f"{JALALI_MONTHS_FA[month - 1]} {year}")
        return f"{year:04d}/{month:02d}"
    if language == "vi":
        return f"{month:02d}/{year:04d}"
    if language == "fa":
        return persian_digits(f"{year:04d}/{month:02d}")
    return babel_format_date(dt.date(year, month, 1), "MMM y", locale="en")


# Calendar months (reports bucket dates into the months of a fund's calendar) -----------------


@dataclass(frozen=True)
class Month:
    """One month of a calendar, with its first and last Gregorian day."""

    year: int
    month: int
    first: dt.date
    last: dt.date


def month_containing(day: dt.date, calendar: Calendar | str) -> Month:
    if Calendar(calendar) == Calendar.JALALI:
        j = to_jalali(day)
        first = jdatetime.date(j.year, j.month, 1)
        following = jdatetime.date(j.year + j.month // 12, j.month % 12 + 1, 1)
        return Month(
            j.year, j.month, first.togregorian(), following.togregorian() - dt.timedelta(days=1)
        )
    first = day.replace(day=1)
    following = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return Month(day.year, day.month, first, following - dt.timedelta(days=1))


def months_between(start: dt.date, end: dt.date, calendar: Calendar | str) -> list[Month]:
    """The months of ``calendar`` from the one holding ``start`` to the one holding ``end``."""
    months = [month_containing(start, calendar)]
    while months[-1].last < end:
        months.append(month_containing(months[-1].last + dt.timedelta(days=1), calendar))
    return months


def month_label(month: Month, calendar: Calendar | str, language: str) -> str:
    """``فروردین ۱۴۰۳`` / ``1403/01`` for Jalali months; ``03/2024`` / ``Mar 2024`` otherwise."""
    return format_month(month.year, month.month, calendar, language)


# Month arithmetic (loan schedules, report periods, a rotating fund's draw days) --------------


def jalali_month_days(year: int, month: int) -> int:
    if month <= 6:
        return 31
    if month <= 11:
        return 30
    return 30 if jdatetime.date(year, 1, 1).isleap() else 29


def add_months(day: dt.date, months: int, calendar: Calendar | str) -> dt.date:
    """The same day of the month ``months`` later in ``calendar``, or that month's last day."""
    if Calendar(calendar) == Calendar.JALALI:
        j = jdatetime.date.fromgregorian(date=day)
        index = j.year * 12 + (j.month - 1) + months
        year, month = divmod(index, 12)
        month += 1
        return jdatetime.date(year, month, min(j.day, jalali_month_days(year, month))).togregorian()
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, gregorian.monthrange(year, month)[1]))


def month_of(day: dt.date, calendar: Calendar | str) -> int:
    if Calendar(calendar) == Calendar.JALALI:
        return jdatetime.date.fromgregorian(date=day).month
    return day.month


def day_in_month(year: int, month: int, day: int, calendar: Calendar | str) -> dt.date:
    """Day ``day`` of a month of ``calendar``, or that month's last day when it is shorter."""
    if Calendar(calendar) == Calendar.JALALI:
        return jdatetime.date(year, month, min(day, jalali_month_days(year, month))).togregorian()
    return dt.date(year, month, min(day, gregorian.monthrange(year, month)[1]))
