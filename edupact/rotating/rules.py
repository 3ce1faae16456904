"""Pure arithmetic of rotating funds: months of the cycle, their draw dates, the split of a pot.

Integers only, so that the parts of a payout sum exactly to the pot. Reads nothing from the
database: a fund's dates come from its own fields (start month, draw day, calendar).
"""

import datetime as dt
from collections.abc import Sequence

from edupact.core import calendars


def calendar_month(start_year: int, start_month: int, n: int) -> tuple[int, int]:
    """(year, month) of month ``n`` of the cycle, month 1 being the start month."""
    year, month = divmod(start_year * 12 + start_month - 1 + n - 1, 12)
    return year, month + 1


def split_pot(pot: int, numerators: Sequence[int], denominator: int) -> list[int]:
    """Split ``pot`` in proportion to ``numerators / denominator`` (which sum to one whole).

    Each part is floor(pot × k / d); the units left over go one each to the largest
    remainders, ties to the earlier share, so the parts always sum to ``pot`` and the same
    shares always get the same amounts (the largest remainder method).
    """
    if sum(numerators) != denominator:
        raise ValueError("the shares of a code must sum to one whole")
    parts = [pot * k // denominator for k in numerators]
    remainders = [pot * k % denominator for k in numerators]
    left = pot - sum(parts)
    order = sorted(range(len(parts)), key=lambda i: (-remainders[i], i))
    for i in order[:left]:
        parts[i] += 1
    return parts


def month_date(fund, n: int) -> dt.date:
    """The draw date of month ``n``; that month's dues are due by then."""
    year, month = calendar_month(fund.start_year, fund.start_month, n)
    return calendars.day_in_month(year, month, fund.draw_day, fund.calendar)


def start_date(fund) -> dt.date:
    return calendars.day_in_month(fund.start_year, fund.start_month, 1, fund.calendar)
