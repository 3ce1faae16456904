"""Pure fund arithmetic: rounding, calendar months, fees and schedules, points formulas.

Every expected number is worked out by hand in the comment next to it.
"""

import datetime as dt
from fractions import Fraction

import jdatetime
import pytest

from edupact.core import calendars
from edupact.funds import rules
from edupact.funds.models import FeeStrategy


def j(y, m, d):
    return jdatetime.date(y, m, d).togregorian()


@pytest.mark.parametrize(
    ("value", "expected"),
    [(Fraction(5, 2), 3), (Fraction(3, 2), 2), (Fraction(7, 3), 2), (Fraction(-5, 2), -3), (0, 0)],
)
def test_round_half_up(value, expected):
    assert rules.round_half_up(Fraction(value)) == expected


def test_points_needed_rounds_up():
    # 200 M toman = 2,000,000,000 rials over 10 months: 2e9 × 10 / 10 = 2e9 points.
    assert rules.points_needed(2_000_000_000, 10, 10) == 2_000_000_000
    # 100 M toman over 20 months needs the same.
    assert rules.points_needed(1_000_000_000, 20, 10) == 2_000_000_000
    # 7 × 3 / 10 = 2.1 → 3.
    assert rules.points_needed(7, 3, 10) == 3


def test_held_180_days_earns_a_ten_month_loan_of_the_same_amount():
    # 2e9 held 180 days: money-days 2e9 × 180 = 3.6e11; / 180 = 2e9 points = the need above.
    start = dt.date(2017, 4, 9)
    md = rules.money_days([(start, 2_000_000_000)], start + dt.timedelta(days=180))
    assert md == 360_000_000_000
    assert rules.points_earned(md, 180) == rules.points_needed(2_000_000_000, 10, 10)


def test_money_days_counts_days_strictly_before():
    # A posting on T itself adds nothing to money_days(T); one the day before adds a × 1.
    day = dt.date(2024, 1, 10)
    assert rules.money_days([(day, 100)], day) == 0
    assert rules.money_days([(day, 100)], day + dt.timedelta(days=1)) == 100
    assert rules.money_days_daily([(day, 100)], day + dt.timedelta(days=1)) == 100
    # 100 on the 10th, −40 on the 13th, at the 15th: 100×5 − 40×2 = 420 (daily: 100,100,100,60,60).
    postings = [(day, 100), (dt.date(2024, 1, 13), -40)]
    assert rules.money_days(postings, dt.date(2024, 1, 15)) == 420
    assert rules.money_days_daily(postings, dt.date(2024, 1, 15)) == 420


def test_roll_forward_from_running_sums():
    # md 500 at the 10th with balance 60: at the 15th, 500 + 60 × 5 = 800.
    assert rules.roll_forward(500, 60, dt.date(2024, 1, 10), dt.date(2024, 1, 15)) == 800
    assert rules.roll_forward(0, 0, None, dt.date(2024, 1, 15)) == 0


class TestMonths:
    def test_jalali_month_lengths(self):
        lengths = [calendars.jalali_month_days(1403, m) for m in range(1, 13)]
        assert lengths == [31] * 6 + [30] * 5 + [30]  # 1403 is a leap year: Esfand has 30 days
        assert calendars.jalali_month_days(1404, 12) == 29

    def test_same_day_next_month_in_jalali(self):
        # 1396/07/15 + 1 month = 1396/08/15 (2017-11-06), not 2017-11-07.
        assert (
            calendars.add_months(j(1396, 7, 15), 1, "jalali")
            == j(1396, 8, 15)
            == dt.date(2017, 11, 6)
        )

    def test_jalali_end_of_month(self):
        # Shahrivar 31 → Mehr has 30 days → 1403/07/30.
        assert calendars.add_months(j(1403, 6, 31), 1, "jalali") == j(1403, 7, 30)
        # Bahman 30 → Esfand 1403 has 30 days (leap), Esfand 1404 only 29.
        assert calendars.add_months(j(1403, 11, 30), 1, "jalali") == j(1403, 12, 30)
        assert calendars.add_months(j(1404, 11, 30), 1, "jalali") == j(1404, 12, 29)
        assert j(1404, 12, 29) == dt.date(2026, 3, 20)
        # Across the year: 1403/12/30 + 12 months = 1404/12/29.
        assert calendars.add_months(j(1403, 12, 30), 12, "jalali") == j(1404, 12, 29)

    def test_gregorian_end_of_month(self):
        assert calendars.add_months(dt.date(2024, 1, 31), 1, "gregorian") == dt.date(2024, 2, 29)
        assert calendars.add_months(dt.date(2024, 1, 31), 13, "gregorian") == dt.date(2025, 2, 28)
        assert calendars.add_months(dt.date(2024, 8, 31), 4, "gregorian") == dt.date(2024, 12, 31)


class TestFees:
    start = dt.date(2024, 1, 31)

    def terms(self, amount, months, strategy, rate, calendar="gregorian"):
        return rules.loan_terms(amount, months, strategy, rate, self.start, calendar)

    def test_declining_balance(self):
        # 2e9 × 2 × 11 / 2400 = 18,333,333.33 → 18,333,333; total 2,018,333,333;
        # floor(total / 10) = 201,833,333 nine times, the last 201,833,336.
        t = self.terms(2_000_000_000, 10, FeeStrategy.DECLINING_BALANCE, 2)
        assert t.fee_total == 18_333_333
        assert [a for _, _, a in t.schedule] == [201_833_333] * 9 + [201_833_336]
        assert t.total_due == 2_018_333_333
        assert t.paid_out == 2_000_000_000

    def test_declining_balance_rounds_half_up(self):
        # 600 × 2 × 3 / 2400 = 1.5 → 2.
        assert self.terms(600, 2, FeeStrategy.DECLINING_BALANCE, 2).fee_total == 2

    def test_zero(self):
        t = self.terms(1000, 3, FeeStrategy.ZERO, 0)
        assert t.fee_total == 0
        assert [a for _, _, a in t.schedule] == [333, 333, 334]

    def test_flat_upfront(self):
        # 1e8 × 2 % = 2,000,000; 102,000,000 / 12 = 8,500,000 each (≈ A × 1.02 / n).
        t = self.terms(100_000_000, 12, FeeStrategy.FLAT_UPFRONT, 2)
        assert t.fee_total == 2_000_000
        assert {a for _, _, a in t.schedule} == {8_500_000}

    def test_deducted_at_disbursement(self):
        # 4 % of 1e8 = 4,000,000 kept back: 96,000,000 paid out, 1e8 repaid as
        # 8,333,333 × 11 + 8,333,337.
        t = self.terms(100_000_000, 12, FeeStrategy.DEDUCTED_AT_DISBURSEMENT, 4)
        assert (t.fee_total, t.paid_out, t.total_due) == (4_000_000, 96_000_000, 100_000_000)
        assert [a for _, _, a in t.schedule] == [8_333_333] * 11 + [8_333_337]

    def test_annual_on_outstanding(self):
        # 24,000,000 over 24 months at 2 %: principal 1,000,000 a month; year 1 fee 2 % of
        # 24,000,000 = 480,000 with instalment 1; year 2 fee 2 % of the 12,000,000 left after
        # 12 instalments = 240,000 with instalment 13.
        t = self.terms(24_000_000, 24, FeeStrategy.ANNUAL_ON_OUTSTANDING, 2)
        amounts = [a for _, _, a in t.schedule]
        assert t.fee_total == 720_000
        assert amounts[0] == 1_480_000 and amounts[12] == 1_240_000
        assert amounts.count(1_000_000) == 22
        assert t.total_due == 24_720_000

    def test_fractional_rate(self):
        # 1,000,000 × 2.5 × 13 / 2400 = 13,541.67 → 13,542.
        t = self.terms(1_000_000, 12, FeeStrategy.DECLINING_BALANCE, "2.5")
        assert t.fee_total == 13_542

    def test_due_dates_follow_the_calendar(self):
        t = rules.loan_terms(900, 3, FeeStrategy.ZERO, 0, j(1403, 11, 30), "jalali")
        assert [due for _, due, _ in t.schedule] == [
            j(1403, 12, 30),
            j(1404, 1, 30),
            j(1404, 2, 30),
        ]
