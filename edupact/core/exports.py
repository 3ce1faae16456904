"""One way to download any table as a spreadsheet: ``?export=TABLE&format=xlsx|csv``.

A view that shows a table builds the same rows it renders and hands them to
``export_response``; the file is written by ``core.tabular`` (the one writer). Exports are
therefore scoped exactly like the page that offers them. Cells follow one convention:

- headers in the reader's language, money headers naming the unit ("Amount (toman)");
- amounts as numbers in the display unit (toman for Persian readers of rial funds, the
  currency's major unit otherwise), so that sums can be checked in Excel;
- dates twice where useful: as the reader sees them (their calendar and digits) and ISO;
- names, memos and every other text as text: the writer neutralises what a spreadsheet would
  take for a formula (``tabular.formula_like``), so pass numbers as numbers, never formatted.
"""

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.http import HttpResponse, HttpResponseBadRequest
from django.utils.translation import gettext as _

from . import preferences
from .calendars import format_date
from .money import RIALS_PER_TOMAN, Money
from .tabular import XLSX_TYPE, to_csv, to_xlsx

FORMATS = {"xlsx": XLSX_TYPE, "csv": "text/csv; charset=utf-8"}


def requested(request, table: str = "") -> bool:
    """Does this request ask for ``table`` (or the page's only table) as a file?"""
    if "format" not in request.GET:
        return False
    return request.GET.get("export", "") == table or (not table and "export" not in request.GET)


def export_response(
    request, filename: str, headers: Sequence[str], rows: Iterable[Sequence], *, title: str = ""
) -> HttpResponse:
    """The table as the file the request asked for (``?format=xlsx`` or ``?format=csv``)."""
    fmt = request.GET.get("format", "xlsx")
    if fmt not in FORMATS:
        return HttpResponseBadRequest(
            _("Choose the format xlsx or csv."), content_type="text/plain; charset=utf-8"
        )
    return file_response(filename, fmt, headers, rows, title=title)


def file_response(
    filename: str, fmt: str, headers: Sequence[str], rows: Iterable[Sequence], *, title: str = ""
) -> HttpResponse:
    """The table as an attachment in ``fmt`` (one of ``FORMATS``), written by ``tabular``."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", filename).strip("-") or "table"
    if fmt == "xlsx":
        content = to_xlsx(headers, rows, title=title or stem)
    else:
        content = to_csv(headers, rows)
    response = HttpResponse(content, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    return response


def money_unit(currency: str, language: str | None = None) -> str:
    """The unit amounts are written in: toman for Persian readers of rials, else the code."""
    language = language or preferences.language()
    return _("toman") if currency == "IRR" and language == "fa" else currency


def money_header(label: str, currency: str) -> str:
    return _("%(column)s (%(unit)s)") % {"column": label, "unit": money_unit(currency)}


def money_cell(amount: int | None, currency: str) -> int | Decimal | None:
    """A number in the display unit (an int whenever it is whole)."""
    if amount is None:
        return None
    if currency == "IRR" and preferences.language() == "fa":
        value = Decimal(int(amount)) / RIALS_PER_TOMAN
    else:
        value = Money(int(amount), currency).major
    return int(value) if value == value.to_integral_value() else value


def plain(text) -> str:
    """Names and references as stored (ASCII digits), so that the file can be searched."""
    return str(text or "")


def date_headers(label: str) -> list[str]:
    return [label, _("%(column)s (ISO)") % {"column": label}]


def date_cells(day: dt.date | None) -> list[str]:
    """The date as the reader sees it, and ISO 8601 for machines and sorting."""
    if day is None:
        return ["", ""]
    return [format_date(day, preferences.calendar(), preferences.language()), day.isoformat()]
