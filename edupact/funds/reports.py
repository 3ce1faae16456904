"""Fund reports: trial balance, outstanding and overdue loans, monthly cash flow, the
dashboard's repayment figures and institutional deposits.

Every figure is a grouped query over the journal (or the loans and instalments); Python only
places the grouped rows into calendar months or adds up a handful of account classes. No
loop over postings, no loop over days.
"""

import datetime as dt
from bisect import bisect_right
from dataclasses import dataclass, field

from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from edupact.core.bounds import check_date
from edupact.core.calendars import Month, months_between
from edupact.core.scoping import Scope

from . import selectors
from .models import (
    AccountKind,
    EntryKind,
    Fund,
    FundAccount,
    Instalment,
    JournalLine,
    Loan,
    LoanStatus,
    PointsTransfer,
    TransferKind,
    day_number,
)

# The order in which account classes appear: assets, then liabilities, income, equity.
CLASS_ORDER = [
    AccountKind.POOL,
    AccountKind.LOANS_RECEIVABLE,
    AccountKind.MEMBER,
    AccountKind.FEE_INCOME,
    AccountKind.ADJUSTMENT,
]
ENABLING = [LoanStatus.APPROVED, LoanStatus.DISBURSED, LoanStatus.REPAID]


# Trial balance ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrialRow:
    """One account class (member accounts summed): its debit and credit turnover to the date,
    and the closing balance on the side where it falls."""

    kind: str
    accounts: int
    debits: int
    credits: int

    @property
    def label(self) -> str:
        return AccountKind(self.kind).label

    @property
    def balance_debit(self) -> int:
        return max(self.debits - self.credits, 0)

    @property
    def balance_credit(self) -> int:
        return max(self.credits - self.debits, 0)


@dataclass(frozen=True)
class TrialBalance:
    on: dt.date
    rows: list[TrialRow]

    def _total(self, name: str) -> int:
        return sum(getattr(r, name) for r in self.rows)

    @property
    def debits(self) -> int:
        return self._total("debits")

    @property
    def credits(self) -> int:
        return self._total("credits")

    @property
    def balance_debit(self) -> int:
        return self._total("balance_debit")

    @property
    def balance_credit(self) -> int:
        return self._total("balance_credit")

    @property
    def difference(self) -> int:
        """Zero when the ledger balances; anything else is a fault to investigate."""
        return (self.debits - self.credits) + (self.balance_debit - self.balance_credit)

    @property
    def balanced(self) -> bool:
        return self.debits == self.credits and self.balance_debit == self.balance_credit


def trial_balance(fund: Fund, on: dt.date) -> TrialBalance:
    """Debit and credit totals of every account class at ``on`` (that day's entries included):
    one GROUP BY over the lines and one over the accounts."""
    sums = {
        r["account__kind"]: r
        for r in JournalLine.objects.filter(account__fund=fund, day__lte=day_number(on))
        .values("account__kind")
        .annotate(
            debits=Sum("amount", filter=Q(amount__gt=0)),
            credits=Sum("amount", filter=Q(amount__lt=0)),
        )
    }
    opened = dict(
        FundAccount.objects.filter(fund=fund)
        .values("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )
    rows = []
    for kind in CLASS_ORDER + sorted(set(sums) - set(CLASS_ORDER)):
        s = sums.get(kind) or {}
        rows.append(
            TrialRow(
                kind=str(kind),
                accounts=opened.get(kind, 0),
                debits=s.get("debits") or 0,
                credits=-(s.get("credits") or 0),
            )
        )
    return TrialBalance(on=on, rows=rows)


def accounts_at(fund: Fund, on: dt.date, kind: str | None = None) -> list[tuple[FundAccount, int]]:
    """The accounts of a class with their balance (natural direction) at ``on``: the drill-down
    of a trial-balance row, one grouped query."""
    accounts = FundAccount.objects.filter(fund=fund).select_related("person", "organisation")
    if kind:
        accounts = accounts.filter(kind=kind)
    totals = dict(
        JournalLine.objects.filter(account__in=accounts, day__lte=day_number(on))
        .values("account_id")
        .annotate(total=Sum("amount"))
        .values_list("account_id", "total")
    )
    return [(a, a.sign * (totals.get(a.pk) or 0)) for a in accounts.order_by("kind", "id")]


# Outstanding and overdue loans ------------------------------------------------------------------


@dataclass(frozen=True)
class LoanPosition:
    loan: Loan
    next_due: dt.date | None
    overdue_amount: int = 0
    overdue_count: int = 0
    oldest_due: dt.date | None = None
    late_days: int = 0

    @property
    def late(self) -> bool:
        return self.overdue_count > 0


SORTS = {
    "late": lambda p: (-p.late_days, p.next_due or dt.date.max, p.loan.pk),
    "due": lambda p: (p.next_due or dt.date.max, p.loan.pk),
    "outstanding": lambda p: (-p.loan.outstanding, p.loan.pk),
}


def outstanding_loans(
    scope: Scope, fund: Fund, on: dt.date, *, late_only: bool = False, sort: str = "late"
) -> list[LoanPosition]:
    """Disbursed loans with what is outstanding and the next instalment due; late ones carry
    their arrears from ``selectors.arrears`` (overdue amount, instalments, late days).
    Two grouped queries; sorted by late days (most late first) unless ``sort`` says otherwise."""
    next_due = (
        Instalment.objects.current()
        .filter(loan=OuterRef("pk"), paid__lt=F("amount"))
        .order_by("n")
        .values("due")[:1]
    )
    loans = (
        selectors.loans(scope, fund)
        .filter(status=LoanStatus.DISBURSED)
        .select_related(None)  # the borrower's name only: no product, one model fewer per row
        .select_related("account__person", "account__organisation")
        .annotate(next_due=Subquery(next_due))
    )
    # The figures of ``selectors.arrears``, grouped over the late instalments by loan alone.
    late = (
        Instalment.objects.current()
        .filter(
            loan__fund=fund, loan__status=LoanStatus.DISBURSED, due__lt=on, paid__lt=F("amount")
        )
        .order_by()
        .values("loan")
        .annotate(overdue_amount=Sum(F("amount") - F("paid")), n=Count("id"), oldest=Min("due"))
    )
    arrears = {
        pk: (amount, n, oldest)
        for pk, amount, n, oldest in late.values_list("loan", "overdue_amount", "n", "oldest")
    }
    positions = []
    for loan in loans:
        late = arrears.get(loan.pk)
        if late is None:
            if not late_only:
                positions.append(LoanPosition(loan, loan.next_due))
            continue
        amount, n, oldest = late
        positions.append(
            LoanPosition(
                loan,
                loan.next_due,
                overdue_amount=amount,
                overdue_count=n,
                oldest_due=oldest,
                late_days=selectors.late_days(oldest, on),
            )
        )
    positions.sort(key=SORTS.get(sort, SORTS["late"]))
    return positions


# Monthly cash flow ------------------------------------------------------------------------------

CASH_KINDS = {
    EntryKind.DEPOSIT: "deposits",
    EntryKind.WITHDRAWAL: "withdrawals",
    EntryKind.DISBURSEMENT: "disbursements",
    EntryKind.REPAYMENT: "repayments",
}


@dataclass
class CashMonth:
    """Cash through the pool in one month of the fund's calendar. Inflows and outflows are
    positive numbers; ``other`` (reversals, adjustments) is signed; ``net`` is the change of
    the pool. ``fees`` is the fee income recognised that month (collected through the
    repayments or kept at payout), shown beside the cash, not added to it."""

    month: Month
    opening: int = 0
    deposits: int = 0
    withdrawals: int = 0
    disbursements: int = 0
    repayments: int = 0
    other: int = 0
    fees: int = 0

    @property
    def net(self) -> int:
        return self.deposits - self.withdrawals - self.disbursements + self.repayments + self.other

    @property
    def closing(self) -> int:
        return self.opening + self.net


def cash_flow(fund: Fund, start: dt.date, end: dt.date) -> list[CashMonth]:
    """Month by month in the fund's calendar, from the month holding ``start`` to the one
    holding ``end``: one GROUP BY over the pool and fee lines by day and entry kind, placed into
    months by bisection, plus one sum for the pool's opening balance. Both days lie within
    ``core.bounds`` (a day no calendar holds is refused, not converted)."""
    check_date(start, field="start")
    check_date(end, field="end")
    months = months_between(start, end, fund.calendar)
    first, last = day_number(months[0].first), day_number(months[-1].last)
    rows = (
        JournalLine.objects.filter(
            account__fund=fund,
            account__kind__in=[AccountKind.POOL, AccountKind.FEE_INCOME],
            day__gte=first,
            day__lte=last,
        )
        .values("day", "entry__kind", "account__kind")
        .annotate(total=Sum("amount"))
    )
    result = [CashMonth(m) for m in months]
    starts = [day_number(m.first) for m in months]
    for r in rows:
        bucket = result[bisect_right(starts, r["day"]) - 1]
        total = r["total"]
        if r["account__kind"] == AccountKind.FEE_INCOME:
            bucket.fees -= total  # income is a credit
            continue
        name = CASH_KINDS.get(r["entry__kind"])
        if name is None:
            bucket.other += total
        elif name in ("withdrawals", "disbursements"):
            setattr(bucket, name, getattr(bucket, name) - total)
        else:
            setattr(bucket, name, getattr(bucket, name) + total)
    opening = (
        JournalLine.objects.filter(
            account__fund=fund, account__kind=AccountKind.POOL, day__lt=first
        ).aggregate(s=Sum("amount"))["s"]
        or 0
    )
    for month in result:
        month.opening = opening
        opening = month.closing
    return result


# Dashboard --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OnTime:
    """Instalments that fell due in a period (before the day of the report) and how many of
    them were paid in full by their due date."""

    start: dt.date
    end: dt.date
    due: int
    on_time: int

    @property
    def rate(self) -> float | None:
        return self.on_time / self.due if self.due else None

    @property
    def percent(self) -> int | None:
        return None if self.rate is None else round(self.rate * 100)


def on_time_repayment(fund: Fund, start: dt.date, end: dt.date, on: dt.date) -> OnTime:
    """The on-time repayment rate.

    Counted: every instalment of the fund's paid-out loans whose due date lies in
    [start, end] and before ``on`` (an instalment due today is not judged yet). On time: the
    loan's repayments dated on or before that due date cover the instalment and every one
    before it (repayments settle the oldest instalment first, so this is exactly "paid in full
    by its due date"). Two correlated sums per instalment, one query.
    """
    earlier = (
        Instalment.objects.current()
        .filter(loan=OuterRef("loan"), n__lte=OuterRef("n"))
        .values("loan")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    repaid = (
        JournalLine.objects.filter(
            entry__loan=OuterRef("loan"),
            account__kind=AccountKind.LOANS_RECEIVABLE,
            entry__date__lte=OuterRef("due"),
        )
        .exclude(entry__kind=EntryKind.DISBURSEMENT)
        .values("entry__loan")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    zero = Value(0, output_field=IntegerField())
    judged = (
        Instalment.objects.current()
        .filter(
            loan__fund=fund,
            loan__status__in=[LoanStatus.DISBURSED, LoanStatus.REPAID],
            due__gte=start,
            due__lte=end,
            due__lt=on,
        )
        .annotate(
            owed=Subquery(earlier, output_field=IntegerField()),
            repaid=-Coalesce(Subquery(repaid, output_field=IntegerField()), zero),
        )
        .aggregate(due=Count("id"), on_time=Count("id", filter=Q(repaid__gte=F("owed"))))
    )
    return OnTime(start, end, judged["due"] or 0, judged["on_time"] or 0)


def loans_by_status(fund: Fund) -> dict[str, int]:
    """How many loans are in each state (every state listed, zero included)."""
    counts = dict(
        Loan.objects.filter(fund=fund)
        .values("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return {status: counts.get(status, 0) for status in LoanStatus.values}


# Institutional deposits -------------------------------------------------------------------------


@dataclass
class Institution:
    account: FundAccount
    enabled_loans: int
    enabled_amount: int
    points_given: int = field(default=0)

    @property
    def owner(self):
        return self.account.organisation

    @property
    def decider(self):
        """Who decides on the points: the recorded decider, else the owner of the money."""
        return (
            self.account.decider_person or self.account.decider_organisation or self.account.owner
        )


def institutions(fund: Fund) -> list[Institution]:
    """Organisation accounts with the loans their points enabled (as ``loans_enabled_by``
    defines them), counted and summed per account in one query of correlated subqueries."""
    gifts = PointsTransfer.objects.filter(
        from_account=OuterRef(OuterRef("pk")),
        to_account=OuterRef("account"),
        date__lte=OuterRef("decided_on"),
        kind__in=[TransferKind.GIFT, TransferKind.PLEDGE],
    )
    enabled = Loan.objects.filter(fund=fund, status__in=ENABLING).filter(Exists(gifts))
    count_q = enabled.values("fund").annotate(n=Count("id")).values("n")
    amount_q = enabled.values("fund").annotate(s=Sum("amount")).values("s")
    zero = Value(0, output_field=IntegerField())
    accounts = (
        FundAccount.objects.filter(fund=fund, kind=AccountKind.MEMBER, organisation__isnull=False)
        .select_related("organisation", "decider_person", "decider_organisation", "fund")
        .annotate(
            n=Coalesce(Subquery(count_q, output_field=IntegerField()), zero),
            s=Coalesce(Subquery(amount_q, output_field=IntegerField()), zero),
        )
        .order_by("id")
    )
    return [Institution(a, a.n, a.s, a.points_given) for a in accounts]


def enabled_loans(account: FundAccount) -> QuerySet:
    return selectors.loans_enabled_by(account)
