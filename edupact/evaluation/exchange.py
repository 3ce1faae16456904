"""Frameworks in and out: the canonical JSON form and the XLSX workbook.

The JSON form is the scorer's format plus metadata (model, validity, legal basis,
translations, placeholder flags); a file exported here can be given straight to
``edupact evaluation score --framework``. :func:`canonical` (in :mod:`.canonical`: the
file's pydantic models, its JSON Schema, and the rules of :mod:`scoring`) checks a framework
completely and returns it with every default filled in, so that two descriptions of the
same framework compare equal.

The workbook has a ``framework`` sheet (one field per row) and an ``indicators`` sheet
(one row per criterion or indicator). Every row is checked and every error is reported
with its row number; nothing is imported when any row fails.
"""

from __future__ import annotations

import io
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from edupact.core import tabular
from edupact.core.text import normalise

__all__ = ["bands_text", "canonical", "from_xlsx", "parse_bands", "to_data", "to_xlsx"]

from . import scoring
from .canonical import canonical
from .models import Framework

LANGUAGES = ("en", "vi", "fa")
FRAMEWORK_FIELDS = (
    "code",
    "version",
    "name",
    "name_en",
    "name_fa",
    "model",
    "style",
    "valid_from",
    "valid_to",
    "legal_reference",
    "legal_date",
    "legal_title",
    "pass_total",
    "min_indicator",
    "levels",
    "bands",
    "unconfirmed",
    "description",
)
ROW_COLUMNS = (
    "criterion",
    "criterion_name",
    "criterion_name_en",
    "indicator",
    "name",
    "name_en",
    "kind",
    "max",
)
TAIL_COLUMNS = ("placeholder", "derived_from", "guidance")
MAX_LEVEL_COLUMNS = 5


def _num(value):
    return scoring.plain(value if isinstance(value, Decimal) else scoring.as_number(value))


def to_data(framework: Framework) -> dict:
    """A stored framework in the canonical JSON form (what :func:`canonical` returns)."""
    indicators_by_criterion: dict[int, list] = {}
    for ind in framework.indicators.order_by("position", "id"):
        indicators_by_criterion.setdefault(ind.criterion_id, []).append(ind)
    legal = None
    if framework.legal_type:
        legal = {
            "number": framework.legal_number,
            "type": framework.legal_type,
            "issuer": framework.legal_issuer,
            "date": framework.legal_date.isoformat() if framework.legal_date else None,
            "title": framework.legal_title,
        }
    points = framework.style == scoring.POINTS
    return {
        "code": framework.code,
        "version": framework.version,
        "name": framework.name,
        "name_i18n": dict(sorted(framework.name_i18n.items())),
        "model": framework.model,
        "description": framework.description,
        "valid_from": framework.valid_from.isoformat() if framework.valid_from else None,
        "valid_to": framework.valid_to.isoformat() if framework.valid_to else None,
        "legal_basis": legal,
        "style": framework.style,
        "unconfirmed": sorted(framework.unconfirmed),
        "pass_total": _num(framework.pass_total) if points else None,
        "min_indicator": _num(framework.min_indicator) if points else None,
        "levels": list(framework.levels),
        "bands": list(framework.bands),
        "criteria": [
            {
                "code": c.code,
                "name": c.name,
                "name_i18n": dict(sorted(c.name_i18n.items())),
                "max": _num(c.max) if c.max is not None else None,
                "placeholder": c.placeholder,
                "indicators": [
                    {
                        "code": i.code,
                        "name": i.name,
                        "name_i18n": dict(sorted(i.name_i18n.items())),
                        "kind": i.kind,
                        "max": _num(i.max) if i.max is not None else None,
                        "thresholds": dict(i.thresholds),
                        "levels": list(i.levels),
                        "placeholder": i.placeholder,
                        "derived_from": i.derived_from,
                        "guidance": i.guidance,
                    }
                    for i in indicators_by_criterion.get(c.pk, [])
                ],
            }
            for c in framework.criteria.order_by("position", "id")
        ],
    }


# XLSX ------------------------------------------------------------------------------------------


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return normalise(str(value))


def to_xlsx(framework: Framework) -> bytes:
    from openpyxl.styles import Font

    data = to_data(framework)
    wb = tabular.Book()
    meta = wb.sheet("framework")
    legal = data["legal_basis"] or {}
    values = {
        **data,
        "name_en": data["name_i18n"].get("en", ""),
        "name_fa": data["name_i18n"].get("fa", ""),
        "legal_reference": framework.legal_reference,
        "legal_date": legal.get("date") or "",
        "legal_title": legal.get("title") or "",
        "levels": ", ".join(str(x) for x in data["levels"]),
        "bands": bands_text(data["bands"]),
        "unconfirmed": ", ".join(data["unconfirmed"]),
    }
    meta.append(["field", "value"], font=Font(bold=True))
    for key in FRAMEWORK_FIELDS:
        value = values.get(key)
        meta.append([key, "" if value is None else value])
    sheet = wb.sheet("indicators")
    level_columns = [f"level {lv}" for lv in data["levels"]]
    sheet.append([*ROW_COLUMNS, *level_columns, *TAIL_COLUMNS], font=Font(bold=True))
    for c in data["criteria"]:
        sheet.append(
            [c["code"], c["name"], c["name_i18n"].get("en", ""), "", "", "", "", c["max"]]
            + [""] * len(level_columns)
            + ["yes" if c["placeholder"] else "", "", ""]
        )
        for i in c["indicators"]:
            per_level = []
            for lv in data["levels"]:
                if i["kind"] == scoring.PERCENT:
                    per_level.append(i["thresholds"].get(str(lv), ""))
                else:
                    per_level.append("x" if lv in i["levels"] else "")
            sheet.append(
                [c["code"], "", "", i["code"], i["name"], i["name_i18n"].get("en", ""), i["kind"]]
                + [i["max"]]
                + per_level
                + ["yes" if i["placeholder"] else "", i["derived_from"], i["guidance"]]
            )
    return wb.to_bytes()


def _yes(text: str) -> bool:
    return text.lower() in ("yes", "y", "x", "1", "true", "có", "c")


def from_xlsx(content: bytes) -> dict:
    """Read a workbook into the canonical form; ValidationError with every row's problems."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise ValidationError(_("The file is not an XLSX workbook.")) from exc
    if "framework" not in wb.sheetnames or "indicators" not in wb.sheetnames:
        raise ValidationError(_("The workbook needs the sheets “framework” and “indicators”."))
    errors: dict[str, list[str]] = {}

    def row_error(row: int, message: str):
        errors.setdefault(_("row %(n)d") % {"n": row}, []).append(message)

    meta = {}
    for row in wb["framework"].iter_rows(min_row=2, values_only=True):
        if row and row[0]:
            meta[_cell_text(row[0])] = row[1] if len(row) > 1 else None
    data: dict = {
        "code": _cell_text(meta.get("code")),
        "version": _cell_text(meta.get("version")),
        "name": _cell_text(meta.get("name")),
        "name_i18n": {
            lang: _cell_text(meta.get(f"name_{lang}"))
            for lang in LANGUAGES
            if _cell_text(meta.get(f"name_{lang}"))
        },
        "model": _cell_text(meta.get("model")),
        "style": _cell_text(meta.get("style")),
        "valid_from": meta.get("valid_from") or None,
        "valid_to": meta.get("valid_to") or None,
        "description": _cell_text(meta.get("description")),
        "unconfirmed": [
            u.strip() for u in _cell_text(meta.get("unconfirmed")).split(",") if u.strip()
        ],
    }
    if _cell_text(meta.get("legal_reference")):
        data["legal_basis"] = {
            "reference": _cell_text(meta.get("legal_reference")),
            "date": meta.get("legal_date") or None,
            "title": _cell_text(meta.get("legal_title")),
        }
    for key in ("pass_total", "min_indicator"):
        if meta.get(key) not in (None, ""):
            data[key] = meta[key]
    levels_text = _cell_text(meta.get("levels"))
    if levels_text:
        data["levels"] = [
            int(x) if x.strip().isdigit() else x.strip() for x in levels_text.split(",")
        ]
    bands_line = _cell_text(meta.get("bands"))
    if bands_line:
        data["bands"] = parse_bands(bands_line, errors)

    rows = wb["indicators"].iter_rows(values_only=True)
    header = [_cell_text(h).lower() for h in next(rows, ())]
    missing = [c for c in (*ROW_COLUMNS, "placeholder") if c not in header]
    if missing:
        raise ValidationError(
            _("The indicators sheet lacks the columns: %(columns)s.")
            % {"columns": ", ".join(missing)}
        )
    level_columns = {
        int(h.split()[1]): n
        for n, h in enumerate(header)
        if h.startswith("level ") and h.split()[1].isdigit()
    }
    criteria: dict[str, dict] = {}
    rows_of: dict[str, int] = {}
    for number, row in enumerate(rows, start=2):
        cells = {h: (row[n] if n < len(row) else None) for n, h in enumerate(header)}
        if not any(_cell_text(v) for v in cells.values()):
            continue
        ccode = _cell_text(cells["criterion"])
        if not ccode:
            row_error(number, _("The criterion code is empty."))
            continue
        criterion = criteria.setdefault(ccode, {"code": ccode, "indicators": []})
        rows_of.setdefault(ccode, number)
        if _cell_text(cells["criterion_name"]):
            criterion["name"] = _cell_text(cells["criterion_name"])
        if _cell_text(cells["criterion_name_en"]):
            criterion["name_i18n"] = {"en": _cell_text(cells["criterion_name_en"])}
        code = _cell_text(cells["indicator"])
        if not code:  # a criterion row
            if cells["max"] not in (None, ""):
                criterion["max"] = _row_number(cells["max"], number, "max", row_error)
            criterion["placeholder"] = _yes(_cell_text(cells["placeholder"]))
            continue
        if code in rows_of:
            row_error(number, _("The code %(code)s is used twice.") % {"code": code})
            continue
        rows_of[code] = number
        kind = _cell_text(cells["kind"]) or scoring.POINTS
        item = {
            "code": code,
            "name": _cell_text(cells["name"]),
            "kind": kind,
            "placeholder": _yes(_cell_text(cells["placeholder"])),
            "derived_from": _cell_text(cells.get("derived_from")),
            "guidance": str(cells.get("guidance") or "").strip(),
        }
        if not item["name"]:
            row_error(number, _("The indicator has no name."))
        if _cell_text(cells["name_en"]):
            item["name_i18n"] = {"en": _cell_text(cells["name_en"])}
        if kind == scoring.POINTS:
            item["max"] = _row_number(cells["max"], number, "max", row_error)
        elif kind == scoring.PERCENT:
            item["thresholds"] = {
                str(lv): _row_number(cells_value, number, f"level {lv}", row_error)
                for lv, n in sorted(level_columns.items())
                if (cells_value := row[n] if n < len(row) else None) not in (None, "")
            }
        elif kind == scoring.BOOLEAN:
            item["levels"] = [
                lv
                for lv, n in sorted(level_columns.items())
                if n < len(row) and _yes(_cell_text(row[n]))
            ]
        else:
            row_error(number, _("Unknown kind “%(kind)s”.") % {"kind": kind})
        criterion["indicators"].append(item)
    data["criteria"] = list(criteria.values())
    if errors:
        raise ValidationError(errors)
    try:
        return canonical(data)
    except ValidationError as exc:
        # Name the row of each criterion or indicator the rules complain about.
        located: dict[str, list[str]] = {}
        for key, messages in exc.message_dict.items():
            where = (
                _("row %(n)d (%(code)s)") % {"n": rows_of[key], "code": key}
                if key in rows_of
                else _("framework sheet: %(field)s") % {"field": key}
            )
            located.setdefault(where, []).extend(messages)
        raise ValidationError(located) from exc


def _row_number(value, row: int, column: str, row_error):
    number = scoring.as_number(value)
    if number is None and isinstance(value, str):
        number = scoring.as_number(_parse_decimal(value))
    if number is None:
        row_error(
            row, _("%(column)s: “%(value)s” is not a number.") % {"column": column, "value": value}
        )
        return None
    return scoring.plain(number)


def _parse_decimal(text: str):
    try:
        return Decimal(text.strip().replace(",", "."))
    except Exception:
        return None


def bands_text(bands: list[dict]) -> str:
    """Bands as one line, the way :func:`parse_bands` reads them back."""
    return "; ".join(
        f"{b['code']}={b['name']}≥{b['min']}{'*' if b['requires_recognition'] else ''}"
        for b in bands
    )


def parse_bands(text: str, errors: dict) -> list[dict]:
    """``tot=Tốt≥90*; kha=Khá≥80*; tb=Trung bình≥50; cd=Chưa đạt≥0`` (``*``: recognised only)."""
    bands = []
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        try:
            code, rest = part.split("=", 1)
            name, minimum = rest.rsplit("≥", 1)
            requires = minimum.strip().endswith("*")
            bands.append(
                {
                    "code": code.strip(),
                    "name": name.strip(),
                    "min": scoring.plain(Decimal(minimum.strip().rstrip("*"))),
                    "requires_recognition": requires,
                }
            )
        except Exception:
            errors.setdefault(_("framework sheet: bands"), []).append(
                _("Write each band as code=name≥minimum, separated by “;”.")
            )
    return bands
