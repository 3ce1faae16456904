"""Report endpoints under /api/v1/funds/{id}/reports/…, for readers of the kanoon's subtree.

A member, who reaches the fund through their own account, gets 404 like any record outside
their scope. Amounts are minor units (integers), dates ISO.
"""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema

from edupact.accounts.selectors import scope_for, scoped_get_or_404
from edupact.core import calendars
from edupact.core.bounds import MoneyDay
from edupact.core.problems import problem

from . import reports
from .models import Fund, FundAccount

router = Router(tags=["fund reports"])


class TrialRowOut(Schema):
    kind: str
    accounts: int
    debits: int
    credits: int
    balance_debit: int
    balance_credit: int


class TrialBalanceOut(Schema):
    fund_id: int
    currency: str
    on: dt.date
    rows: list[TrialRowOut]
    debits: int
    credits: int
    balance_debit: int
    balance_credit: int
    balanced: bool


class CashMonthOut(Schema):
    year: int
    month: int
    first_day: dt.date
    last_day: dt.date
    opening: int
    deposits: int
    withdrawals: int
    disbursements: int
    repayments: int
    other: int
    net: int
    closing: int
    fees: int


class CashFlowOut(Schema):
    fund_id: int
    currency: str
    calendar: str
    months: list[CashMonthOut]


class LoanPositionOut(Schema):
    loan_id: int
    reference: str
    account_id: int
    borrower: str
    amount: int
    outstanding: int
    next_due: dt.date | None
    overdue_amount: int
    overdue_instalments: int
    oldest_due: dt.date | None
    late_days: int


class OverdueOut(Schema):
    fund_id: int
    currency: str
    on: dt.date
    loans: list[LoanPositionOut]


class InstitutionOut(Schema):
    account_id: int
    organisation_id: int
    organisation: str
    decider_person_id: int | None
    decider_organisation_id: int | None
    decider: str
    balance: int
    points_given: int
    loans_enabled: int
    amount_enabled: int


class EnabledLoanOut(Schema):
    id: int
    reference: str
    account_id: int
    borrower: str
    amount: int
    months: int
    status: str
    decided_on: dt.date | None


def _fund(request, pk: int) -> Fund:
    return scoped_get_or_404(request.user, Fund, pk)


@router.get("/{pk}/reports/trial-balance", response=TrialBalanceOut)
def trial_balance(request, pk: int, on: MoneyDay | None = None):
    """Debit and credit totals of every account class at ``on`` (today by default)."""
    fund = _fund(request, pk)
    tb = reports.trial_balance(fund, on or timezone.localdate())
    return {
        "fund_id": fund.pk,
        "currency": fund.currency,
        "on": tb.on,
        "rows": [
            {
                "kind": r.kind,
                "accounts": r.accounts,
                "debits": r.debits,
                "credits": r.credits,
                "balance_debit": r.balance_debit,
                "balance_credit": r.balance_credit,
            }
            for r in tb.rows
        ],
        "debits": tb.debits,
        "credits": tb.credits,
        "balance_debit": tb.balance_debit,
        "balance_credit": tb.balance_credit,
        "balanced": tb.balanced,
    }


@router.get("/{pk}/reports/cash-flow", response=CashFlowOut)
def cash_flow(request, pk: int, start: MoneyDay | None = None, end: MoneyDay | None = None):
    """Month by month in the fund's calendar (the last twelve months by default)."""
    fund = _fund(request, pk)
    end = end or timezone.localdate()
    start = start or calendars.add_months(end, -11, fund.calendar)
    if start > end or (end - start).days > 366 * 10:
        return problem(
            request, 422, _("Invalid period"), _("Choose a period of at most ten years.")
        )
    months = reports.cash_flow(fund, start, end)
    return {
        "fund_id": fund.pk,
        "currency": fund.currency,
        "calendar": fund.calendar,
        "months": [
            {
                "year": m.month.year,
                "month": m.month.month,
                "first_day": m.month.first,
                "last_day": m.month.last,
                "opening": m.opening,
                "deposits": m.deposits,
                "withdrawals": m.withdrawals,
                "disbursements": m.disbursements,
                "repayments": m.repayments,
                "other": m.other,
                "net": m.net,
                "closing": m.closing,
                "fees": m.fees,
            }
            for m in months
        ],
    }


@router.get("/{pk}/reports/overdue", response=OverdueOut)
def overdue(request, pk: int, late_only: bool = False, sort: str = "late"):
    """Paid-out loans with outstanding and next due; arrears and late days for late ones."""
    fund = _fund(request, pk)
    on = timezone.localdate()
    positions = reports.outstanding_loans(
        scope_for(request.user), fund, on, late_only=late_only, sort=sort
    )
    return {
        "fund_id": fund.pk,
        "currency": fund.currency,
        "on": on,
        "loans": [
            {
                "loan_id": p.loan.pk,
                "reference": p.loan.reference,
                "account_id": p.loan.account_id,
                "borrower": p.loan.account.owner_name,
                "amount": p.loan.amount,
                "outstanding": p.loan.outstanding,
                "next_due": p.next_due,
                "overdue_amount": p.overdue_amount,
                "overdue_instalments": p.overdue_count,
                "oldest_due": p.oldest_due,
                "late_days": p.late_days,
            }
            for p in positions
        ],
    }


@router.get("/{pk}/reports/institutions", response=list[InstitutionOut])
def institutions(request, pk: int):
    """Organisation accounts: who owns the money, who decides on its points, loans enabled."""
    fund = _fund(request, pk)
    return [
        {
            "account_id": r.account.pk,
            "organisation_id": r.account.organisation_id,
            "organisation": str(r.owner),
            "decider_person_id": r.account.decider_person_id,
            "decider_organisation_id": r.account.decider_organisation_id,
            "decider": str(r.decider),
            "balance": r.account.balance,
            "points_given": r.points_given,
            "loans_enabled": r.enabled_loans,
            "amount_enabled": r.enabled_amount,
        }
        for r in reports.institutions(fund)
    ]


@router.get("/accounts/{pk}/enabled-loans", response=list[EnabledLoanOut])
def enabled_loans(request, pk: int):
    """The loans an account's points enabled (for an organisation's directed money)."""
    account = scoped_get_or_404(request.user, FundAccount, pk)
    return [
        {
            "id": loan.pk,
            "reference": loan.reference,
            "account_id": loan.account_id,
            "borrower": loan.account.owner_name,
            "amount": loan.amount,
            "months": loan.months,
            "status": loan.status,
            "decided_on": loan.decided_on,
        }
        for loan in reports.enabled_loans(account)
    ]
