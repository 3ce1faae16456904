"""Evaluation endpoints: criteria frameworks and the scorer; every query through the Scope."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Body, File, FilterSchema, Form, Query, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate

from edupact.accounts.selectors import scope_for, scoped_get_or_404
from edupact.core.bounds import IdParam, Year, YearParam
from edupact.core.filters import Search
from edupact.core.paging import CappedLimitOffsetPagination
from edupact.directory.models import AdminUnit, Organisation

from . import exchange, reports, scoring, selectors, services
from .api_cycle import router as cycle_router
from .models import Framework, LearningModel, Subject, Target
from .places import selectors as place_selectors

router = Router(tags=["evaluation"])
router.add_router("", cycle_router)  # registration, self-assessment, evidence, meetings


class FrameworkOut(Schema):
    id: int
    code: str
    version: str
    name: str
    name_i18n: dict
    model: str
    style: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    legal_reference: str
    legal_date: dt.date | None
    locked: bool
    supersedes_id: int | None
    owner_id: int | None


class FrameworkDetail(FrameworkOut):
    data: dict

    @staticmethod
    def resolve_data(obj):
        return exchange.to_data(obj)


class FrameworkFilter(FilterSchema):
    q: Search | None = None
    model: Search | None = None
    style: Search | None = None
    on: dt.date | None = None


class ScoreIn(Schema):
    framework_id: int | None = None
    framework: dict[str, Any] | None = None
    answers: dict[str, Any]


def _own(request, pk: int, write: bool = False) -> Framework:
    try:
        return selectors.framework(scope_for(request.user), pk, write=write)
    except Framework.DoesNotExist as exc:
        raise Http404 from exc


def _scoring_error(exc: scoring.ScoringError) -> ValidationError:
    return ValidationError(exc.by_key())


@router.get("/frameworks", response=list[FrameworkOut])
@paginate(CappedLimitOffsetPagination)
def list_frameworks(request, filters: Query[FrameworkFilter]):
    return selectors.frameworks(scope_for(request.user), **filters.dict())


@router.get("/frameworks/{pk}", response=FrameworkDetail)
def get_framework(request, pk: int):
    return _own(request, pk)


@router.get("/frameworks/{pk}/export")
def export_framework(request, pk: int, format: str = "json"):
    """The framework as the scorer's JSON (plus metadata), or as an XLSX workbook."""
    framework = _own(request, pk)
    if format == "xlsx":
        response = HttpResponse(
            exchange.to_xlsx(framework),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{framework.code}.xlsx"'
        return response
    if format != "json":
        raise ValidationError({"format": [_("Choose json or xlsx.")]})
    return exchange.to_data(framework)


@router.post("/frameworks", response={201: FrameworkDetail})
def create_framework(request, data: Body[dict[str, Any]], owner: int | None = None):
    """A new framework from the JSON form: national (platform administrators), or with
    ``?owner=`` a local rubric of a province's or commune's organisation the user writes
    for. A code already stored is refused (revise it instead)."""
    organisation = None
    if owner is not None:  # fetched to read; the service refuses an owner one only reads
        organisation = scoped_get_or_404(request.user, Organisation, owner)
    return Status(201, services.create_framework(scope_for(request.user), data, owner=organisation))


@router.put("/frameworks/{pk}", response=FrameworkDetail)
def revise_framework(request, pk: int, data: Body[dict[str, Any]]):
    """Change a framework; one already used becomes a new version (returned) instead."""
    framework = _own(request, pk)
    return services.revise_framework(scope_for(request.user), framework, data)


@router.post("/score")
def score(request, payload: ScoreIn):
    """Score answers against a stored framework (``framework_id``) or an inline one."""
    if (payload.framework_id is None) == (payload.framework is None):
        raise ValidationError(
            {"framework": [_("Give either framework_id or an inline framework, not both.")]}
        )
    if payload.framework_id is not None:
        data = exchange.to_data(_own(request, payload.framework_id))
    else:
        data = payload.framework
    try:
        return scoring.score(data, payload.answers)
    except scoring.ScoringError as exc:
        raise _scoring_error(exc) from exc


# Subjects and assessments -------------------------------------------------------------------------


class SubjectOut(Schema):
    id: int
    kind: str
    name: str
    code: str
    organisation_id: int
    admin_unit_id: int | None
    former_admin_unit_id: int | None
    parent_id: int | None
    person_id: int | None
    active: bool


class SubjectIn(Schema):
    kind: LearningModel
    name: str
    code: str = ""
    organisation_id: int
    admin_unit_id: int | None = None
    former_admin_unit_id: int | None = None
    parent_id: int | None = None


class SubjectFilter(FilterSchema):
    q: Search | None = None
    kind: Search | None = None
    admin_unit: IdParam | None = None
    parent: IdParam | None = None


class AssessmentOut(Schema):
    id: int
    subject_id: int
    year: int
    framework_id: int
    status: str
    answers: dict
    result: dict
    recognised: bool
    level: int | None
    total: float | None
    band: str


class AssessmentIn(Schema):
    subject_id: int
    year: Year
    framework_id: int | None = None
    answers: dict[str, Any]
    notes: str = ""


class AssessmentFilter(FilterSchema):
    year: YearParam | None = None
    subject: IdParam | None = None
    kind: Search | None = None
    recognised: bool | None = None


@router.get("/subjects", response=list[SubjectOut])
@paginate(CappedLimitOffsetPagination)
def list_subjects(request, filters: Query[SubjectFilter]):
    return selectors.subjects(scope_for(request.user), **filters.dict())


@router.get("/subjects/{pk}", response=SubjectOut)
def get_subject(request, pk: int):
    return scoped_get_or_404(request.user, Subject, pk)


@router.post("/subjects", response={201: SubjectOut})
def create_subject(request, data: SubjectIn):
    organisation = scoped_get_or_404(request.user, Organisation, data.organisation_id)
    subject = Subject(**data.dict(exclude={"organisation_id"}), organisation=organisation)
    return Status(201, services.save_subject(scope_for(request.user), subject))


@router.get("/subjects/{pk}/share-recognised")
def share_recognised(
    request, pk: int, year: YearParam, kind: LearningModel = LearningModel.CITIZEN
):
    """A derived indicator: the share of the subject's citizens (or households…) recognised."""
    return selectors.share_recognised(scoped_get_or_404(request.user, Subject, pk), year, kind)


@router.get("/assessments", response=list[AssessmentOut])
@paginate(CappedLimitOffsetPagination)
def list_assessments(request, filters: Query[AssessmentFilter]):
    return selectors.assessments(scope_for(request.user), **filters.dict())


@router.post("/assessments", response={201: AssessmentOut})
def record_assessment(request, data: AssessmentIn):
    """Score and store a subject's assessment for a year; the framework version is kept."""
    subject = scoped_get_or_404(request.user, Subject, data.subject_id)
    framework = _own(request, data.framework_id) if data.framework_id else None
    assessment = services.record_assessment(
        scope_for(request.user), subject, data.year, data.answers, framework, data.notes
    )
    return Status(201, assessment)


# Rollups, targets and indicator values ------------------------------------------------------------


class RollupOut(Schema):
    year: int
    model: str
    level: str
    admin_unit_id: int
    admin_unit_name: str
    parent_id: int | None
    registered: int
    meeting: int
    recognised: int
    share: float | None
    approximate: bool
    target: float | None
    target_source: str | None
    light: str | None

    @staticmethod
    def resolve_admin_unit_name(obj):
        return obj.admin_unit.name

    @staticmethod
    def resolve_share(obj):
        return None if obj.share_value is None else round(obj.share_value, 2)


class RollupFilter(FilterSchema):
    year: YearParam | None = None
    model: Search | None = None
    level: Search | None = None
    unit: IdParam | None = None
    parent: IdParam | None = None


@router.get("/rollups", response=list[RollupOut])
@paginate(CappedLimitOffsetPagination)
def list_rollups(request, filters: Query[RollupFilter]):
    """Registered, meeting and recognised counts per year × model × place in the reader's
    places, with the share, the target that applies and its traffic light."""
    return selectors.rollups_with_targets(scope_for(request.user), **filters.dict())


class AnnualCellOut(Schema):
    model: str
    registered: int
    recognised: int
    share: float | None


class AnnualLineOut(Schema):
    admin_unit_id: int | None
    name: str
    kind: str
    approximate: bool
    cells: list[AnnualCellOut]


class AnnualReportOut(Schema):
    admin_unit_id: int
    year: int | None
    years: list[int]
    lines: list[AnnualLineOut]
    total: AnnualLineOut


def _annual_line(line: reports.Line) -> dict:
    return {
        "admin_unit_id": line.unit.pk if line.unit else None,
        "name": line.label,
        "kind": line.kind,
        "approximate": line.approximate,
        "cells": [
            {
                "model": m,
                "registered": c.registered,
                "recognised": c.recognised,
                "share": None if c.share is None else float(c.share),
            }
            for m, c in zip(reports.REPORT_MODELS, line.ordered, strict=True)
        ],
    }


@router.get("/reports/annual", response=AnnualReportOut)
def annual_report(request, place: int, year: YearParam | None = None):
    """The annual statistics of a place the reader sees: registered vs recognised by model for
    each place directly below it and the total (consolidated bottom-up from the rollups)."""
    try:
        unit = place_selectors.place(scope_for(request.user), place)
    except AdminUnit.DoesNotExist as exc:
        raise Http404 from exc
    report = reports.annual_statistics(unit, year)
    return {
        "admin_unit_id": unit.pk,
        "year": report.year,
        "years": report.years,
        "lines": [_annual_line(line) for line in report.lines],
        "total": _annual_line(report.total),
    }


class TargetOut(Schema):
    id: int
    indicator: str
    model: str
    year: int
    admin_unit_id: int | None
    value: float
    source: str
    source_date: dt.date | None
    name: str
    name_i18n: dict


@router.get("/targets", response=list[TargetOut])
def list_targets(request, indicator: Search | None = None, model: Search | None = None):
    """The targets (reference data: QĐ 387/QĐ-TTg, QĐ 1373/QĐ-TTg, local plans)."""
    return selectors.targets(indicator=indicator, model=model)


class TargetIn(Schema):
    indicator: str
    model: str = ""
    year: Year
    admin_unit_id: int
    value: float
    source: str
    source_date: dt.date | None = None
    name: str
    name_i18n: dict = {}


def _target_values(request, target: Target, data: TargetIn) -> Target:
    try:
        target.admin_unit = place_selectors.place(scope_for(request.user), data.admin_unit_id)
    except AdminUnit.DoesNotExist as exc:
        raise Http404 from exc
    for key in ("indicator", "model", "year", "source", "source_date", "name", "name_i18n"):
        setattr(target, key, getattr(data, key))
    target.value = Decimal(str(data.value))
    return target


@router.post("/targets", response={201: TargetOut})
def add_target(request, data: TargetIn):
    """A local plan's target for a province or commune the user writes for."""
    target = _target_values(request, Target(), data)
    return Status(201, services.add_target(scope_for(request.user), target))


@router.put("/targets/{pk}", response=TargetOut)
def change_target(request, pk: int, data: TargetIn):
    """Correct a local target (403 for a national one or a place the user does not write
    for: every signed-in reader sees the targets)."""
    target = get_object_or_404(Target, pk=pk)
    return services.change_target(scope_for(request.user), _target_values(request, target, data))


@router.delete("/targets/{pk}", response={204: None})
def delete_target(request, pk: int):
    """Delete a local target still to come (422 for one due in a past year)."""
    services.delete_target(scope_for(request.user), get_object_or_404(Target, pk=pk))
    return Status(204, None)


class IndicatorValueIn(Schema):
    code: str
    year: Year
    numerator: int
    denominator: int
    admin_unit_id: int | None = None
    source: str = "manual"
    note: str = ""


class IndicatorValueOut(Schema):
    id: int
    code: str
    year: int
    numerator: int
    denominator: int
    admin_unit_id: int | None
    admin_unit_name: str | None
    source: str
    note: str
    percent: float | None
    updated_at: dt.datetime

    @staticmethod
    def resolve_admin_unit_name(obj):
        return obj.admin_unit.name if obj.admin_unit_id else None


class IndicatorValueFilter(Schema):
    code: Search | None = None
    year: YearParam | None = None
    place: IdParam | None = None
    source: Search | None = None


@router.get("/indicator-values", response=list[IndicatorValueOut])
@paginate(CappedLimitOffsetPagination)
def list_indicator_values(request, filters: Query[IndicatorValueFilter]):
    """Figures of the reader's places and national ones, by indicator code, then newest year.
    ``place`` keeps that place's figures and those of the places directly below it (404 for
    a place the reader does not see)."""
    scope = scope_for(request.user)
    unit = None
    if filters.place is not None:
        try:
            unit = place_selectors.place(scope, filters.place)
        except AdminUnit.DoesNotExist as exc:
            raise Http404 from exc
    return selectors.indicator_values(
        scope, code=filters.code, year=filters.year, unit=unit, source=filters.source
    )


@router.post("/indicator-values", response={201: IndicatorValueOut})
def record_indicator_value(request, data: IndicatorValueIn):
    """Enter a figure from another system (replaces the same code, year, place and source)."""
    unit = None
    if data.admin_unit_id is not None:
        try:
            unit = place_selectors.place(scope_for(request.user), data.admin_unit_id)
        except AdminUnit.DoesNotExist as exc:
            raise Http404 from exc
    value = services.record_indicator_value(
        scope_for(request.user),
        data.code,
        data.year,
        data.numerator,
        data.denominator,
        unit,
        data.source,
        data.note,
        user=request.user,
    )
    return Status(201, value)


class IndicatorValueChangeIn(Schema):
    numerator: int
    denominator: int
    note: str = ""


def _indicator_value(request, pk: int):
    """A figure among the reader's (their places' and national ones); 404 otherwise."""
    value = selectors.indicator_values(scope_for(request.user)).filter(pk=pk).first()
    if value is None:
        raise Http404
    return value


@router.put("/indicator-values/{pk}", response=IndicatorValueOut)
def change_indicator_value(request, pk: int, data: IndicatorValueChangeIn):
    """Correct a figure typed in by hand (numerator, denominator, note); 403 for a place
    the user does not write for, 422 once the place's year is locked by an approval."""
    return services.change_indicator_value(
        scope_for(request.user),
        _indicator_value(request, pk),
        data.numerator,
        data.denominator,
        data.note,
        user=request.user,
    )


@router.delete("/indicator-values/{pk}", response={204: None})
def delete_indicator_value(request, pk: int):
    """Delete a figure entered by mistake; 422 once the place's year is locked."""
    services.delete_indicator_value(scope_for(request.user), _indicator_value(request, pk))
    return Status(204, None)


# Bulk entry ---------------------------------------------------------------------------------------


@router.get("/assessments/template")
def assessment_template(
    request, unit: int, year: YearParam, model: LearningModel = LearningModel.HOUSEHOLD
):
    """The bulk-entry workbook of a hamlet or commune for a year and a learning model."""
    from . import bulk

    scope = scope_for(request.user)
    try:
        place = selectors.entry_places(scope).get(pk=unit)
    except AdminUnit.DoesNotExist as exc:
        raise Http404 from exc
    response = HttpResponse(
        bulk.template_xlsx(scope, year, place, model),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="danh-gia-{model}-{year}-{unit}.xlsx"'
    return response


@router.post("/assessments/import", response={200: dict, 422: dict})
def import_assessments(
    request,
    file: File[UploadedFile],
    year: Form[YearParam],
    model: Form[LearningModel] = LearningModel.HOUSEHOLD,
    dry_run: Form[bool] = False,
):
    """Check every row of a filled-in template (XLSX or CSV) and import it when all pass.

    200 with the report (``written`` false on a dry run or a file already imported); 422 with
    the report listing every error by row and column when any row fails (nothing written).
    """
    from . import bulk

    report = bulk.import_assessments(
        scope_for(request.user),
        file.read(),
        file.name or "",
        year,
        model,
        dry_run=dry_run,
        user=request.user,
    )
    return Status(200 if report.ok else 422, report.as_dict())


# The yearly cycle: deadlines, approvals, re-opening -----------------------------------------------


class DeadlineOut(Schema):
    id: int | None
    year: int
    step: str
    level: str
    admin_unit_id: int | None
    due: dt.date
    remind_days: int


class DeadlineIn(Schema):
    year: Year
    step: str
    due: dt.date
    admin_unit_id: int | None = None
    remind_days: int | None = None


class ApprovalOut(Schema):
    admin_unit_id: int
    year: int
    state: str
    approved_by_id: int | None
    approved_at: dt.datetime | None
    reopened_by_id: int | None
    reopened_at: dt.datetime | None
    reason: str


class ReasonIn(Schema):
    reason: str


def _place(request, pk: int) -> AdminUnit:
    try:
        return place_selectors.place(scope_for(request.user), pk)
    except AdminUnit.DoesNotExist as exc:
        raise Http404 from exc


@router.get("/deadlines", response=list[DeadlineOut])
def list_deadlines(request, year: YearParam, unit: int | None = None):
    """The deadline of each step of a year that applies to a place (default: everywhere)."""
    from .workflow import deadlines_for

    return list(deadlines_for(_place(request, unit) if unit else None, year).values())


@router.put("/deadlines", response=DeadlineOut)
def set_deadline(request, data: DeadlineIn):
    """Set a step's deadline: the default (platform administrators) or a place's own."""
    from .workflow import set_deadline as set_

    unit = _place(request, data.admin_unit_id) if data.admin_unit_id else None
    return set_(scope_for(request.user), data.year, data.step, data.due, unit, data.remind_days)


@router.delete("/deadlines", response={204: None})
def clear_deadline(request, year: YearParam, step: str, unit: int):
    """Remove a place's own deadline of a step: the one of the place above (or the default)
    applies again. 404 when the place has none of its own."""
    from .workflow import clear_deadline as clear

    if not clear(scope_for(request.user), year, step, _place(request, unit)):
        raise Http404
    return Status(204, None)


@router.get("/cycle/{pk}/{year}")
def commune_cycle(request, pk: int, year: YearParam):
    """A commune's year: each hamlet's progress and light, the deadlines, the approvals. A
    province's year: each commune's approval and light, and the province's closure."""
    from .workflow import can_approve, can_reopen

    commune = _place(request, pk)
    scope = scope_for(request.user)

    def approval(a):
        return ApprovalOut.from_orm(a).dict() if a else None

    if commune.level == AdminUnit.Level.PROVINCE:
        data = selectors.province_cycle(commune, year)
        return {
            "province_id": commune.pk,
            "year": year,
            "approval": approval(data["approval"]),
            "can_close": can_approve(scope, commune),
            "can_reopen": can_reopen(scope, commune),
            "placed_here": data["placed_here"],
            "pending": data["pending"],
            "deadline": data["deadline"].due,
            "closure_deadline": data["closure_deadline"].due,
            "closure_light": data["closure_light"],
            "communes": [
                {
                    "id": c["unit"].pk,
                    "name": c["unit"].name,
                    "hamlets": c["hamlets"],
                    "hamlets_approved": c["hamlets_approved"],
                    "approved": c["approved"],
                    "light": c["light"],
                    "can_approve": can_approve(scope, c["unit"]),
                    "approval": approval(c["approval"]),
                }
                for c in data["communes"]
            ],
        }
    if commune.level != AdminUnit.Level.COMMUNE:
        raise Http404
    data = selectors.commune_cycle(commune, year)

    return {
        "commune_id": commune.pk,
        "year": year,
        "approval": approval(data["approval"]),
        "can_approve": can_approve(scope, commune),
        "deadlines": [
            {"step": s["deadline"].step, "due": s["deadline"].due, "light": s["light"]}
            for s in data["steps"]
        ],
        "hamlets": [
            {
                "id": h["unit"].pk,
                "name": h["unit"].name,
                "registered": h["registered"],
                "self_assessed": h["assessed"],
                "reviewed": h["reviewed"],
                "approved": h["approved"],
                "light": h["light"],
                "can_approve": can_approve(scope, h["unit"]),
                "approval": approval(h["approval"]),
            }
            for h in data["hamlets"]
        ],
    }


@router.post("/cycle/{pk}/{year}/approve", response=ApprovalOut)
def approve_year(request, pk: int, year: YearParam):
    """Approve a hamlet's year (the commune) or a commune's year (the province), or close a
    province's year (the province, once every commune is approved)."""
    from .workflow import approve_year as approve

    return approve(scope_for(request.user), _place(request, pk), year, user=request.user)


@router.post("/cycle/{pk}/{year}/reopen", response=ApprovalOut)
def reopen_year(request, pk: int, year: YearParam, data: ReasonIn):
    """Re-open an approved year, giving the reason; its records are unlocked (a province's
    closed year: platform administrators, the national level)."""
    from .workflow import reopen_year as reopen

    return reopen(
        scope_for(request.user), _place(request, pk), year, data.reason, user=request.user
    )


@router.post("/assessments/{pk}/reopen", response=AssessmentOut)
def reopen_assessment(request, pk: int, data: ReasonIn):
    """Open a reviewed or decided assessment again, giving the reason."""
    from .models import Assessment
    from .workflow import reopen_assessment as reopen

    assessment = scoped_get_or_404(request.user, Assessment, pk)
    return reopen(scope_for(request.user), assessment, data.reason, user=request.user)
