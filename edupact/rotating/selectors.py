"""Reads of rotating funds: scoped lists, the dues grid, arrears and the draw history.

The grid and the arrears come from one grouped query over the fund's payments (a sum per
code and month), whatever the number of rows.
"""

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction

from django.core.paginator import Paginator
from django.db.models import OuterRef, Prefetch, Q, Subquery, Sum

from edupact.core import preferences
from edupact.core.calendars import format_month
from edupact.core.scoping import Scope

from . import rules
from .models import Code, Draw, DuePayment, Payout, RotatingFund, Share


def funds(scope: Scope):
    return scope.filter(RotatingFund.objects.select_related("organisation"))


def holders_on(code: Code, day: dt.date):
    """The shares of ``code`` held on ``day``, in a stable order."""
    return (
        code.shares.filter(valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))
        .select_related("person", "organisation")
        .order_by("valid_from", "id")
    )


def not_won(fund: RotatingFund) -> list[int]:
    won = fund.draws.values_list("code__number", flat=True)
    return list(
        fund.codes.exclude(number__in=won).order_by("number").values_list("number", flat=True)
    )


def next_month(fund: RotatingFund) -> int | None:
    """The month whose draw comes next; None once every code has won."""
    done = fund.draws.count()
    return done + 1 if done < fund.codes_count else None


@dataclass(frozen=True)
class Month:
    n: int
    label: str
    draw_date: dt.date
    past: bool  # its dues are due (the draw day has come)


def dues_date(fund: RotatingFund, today: dt.date) -> dt.date:
    """The day up to which dues count as owed: today, but never past the draw day of the next
    month still to draw. A month's dues pay that month's pot, so while its draw waits (a
    leader late, a fund paused) the months after it are not yet owed."""
    upcoming = next_month(fund)
    return min(today, rules.month_date(fund, upcoming)) if upcoming else today


def months(fund: RotatingFund, today: dt.date, language: str | None = None) -> list[Month]:
    """The cycle's months, named in the fund's calendar and the reader's language; ``past``
    when their dues are owed (see ``dues_date``)."""
    language = language or preferences.language()
    owed_until = dues_date(fund, today)
    result = []
    for n in range(1, fund.codes_count + 1):
        year, month = rules.calendar_month(fund.start_year, fund.start_month, n)
        day = rules.month_date(fund, n)
        result.append(
            Month(n, format_month(year, month, fund.calendar, language), day, day <= owed_until)
        )
    return result


def current_shares(day: dt.date):
    return Share.objects.filter(valid_from__lte=day).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=day)
    )


def codes(scope: Scope, fund: RotatingFund, day: dt.date):
    """The codes the reader may see (a member: their own), with the holders on ``day``."""
    holders = (
        current_shares(day).select_related("person", "organisation").order_by("valid_from", "id")
    )
    return (
        scope.filter(Code.objects.filter(fund=fund))
        .prefetch_related(Prefetch("shares", queryset=holders, to_attr="holders"))
        .order_by("number")
    )


def paid(fund: RotatingFund) -> dict[tuple[int, int], int]:
    """Σ payments per (code id, month), reversals included: one grouped query."""
    rows = (
        DuePayment.objects.filter(fund=fund)
        .values("code_id", "month")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return {(r["code_id"], r["month"]): r["total"] for r in rows}


@dataclass
class CodeRow:
    code: Code
    cells: list[tuple[int, str]]  # (amount paid, "paid" | "partial" | "unpaid" | "future")
    owed: int = 0
    unpaid_months: list[str] = field(default_factory=list)
    won_label: str = ""
    holders: list[tuple[Share, str]] = field(default_factory=list)  # (share, "1/2")


def grid(fund: RotatingFund, visible_codes, month_list: list[Month]) -> list[CodeRow]:
    """One row per code: what was paid for each month and what is owed for past months."""
    sums = paid(fund)
    won = dict(fund.draws.values_list("code_id", "month"))
    labels = {m.n: m.label for m in month_list}
    rows = []
    for code in visible_codes:
        row = CodeRow(code, [], won_label=labels.get(won.get(code.pk), ""))
        row.holders = [
            (s, _fraction(s.numerator, fund.share_denominator))
            for s in getattr(code, "holders", [])
        ]
        for m in month_list:
            amount = sums.get((code.pk, m.n), 0)
            if amount >= fund.due:
                state = "paid"
            elif not m.past:
                state = "partial" if amount else "future"
            else:
                state = "partial" if amount else "unpaid"
                row.owed += fund.due - amount
                row.unpaid_months.append(m.label)
            row.cells.append((amount, state))
        rows.append(row)
    return rows


def _fraction(numerator: int, denominator: int) -> str:
    f = Fraction(numerator, denominator)
    return str(f.numerator) if f.denominator == 1 else f"{f.numerator}/{f.denominator}"


@dataclass(frozen=True)
class Arrear:
    holder: object
    share: Share
    code: Code
    months: list[str]
    amount: int  # the holder's part of what the code owes


def arrears(fund: RotatingFund, rows: list[CodeRow], day: dt.date) -> list[Arrear]:
    """Who owes what: each code's unpaid dues split among its holders on ``day`` in
    proportion to their parts (the same largest-remainder split as a payout)."""
    result = []
    for row in rows:
        if not row.owed:
            continue
        shares = getattr(row.code, "holders", None) or list(holders_on(row.code, day))
        parts = rules.split_pot(row.owed, [s.numerator for s in shares], fund.share_denominator)
        for share, amount in zip(shares, parts, strict=True):
            result.append(Arrear(share.holder, share, row.code, row.unpaid_months, amount))
    return result


def draws(scope: Scope, fund: RotatingFund):
    payouts = Payout.objects.select_related("share__person", "share__organisation")
    return (
        scope.filter(Draw.objects.filter(fund=fund))
        .select_related("code", "drawn_by")
        .prefetch_related(Prefetch("payouts", queryset=payouts))
        .order_by("month")
    )


@dataclass(frozen=True)
class DrawRow:
    draw: Draw
    label: str
    payouts: list[tuple[Payout, str]]  # (payout, "1/2")


def draw_history(scope: Scope, fund: RotatingFund, month_list: list[Month]) -> list[DrawRow]:
    labels = {m.n: m.label for m in month_list}
    return [
        DrawRow(
            d,
            labels[d.month],
            [(p, _fraction(p.numerator, fund.share_denominator)) for p in d.payouts.all()],
        )
        for d in draws(scope, fund)
    ]


def payments(scope: Scope, fund: RotatingFund, *, month: int | None = None):
    """The payments the reader may see (of one month of the cycle if given), newest first,
    each knowing whether it was reversed."""
    reversal = DuePayment.objects.filter(reverses=OuterRef("pk")).values("pk")[:1]
    qs = scope.filter(DuePayment.objects.filter(fund=fund))
    if month is not None:
        qs = qs.filter(month=month)
    return (
        qs.select_related("code")
        .annotate(reversal_id=Subquery(reversal))
        .order_by("-paid_on", "-id")
    )


def payments_page(
    scope: Scope, fund: RotatingFund, month_list: list[Month], number, *, month: int | None = None
):
    """One page of 50 payments, each with its month's label."""
    page = Paginator(payments(scope, fund, month=month), 50).get_page(number)
    labels = {m.n: m.label for m in month_list}
    page.object_list = list(page.object_list)
    for p in page.object_list:
        p.month_label = labels.get(p.month, str(p.month))
    return page


def fund_summary(fund: RotatingFund) -> dict:
    collected = DuePayment.objects.filter(fund=fund).aggregate(t=Sum("amount"))["t"] or 0
    drawn = fund.draws.count()
    return {
        "pot": fund.pot,
        "collected": collected,
        "paid_out": fund.draws.aggregate(t=Sum("pot"))["t"] or 0,
        "drawn": drawn,
        "left": fund.codes_count - drawn,
        "finished": drawn == fund.codes_count,
    }
