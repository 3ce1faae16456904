"""Fund endpoints under /api/v1/funds; every query goes through the caller's Scope.

Writes accept the ``Idempotency-Key`` header: the API middleware replays the first answer to
a retried request, and the key is passed on to the service too, so a retry after a lost
response can never post twice.
"""

import datetime as dt

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from edupact.accounts.selectors import scope_for, scoped_get_or_404
from edupact.api.problems import problem
from edupact.core.paging import CappedLimitOffsetPagination

from . import imports, selectors, services
from .models import Fund, FundAccount, ImportKind, Loan, PendingGift, PointsUse, TransferKind

router = Router(tags=["funds"])


class FundOut(Schema):
    id: int
    name: str
    kanoon_id: int
    currency: str
    calendar: str
    days_per_unit: int
    loan_factor: int
    min_history_days: int
    allocation_policy: str


class AccountOut(Schema):
    id: int
    kind: str
    person_id: int | None
    organisation_id: int | None
    owner: str
    on: dt.date
    balance: int
    money_days: int
    points_earned: int
    points_received: int
    points_given: int
    points_used: int
    points_available: int


class DepositIn(Schema):
    account_id: int
    amount: int
    on: dt.date | None = None
    memo: str = ""


class EntryOut(Schema):
    id: int
    fund_id: int
    date: dt.date
    kind: str
    memo: str
    lines: list[dict]

    @staticmethod
    def resolve_lines(obj):
        return [{"account_id": li.account_id, "amount": li.amount} for li in obj.lines.all()]


class InstalmentOut(Schema):
    n: int
    due: dt.date
    amount: int
    paid: int


class LoanOut(Schema):
    id: int
    reference: str
    account_id: int
    product: str
    amount: int
    months: int
    requested_on: dt.date
    status: str
    reasons: list[str]
    points_needed: int
    points_used: int
    fee_total: int
    outstanding: int
    disbursed_on: dt.date | None
    schedule: list[InstalmentOut]

    @staticmethod
    def resolve_product(obj):
        return obj.product.code

    @staticmethod
    def resolve_schedule(obj):
        return list(obj.instalments.all())


def _fund(request, pk) -> Fund:
    return get_object_or_404(selectors.funds(scope_for(request.user)), pk=pk)


def _account_out(account: FundAccount, on: dt.date) -> dict:
    p = selectors.account_points(account, on)
    return {
        "id": account.pk,
        "kind": account.kind,
        "person_id": account.person_id,
        "organisation_id": account.organisation_id,
        "owner": account.owner_name,
        "on": on,
        "balance": p.balance,
        "money_days": p.money_days,
        "points_earned": p.earned,
        "points_received": p.received,
        "points_given": p.given,
        "points_used": p.used,
        "points_available": p.available,
    }


@router.get("", response=list[FundOut])
@paginate(CappedLimitOffsetPagination)
def list_funds(request):
    return selectors.funds(scope_for(request.user))


@router.get("/{pk}", response=FundOut)
def get_fund(request, pk: int):
    return _fund(request, pk)


@router.get("/{pk}/accounts", response=list[AccountOut])
@paginate(CappedLimitOffsetPagination)
def list_accounts(request, pk: int, on: dt.date | None = None):
    """Member accounts with balance, money-days and points on ``on`` (today by default)."""
    fund = _fund(request, pk)
    day = on or timezone.localdate()
    accounts = selectors.member_accounts(scope_for(request.user), fund)
    return _Lazy(accounts, lambda a: _account_out(a, day))


class _Lazy:
    """A paginated queryset whose page is converted row by row after slicing."""

    def __init__(self, queryset, convert):
        self.queryset, self.convert = queryset, convert

    def __len__(self):
        return self.queryset.count()

    def count(self):
        return self.queryset.count()

    def __getitem__(self, item):
        return [self.convert(a) for a in self.queryset[item]]


@router.post("/{pk}/deposits", response={201: EntryOut})
def create_deposit(request, pk: int, data: DepositIn):
    fund = _fund(request, pk)
    account = get_object_or_404(
        scope_for(request.user).filter(FundAccount.objects.filter(fund=fund)), pk=data.account_id
    )
    key = request.headers.get("Idempotency-Key")
    try:
        entry = services.deposit(
            scope_for(request.user),
            account,
            data.amount,
            data.on or timezone.localdate(),
            idempotency_key=f"api:{request.user.pk}:{key}"[:255] if key else None,
            memo=data.memo,
        )
    except services.Refused as exc:
        return problem(request, 409, _("Refused"), exc.messages[0], code=exc.reason)
    return Status(201, entry)


@router.get("/{pk}/loans", response=list[LoanOut])
@paginate(CappedLimitOffsetPagination)
def list_loans(request, pk: int, status: str | None = None):
    fund = _fund(request, pk)
    qs = selectors.loans(scope_for(request.user), fund).prefetch_related("instalments")
    return qs.filter(status=status) if status else qs


@router.get("/accounts/{pk}", response=AccountOut)
def get_account(request, pk: int, on: dt.date | None = None):
    account = scoped_get_or_404(
        request.user, FundAccount, pk, select=["fund", "person", "organisation"]
    )
    return _account_out(account, on or timezone.localdate())


@router.get("/loans/{pk}", response=LoanOut)
def get_loan(request, pk: int):
    return scoped_get_or_404(request.user, Loan, pk, select=["product"])


# Gifts confirmed by a one-time code ------------------------------------------------------------


class GiftIn(Schema):
    account_id: int | None = None
    national_code: str
    mobile: str
    points: int
    use: PointsUse = PointsUse.ANY_LOAN
    kind: TransferKind = TransferKind.GIFT


class PendingGiftOut(Schema):
    id: int
    fund_id: int
    supporter_id: int
    beneficiary_id: int
    beneficiary: str
    points: int
    use: str
    kind: str
    status: str
    expires_at: dt.datetime
    attempts: int
    transfer_id: int | None

    @staticmethod
    def resolve_beneficiary(obj):
        return obj.beneficiary.owner_name


class ConfirmIn(Schema):
    code: str


def _refused(request, exc: services.Refused):
    status = 422 if exc.reason == "wrong_code" else 409
    return problem(request, status, _("Refused"), exc.messages[0], code=exc.reason)


@router.post("/{pk}/gifts", response={201: PendingGiftOut})
def start_gift(request, pk: int, data: GiftIn):
    """Start a gift from the supporter's account; the code goes by SMS to their mobile.

    ``account_id`` defaults to the caller's own member account in this fund.
    """
    fund = _fund(request, pk)
    scope = scope_for(request.user)
    accounts = scope.filter(FundAccount.objects.filter(fund=fund).select_related("fund__kanoon"))
    if data.account_id is not None:
        supporter = get_object_or_404(accounts, pk=data.account_id)
    else:
        supporter = get_object_or_404(accounts, person_id=scope.person_id or 0, kind="member")
    if not services.may_give_from(scope, supporter):
        raise Http404
    try:
        pending = services.start_gift(
            scope,
            supporter,
            national_code=data.national_code,
            mobile=data.mobile,
            points=data.points,
            use=data.use,
            kind=data.kind,
            user=request.user,
        )
    except services.Refused as exc:
        return _refused(request, exc)
    return Status(201, pending)


@router.post("/gifts/{pk}/confirm", response={200: PendingGiftOut})
def confirm_gift(request, pk: int, data: ConfirmIn):
    scope = scope_for(request.user)
    pending = scoped_get_or_404(
        request.user, PendingGift, pk, select=["supporter__fund__kanoon", "beneficiary__person"]
    )
    if not services.may_give_from(scope, pending.supporter):
        raise Http404
    try:
        services.confirm_gift(scope, pending, data.code)
    except services.Refused as exc:
        return _refused(request, exc)
    return pending


# Imports ----------------------------------------------------------------------------------------


class ImportErrorOut(Schema):
    row: int
    column: str
    message: str


class ImportReportOut(Schema):
    rows: int
    created: int
    skipped: int
    dry_run: bool
    already_imported: bool
    written: bool
    errors: list[ImportErrorOut]


@router.post("/{pk}/imports/{kind}", response={200: ImportReportOut, 422: ImportReportOut})
def import_file(
    request, pk: int, kind: ImportKind, file: File[UploadedFile], dry_run: bool = False
):
    """Import members or bank-statement deposits from an XLSX or CSV file (multipart).

    Every row is checked; with any error nothing is written and the answer is 422 listing
    each error with its row and column. ``dry_run=true`` checks without writing. The same
    file again, or rows already imported, add nothing (``already_imported``, ``skipped``).
    """
    fund = _fund(request, pk)
    report = imports.import_file(
        scope_for(request.user),
        fund,
        kind,
        file.read(),
        file.name or "",
        dry_run=dry_run,
        user=request.user,
    )
    return Status(200 if report.ok else 422, report.as_dict())
