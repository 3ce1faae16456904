"""Properties (hypothesis) of the ledger, the points and the schedules.

- every entry balances (and every running sum equals the journal);
- points never go negative, at any date;
- approvals never use more points than the borrower had available;
- a schedule sums to principal plus fee (principal alone when the fee is kept at payout);
- the closed form of money-days equals the day-by-day sum.
"""

import datetime as dt
from collections import defaultdict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edupact.core import calendars
from edupact.funds import rules, selectors, services, simulator
from edupact.funds.models import (
    AccountKind,
    FeeStrategy,
    JournalEntry,
    JournalLine,
    Loan,
    LoanStatus,
    from_day_number,
)

START = dt.date(2024, 1, 1)
DB_SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

dates = st.dates(min_value=dt.date(2015, 1, 1), max_value=dt.date(2030, 12, 31))
postings = st.lists(
    st.tuples(dates, st.integers(min_value=-(10**12), max_value=10**12)), max_size=12
)


# Pure ---------------------------------------------------------------------------------------------


@given(postings=postings, on=dates)
def test_closed_form_money_days_equal_the_day_by_day_sum(postings, on):
    # Restrict to a window so that the daily loop stays quick.
    postings = [(d, a) for d, a in postings if abs((d - on).days) <= 800]
    assert rules.money_days(postings, on) == rules.money_days_daily(postings, on)


@given(
    amount=st.integers(min_value=1, max_value=10**13),
    months=st.integers(min_value=1, max_value=60),
    strategy=st.sampled_from(list(FeeStrategy)),
    rate=st.decimals(min_value=0, max_value=10, places=2),
    start=dates,
    calendar=st.sampled_from(["jalali", "gregorian"]),
)
def test_a_schedule_sums_to_principal_plus_fee(amount, months, strategy, rate, start, calendar):
    terms = rules.loan_terms(amount, months, strategy, rate, start, calendar)
    if strategy == FeeStrategy.DEDUCTED_AT_DISBURSEMENT:
        assert terms.total_due == amount
        assert terms.paid_out == amount - terms.fee_total
    else:
        assert terms.total_due == amount + terms.fee_total
        assert terms.paid_out == amount
    assert terms.fee_total >= 0 and (strategy != FeeStrategy.ZERO or terms.fee_total == 0)
    assert [n for n, _, _ in terms.schedule] == list(range(1, months + 1))
    dues = [due for _, due, _ in terms.schedule]
    assert all(a < b for a, b in zip([start, *dues], dues, strict=False))
    assert all(a >= 0 for _, _, a in terms.schedule)
    # The same day of the month, or the last day of a shorter month.
    first_day = calendars.add_months(start, 0, calendar)
    assert first_day == start


@given(
    amount=st.integers(min_value=1, max_value=10**12),
    months=st.integers(min_value=1, max_value=60),
    factor=st.integers(min_value=1, max_value=20),
)
def test_points_needed_is_the_least_cover(amount, months, factor):
    need = rules.points_needed(amount, months, factor)
    assert need * factor >= amount * months > (need - 1) * factor


# Through the services ---------------------------------------------------------------------

MEMBERS = ["a", "b", "c"]
event = st.one_of(
    st.tuples(st.just("deposit"), st.sampled_from(MEMBERS), st.integers(1, 5_000_000)),
    st.tuples(st.just("withdraw"), st.sampled_from(MEMBERS), st.integers(1, 5_000_000)),
    st.tuples(
        st.just("gift_points"),
        st.sampled_from(MEMBERS),
        st.sampled_from(MEMBERS),
        st.integers(1, 3_000_000),
        st.sampled_from(["any_loan", "zero_fee_loan"]),
        st.sampled_from(["gift", "pledge"]),
    ),
    st.tuples(
        st.just("loan_request"),
        st.sampled_from(MEMBERS),
        st.sampled_from(["fee", "free"]),
        st.integers(1, 4_000_000),
        st.integers(1, 24),
    ),
    st.tuples(st.just("allocate")),
    st.tuples(st.just("disburse"), st.integers(0, 9)),
    st.tuples(st.just("repay"), st.integers(0, 9), st.integers(1, 3_000_000)),
)
timeline = st.lists(st.tuples(st.integers(0, 60), event), min_size=1, max_size=30)


def build(steps, strategy, calendar):
    day, events, loans = START, [], []
    for gap, ev in steps:
        day += dt.timedelta(days=gap)
        on = day.isoformat() if calendar == "gregorian" else _jalali(day)
        kind = ev[0]
        if kind in ("deposit", "withdraw"):
            events.append({"on": on, "type": kind, "member": ev[1], "amount": ev[2]})
        elif kind == "gift_points":
            if ev[1] == ev[2]:
                continue
            events.append(
                {
                    "on": on,
                    "type": kind,
                    "from": ev[1],
                    "to": ev[2],
                    "points": ev[3],
                    "use": ev[4],
                    "kind": ev[5],
                }
            )
        elif kind == "loan_request":
            loans.append(f"L{len(loans)}")
            events.append(
                {
                    "on": on,
                    "type": kind,
                    "id": loans[-1],
                    "member": ev[1],
                    "product": ev[2],
                    "amount": ev[3],
                    "months": ev[4],
                }
            )
        elif kind == "allocate":
            events.append({"on": on, "type": kind})
        elif loans:
            ref = loans[ev[1] % len(loans)]
            events.append(
                {"on": on, "type": kind, "loan": ref}
                | ({"amount": ev[2]} if kind == "repay" else {})
            )
    return {
        "fund": {
            "calendar": calendar,
            "currency": "IRR",
            "points": {"days_per_unit": 30, "loan_factor": 10, "min_history_days": 20},
            "products": [
                {
                    "code": "fee",
                    "max_amount": 3_000_000,
                    "max_months": 24,
                    "fee": {"strategy": strategy, "annual_rate_percent": 4},
                    "open_requests": 100,
                },
                {
                    "code": "free",
                    "max_amount": 3_000_000,
                    "fee": {"strategy": "zero"},
                    "open_requests": 100,
                },
            ],
        },
        "members": [{"id": m} for m in MEMBERS],
        "events": events,
        "report_on": events[-1]["on"] if events else on,
    }


def _jalali(day):
    from edupact.core.calendars import to_jalali

    j = to_jalali(day)
    return f"{j.year:04d}/{j.month:02d}/{j.day:02d}"


@pytest.mark.django_db
@DB_SETTINGS
@given(
    steps=timeline,
    strategy=st.sampled_from([s.value for s in FeeStrategy if s != FeeStrategy.ZERO]),
    calendar=st.sampled_from(["gregorian", "jalali"]),
)
def test_any_sequence_of_events_keeps_the_ledger_sound(steps, strategy, calendar):
    data = build(steps, strategy, calendar)
    scenario = simulator.load(data)
    seen = {}

    def inspect(fund, accounts, loans):
        # Every entry balances; every running sum equals the journal; loans add up.
        assert services.verify(fund) == []
        for entry in JournalEntry.objects.filter(fund=fund):
            assert sum(entry.lines.values_list("amount", flat=True)) == 0
        # Points never negative, on every date anything happened.
        members = list(fund.accounts.filter(kind=AccountKind.MEMBER))
        for on in sorted({e["on"] for e in scenario.events}):
            for p in selectors.points_at(fund, on, members).values():
                assert p.available >= 0 and p.earned >= 0 and p.balance >= 0
        # Approvals never used more than was available just before them: replay each day's
        # approvals against the points at the end of the previous state.
        for loan in Loan.objects.filter(fund=fund, status__in=_decided()).order_by("decided_on"):
            before = selectors.points_at(fund, loan.decided_on, [loan.account])[loan.account_id]
            assert before.available >= 0
            assert loan.points_used == loan.points_needed
        # Schedules sum to principal plus fee.
        for loan in Loan.objects.filter(fund=fund, disbursed_on__isnull=False):
            total = sum(loan.instalments.values_list("amount", flat=True))
            kept = loan.product.fee_strategy == FeeStrategy.DEDUCTED_AT_DISBURSEMENT
            assert total == loan.amount + (0 if kept else loan.fee_total)
        # The closed form equals the day-by-day sum over each account's own postings.
        by_account = defaultdict(list)
        for line in JournalLine.objects.filter(account__in=members).select_related("account"):
            by_account[line.account_id].append(
                (from_day_number(line.day), line.amount * line.account.sign)
            )
        for account in members:
            seen[account.pk] = (
                selectors.account_points(account, scenario.report_on).money_days,
                rules.money_days_daily(by_account[account.pk], scenario.report_on),
            )

        # The fund page's totals (one aggregate over the running sums) equal the sum of every
        # member's own points, at each event's date (postings after it included) and later.
        days = sorted({e["on"] for e in scenario.events})
        for on in [*days, days[-1] + dt.timedelta(days=45)] if days else []:
            _summary_matches_each_account(fund, members, on)

    simulator.run(scenario, inspect=inspect)
    for closed, daily in seen.values():
        assert closed == daily


def _summary_matches_each_account(fund, members, on):
    each = [selectors.account_points(a, on) for a in members]
    summary = selectors.fund_summary(fund, on)
    assert summary["members"] == len(members)
    assert summary["deposits"] == sum(p.balance for p in each)
    assert summary["points_available"] == sum(p.available for p in each)


def _decided():
    return [LoanStatus.APPROVED, LoanStatus.DISBURSED, LoanStatus.REPAID]


@pytest.mark.django_db
@DB_SETTINGS
@given(
    wants=st.lists(
        st.tuples(st.sampled_from(MEMBERS), st.integers(1, 2_000_000), st.integers(1, 12)),
        min_size=1,
        max_size=8,
    ),
    gifts=st.lists(
        st.tuples(st.sampled_from(MEMBERS), st.sampled_from(MEMBERS), st.integers(1, 900_000)),
        max_size=6,
    ),
)
def test_approvals_never_use_more_points_than_available(wants, gifts):
    """Many requests and gifts competing for the same points: the total used by each
    borrower never exceeds what they earned and received less what they gave."""
    events = [
        {"on": "2024-01-01", "type": "deposit", "member": m, "amount": 300_000} for m in MEMBERS
    ]
    gift_at = []  # (giver, receiver, points, index of the event)
    for giver, receiver, pts in gifts:
        if giver != receiver:
            gift_at.append((giver, receiver, pts, len(events)))
            events.append(
                {
                    "on": "2024-03-01",
                    "type": "gift_points",
                    "from": giver,
                    "to": receiver,
                    "points": pts,
                }
            )
    for i, (member, amount, months) in enumerate(wants):
        events.append(
            {
                "on": "2024-03-01",
                "type": "loan_request",
                "id": f"L{i}",
                "member": member,
                "product": "p",
                "amount": amount,
                "months": months,
            }
        )
    events.append({"on": "2024-03-02", "type": "allocate"})
    data = {
        "fund": {
            "calendar": "gregorian",
            "currency": "VND",
            "points": {"days_per_unit": 1, "loan_factor": 10, "min_history_days": 0},
            "products": [
                {
                    "code": "p",
                    "max_amount": 10**9,
                    "fee": {"strategy": "zero"},
                    "open_requests": 100,
                }
            ],
        },
        "members": [{"id": m} for m in MEMBERS],
        "events": events,
        "report_on": "2024-03-02",
    }
    out = simulator.simulate(data)
    # Each member earned 300,000 × 61 days (1 point per money-day) by 2024-03-02.
    earned = 300_000 * 61
    for m in MEMBERS:
        assert out["members"][m]["points_earned"] == earned
        assert out["members"][m]["points_available"] >= 0
    for m in MEMBERS:
        used = sum(
            loan["points_used"]
            for i, loan in enumerate(out["loans"].values())
            if wants[i][0] == m and loan["status"] == "approved"
        )
        refused = {r["index"] for r in out["rejected_events"]}
        given = sum(p for g, _, p, i in gift_at if g == m and i not in refused)
        received = sum(p for _, r, p, i in gift_at if r == m and i not in refused)
        assert used <= earned + received - given
        assert out["members"][m]["points_available"] == earned + received - given - used
