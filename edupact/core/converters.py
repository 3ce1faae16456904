"""Years typed into addresses and query strings, within ``core.bounds`` (YEAR_MIN … YEAR_MAX).

A page about a year outside the bounds does not exist: the ``year`` path converter does not
match it (404, the product's not-found page), and a ``?year=`` outside them is as if absent.
Neither reaches a selector that would build ``date(0, 1, 1)`` or ask the database about a
number it cannot store.
"""

from .bounds import YEAR_MAX, YEAR_MIN


class YearConverter:
    """``<year:year>``: a year within the bounds. Any digits match the address (a page may
    reverse the placeholder ``0`` and put the chosen year in its place in the browser), but
    only a year within the bounds reaches the view."""

    regex = "[0-9]+"

    def to_python(self, value: str) -> int:
        year = int(value)
        if not YEAR_MIN <= year <= YEAR_MAX:
            raise ValueError(value)  # Django: this address matches no page
        return year

    def to_url(self, value) -> str:
        return str(value)


def query_year(value) -> int | None:
    """A year from a query string or form (ASCII or Persian digits), or None when it is
    missing, not a number or outside the bounds."""
    from .text import ascii_digits

    text = ascii_digits(str(value or "")).strip()
    if not text.isdigit() or len(text) > 4:
        return None
    year = int(text)
    return year if YEAR_MIN <= year <= YEAR_MAX else None
