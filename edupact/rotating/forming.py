"""Forming a lottery fund: its terms and every code's first holders, all or nothing.

Holders arrive as rows — typed lines, an uploaded XLSX/CSV file or the API's list — of
(code, national code or legal ID, parts). Every row is checked, every error is reported with
its row, and nothing is written unless the terms and every row are right; a dry run reports
the same without writing. Holders are found inside the leader's scope only.
"""

import re
from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from edupact.core import bounds
from edupact.core.calendars import Calendar
from edupact.core.scoping import Scope
from edupact.core.tabular import Report, Row
from edupact.core.text import ascii_digits, normalise
from edupact.directory.models import Organisation, Person

from . import services
from .models import MAX_CODES, RotatingFund

YEARS = {Calendar.JALALI: (1300, 1500), Calendar.GREGORIAN: (1950, 2150)}

# In a lottery fund a "code" is a place in the draw (chân hụi), not an identifier: its labels
# carry this message context so that they are translated apart from other codes.
LOTTERY = "lottery fund"

# The headers of a holders file; the first is the one exports write (in the reader's language).
HEADERS = {
    "code": pgettext_lazy(LOTTERY, "Code"),
    "holder": gettext_lazy("National code or legal ID"),
    "parts": gettext_lazy("Parts"),
}
EXTRA_ALIASES = {
    "code": ["code", "کد", "شماره کد", "mã", "số"],
    "holder": ["national code", "legal id", "national id", "کد ملی", "شناسه ملی", "CCCD"],
    "parts": ["parts", "سهم", "phần"],
}


def columns() -> dict[str, list[str]]:
    """Each field's accepted headers: its translated header in the reader's language first
    (named in errors), then the same in the other languages, then the short forms."""
    result = {}
    for name, header in HEADERS.items():
        aliases = [str(header)]
        for language in ("en", "fa", "vi"):
            with translation.override(language):
                aliases.append(str(header))
        result[name] = [*dict.fromkeys(aliases), *EXTRA_ALIASES[name]]
    return result


_SEPARATORS = re.compile(r"\s*[,;\t،]\s*|\s+")


def text_rows(text: str) -> list[Row]:
    """Typed lines ``code, national code or legal ID, parts`` as rows numbered by line."""
    rows = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = normalise(line).strip()
        if not line:
            continue
        cells = [c for c in _SEPARATORS.split(line) if c]
        values = dict(zip(("code", "holder", "parts"), cells, strict=False))
        if len(cells) > 3:
            values["extra"] = " ".join(cells[3:])
        rows.append(Row(number, values))
    return rows


def parse_start(text: str) -> tuple[int, int]:
    """``1403/07`` or ``07/2025`` (any digits) → (year, month); ValueError otherwise."""
    match = re.fullmatch(r"\s*(\d{1,4})\s*[/\-.]\s*(\d{1,4})\s*", ascii_digits(text or ""))
    if not match:
        raise ValueError(text)
    a, b = match.groups()
    year, month = (int(a), int(b)) if len(a) == 4 else (int(b), int(a))
    if len(str(year)) != 4 or not 1 <= month <= 12:
        raise ValueError(text)
    return year, month


def parse_parts(text: str, denominator: int) -> int:
    """``6`` parts, or a fraction of the code (``1/2``) → parts; ValueError otherwise."""
    value = Fraction(ascii_digits(str(text)).replace(" ", ""))
    parts = value * denominator if "/" in str(text) else value
    if parts.denominator != 1 or not 1 <= parts <= denominator:
        raise ValueError(text)
    return int(parts)


# The fund's terms ----------------------------------------------------------------------------


def prepare(scope: Scope, fund: RotatingFund) -> RotatingFund:
    """Check the terms (and the right to form a fund there) and take the currency and
    calendar the organisation uses unless given; raises ValidationError naming each wrong field."""
    scope.require_write(fund)  # not saved yet: by who writes for its organisation
    fund.currency = fund.currency or fund.organisation.currency  # as a kanoon's fund does
    fund.calendar = fund.calendar or fund.organisation.calendar
    errors = {}
    if not 2 <= (fund.codes_count or 0) <= MAX_CODES:
        errors["codes_count"] = _("A fund has from 2 to %(max)s codes.") % {"max": MAX_CODES}
    if not 1 <= (fund.draw_day or 0) <= 31:
        errors["draw_day"] = _("The draw day is a day of the month, from 1 to 31.")
    try:
        bounds.check_amount(fund.due)
    except ValidationError as exc:
        errors["due"] = exc.messages[0]
    low, high = YEARS[Calendar(fund.calendar)]
    if not (low <= (fund.start_year or 0) <= high and 1 <= (fund.start_month or 0) <= 12):
        errors["start_month"] = _(
            "Give the first month as year/month in the fund's calendar, e.g. %(example)s."
        ) % {"example": "1403/07" if fund.calendar == Calendar.JALALI else "2025/01"}
    if errors:
        raise ValidationError(errors)
    fund.full_clean()
    services.check_terms(fund)
    return fund


# The holders ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Holding:
    row: int
    code: int
    holder: Person | Organisation
    parts: int


def _find_holders(scope: Scope, rows: list[Row]) -> dict[str, Person | Organisation]:
    """Persons by national code, else organisations by legal ID, inside the scope: two queries."""
    keys = {_identifier(r["holder"]) for r in rows} - {""}
    found: dict[str, Person | Organisation] = {
        o.legal_id: o for o in scope.filter(Organisation.objects.filter(legal_id__in=keys))
    }
    found |= {p.national_id: p for p in scope.filter(Person.objects.filter(national_id__in=keys))}
    return found


def _identifier(text: str) -> str:
    return "".join(ascii_digits(text or "").split()).replace("-", "")


def check_holders(
    scope: Scope, fund: RotatingFund, rows: list[Row], report: Report
) -> list[Holding]:
    """Every row checked, every error in ``report``; each code's parts must make a whole code
    and every code must have holders."""
    found = _find_holders(scope, rows)
    holdings, seen = [], set()
    d = fund.share_denominator
    for row in rows:
        ok = True
        if row["extra"]:
            report.error(row.number, "extra", _("Write three values: code, national code, parts."))
            ok = False
        try:
            code = int(ascii_digits(row["code"]))
            if not 1 <= code <= fund.codes_count:
                raise ValueError(code)
        except ValueError:
            report.error(
                row.number,
                "code",
                _("The code must be a number from 1 to %(n)s.") % {"n": fund.codes_count},
            )
            ok = False
        holder = found.get(_identifier(row["holder"]))
        if holder is None:
            report.error(
                row.number,
                "holder",
                _("Nobody with national code or legal ID “%(id)s” is in your scope.")
                % {"id": row["holder"]},
            )
            ok = False
        try:
            parts = parse_parts(row["parts"], d)
        except (ValueError, ZeroDivisionError):
            report.error(
                row.number,
                "parts",
                _("Parts are a whole number from 1 to %(d)s, or a fraction such as 1/2.")
                % {"d": d},
            )
            ok = False
        if not ok:
            continue
        if (code, holder.pk, type(holder)) in seen:
            report.error(
                row.number,
                "holder",
                _("This holder is listed twice for code %(code)s.") % {"code": code},
            )
            continue
        seen.add((code, holder.pk, type(holder)))
        holdings.append(Holding(row.number, code, holder, parts))
    if not report.errors:
        _check_wholes(fund, holdings, report)
    return holdings


def _check_wholes(fund: RotatingFund, holdings: list[Holding], report: Report) -> None:
    by_code: dict[int, list[Holding]] = defaultdict(list)
    for h in holdings:
        by_code[h.code].append(h)
    d = fund.share_denominator
    for code, group in sorted(by_code.items()):
        total = sum(h.parts for h in group)
        if total != d:
            report.error(
                group[-1].row,
                "parts",
                _("The parts of code %(code)s add up to %(total)s, not %(d)s.")
                % {"code": code, "total": total, "d": d},
            )
    missing = [str(n) for n in range(1, fund.codes_count + 1) if n not in by_code]
    if missing:
        report.error(
            0, "code", _("Codes without holders: %(codes)s.") % {"codes": ", ".join(missing)}
        )


@dataclass
class Forming(Report):
    fund: RotatingFund | None = None


def form_fund(
    scope: Scope, fund: RotatingFund, rows: list[Row], *, dry_run: bool = False
) -> Forming:
    """Create ``fund``, its codes and every code's first holders — or nothing.

    Raises ValidationError when the terms are wrong; row errors are in the report. A dry run
    checks everything and writes nothing.
    """
    prepare(scope, fund)
    report = Forming(rows=len(rows), dry_run=dry_run)
    holdings = check_holders(scope, fund, rows, report)
    if not report.written:
        return report
    with transaction.atomic():
        services.create_fund(scope, fund)
        codes = {c.number: c for c in fund.codes.all()}
        by_code: dict[int, list] = defaultdict(list)
        for h in holdings:
            by_code[h.code].append((h.holder, h.parts))
        for number, holders in sorted(by_code.items()):
            services.assign_code(scope, codes[number], holders)
    report.created = len(holdings)
    report.fund = fund
    return report
