"""The fund page's tables as rows for XLSX and CSV: the same selectors and scope as the page,
headers in the reader's language, amounts as whole numbers (rials or đồng) so that totals can
be checked in a spreadsheet, dates in the reader's calendar as the page shows them.
"""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.http import Http404
from django.utils.translation import gettext as _

from edupact.core import exports, preferences
from edupact.core.calendars import format_date
from edupact.core.scoping import Scope

from . import selectors
from .filters import PaymentFilter
from .forming import HEADERS
from .models import RotatingFund


@dataclass(frozen=True)
class Table:
    title: str
    headers: list[str]
    rows: Iterable[list]


def _date(value: dt.date | None) -> str:
    return format_date(value, preferences.calendar(), preferences.language()) if value else ""


def _with_currency(label: str, fund: RotatingFund) -> str:
    return f"{label} ({fund.currency})"


@dataclass
class _Page:
    """What the fund page computes, once, for whichever table is asked for."""

    scope: Scope
    fund: RotatingFund
    today: dt.date
    payments: PaymentFilter

    def __post_init__(self):
        self.months = selectors.months(self.fund, self.today)
        self.rows = selectors.grid(
            self.fund, list(selectors.codes(self.scope, self.fund, self.today)), self.months
        )


def _codes(page: _Page) -> Table:
    rows = []
    for row in page.rows:
        for share, fraction in row.holders or [(None, "")]:
            rows.append(
                [
                    row.code.number,
                    share.holder_name if share else "",
                    share.numerator if share else None,
                    fraction,
                    _date(share.valid_from) if share else "",
                    row.won_label,
                ]
            )
    headers = [str(HEADERS["code"]), _("Holder"), str(HEADERS["parts"]), _("Share"), _("From")]
    return Table(_("Codes and holders"), [*headers, _("Won in")], rows)


def _dues(page: _Page) -> Table:
    rows = [
        [row.code.number, *[amount for amount, _state in row.cells], row.owed] for row in page.rows
    ]
    owed = _with_currency(_("Owed"), page.fund)
    headers = [str(HEADERS["code"]), *[m.label for m in page.months], owed]
    return Table(_("Dues"), headers, rows)


def _arrears(page: _Page) -> Table:
    rows = [
        [a.share.holder_name, a.code.number, " · ".join(a.months), a.amount]
        for a in selectors.arrears(page.fund, page.rows, page.today)
    ]
    owed = _with_currency(_("Owed"), page.fund)
    headers = [_("Holder"), str(HEADERS["code"]), _("Unpaid months"), owed]
    return Table(_("Arrears"), headers, rows)


def _draws(page: _Page) -> Table:
    """One line per payout: the draw's facts repeated on each of its lines."""
    rows = []
    for item in selectors.draw_history(page.scope, page.fund, page.months):
        d = item.draw
        facts = [
            item.label,
            _date(d.drawn_on),
            d.code.number,
            d.get_mode_display(),
            d.seed,
            ", ".join(d.candidates) if d.seed else "",
            "; ".join(f"{e['code']}: {e['reason']}" for e in d.excluded),
            d.reason,
            d.pot,
        ]
        for payout, fraction in item.payouts:
            rows.append([*facts, payout.share.holder_name, fraction, payout.amount])
    fund = page.fund
    headers = [
        _("Month"), _("Draw date"), _("Winning code"), _("Mode"), _("Seed"), _("Candidates"),
        _("Excluded"), _("Reason"), _with_currency(_("Pot"), fund), _("Paid to"), _("Share"),
        _with_currency(_("Amount"), fund),
    ]  # fmt: skip
    return Table(_("Draws"), headers, rows)


def _payments(page: _Page) -> Table:
    labels = {m.n: m.label for m in page.months}
    rows = (
        [
            p.pk,
            _date(p.paid_on),
            p.code.number,
            labels.get(p.month, p.month),
            p.amount,
            p.memo,
            p.reverses_id,
        ]
        for p in selectors.payments(page.scope, page.fund, **page.payments.values())
    )
    headers = [
        _("Number"), _("Paid on"), str(HEADERS["code"]), _("Month"),
        _with_currency(_("Amount"), page.fund), _("Memo"), _("Reverses payment"),
    ]  # fmt: skip
    return Table(_("Payments"), headers, rows)


TABLES: dict[str, Callable[[_Page], Table]] = {
    "codes": _codes,
    "dues": _dues,
    "arrears": _arrears,
    "draws": _draws,
    "payments": _payments,
}


def table(
    scope: Scope,
    fund: RotatingFund,
    name: str,
    today: dt.date,
    payments: PaymentFilter | None = None,
) -> Table:
    """One table of the fund page; the payments as the page's (and the API's) filter
    ``payments`` selects them."""
    if name not in TABLES:
        raise Http404
    return TABLES[name](_Page(scope, fund, today, payments or PaymentFilter()))


def download(
    scope: Scope,
    fund: RotatingFund,
    name: str,
    fmt: str,
    today: dt.date,
    payments: PaymentFilter | None = None,
):
    """The table as an attachment; unknown tables or formats are 404."""
    if fmt not in exports.FORMATS:
        raise Http404
    t = table(scope, fund, name, today, payments)
    return exports.file_response(
        f"rotating-{fund.pk}-{name}", fmt, t.headers, t.rows, title=t.title
    )
