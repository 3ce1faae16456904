"""Report pages of a fund (trial balance, accounts, cash flow, loans outstanding and overdue,
institutional deposits) and the dashboard's charts. Readers of the kanoon's subtree only: a
member, who sees the fund through their own account, does not see its reports (404)."""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from edupact.accounts.selectors import scope_for, scoped_get_or_404
from edupact.core import calendars, charts, exports, preferences
from edupact.core.bounds import MONEY_DATE_MIN, check_date
from edupact.core.calendars import InvalidDate, month_label, parse_date
from edupact.core.money import Money, format_money, format_number

from . import reports, tables
from .models import AccountKind, Fund, LoanStatus


def report_fund(request, pk) -> Fund:
    return scoped_get_or_404(request.user, Fund, pk, select=["kanoon"])


def _day(request, name: str, default: dt.date | None) -> dt.date | None:
    """A date typed in the reader's calendar (``?on=1403/01/20``), else ``default``; a date
    outside the funds' days (``MONEY_DATE_MIN`` … ``DATE_MAX``) is refused (InvalidDate)."""
    text = request.GET.get(name, "").strip()
    if not text:
        return default
    day = parse_date(text, preferences.calendar())
    try:
        return check_date(day, earliest=MONEY_DATE_MIN)
    except ValidationError as exc:
        raise InvalidDate(" ".join(exc.messages)) from exc


def _bad(message) -> HttpResponseBadRequest:
    return HttpResponseBadRequest(str(message), content_type="text/plain; charset=utf-8")


def _render(request, template, fund, title, **context):
    return render(request, template, {"fund": fund, "title": title, **context})


@login_required
def trial_balance(request, pk):
    fund = report_fund(request, pk)
    try:
        on = _day(request, "on", timezone.localdate())
    except InvalidDate as exc:
        return _bad(exc)
    tb = reports.trial_balance(fund, on)
    if exports.requested(request):
        headers, rows = tables.trial_balance(fund, tb)
        return exports.export_response(request, f"trial-balance-{fund.pk}-{on}", headers, rows)
    return _render(
        request, "funds/reports/trial_balance.html", fund, _("Trial balance"), tb=tb, on=on
    )


@login_required
def accounts(request, pk):
    """The accounts behind a trial-balance row, each with its balance at the date."""
    fund = report_fund(request, pk)
    kind = request.GET.get("kind", "")
    if kind and kind not in AccountKind.values:
        return _bad(_("Unknown account class."))
    try:
        on = _day(request, "on", timezone.localdate())
    except InvalidDate as exc:
        return _bad(exc)
    rows = reports.accounts_at(fund, on, kind or None)
    if exports.requested(request):
        headers, data = tables.accounts(fund, rows)
        return exports.export_response(request, f"accounts-{fund.pk}-{on}", headers, data)
    return _render(
        request,
        "funds/reports/accounts.html",
        fund,
        _("Accounts"),
        rows=rows,
        on=on,
        kind=AccountKind(kind).label if kind else "",
    )


def _label(fund):
    language = preferences.language()
    return lambda month: month_label(month, fund.calendar, language)


@login_required
def cash_flow(request, pk):
    fund = report_fund(request, pk)
    today = timezone.localdate()
    try:
        end = _day(request, "to", today)
        start = _day(request, "from", calendars.add_months(end, -11, fund.calendar))
    except InvalidDate as exc:
        return _bad(exc)
    if start > end:
        return _bad(_("The start of the period is after its end."))
    if (end - start).days > 366 * 10:
        return _bad(_("Choose a period of at most ten years."))
    months = reports.cash_flow(fund, start, end)
    if exports.requested(request):
        headers, rows = tables.cash_flow(fund, months, _label(fund))
        return exports.export_response(request, f"cash-flow-{fund.pk}", headers, rows)
    return _render(
        request,
        "funds/reports/cash_flow.html",
        fund,
        _("Monthly cash flow"),
        months=months,
        start=months[0].month.first,
        end=months[-1].month.last,
        chart=_cash_chart(fund, months),
    )


@login_required
def overdue(request, pk):
    fund = report_fund(request, pk)
    on = timezone.localdate()
    sort = request.GET.get("sort", "late")
    late_only = request.GET.get("late") == "1"
    positions = reports.outstanding_loans(
        scope_for(request.user), fund, on, late_only=late_only, sort=sort
    )
    if exports.requested(request):
        headers, rows = tables.overdue(fund, positions)
        return exports.export_response(request, f"loans-outstanding-{fund.pk}-{on}", headers, rows)
    return _render(
        request,
        "funds/reports/overdue.html",
        fund,
        _("Loans outstanding and overdue"),
        positions=positions,
        on=on,
        sort=sort if sort in reports.SORTS else "late",
        late_only=late_only,
        late_total=sum(p.overdue_amount for p in positions),
        outstanding_total=sum(p.loan.outstanding for p in positions),
    )


@login_required
def institutions(request, pk):
    fund = report_fund(request, pk)
    rows = reports.institutions(fund)
    if exports.requested(request):
        headers, data = tables.institutions(fund, rows)
        return exports.export_response(request, f"institutions-{fund.pk}", headers, data)
    return _render(
        request, "funds/reports/institutions.html", fund, _("Institutional deposits"), rows=rows
    )


# Dashboard charts -------------------------------------------------------------------------------


def _money_text(fund, amount: int) -> str:
    return format_money(Money(int(amount), fund.currency), preferences.language())


def _cash_chart(fund, months):
    label = _label(fund)
    points = [charts.Point(label(m.month), m.net, _money_text(fund, m.net)) for m in months]
    return charts.columns(
        points,
        title=_("Net cash flow by month"),
        description=_("Deposits and repayments less withdrawals and loans paid out, per month."),
        headers=(_("Month"), _("Net"), _("Show the figures")),
    )


def dashboard(fund: Fund, today: dt.date) -> dict:
    """What the kanoon dashboard adds to the summary: the on-time repayment rate over the last
    twelve months of the fund's calendar and three charts."""
    start = calendars.add_months(today, -11, fund.calendar)
    months = reports.cash_flow(fund, start, today)
    label = _label(fund)
    first = months[0].month.first
    on_time = reports.on_time_repayment(fund, first, today, today)
    by_status = reports.loans_by_status(fund)
    language = preferences.language()
    pool = charts.line(
        [charts.Point(label(m.month), m.closing, _money_text(fund, m.closing)) for m in months],
        title=_("Pool at the end of each month"),
        description=_("Cash held by the fund at the end of each of the last twelve months."),
        headers=(_("Month"), _("Pool"), _("Show the figures")),
    )
    statuses = charts.bars(
        [
            charts.Point(str(LoanStatus(s).label), n, format_number(n, language))
            for s, n in by_status.items()
        ],
        title=_("Loans by status"),
        description=_("How many loans are in each state."),
        headers=(_("Status"), _("Loans"), _("Show the figures")),
    )
    return {
        "on_time": on_time,
        "charts": [pool, _cash_chart(fund, months), statuses],
    }
