"""The tables of the funds pages as spreadsheet rows (headers in the reader's language).

Each function takes what the page already selected (so an export is scoped exactly like the
page) and returns ``(headers, rows)`` for ``core.exports.export_response``. Amounts are
numbers in the display unit, dates are given as the reader sees them and as ISO.
"""

from django.utils.translation import gettext as _

from edupact.core.exports import date_cells, date_headers, money_cell, money_header, plain

from .reports import CashMonth, Institution, LoanPosition, TrialBalance


def members(fund, rows) -> tuple[list, list]:
    """``rows``: (account, Points) pairs."""
    c = fund.currency
    headers = [
        _("Member"),
        money_header(_("Balance"), c),
        _("Money-days"),
        _("Points earned"),
        _("Points available"),
    ]
    return headers, [
        [a.owner_name, money_cell(p.balance, c), p.money_days, p.earned, p.available]
        for a, p in rows
    ]


def loans(fund, loans) -> tuple[list, list]:
    c = fund.currency
    headers = [
        _("Loan"),
        _("Borrower"),
        money_header(_("Amount"), c),
        _("Months"),
        *date_headers(_("Requested on")),
        _("Status"),
        money_header(_("Outstanding"), c),
    ]
    return headers, [
        [
            plain(loan),
            loan.account.owner_name,
            money_cell(loan.amount, c),
            loan.months,
            *date_cells(loan.requested_on),
            str(loan.get_status_display()),
            money_cell(loan.outstanding, c),
        ]
        for loan in loans
    ]


def statement(fund, rows) -> tuple[list, list]:
    c = fund.currency
    headers = [
        *date_headers(_("Date")),
        _("Description"),
        money_header(_("Amount"), c),
        money_header(_("Balance"), c),
    ]
    return headers, [
        [
            *date_cells(r["date"]),
            str(r["entry"].description),
            money_cell(r["amount"], c),
            money_cell(r["balance"], c),
        ]
        for r in rows
    ]


def transfers(transfers) -> tuple[list, list]:
    headers = [
        *date_headers(_("Date")),
        _("From"),
        _("To"),
        _("Points"),
        _("Allowed use"),
        _("Kind"),
    ]
    return headers, [
        [
            *date_cells(t.date),
            t.from_account.owner_name,
            t.to_account.owner_name,
            t.points,
            str(t.get_use_display()),
            str(t.get_kind_display()),
        ]
        for t in transfers
    ]


def schedule(fund, instalments) -> tuple[list, list]:
    c = fund.currency
    headers = [
        _("Instalment"),
        *date_headers(_("Due")),
        money_header(_("Amount"), c),
        money_header(_("Paid"), c),
        money_header(_("Remaining"), c),
    ]
    return headers, [
        [
            i.n,
            *date_cells(i.due),
            money_cell(i.amount, c),
            money_cell(i.paid, c),
            money_cell(i.remaining, c),
        ]
        for i in instalments
    ]


def trial_balance(fund, tb: TrialBalance) -> tuple[list, list]:
    c = fund.currency
    headers = [
        _("Account class"),
        _("Accounts"),
        money_header(_("Debits"), c),
        money_header(_("Credits"), c),
        money_header(_("Debit balance"), c),
        money_header(_("Credit balance"), c),
    ]
    rows = [
        [
            str(r.label),
            r.accounts,
            money_cell(r.debits, c),
            money_cell(r.credits, c),
            money_cell(r.balance_debit, c),
            money_cell(r.balance_credit, c),
        ]
        for r in tb.rows
    ]
    rows.append(
        [
            _("Total"),
            sum(r.accounts for r in tb.rows),
            money_cell(tb.debits, c),
            money_cell(tb.credits, c),
            money_cell(tb.balance_debit, c),
            money_cell(tb.balance_credit, c),
        ]
    )
    rows.append([_("Difference (must be zero)"), None, money_cell(tb.difference, c)])
    return headers, rows


def accounts(fund, rows) -> tuple[list, list]:
    """``rows``: (account, balance) pairs."""
    c = fund.currency
    headers = [_("Account"), _("Account class"), money_header(_("Balance"), c)]
    return headers, [
        [a.owner_name or str(a.get_kind_display()), str(a.get_kind_display()), money_cell(b, c)]
        for a, b in rows
    ]


def cash_flow(fund, months: list[CashMonth], label) -> tuple[list, list]:
    """``label(month)`` names a month in the reader's language and the fund's calendar."""
    c = fund.currency
    headers = [
        _("Month"),
        _("First day (ISO)"),
        money_header(_("Opening pool"), c),
        money_header(_("Deposits"), c),
        money_header(_("Withdrawals"), c),
        money_header(_("Loans paid out"), c),
        money_header(_("Repayments"), c),
        money_header(_("Other"), c),
        money_header(_("Net"), c),
        money_header(_("Closing pool"), c),
        money_header(_("Fee income"), c),
    ]
    return headers, [
        [
            label(m.month),
            m.month.first.isoformat(),
            *(
                money_cell(v, c)
                for v in (
                    m.opening,
                    m.deposits,
                    m.withdrawals,
                    m.disbursements,
                    m.repayments,
                    m.other,
                    m.net,
                    m.closing,
                    m.fees,
                )
            ),
        ]
        for m in months
    ]


def overdue(fund, positions: list[LoanPosition]) -> tuple[list, list]:
    c = fund.currency
    headers = [
        _("Loan"),
        _("Borrower"),
        money_header(_("Amount"), c),
        money_header(_("Outstanding"), c),
        *date_headers(_("Next due")),
        money_header(_("Overdue"), c),
        _("Overdue instalments"),
        *date_headers(_("Oldest unpaid due")),
        _("Late days"),
    ]
    return headers, [
        [
            plain(p.loan),
            p.loan.account.owner_name,
            money_cell(p.loan.amount, c),
            money_cell(p.loan.outstanding, c),
            *date_cells(p.next_due),
            money_cell(p.overdue_amount, c),
            p.overdue_count,
            *date_cells(p.oldest_due),
            p.late_days,
        ]
        for p in positions
    ]


def institutions(fund, rows: list[Institution]) -> tuple[list, list]:
    c = fund.currency
    headers = [
        _("Organisation (owns the money)"),
        _("Decides on the points"),
        money_header(_("Balance"), c),
        _("Points given"),
        _("Loans enabled"),
        money_header(_("Amount enabled"), c),
    ]
    return headers, [
        [
            str(r.owner),
            str(r.decider),
            money_cell(r.account.balance, c),
            r.points_given,
            r.enabled_loans,
            money_cell(r.enabled_amount, c),
        ]
        for r in rows
    ]
