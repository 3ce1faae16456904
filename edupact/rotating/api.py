"""Rotating fund endpoints under /api/v1/rotating; every query goes through the caller's Scope.

Writes accept ``Idempotency-Key``: the API middleware replays the first answer to a retried
request, and the key reaches the service too, so a retry can never record twice.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from edupact.accounts.selectors import scope_for
from edupact.core.bounds import (
    Amount,
    AmountParam,
    Id,
    IdParam,
    MoneyDay,
    SmallCount,
    SmallCountParam,
)
from edupact.core.errors import Refused
from edupact.core.paging import CappedLimitOffsetPagination
from edupact.core.problems import problem
from edupact.core.tabular import Row, TableError, read_rows
from edupact.directory.models import Organisation

from . import forming, selectors, services, tables
from .filters import CodesFilter, ExportQuery, PaymentFilter
from .models import Code, DrawMode, DuePayment, RotatingFund

router = Router(tags=["rotating"])


class RotatingFundOut(Schema):
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
        return selectors.next_month(obj)


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
    code: SmallCount
    month: SmallCount
    amount: Amount
    paid_on: MoneyDay | None = None
    memo: str = ""


class DueOut(Schema):
    id: int
    code: int
    month: int
    amount: int
    paid_on: dt.date
    memo: str
    reverses_id: int | None
    reversed_by_id: int | None

    @staticmethod
    def resolve_reversed_by_id(obj):
        return getattr(obj, "reversal_id", None)  # annotated by selectors.payments

    @staticmethod
    def resolve_code(obj):
        return obj.code.number


class DrawIn(Schema):
    mode: str = DrawMode.AUTOMATIC
    seed: str = ""
    exclusions: dict[SmallCount, str] = {}
    code: SmallCount | None = None
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


@router.get("", response=list[RotatingFundOut])
@paginate(CappedLimitOffsetPagination)
def list_funds(request):
    return selectors.funds(scope_for(request.user))


@router.get("/{int:pk}", response=RotatingFundOut)
def get_fund(request, pk: int):
    return _fund(request, pk)


@router.get("/{pk}/codes", response=list[CodeOut])
def list_codes(request, pk: int, filters: Query[CodesFilter]):
    """The codes the caller may see (a member: their own) with their holders on ``on``."""
    fund = _fund(request, pk)
    codes = selectors.codes(scope_for(request.user), fund, filters.on or timezone.localdate())
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
def list_dues(request, pk: int, filters: Query[PaymentFilter]):
    return selectors.payments(scope_for(request.user), _fund(request, pk), **filters.values())


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
    except Refused as exc:
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
    except Refused as exc:
        return problem(request, 409, _("Refused"), exc.messages[0], code=exc.reason)
    return Status(201, draw)


# Forming a fund ---------------------------------------------------------------------------------


class HolderIn(Schema):
    code: SmallCount
    holder: str  # a person's national code or an organisation's legal ID
    parts: str | int  # parts of 12, or a fraction of the code such as "1/2"


class TermsIn(Schema):
    name: str
    organisation_id: IdParam  # bounded, not strict: the upload sends the terms as form fields
    currency: str = ""  # empty: the organisation's country's currency
    calendar: str = ""  # empty: the organisation's country's calendar
    due: AmountParam
    start: str  # the first month, year/month in the fund's calendar: "1403/07"
    codes_count: SmallCountParam
    draw_day: SmallCountParam = 1
    draw_mode: str = DrawMode.AUTOMATIC
    dry_run: bool = False


class FundIn(TermsIn):
    """The terms as JSON (numbers are numbers: no booleans, no numeric strings) and the holders."""

    organisation_id: Id
    due: Amount
    codes_count: SmallCount
    draw_day: SmallCount = 1
    holders: list[HolderIn]


def _form(request, terms: TermsIn, rows: list[Row]):
    """Form the fund or say why not: 201 with the fund, 200 for a clean dry run, 422 with
    every field and row error otherwise (nothing written)."""
    scope = scope_for(request.user)
    organisation = get_object_or_404(
        scope.filter(Organisation.objects.all()), pk=terms.organisation_id
    )
    try:
        year, month = forming.parse_start(terms.start)
    except ValueError:
        raise ValidationError(
            {"start": [_("Write the first month as year/month, e.g. 1403/07 or 2025/01.")]}
        ) from None
    draft = RotatingFund(
        name=terms.name.strip(),
        organisation=organisation,
        currency=terms.currency,
        calendar=terms.calendar,
        due=terms.due,
        start_year=year,
        start_month=month,
        codes_count=terms.codes_count,
        draw_day=terms.draw_day,
        draw_mode=terms.draw_mode,
    )
    report = forming.form_fund(scope, draft, rows, dry_run=terms.dry_run)
    body = report.as_dict()
    if not report.ok:
        return problem(request, 422, _("The data is not valid"), **body)
    if not report.written:
        return Status(200, body)
    return Status(201, {**body, "fund": RotatingFundOut.model_validate(report.fund).model_dump()})


@router.post("", response={200: dict, 201: dict})
def form_fund(request, data: FundIn):
    """Form a fund with every code's first holders (all or nothing; ``dry_run`` checks only)."""
    rows = [
        Row(n, {"code": str(h.code), "holder": h.holder, "parts": str(h.parts)})
        for n, h in enumerate(data.holders, start=1)
    ]
    return _form(request, data, rows)


@router.post("/upload", response={200: dict, 201: dict})
def form_fund_from_file(request, data: Form[TermsIn], file: File[UploadedFile]):
    """The same with the holders in an XLSX or CSV file (errors name the spreadsheet row)."""
    try:
        rows = read_rows(file.read(), file.name or "", forming.columns())
    except TableError as exc:
        raise ValidationError({"file": [str(exc)]}) from None
    return _form(request, data, rows)


# Reversals and exports ---------------------------------------------------------------------------


class ReversalIn(Schema):
    reason: str
    on: MoneyDay | None = None


@router.post("/{pk}/dues/{due_id}/reversal", response={201: DueOut})
def reverse_due(request, pk: int, due_id: int, data: ReversalIn):
    """Reverse a wrong payment by a negative row naming it; 409 ``reversed`` when done already
    (a retry with the same ``Idempotency-Key`` gets the first answer)."""
    fund = _fund(request, pk)
    scope = scope_for(request.user)
    payment = get_object_or_404(scope.filter(DuePayment.objects.filter(fund=fund)), pk=due_id)
    try:
        reversal = services.reverse_due(
            scope,
            payment,
            data.on or timezone.localdate(),
            data.reason,
            idempotency_key=_key(request),
        )
    except Refused as exc:
        return problem(request, 409, _("Refused"), exc.messages[0], code=exc.reason)
    return Status(201, reversal)


@router.get("/{pk}/export/{table}")
def export(request, pk: int, table: str, query: Query[ExportQuery]):
    """A table of the fund page (codes, dues, arrears, draws, payments) as XLSX or CSV, with
    the rows the caller may see (the payments of ``month`` if given, as ``GET …/dues``)."""
    scope = scope_for(request.user)
    payments = PaymentFilter(**query.values())
    fund, today = _fund(request, pk), timezone.localdate()
    return tables.download(scope, fund, table, query.format, today, payments)
