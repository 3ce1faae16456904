"""Bulk entry: an XLSX template per hamlet or commune, and the import of a filled-in one.

The template lists one row per registered subject of a learning model in the place and one
column per indicator of the framework version in force for the year; a second sheet holds
the indicators' maxima, kinds and thresholds. The import follows the ``core.tabular``
contract: every row is checked (the subject, the uploader's area, each value, duplicates,
locks), every error is reported with its row and column, nothing is written when any row
fails, a dry run shows what would happen, and the same file imported again adds nothing.
Each row goes through the rule of ``services.record_assessment``
(``services.check_answers_change``), checked again against the stored rows locked in the
transaction of the write. The write is set-based: rows are scored in memory by ``scoring``
and stored with ``bulk_create`` and one prepared ``UPDATE`` per changed row, audited by
``audit.registry.written_in_bulk`` (one entry per created or changed assessment, as a
save leaves); the rollups are refreshed once after commit. A test proves the import leaves
exactly what ``record_assessment`` would (``tests/test_evaluation_assessment_paths.py``).
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from edupact.audit.registry import written_in_bulk
from edupact.core import tabular
from edupact.core.bounds import check_year
from edupact.core.scoping import Scope
from edupact.core.tabular import Report, TableError, digest, read_rows
from edupact.core.text import normalise, search_key
from edupact.directory.models import AdminUnit

from . import exchange, scoring, services
from .models import Assessment, AssessmentImport, Framework, Indicator, Subject
from .places import locks

LANGUAGES = ("vi", "en", "fa")
CHUNK = 5000  # ids per IN (…) query: below SQLite's limit on bound parameters
YES = {"co", "yes", "y", "true", "1", "x", "بله", "اری", "اره"}
NO = {"khong", "no", "n", "false", "0", "خیر", "نه"}
PREVIEW = 100


def _in_every_language(msgid: str) -> list[str]:
    out = []
    for language in LANGUAGES:
        with translation.override(language):
            out.append(_(msgid))
    return out


def code_header() -> str:
    return _("Subject code")


def _code_aliases() -> list[str]:
    return [*_in_every_language("Subject code"), "Mã", "Mã hộ", "Mã đối tượng", "Code", "کد"]


def indicators_of(framework: Framework) -> list[Indicator]:
    return list(
        framework.indicators.select_related("criterion").order_by(
            "criterion__position", "position", "id"
        )
    )


def indicator_header(ind: Indicator) -> str:
    return f"{ind.code} {ind.name_in(translation.get_language() or 'vi')}"


def _indicator_aliases(ind: Indicator) -> list[str]:
    return [ind.code, f"{ind.code} {ind.name}"] + [
        f"{ind.code} {ind.name_in(language)}" for language in LANGUAGES
    ]


def framework_in_force(scope: Scope, model: str, year: int) -> Framework:
    from .selectors import framework_for

    framework = framework_for(scope, model, year)
    if framework is None:
        raise ValidationError(
            _("No single framework of this learning model applies to %(year)d.") % {"year": year}
        )
    return framework


def subject_key(subject) -> str:
    """How a row names its subject: the code, or ``#id`` for a subject without a code."""
    return subject.code or f"#{subject.pk}"


# The template ------------------------------------------------------------------------------------


def template_subjects(scope: Scope, unit: AdminUnit, model: str):
    """The registered subjects of ``model`` placed in a hamlet, or in a commune and its
    hamlets, that the user may write for; by hamlet, then code."""
    qs = Subject.objects.filter(kind=model, active=True).filter(
        Q(admin_unit=unit) | Q(admin_unit__parent=unit)
    )
    return (
        scope.filter(qs, write=True)
        .select_related("admin_unit", "person")
        .order_by("admin_unit__name", "code", "search_key", "id")
    )


def template_xlsx(scope: Scope, year: int, unit: AdminUnit, model: str) -> bytes:
    """The bulk-entry workbook for a place, a year and a learning model."""
    check_year(year, field="year")
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    framework = framework_in_force(scope, model, year)
    indicators = indicators_of(framework)
    subjects = list(template_subjects(scope, unit, model))
    book = tabular.Book()
    entry = book.sheet(_("Assessments"))
    sheet = entry.layout
    fixed = [code_header(), _("Name"), _("Household head"), _("Hamlet")]
    entry.append(fixed + [indicator_header(i) for i in indicators], font=Font(bold=True))
    for s in subjects:
        head = str(s.person) if s.person_id else ""
        entry.append([subject_key(s), s.name, head, s.admin_unit.name if s.admin_unit else ""])
    sheet.freeze_panes = sheet.cell(row=2, column=len(fixed) + 1)
    last = max(len(subjects) + 1, 2)
    yes_no = f'"{_("yes")},{_("no")}"'
    for n, ind in enumerate(indicators, start=len(fixed) + 1):
        if ind.kind == scoring.BOOLEAN:
            rule = DataValidation(type="list", formula1=yes_no, allow_blank=True)
        else:
            top = 100 if ind.kind == scoring.PERCENT else scoring.plain(ind.max)
            rule = DataValidation(
                type="decimal", operator="between", formula1="0", formula2=str(top)
            )
        rule.error = _("Enter a value allowed for this indicator (see the sheet “Indicators”).")
        rule.showErrorMessage = True
        sheet.add_data_validation(rule)
        column = get_column_letter(n)
        rule.add(f"{column}2:{column}{last}")
        sheet.column_dimensions[column].width = 14
    info = book.sheet(_("Indicators"))
    info.append([_("Framework"), f"{framework.code} {framework.version}", framework.name])
    info.append([_("Year"), year])
    info.append([_("Place"), unit.name])
    if framework.style == scoring.POINTS:
        info.append([_("Pass total"), scoring.plain(framework.pass_total)])
        info.append([_("Minimum per indicator"), scoring.plain(framework.min_indicator)])
    else:
        info.append([_("Levels"), ", ".join(str(v) for v in framework.levels)])
    info.append([])
    info.append(
        [_("Code"), _("Indicator"), _("Criterion"), _("Kind"), _("Maximum"), _("Thresholds")]
    )
    for ind in indicators:
        if ind.kind == scoring.PERCENT:
            rule = "; ".join(f"{_('level')} {k}: ≥ {v} %" for k, v in ind.threshold_items)
        elif ind.kind == scoring.BOOLEAN:
            rule = _("%(yes)s or %(no)s") % {"yes": _("yes"), "no": _("no")}
        else:
            rule = ""
        info.append(
            [
                ind.code,
                ind.name_in(translation.get_language() or "vi"),
                ind.criterion.code,
                ind.get_kind_display(),
                100 if ind.kind == scoring.PERCENT else scoring.plain(ind.max),
                rule,
            ]
        )
    return book.to_bytes()


# The import --------------------------------------------------------------------------------------


@dataclass
class AssessmentReport(Report):
    """``core.tabular.Report`` plus what bulk entry shows: updates, and how many rows meet
    the criteria (the would-be result of a dry run), with a preview of the first rows."""

    updated: int = 0
    recognised: int = 0
    framework: str = ""
    preview: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return super().as_dict() | {
            "updated": self.updated,
            "recognised": self.recognised,
            "framework": self.framework,
            "preview": self.preview,
        }


def _value(text: str, ind: Indicator):
    """A cell as the scorer's answer (Decimal or bool), or a translated error message."""
    if not text:
        return None, _("Enter a value.")
    if ind.kind == scoring.BOOLEAN:
        key = search_key(text)
        if key in YES:
            return True, None
        if key in NO:
            return False, None
        return None, _("Answer yes or no (có/không, yes/no, بله/خیر).")
    number = text.replace(" ", "")
    if "," in number and "." not in number:
        number = number.replace(",", ".")
    try:
        value = Decimal(number)
    except InvalidOperation:
        return None, _("“%(value)s” is not a number.") % {"value": text}
    if not value.is_finite():
        return None, _("“%(value)s” is not a number.") % {"value": text}
    return value, None


def _subjects(model: str, keys: set[str], scope: Scope) -> tuple[dict, set[int]]:
    """Key → the subjects it may name among those the user sees (several organisations may
    use a code), and the ids the user may write (the write scope of
    ``services.record_assessment``: the subject's organisation); queried in chunks. A subject
    out of sight is not found, as a code that names nothing: a row never tells what exists
    elsewhere."""
    codes = sorted(k for k in keys if not k.startswith("#"))
    ids = sorted(int(k[1:]) for k in keys if k.startswith("#") and k[1:].isdigit())
    found: dict[str, list[dict]] = {}
    writable: set[int] = set()
    base = Subject.objects.filter(kind=model)
    batches = [Q(code__in=codes[i : i + CHUNK]) for i in range(0, len(codes), CHUNK)]
    batches += [Q(pk__in=ids[i : i + CHUNK], code="") for i in range(0, len(ids), CHUNK)]
    fields = (
        "id",
        "code",
        "name",
        "admin_unit_id",
        "former_admin_unit_id",
        "admin_unit__parent_id",
        "organisation__path",
    )
    for condition in batches:
        rows = list(scope.filter(base.filter(condition)).values(*fields))
        for s in rows:
            found.setdefault(s["code"] or f"#{s['id']}", []).append(s)
        # The same rule as ``Scope.require_write`` on one subject, asked of the whole batch.
        writable.update(
            scope.filter(
                Subject.objects.filter(pk__in=[s["id"] for s in rows]), write=True
            ).values_list("pk", flat=True)
        )
    return found, writable


def _stored(year: int, subject_ids: list[int], lock: bool) -> dict[int, Assessment]:
    """Subject id → its stored assessment of the year, with its subject (the audit trail
    names it); locked for the write when ``lock``."""
    qs = Assessment.objects.select_related("subject")
    if lock:
        qs = qs.select_for_update(of=("self",))
    out = {}
    for i in range(0, len(subject_ids), CHUNK):
        for a in qs.filter(year=year, subject_id__in=subject_ids[i : i + CHUNK]):
            out[a.subject_id] = a
    return out


def _refresh_target(places: set[tuple[int | None, int | None]]) -> tuple[bool, int | None]:
    """One rollup refresh covering every touched place: (needed, unit id or None for all)."""
    units = {u for u, _parent in places if u}
    if not units:
        return False, None
    if len(units) == 1:
        return True, units.pop()
    communes = {parent if parent else u for u, parent in places if u}
    # A commune's refresh covers its hamlets; several communes: refresh everything once.
    if len(communes) == 1:
        commune = communes.pop()
        if AdminUnit.objects.filter(pk=commune, level=AdminUnit.Level.COMMUNE).exists():
            return True, commune
    return True, None


def import_assessments(
    scope: Scope,
    content: bytes,
    filename: str,
    year: int,
    model: str,
    *,
    dry_run: bool = False,
    user=None,
) -> AssessmentReport:
    """Check every row of a bulk-entry file and, when all pass, store their assessments.

    Returns the report: on any error (or a dry run, or a file already imported) nothing is
    written. Each row goes through the rule of ``services.record_assessment``
    (``services.check_answers_change``): a row repeating what is stored is unchanged
    (``skipped``); one that would change an assessment the review meeting has weighed or
    the commune decided is refused; a registration becomes ``self_assessed``. The rows are
    checked against the stored assessments again, locked, in the transaction that writes
    them, and every created or changed assessment gets its audit entry.
    """
    report = AssessmentReport(dry_run=dry_run)
    try:
        services.check_assessment_year(year)  # refused before the file is read
        framework = framework_in_force(scope, model, year)
    except ValidationError as exc:
        report.error(1, "", exc.messages[0])
        return report
    report.framework = f"{framework.code} {framework.version}"
    fingerprint = digest(content)
    previous = AssessmentImport.objects.filter(digest=fingerprint, year=year, model=model).first()
    if previous is not None:
        report.already_imported = True
        report.rows = report.skipped = previous.rows
        report.recognised = previous.recognised
        return report
    indicators = indicators_of(framework)
    columns = {"code": _code_aliases()} | {i.code: _indicator_aliases(i) for i in indicators}
    try:
        rows = read_rows(content, filename, columns)
    except TableError as exc:
        report.error(1, "", str(exc))
        return report
    report.rows = len(rows)
    checked = scoring.validate_framework(exchange.to_data(framework))
    resolved = _check_rows(scope, rows, model, checked, indicators, report)
    writing = report.ok and not dry_run
    # The stored rows are read, checked and written in one transaction, locked: a meeting
    # held meanwhile cannot slip between the check and the write.
    with transaction.atomic() if writing else nullcontext():
        plan = _plan(resolved, year, framework, report, code_header(), lock=writing)
        if writing and report.ok:
            _write(plan, year, model, framework, fingerprint, filename, report, user)
    return report


@dataclass
class _Plan:
    """What the write will do: the assessments to create and to update (their new values
    set by ``services.check_answers_change``), and the touched (place, its parent) pairs."""

    create: list[Assessment] = field(default_factory=list)
    update: list[Assessment] = field(default_factory=list)
    places: set = field(default_factory=set)


def _check_rows(scope, rows, model, checked, indicators, report) -> list[tuple]:
    """Read, score and resolve every row: (row number, subject, answers, result) for the
    rows without error."""
    code_column = code_header()
    keys = {normalise(r["code"]) for r in rows if r["code"]}
    found, writable = _subjects(model, keys, scope)
    seen: dict[int, int] = {}
    resolved: list[tuple] = []
    for row in rows:
        key = normalise(row["code"])
        answers, bad = {}, set()
        for ind in indicators:
            value, problem = _value(row[ind.code], ind)
            if problem:
                report.error(row.number, ind.code, problem)
                bad.add(ind.code)
            else:
                answers[ind.code] = value
        result = None
        try:  # the scorer checks the ranges: above the maximum, a percentage outside 0–100
            if bad:
                scoring.check_answers(checked, answers)
            else:
                result = scoring.score(checked, answers)
        except scoring.ScoringError as exc:
            for p in exc.problems:
                if p.indicator not in bad:
                    report.error(row.number, p.indicator or "", p.message)
                    bad.add(p.indicator)
        subject = _resolve(row.number, key, found, writable, report, code_column)
        if subject is None:
            continue
        if subject["id"] in seen:
            report.error(
                row.number,
                code_column,
                _("The subject %(code)s is already on row %(row)d.")
                % {"code": key, "row": seen[subject["id"]]},
            )
            continue
        seen[subject["id"]] = row.number
        if bad:
            continue
        resolved.append((row.number, subject, answers, result))
    return resolved


def _plan(resolved, year, framework, report, code_column, *, lock: bool) -> _Plan:
    """Sort the checked rows into creations, updates and unchanged rows by the rule of
    ``services.record_assessment``, refusing those a lock, the review meeting or a
    decision protects; counts what meets the criteria."""
    locked = locks.locked(
        year, {s["admin_unit_id"] or s["former_admin_unit_id"] for _n, s, _a, _r in resolved}
    )
    stored = _stored(year, [s["id"] for _n, s, _a, _r in resolved], lock)
    plan = _Plan()
    for number, subject, answers, result in resolved:
        by = locked.get(subject["admin_unit_id"] or subject["former_admin_unit_id"])
        if by is not None:
            report.error(number, code_column, locks.message(year, by))
            continue
        if result["recognised"]:
            report.recognised += 1
        if len(report.preview) < PREVIEW:
            report.preview.append(_preview(number, subject, result))
        assessment = stored.get(subject["id"]) or Assessment(subject_id=subject["id"], year=year)
        try:
            change = services.check_answers_change(assessment, framework, answers, result)
        except ValidationError as exc:
            for message in _refusals(exc):
                report.error(number, code_column, message)
            continue
        if not change.changed:
            report.skipped += 1
            continue
        (plan.update if assessment.pk else plan.create).append(assessment)
        plan.places.add((subject["admin_unit_id"], subject["admin_unit__parent_id"]))
    report.created, report.updated = len(plan.create), len(plan.update)
    return plan


def _refusals(exc: ValidationError) -> list[str]:
    """The service's refusal as lines of the report: a field's error (e.g. a total with
    more than two decimals) after the field's name."""
    if not hasattr(exc, "error_dict"):
        return exc.messages
    return [
        message if key == NON_FIELD_ERRORS else f"{capfirst(_field_name(key))}: {message}"
        for key, messages in exc.message_dict.items()
        for message in messages
    ]


def _field_name(key: str) -> str:
    try:
        return str(Assessment._meta.get_field(key).verbose_name)
    except FieldDoesNotExist:
        return key


def _resolve(number, key, found, writable, report, column):
    if not key:
        report.error(number, column, _("Enter the subject's code."))
        return None
    candidates = found.get(key, [])
    mine = [s for s in candidates if s["id"] in writable]
    if len(mine) == 1:
        return mine[0]
    if len(mine) > 1:
        report.error(
            number, column, _("Several of your subjects have the code %(code)s.") % {"code": key}
        )
    elif candidates:
        report.error(
            number, column, _("The subject %(code)s is outside your area.") % {"code": key}
        )
    else:
        report.error(
            number, column, _("No registered subject has the code %(code)s.") % {"code": key}
        )
    return None


def _preview(number, subject, result) -> dict:
    return {
        "row": number,
        "subject": subject["name"],
        "total": result.get("total"),
        "level": result.get("level"),
        "recognised": result["recognised"],
    }


def _write(plan, year, model, framework, fingerprint, filename, report, user) -> None:
    """Store the plan set-based, leaving what ``services.do_record_assessment`` would for
    each row: the same values and status, the framework version locked, one audit entry
    per created or changed assessment (``audit.registry.written_in_bulk``), one rollup
    refresh after commit. Runs inside the transaction of ``import_assessments``."""
    now = timezone.now()
    new_ids = [a.subject_id for a in plan.create]
    for i in range(0, len(new_ids), CHUNK):  # the audit entries name the subject
        subjects = Subject.objects.in_bulk(new_ids[i : i + CHUNK])
        for a in plan.create[i : i + CHUNK]:
            a.subject = subjects[a.subject_id]
    for a in plan.update:  # set as save() sets it (bulk_create sets its own)
        a.updated_at = now
    services.lock_framework(framework)
    Assessment.objects.bulk_create(plan.create, batch_size=2000)
    _update(plan.update, [*services.ANSWER_FIELDS, "updated_at"])
    written_in_bulk(plan.create, created=True)
    written_in_bulk(plan.update, created=False)
    AssessmentImport.objects.create(
        digest=fingerprint,
        filename=(filename or "")[:200],
        year=year,
        model=model,
        framework=framework,
        rows=report.rows,
        created=report.created,
        updated=report.updated,
        skipped=report.skipped,
        recognised=report.recognised,
        imported_by=user if getattr(user, "pk", None) else None,
    )
    needed, unit = _refresh_target(plan.places)
    if needed:
        services.schedule_place_refresh(unit)


def _update(assessments: list[Assessment], names: list[str]) -> None:
    """``UPDATE … SET field = %s, … WHERE id = %s`` for each row, one prepared statement
    run by ``executemany``, the values prepared by each field as ``save()`` prepares them.
    Django's ``bulk_update`` builds a ``CASE … WHEN`` per field and row in Python, most of
    the time of a large import (a file changing 5,000 rows: 15 s of CPU with it, 4 s with
    this, ``bench/evaluation/bulk_entry.py``). Its rows are the ones ``bulk_update`` would
    write (``tests/test_evaluation_assessment_paths.py`` compares them with the service's)."""
    fields = [Assessment._meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    sql = (
        f"UPDATE {quote(Assessment._meta.db_table)} SET {assignments} "
        f"WHERE {quote(Assessment._meta.pk.column)} = %s"
    )
    rows = [
        (*(f.get_db_prep_save(getattr(a, f.attname), connection) for f in fields), a.pk)
        for a in assessments
    ]
    with connection.cursor() as cursor:
        for i in range(0, len(rows), CHUNK):
            cursor.executemany(sql, rows[i : i + CHUNK])
