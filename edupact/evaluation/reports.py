"""The annual statistics report in the association's table layout: per place below the one
reported on, registered vs recognised learning households, clans, hamlets, units and citizens
with the share, then the place's own total.

It reads the precomputed rollups, so the report of a province is the sum of its communes'
(consolidated bottom-up) and costs one query whatever the population. Subjects placed directly
at the reported level (a province-level agency, records of a retired district mapped
approximately) are shown on their own line so that the lines always add up to the total.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from edupact.core import preferences, tabular
from edupact.core.pdf import render_pdf
from edupact.core.templatetags.edupact import in_language
from edupact.core.text import reader_digits
from edupact.directory.models import AdminUnit

from .models import LearningModel, Rollup

REPORT_MODELS = ("household", "clan", "hamlet", "unit", "citizen")


@dataclass
class Cell:
    registered: int = 0
    recognised: int = 0

    @property
    def share(self) -> Decimal | None:
        if not self.registered:
            return None
        return (Decimal(100 * self.recognised) / self.registered).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )


@dataclass
class Line:
    label: str
    unit: AdminUnit | None = None
    kind: str = "place"  # place | direct | total
    approximate: bool = False
    cells: dict[str, Cell] = field(default_factory=dict)

    def cell(self, model: str) -> Cell:
        return self.cells.setdefault(model, Cell())

    @property
    def ordered(self) -> list[Cell]:
        return [self.cells.get(m, Cell()) for m in REPORT_MODELS]


@dataclass
class AnnualStatistics:
    unit: AdminUnit
    year: int
    years: list[int]
    lines: list[Line]
    total: Line

    @property
    def models(self) -> list[tuple[str, str]]:
        labels = dict(LearningModel.choices)
        return [(m, capfirst(str(labels[m]))) for m in REPORT_MODELS]

    @property
    def approximate(self) -> bool:
        return self.total.approximate or any(line.approximate for line in self.lines)


def report_years(unit: AdminUnit) -> list[int]:
    return sorted(
        Rollup.objects.filter(admin_unit=unit)
        .order_by("year")
        .values_list("year", flat=True)
        .distinct()
    )


def annual_statistics(unit: AdminUnit, year: int | None = None) -> AnnualStatistics:
    """The report for ``unit`` (already checked against the reader's scope with
    ``places.selectors.place``) and ``year`` (default: the latest year counted there)."""
    years = report_years(unit)
    if year not in years:
        year = years[-1] if years else None
    rows = Rollup.objects.filter(
        Q(parent=unit) | Q(admin_unit=unit), year=year, model__in=REPORT_MODELS
    ).select_related("admin_unit")
    total = Line(_("Total"), unit, kind="total")
    places: dict[int, Line] = {}
    for r in rows:
        if r.admin_unit_id == unit.pk:
            line = total
        else:
            line = places.setdefault(r.admin_unit_id, Line(in_language(r.admin_unit), r.admin_unit))
        line.cells[r.model] = Cell(r.registered, r.recognised)
        line.approximate |= r.approximate
    lines = sorted(places.values(), key=lambda line: (line.unit.code, line.label))
    direct = _direct(total, lines)
    if direct is not None:
        lines.append(direct)
    return AnnualStatistics(unit, year, years, lines, total)


def _direct(total: Line, lines: list[Line]) -> Line | None:
    """What the total holds beyond the places below: subjects placed at the level itself."""
    direct = Line(_("Placed directly at this level"), kind="direct")
    for model in REPORT_MODELS:
        own = total.cells.get(model, Cell())
        below = [line.cells.get(model, Cell()) for line in lines]
        registered = own.registered - sum(c.registered for c in below)
        recognised = own.recognised - sum(c.recognised for c in below)
        if registered or recognised:
            direct.cells[model] = Cell(max(registered, 0), max(recognised, 0))
    return direct if direct.cells else None


def title(report: AnnualStatistics) -> str:
    """The report's title in the reader's digits: the page, the PDF and the workbook's first
    row read «آمار سالانهٔ ۲۰۲۵» in Persian."""
    year = reader_digits(report.year, preferences.language())
    return _("Learning models: annual statistics %(year)s") % {"year": year}


def _percent(value: Decimal | None):
    return float(value) if value is not None else None


def to_xlsx(report: AnnualStatistics) -> bytes:
    """The association's layout: a two-row header (model over registered / recognised / %),
    one row per place, the total in bold; numbers stay numbers so Excel can check the sums."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = tabular.Book()
    rows = book.sheet(str(report.year))
    sheet = rows.layout
    bold, centre = (
        Font(bold=True),
        Alignment(horizontal="center", vertical="center", wrap_text=True),
    )
    rows.append([title(report)])
    rows.append([in_language(report.unit)])
    rows.append([])
    rows.append([_("No."), _("Place")] + [label for _m, label in report.models for _i in range(3)])
    rows.append(["", ""] + [_("Registered"), _("Recognised"), _("Share (%)")] * len(REPORT_MODELS))
    sheet.merge_cells("A4:A5")
    sheet.merge_cells("B4:B5")
    for index in range(len(REPORT_MODELS)):
        first = 3 + 3 * index
        sheet.merge_cells(start_row=4, start_column=first, end_row=4, end_column=first + 2)
    for row in sheet.iter_rows(min_row=1, max_row=5):
        for cell in row:
            cell.font, cell.alignment = bold, centre
    for number, line in enumerate(report.lines, start=1):
        rows.append([number, _line_label(line)] + _figures(line))
    rows.append(["", _line_label(report.total)] + _figures(report.total))
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    for row in sheet.iter_rows(min_row=6):
        for cell in row[4::3]:
            cell.number_format = "0.0"
    sheet.column_dimensions["B"].width = 36
    for column in range(3, 3 + 3 * len(REPORT_MODELS)):
        sheet.column_dimensions[get_column_letter(column)].width = 12
    sheet.freeze_panes = "C6"
    return book.to_bytes()


def _line_label(line: Line) -> str:
    return f"{line.label} *" if line.approximate else line.label


def _figures(line: Line) -> list:
    return [v for c in line.ordered for v in (c.registered, c.recognised, _percent(c.share))]


def to_pdf(report: AnnualStatistics, issuer: str = "") -> bytes:
    """A4 landscape, the national heading for Vietnamese places, the table and the date."""
    return render_pdf(
        "evaluation/annual_report_pdf.html",
        {"report": report, "title": title(report), "issuer": issuer, "today": timezone.localdate()},
    )


def issuer_for(scope, unit: AdminUnit) -> str:
    """The reader's organisation placed at ``unit`` (the association or committee printing the
    report), empty when the reader has none there."""
    from edupact.directory.models import Organisation

    qs = scope.filter(Organisation.objects.filter(admin_unit=unit, active=True))
    organisation = qs.order_by("path").first()
    return str(organisation) if organisation else ""
