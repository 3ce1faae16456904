"""Pure arithmetic of the fund rules: points, fees, instalment schedules (months are counted
by ``core.calendars.add_months``).

Everything here works on integers (minor units, days) and ``Fraction`` for rates, never on
floats, so results are exact and rounding happens once, where the rule says.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from edupact.core.calendars import Calendar, add_months

from .models import FeeStrategy


def round_half_up(value: Fraction) -> int:
    """Round to the nearest integer, halves away from zero (2.5 → 3, −2.5 → −3)."""
    sign = -1 if value < 0 else 1
    return sign * int((abs(value) * 2 + 1) // 2)


def ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def as_fraction(rate: Decimal | int | str | Fraction) -> Fraction:
    return rate if isinstance(rate, Fraction) else Fraction(Decimal(str(rate)))


# Points ---------------------------------------------------------------------------------------


def money_days(postings, on: dt.date) -> int:
    """Σ a × (T − d) over postings (date, amount) dated before T — the closed form."""
    return sum(amount * (on - day).days for day, amount in postings if day < on)


def money_days_daily(postings, on: dt.date) -> int:
    """The definition, day by day: Σ of end-of-day balances over the days before T.

    Only for tests and benchmarks: it loops over days, which the ledger never does.
    """
    postings = sorted(postings)
    if not postings:
        return 0
    total, balance, i, day = 0, 0, 0, postings[0][0]
    while day < on:
        while i < len(postings) and postings[i][0] == day:
            balance += postings[i][1]
            i += 1
        total += balance
        day += dt.timedelta(days=1)
    return total


def roll_forward(md_last: int, balance: int, last: dt.date | None, on: dt.date) -> int:
    """money_days(T) from the running sums: md_last + balance × (T − last)."""
    if last is None:
        return 0
    return md_last + balance * max((on - last).days, 0)


def points_earned(md: int, days_per_unit: int) -> int:
    return md // days_per_unit if md > 0 else 0


def points_needed(amount: int, months: int, loan_factor: int) -> int:
    """A loan of ``amount`` over ``months`` needs ceil(amount × months / loan_factor)."""
    return ceil_div(amount * months, loan_factor)


# Fees and schedules -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Terms:
    """What disbursement fixes: the fee, what is paid out and the instalments (n, due, amount)."""

    fee_total: int
    paid_out: int
    schedule: list[tuple[int, dt.date, int]]

    @property
    def total_due(self) -> int:
        return sum(amount for _, _, amount in self.schedule)


def equal_split(total: int, n: int) -> list[int]:
    """floor(total / n) each; the last instalment takes the remainder."""
    each = total // n
    return [each] * (n - 1) + [total - each * (n - 1)]


def loan_terms(
    amount: int,
    months: int,
    strategy: FeeStrategy | str,
    rate_percent,
    disbursed_on: dt.date,
    calendar: Calendar | str,
) -> Terms:
    """Fee and instalment schedule of a loan under one of the fee strategies.

    - ``declining_balance``: fee = round_half_up(A × r × (n + 1) / 2400), in the instalments.
    - ``annual_on_outstanding``: r % of the principal outstanding at the start of each loan
      year (the whole loan in year 1), added to instalments 1, 13, 25, …
    - ``flat_upfront``: fee = round_half_up(A × r / 100), spread over the instalments
      (instalment ≈ A × 1.02 / n at 2 %).
    - ``deducted_at_disbursement``: fee = round_half_up(A × r / 100) kept from the payout;
      the instalments repay A.
    - ``zero``: no fee.
    Instalments are floor(total / n) each, the last taking the remainder; instalment k falls
    due k months after disbursement in the fund's calendar.
    """
    r = as_fraction(rate_percent)
    strategy = FeeStrategy(strategy)
    paid_out = amount
    if strategy == FeeStrategy.ZERO:
        fee = 0
        amounts = equal_split(amount, months)
    elif strategy == FeeStrategy.DECLINING_BALANCE:
        fee = round_half_up(Fraction(amount) * r * (months + 1) / 2400)
        amounts = equal_split(amount + fee, months)
    elif strategy == FeeStrategy.FLAT_UPFRONT:
        fee = round_half_up(Fraction(amount) * r / 100)
        amounts = equal_split(amount + fee, months)
    elif strategy == FeeStrategy.DEDUCTED_AT_DISBURSEMENT:
        fee = round_half_up(Fraction(amount) * r / 100)
        paid_out = amount - fee
        amounts = equal_split(amount, months)
    elif strategy == FeeStrategy.ANNUAL_ON_OUTSTANDING:
        amounts = equal_split(amount, months)
        fee = 0
        for k, year_fee in annual_fees(amount, months, r):
            amounts[k - 1] += year_fee
            fee += year_fee
    else:  # pragma: no cover - FeeStrategy() already refused it
        raise ValueError(strategy)
    schedule = [
        (k, add_months(disbursed_on, k, calendar), amounts[k - 1]) for k in range(1, months + 1)
    ]
    return Terms(fee_total=fee, paid_out=paid_out, schedule=schedule)


def annual_fees(amount: int, months: int, rate_percent) -> list[tuple[int, int]]:
    """``annual_on_outstanding``: (instalment number, fee) for instalments 1, 13, 25, …, each
    r % of the principal outstanding at the start of that loan year."""
    r = as_fraction(rate_percent)
    principal = equal_split(amount, months)
    fees = []
    for k in range(0, months, 12):
        outstanding = amount - sum(principal[:k])
        fees.append((k + 1, round_half_up(Fraction(outstanding) * r / 100)))
    return fees


def waivable_fee(
    amount: int,
    months: int,
    strategy: FeeStrategy | str,
    rate_percent,
    disbursed_on: dt.date,
    calendar: Calendar | str,
    on: dt.date,
) -> int:
    """The fee share of the instalments not yet due on ``on`` (due after it), which an early
    settlement waives. Counted on the loan's original schedule, so a rescheduling changes
    nothing. Only fees charged per period are waived:

    - ``declining_balance``: period k's fee is r/12 % of the principal outstanding during it,
      A × (n − k + 1) / n; the m periods not yet due are the last m, so the waiver is
      round_half_up(A × r × m × (m + 1) / (2400 × n)) — the whole fee when m = n.
    - ``annual_on_outstanding``: the year fees carried by instalments 1, 13, 25, … not yet due.
    - the other strategies charge once: nothing is waived.
    """
    strategy = FeeStrategy(strategy)
    r = as_fraction(rate_percent)
    if strategy == FeeStrategy.DECLINING_BALANCE:
        m = sum(1 for k in range(1, months + 1) if add_months(disbursed_on, k, calendar) > on)
        return round_half_up(Fraction(amount) * r * m * (m + 1) / (2400 * months))
    if strategy == FeeStrategy.ANNUAL_ON_OUTSTANDING:
        return sum(
            fee
            for k, fee in annual_fees(amount, months, r)
            if add_months(disbursed_on, k, calendar) > on
        )
    return 0
