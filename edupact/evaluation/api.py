"""Evaluation endpoints: criteria frameworks and the scorer; every query through the Scope."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja import Body, FilterSchema, Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from edupact.accounts.selectors import scope_for

from . import exchange, scoring, selectors, services
from .models import Framework

router = Router(tags=["evaluation"])


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
    q: str | None = None
    model: str | None = None
    style: str | None = None
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
@paginate(LimitOffsetPagination)
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
def create_framework(request, data: Body[dict[str, Any]]):
    """A new framework from the JSON form (platform administrators: national frameworks)."""
    return 201, services.create_framework(scope_for(request.user), data)


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
