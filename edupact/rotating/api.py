"""Rotating fund endpoints under /api/v1/rotating; every query goes through the caller's Scope.

Writes accept ``Idempotency-Key``: the API middleware replays the first answer to a retried
request, and the key reaches the service too, so a retry can never record twice.
"""

import datetime as dt

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from edupact.accounts.selectors import scope_for
from edupact.api.problems import problem
from edupact.core.paging import CappedLimitOffsetPagination

from . import selectors, services
from .models import Code, DrawMode

router = Router(tags=["rotating"])


class FundOut(Schema):
    id: int
    name: str
    organisation_id: int
    currency: str
    calendar: str
    due: int
    pot: int
    start_year: int
    start_month: int
    codes_count: int
    share_denominator: int
    draw_day: int
    draw_mode: str
    next_month: int | None

    @staticmethod
    def resolve_next_month(obj):
        return services.next_month(obj)


class HolderOut(Schema):
    share_id: int
    person_id: int | None
    organisation_id: int | None
    name: str
    parts: int
    valid_from: dt.date


class CodeOut(Schema):
    number: int
    holders: list[HolderOut]


class DueIn(Schema):
    code: int
    month: int
    amount: int
    paid_on: dt.date | None = None
    memo: str = ""


class DueOut(Schema):
    id: int
    code: int
    month: int
    amount: int
    paid_on: dt.date
    memo: str
    reverses_id: int | None

    @staticmethod
    def resolve_code(obj):
        return obj.code.number


class DrawIn(Schema):
    mode: str = DrawMode.AUTOMATIC
    seed: str = ""
    exclusions: dict[int, str] = {}
    code: int | None = None
    reason: str = ""


class PayoutOut(Schema):
    share_id: int
    name: str
    parts: int
    amount: int


class DrawOut(Schema):
    id: int
    month: int
    code: int
    drawn_on: dt.date
    mode: str
    seed: str
    candidates: list[str]
    excluded: list[dict]
    reason: str
    pot: int
    payouts: list[PayoutOut]

    @staticmethod
    def resolve_code(obj):
        return obj.code.number

    @staticmethod
    def resolve_payouts(obj):
        return [
            {
                "share_id": p.share_id,
                "name": p.share.holder_name,
                "parts": p.numerator,
                "amount": p.amount,
            }
            for p in obj.payouts.all()  # prefetched with their shares by selectors.draws
        ]


def _fund(request, pk):
    return get_object_or_404(selectors.funds(scope_for(request.user)), pk=pk)


def _key(request) -> str | None:
    key = request.headers.get("Idempotency-Key")
    return f"api:{request.user.pk}:{key}"[:255] if key else None


@router.get("", response=list[FundOut])
@paginate(CappedLimitOffsetPagination)
def list_funds(request):
    return selectors.funds(scope_for(request.user))


@router.get("/{pk}", response=FundOut)
def get_fund(request, pk: int):
    return _fund(request, pk)


@router.get("/{pk}/codes", response=list[CodeOut])
def list_codes(request, pk: int, on: dt.date | None = None):
    """The codes the caller may see (a member: their own) with their holders on ``on``."""
    fund = _fund(request, pk)
    codes = selectors.codes(scope_for(request.user), fund, on or timezone.localdate())
    return [
        {
            "number": c.number,
            "holders": [
                {
                    "share_id": s.pk,
                    "person_id": s.person_id,
                    "organisation_id": s.organisation_id,
                    "name": s.holder_name,
                    "parts": s.numerator,
                    "valid_from": s.valid_from,
                }
                for s in c.holders
            ],
        }
        for c in codes
    ]


@router.get("/{pk}/dues", response=list[DueOut])
@paginate(CappedLimitOffsetPagination)
def list_dues(request, pk: int, month: int | None = None):
    qs = selectors.payments(scope_for(request.user), _fund(request, pk))
    return qs.filter(month=month) if month else qs


@router.post("/{pk}/dues", response={201: DueOut})
def record_due(request, pk: int, data: DueIn):
    fund = _fund(request, pk)
    code = get_object_or_404(Code.objects.filter(fund=fund), number=data.code)
    try:
        payment = services.record_due(
            scope_for(request.user),
            code,
            data.month,
            data.amount,
            data.paid_on or timezone.localdate(),
            memo=data.memo,
            idempotency_key=_key(request),
        )
    except services.Refused as exc:
        return problem(request, 409, _("Refused"), exc.messages[0], code=exc.reason)
    return Status(201, payment)


@router.get("/{pk}/draws", response=list[DrawOut])
def list_draws(request, pk: int):
    return selectors.draws(scope_for(request.user), _fund(request, pk))


@router.post("/{pk}/draws", response={201: DrawOut})
def run_draw(request, pk: int, data: DrawIn):
    """Draw the next month (not before its draw day) in the given mode."""
    fund = _fund(request, pk)
    try:
        draw = services.run_draw(
            scope_for(request.user),
            fund,
            mode=data.mode,
            today=timezone.localdate(),
            seed=data.seed,
            exclusions=data.exclusions,
            code_number=data.code,
            reason=data.reason,
            idempotency_key=_key(request),
        )
    except services.Refused as exc:
        return problem(request, 409, _("Refused"), exc.messages[0], code=exc.reason)
    return Status(201, draw)
