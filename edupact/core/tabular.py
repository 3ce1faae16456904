"""Spreadsheets in and out: one reader for every bulk import, one writer for every export.

Imports arrive as XLSX or CSV with headers in any of our three languages; the reader maps a
header to a field through the aliases each importer declares, so a row becomes a plain dict and
keeps its spreadsheet row number for error messages. Exports write the same headers the screen
shows. Every importer then follows the same contract (see ``Report``): validate every row,
collect every error with its row, write nothing when any fails, and recognise a file it has
already imported by its digest.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from .text import normalise, search_key

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 200_000


class TableError(ValueError):
    """The file as a whole cannot be read (not a spreadsheet, no header, a missing column)."""


@dataclass(frozen=True)
class Row:
    number: int  # as the spreadsheet shows it (the header is row 1)
    values: dict[str, str]

    def __getitem__(self, name: str) -> str:
        return self.values.get(name, "")


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": str(self.message)}


@dataclass
class Report:
    """What an import did or would do: counts, every row error, and whether it was written."""

    rows: int = 0
    created: int = 0
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False
    already_imported: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run and not self.already_imported

    def error(self, row: int, column: str, message) -> None:
        self.errors.append(RowError(row, column, message))

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "created": self.created,
            "skipped": self.skipped,
            "dry_run": self.dry_run,
            "already_imported": self.already_imported,
            "written": self.written,
            "errors": [e.as_dict() for e in self.errors],
        }


def digest(content: bytes) -> str:
    """The identity of an uploaded file: re-importing the same bytes must add nothing."""
    return hashlib.sha256(content).hexdigest()


def _header_key(text) -> str:
    return search_key(normalise(str(text or ""))).replace(" ", "").replace("_", "")


def _raw_rows(content: bytes, filename: str) -> Iterable[Sequence]:
    if filename.lower().endswith((".xlsx", ".xlsm")) or content[:2] == b"PK":
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).active
        except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
            raise TableError(_("The file is not an Excel workbook (.xlsx).")) from exc
        return sheet.iter_rows(values_only=True)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TableError(_("A CSV file must be saved as UTF-8.")) from exc
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return ([_csv_unescape(v) for v in row] for row in csv.reader(io.StringIO(text), dialect))


def _cell(value) -> str:
    if value.__class__ is str:  # every CSV cell and most XLSX text: skip the type tests
        return " ".join(value.split()) if value.isascii() else normalise(value)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if hasattr(value, "date") and callable(value.date):  # a datetime typed into Excel
        value = value.date()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return normalise(str(value))


def read_rows(
    content: bytes,
    filename: str,
    columns: dict[str, Sequence[str]],
    optional: Iterable[str] = (),
) -> list[Row]:
    """The data rows of an XLSX or CSV file as ``Row``s keyed by field name.

    ``columns`` maps each field to its accepted headers (any language; compared without case,
    spaces or diacritics). A field whose aliases are all absent is reported once, before any
    row, unless it is ``optional`` (its value is then ""). Blank rows are skipped; row
    numbers stay those of the spreadsheet.
    """
    rows = iter(_raw_rows(content, filename))
    header = next(rows, None)
    if not header or not any(header):
        raise TableError(_("The file has no header row."))
    wanted = {_header_key(alias): name for name, aliases in columns.items() for alias in aliases}
    positions = {}
    for index, title in enumerate(header):
        name = wanted.get(_header_key(title))
        if name and name not in positions:
            positions[name] = index
    optional = set(optional)
    missing = [name for name in columns if name not in positions and name not in optional]
    if missing:
        names = ", ".join(columns[name][0] for name in missing)
        raise TableError(_("Missing columns: %(names)s.") % {"names": names})
    result = []
    fields = list(positions.items())
    width = max(positions.values(), default=-1) + 1
    for number, raw in enumerate(rows, start=2):
        if number - 1 > MAX_ROWS:
            raise TableError(_("The file has more than %(max)d rows.") % {"max": MAX_ROWS})
        if len(raw) >= width:
            values = {name: _cell(raw[i]) for name, i in fields}
        else:
            values = {name: _cell(raw[i]) if i < len(raw) else "" for name, i in fields}
        if any(values.values()):
            result.append(Row(number, values))
    return result


# The writer --------------------------------------------------------------------------------------
#
# Every XLSX and CSV file edupact writes goes through ``Book``/``Sheet`` (XLSX) or ``to_csv``:
# both pass each value through ``_text`` and ``formula_like``, so that text a user typed (a name,
# a memo) can never become a live formula in the spreadsheet of whoever opens the file (OWASP
# "CSV injection"). Numbers, dates and booleans are written typed, so a real negative amount
# stays a number; every other value is text. Text that a spreadsheet would read as a formula —
# beginning with ``=``, ``+``, ``-``, ``@``, a tab or a line break, even "-5" typed as a name —
# is neutralised: in XLSX it is a string cell carrying Excel's own quote prefix (what Excel
# stores when one types ``'=x``: the cell shows ``=x`` and stays text when edited), never a
# formula; in CSV it gets a leading ``'`` and every text field is quoted, so a reader whose
# separator is ``;`` cannot split a cell into a new one that starts a formula. ``read_rows``
# removes that ``'`` again, so an exported CSV imports as the text it was written from.

FORMULA_STARTS = frozenset("=+-@\t\r\n")
# Not allowed in XML 1.0 (hence in XLSX) nor encodable as UTF-8: C0 controls other than tab and
# line breaks, lone surrogates, U+FFFE and U+FFFF. Shown as U+FFFD in both formats alike.
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NUMBERS = (int, float, Decimal)


def formula_like(text: str) -> bool:
    """Would a spreadsheet read this text as a formula (or a signed number) if written as is?

    A text that starts with ``'`` followed by such a text is included, so that the CSV escape
    can be undone without ambiguity (``'=x`` is written ``''=x`` and read back as ``'=x``).
    """
    if not text:
        return False
    first = text[0]
    if first == "'":
        first = text.lstrip("'")[:1]
    return first in FORMULA_STARTS


def _text(value) -> str:
    """Any non-typed value as text that both formats can carry."""
    text = value if value.__class__ is str else str(value)
    return _UNWRITABLE.sub("\ufffd", text) if _UNWRITABLE.search(text) else text


def _typed(value) -> bool:
    """Written as a number, date or boolean cell (never neutralised)."""
    return isinstance(value, (*_NUMBERS, bool, dt.date, dt.time, dt.timedelta))


def csv_field(value):
    """One CSV field: numbers as numbers (unquoted), text quoted and, when formula-like,
    prefixed with ``'``; dates as ISO 8601; None as empty."""
    if value.__class__ is not str:  # most cells are text: skip the type tests
        if value is None:
            return ""
        if isinstance(value, _NUMBERS) and not isinstance(value, bool):
            return value
        if isinstance(value, (dt.date, dt.time)):
            return value.isoformat()
    text = _text(value)
    return "'" + text if formula_like(text) else text


def _csv_unescape(text: str) -> str:
    """The text ``csv_field`` was given: the ``'`` it added before a formula-like text removed."""
    return text[1:] if text[:1] == "'" and formula_like(text[1:]) else text


class Sheet:
    """One worksheet of a ``Book``. Values go in only through ``append``, which writes typed
    values as typed cells and everything else as neutralised text; ``layout`` is the openpyxl
    worksheet for merges, widths, frozen panes and data validations (``Book.to_bytes``
    neutralises anything written there too, outside streaming books)."""

    def __init__(self, worksheet):
        self.layout = worksheet

    def cell(self, value, *, font=None):
        """``value`` as openpyxl should append it: typed values and plain text as they are
        (openpyxl makes them number, date or string cells), formula-like text or a styled
        value as a cell built here."""
        from openpyxl.cell import WriteOnlyCell

        if value is None or _typed(value):
            if isinstance(value, dt.datetime) and value.tzinfo is not None:
                value = timezone.localtime(value).replace(tzinfo=None)  # Excel has no zones
            if font is None:
                return value
            cell = WriteOnlyCell(self.layout, value=value)
        else:
            value = _text(value)
            if "\r" in value:
                value = value.replace("\r\n", "\n").replace("\r", "\n")  # Excel's line break
            if font is None and not formula_like(value):
                return value
            cell = WriteOnlyCell(self.layout, value=value)
            _neutralise(cell)
        if font is not None:
            cell.font = font
        return cell

    def append(self, values: Iterable = (), *, font=None) -> None:
        self.layout.append([self.cell(v, font=font) for v in values])


def _neutralise(cell) -> None:
    """A text cell stays text: never a formula, and Excel's quote prefix when formula-like."""
    if isinstance(cell.value, str):
        if cell.data_type == "f":  # openpyxl makes any text beginning with "=" a formula
            cell.data_type = "s"
        if formula_like(cell.value):
            cell.quotePrefix = True


class Book:
    """The one XLSX writer: a workbook whose sheets are ``Sheet``s. ``streaming`` writes rows
    as they come (large exports stay flat in memory) but allows no layout after the rows."""

    def __init__(self, *, streaming: bool = False):
        from openpyxl import Workbook

        self.streaming = streaming
        self._book = Workbook(write_only=streaming)
        if not streaming:
            self._book.remove(self._book.active)

    def sheet(self, title: str) -> Sheet:
        return Sheet(self._book.create_sheet(title=(_text(title) or "Sheet1")[:31]))

    def to_bytes(self) -> bytes:
        if not self.streaming:
            for worksheet in self._book.worksheets:
                for row in worksheet.iter_rows():
                    for cell in row:
                        _neutralise(cell)
        out = io.BytesIO()
        self._book.save(out)
        return out.getvalue()


def to_xlsx(headers: Sequence[str], rows: Iterable[Sequence], *, title: str = "") -> bytes:
    """A workbook with one sheet: bold headers, then the rows (numbers stay numbers, so totals
    can be checked in Excel; text stays text). Streams rows, so large tables stay flat."""
    from openpyxl.styles import Font

    book = Book(streaming=True)
    sheet = book.sheet(title)
    sheet.append(headers, font=Font(bold=True))
    for row in rows:
        sheet.append(row)
    return book.to_bytes()


def to_csv(headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """UTF-8 with a byte-order mark so that Excel opens Persian and Vietnamese text correctly;
    every field through ``csv_field``."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow([csv_field(h) for h in headers])
    writer.writerows([csv_field(v) for v in row] for row in rows)
    return out.getvalue().encode("utf-8-sig")
