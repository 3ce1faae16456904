"""The reader's calendar for this request: the user's choice, else their language's.

Kept in a context variable so that template filters, forms and PDFs all agree
without passing the request around.
"""

from contextvars import ContextVar

from django.utils.translation import get_language

from .calendars import Calendar

_calendar: ContextVar[str | None] = ContextVar("edupact_calendar", default=None)
LANGUAGE_CALENDARS = {"fa": Calendar.JALALI}


def language() -> str:
    return (get_language() or "fa").split("-")[0]


def default_calendar(lang: str) -> Calendar:
    return LANGUAGE_CALENDARS.get(lang, Calendar.GREGORIAN)


def calendar() -> Calendar:
    chosen = _calendar.get()
    return Calendar(chosen) if chosen else default_calendar(language())


def use_calendar(value: str | None):
    """Set the calendar for the current request; returns a token for reset."""
    return _calendar.set(value or None)


def reset_calendar(token) -> None:
    _calendar.reset(token)
