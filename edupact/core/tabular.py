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
import hashlib
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

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
    return csv.reader(io.StringIO(text), dialect)


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


def to_xlsx(headers: Sequence[str], rows: Iterable[Sequence], *, title: str = "") -> bytes:
    """A workbook with one sheet: bold headers, then the rows as given (numbers stay numbers,
    so totals can be checked in Excel). Streams rows, so exports of large tables stay flat."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=(title or "Sheet1")[:31])
    bold = Font(bold=True)
    cells = []
    for text in headers:
        cell = WriteOnlyCell(sheet, value=str(text))
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_csv(headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """UTF-8 with a byte-order mark so that Excel opens Persian and Vietnamese text correctly."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([str(h) for h in headers])
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")
