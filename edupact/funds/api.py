"""Fund endpoints under /api/v1/funds; every query goes through the caller's Scope.

Writes accept the ``Idempotency-Key`` header: the API middleware replays the first answer to
a retried request, and the key is passed on to the service too, so a retry after a lost
response can never post twice.
"""

import datetime as dt
from decimal import Decimal
from typing import Annotated

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate
from pydantic import Field

from edupact.accounts.selectors import scope_for, scoped_get_or_404
from edupact.core.bounds import (
    MAX_SMALL_COUNT,
    Amount,
    AmountOrZero,
    AmountParam,
    Day,
    Days,
    Id,
    MoneyDay,
    Month,
    Months,
    MonthsParam,
    Percent,
    Points,
    SmallCount,
    text_of,
)
from edupact.core.errors import Refused
from edupact.core.identifiers import mask
from edupact.core.paging import CappedLimitOffsetPagination
from edupact.core.problems import problem
from edupact.core.scoping import Acting

from . import allocation, guarantees, imports, payments, selectors, services, settlement
from .models import (
    ClaimStatus,
    Fund,
    FundAccount,
    Guarantee,
    ImportKind,
    Loan,
    LoanProduct,
    PaymentClaim,
    PaymentSource,
    PendingGift,
    PointsUse,
    TransferKind,
)

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
    allocation_parameters: dict


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
    account_id: Id
    amount: Amount
    on: MoneyDay | None = None
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


class GuaranteeOut(Schema):
    id: int
    loan_id: int
    guarantor_id: int
    guarantor: str
    amount: int
    status: str
    invited_on: dt.date
    decided_at: dt.datetime | None

    @staticmethod
    def resolve_guarantor(obj):
        return obj.guarantor.owner_name


class LoanOverdueOut(Schema):
    instalments: int
    amount: int
    oldest_due: dt.date | None
    late_days: int


class LoanOut(Schema):
    id: int
    reference: str
    account_id: int
    product: str
    amount: int
    months: int
    requested_on: dt.date
    need: str
    status: str
    reasons: list[str]
    points_needed: int
    points_used: int
    fee_total: int
    outstanding: int
    disbursed_on: dt.date | None
    fee_waived: int
    schedule: list[InstalmentOut]
    guarantees: list[GuaranteeOut]
    overdue: LoanOverdueOut

    @staticmethod
    def resolve_product(obj):
        return obj.product.code

    @staticmethod
    def resolve_schedule(obj):
        """The schedule in force (rows replaced by a rescheduling are history)."""
        return [i for i in obj.instalments.all() if i.superseded_by_id is None]

    @staticmethod
    def resolve_guarantees(obj):
        return list(obj.guarantees.select_related("guarantor__person"))

    @staticmethod
    def resolve_overdue(obj):
        o = selectors.loan_overdue(obj, timezone.localdate())
        return {
            "instalments": len(o.instalments),
            "amount": o.amount,
            "oldest_due": o.oldest_due,
            "late_days": o.late_days,
        }


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
def list_accounts(request, pk: int, on: MoneyDay | None = None):
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
    account = selectors.account_of_fund(scope_for(request.user), fund, data.account_id)
    if account is None:
        raise Http404
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
    except Refused as exc:
        return problem(request, 409, _("Refused"), exc.messages[0], code=exc.reason)
    return Status(201, entry)


@router.get("/{pk}/loans", response=list[LoanOut])
@paginate(CappedLimitOffsetPagination)
def list_loans(request, pk: int, status: str | None = None):
    fund = _fund(request, pk)
    qs = selectors.loans(scope_for(request.user), fund).prefetch_related("instalments")
    return qs.filter(status=status) if status else qs


@router.get("/accounts/{pk}", response=AccountOut)
def get_account(request, pk: int, on: MoneyDay | None = None):
    account = scoped_get_or_404(
        request.user, FundAccount, pk, select=["fund", "person", "organisation"]
    )
    return _account_out(account, on or timezone.localdate())


@router.get("/loans/{pk}", response=LoanOut)
def get_loan(request, pk: int):
    return scoped_get_or_404(request.user, Loan, pk, select=["product", "fund"])


# Loan requests and their eligibility -----------------------------------------------------------


class LoanRequestIn(Schema):
    product: str
    amount: Amount
    months: Months
    purpose: str = ""


class EligibilityOut(Schema):
    eligible: bool
    reasons: list[dict]
    points_needed: int
    points_available: int


def _member_account(request, pk) -> FundAccount:
    """A member account the caller reads (an institution's has no loans to ask for)."""
    account = scoped_get_or_404(request.user, FundAccount, pk, select=["fund", "fund__kanoon"])
    if account.kind != "member":
        raise Http404
    return account


def _product(account: FundAccount, code: str) -> LoanProduct:
    today = timezone.localdate()
    product = selectors.products_offered(account.fund, today).filter(code=code).first()
    if product is None:
        raise Http404
    return product


@router.get("/accounts/{pk}/eligibility", response=EligibilityOut)
def eligibility(request, pk: int, product: str, amount: AmountParam, months: MonthsParam):
    """Every reason a request like this would fail today, with the points it needs (for
    whoever may ask: the member, or a writer of the kanoon)."""
    account = _member_account(request, pk)
    scope_for(request.user).require_write(account, acting=Acting.OWNER)
    today = timezone.localdate()
    reasons, needed = services.preview_loan(
        account, _product(account, product), amount, months, today
    )
    return {
        "eligible": not reasons,
        "reasons": [{"code": r, "message": services.reason_message(r)} for r in reasons],
        "points_needed": needed,
        "points_available": selectors.account_points(account, today).available,
    }


@router.post("/accounts/{pk}/loans", response={201: LoanOut})
def request_loan(request, pk: int, data: LoanRequestIn):
    account = _member_account(request, pk)
    key = request.headers.get("Idempotency-Key")
    try:
        loan = services.request_loan(
            scope_for(request.user),
            account,
            _product(account, data.product),
            data.amount,
            data.months,
            timezone.localdate(),
            purpose=data.purpose,
            idempotency_key=f"api:{request.user.pk}:{key}"[:255] if key else None,
        )
    except Refused as exc:
        return problem(request, 409, _("Refused"), exc.messages[0], code=exc.reason)
    return Status(201, loan)


# Guarantors --------------------------------------------------------------------------------------


class GuarantorIn(Schema):
    account_id: Id | None = None
    national_code: str = ""
    mobile: str = ""
    amount: Amount


@router.post("/loans/{pk}/guarantees", response={201: GuaranteeOut})
def add_guarantor(request, pk: int, data: GuarantorIn):
    """Name a guarantor: by ``account_id`` (leaders) or by national code and mobile."""
    loan = scoped_get_or_404(request.user, Loan, pk, select=["fund", "account", "product"])
    scope = scope_for(request.user)
    try:
        if data.account_id is not None:
            guarantor = get_object_or_404(
                scope.filter(FundAccount.objects.filter(fund=loan.fund)), pk=data.account_id
            )
        else:
            guarantor = guarantees.find_guarantor(loan, data.national_code, data.mobile)
        made = guarantees.invite_guarantor(
            scope, loan, guarantor, data.amount, timezone.localdate()
        )
    except Refused as exc:
        return problem(request, 409, _("Refused"), exc.messages[0], code=exc.reason)
    return Status(201, made)


@router.get("/accounts/{pk}/guarantees", response=list[GuaranteeOut])
def guarantees_given(request, pk: int):
    """The loans this account guarantees or is asked to guarantee."""
    account = scoped_get_or_404(request.user, FundAccount, pk)
    return list(selectors.guarantees_given(account).select_related("guarantor"))


def _decide(request, pk: int, confirm: bool):
    guarantee = scoped_get_or_404(
        request.user, Guarantee, pk, select=["guarantor", "loan", "loan__fund"]
    )
    try:
        return guarantees.decide(
            scope_for(request.user), guarantee, confirm=confirm, user=request.user
        )
    except Refused as exc:
        return problem(request, 409, _("Refused"), exc.messages[0], code=exc.reason)


class GuaranteeNoticeOut(Schema):
    id: int
    guarantee_id: int
    kind: str
    to_masked: str
    language: str
    sent_by_id: int | None
    created_at: dt.datetime

    @staticmethod
    def resolve_to_masked(obj):
        return mask(obj.to)


def _guarantee(request, pk: int) -> Guarantee:
    """The guarantee if the caller sees it or its loan (the borrower), else 404."""
    try:
        return selectors.guarantee_for_reader(scope_for(request.user), pk)
    except Guarantee.DoesNotExist as exc:
        raise Http404 from exc


@router.get("/guarantees/{pk}/notices", response=list[GuaranteeNoticeOut])
def guarantee_notices(request, pk: int):
    """The SMS sent about this guarantee, oldest first, to masked mobiles."""
    guarantee = _guarantee(request, pk)
    return list(selectors.guarantee_notices().filter(guarantee=guarantee))


@router.post("/guarantees/{pk}/resend", response={201: GuaranteeNoticeOut})
def resend_invitation(request, pk: int):
    """Ask the guarantor again (borrower or leader; pending only; 409 within 24 hours)."""
    guarantee = _guarantee(request, pk)
    try:
        notice = guarantees.resend_invitation(scope_for(request.user), guarantee, user=request.user)
    except Refused as exc:
        return problem(request, 409, _("Refused"), exc.messages[0], code=exc.reason)
    return Status(201, notice)


@router.post("/guarantees/{pk}/confirm", response=GuaranteeOut)
def confirm_guarantee(request, pk: int):
    """Only the guarantor's own user may confirm (403 for anyone else who can see it)."""
    return _decide(request, pk, True)


@router.post("/guarantees/{pk}/decline", response=GuaranteeOut)
def decline_guarantee(request, pk: int):
    return _decide(request, pk, False)


# Early settlement and rescheduling ---------------------------------------------------------------


class QuoteOut(Schema):
    on: dt.date
    outstanding: int
    fee_waived: int
    to_pay: int


class SettleIn(Schema):
    """``source``: ``paid_in`` (cash to the treasurer, a bank transfer) or ``deposits`` (the
    borrower's own deposits in the fund). Money paid in that the borrower records is a claim
    the treasurer confirms (202); ``reference`` is the bank's tracking number, if any."""

    on: MoneyDay | None = None
    source: PaymentSource = PaymentSource.PAID_IN
    reference: text_of(PaymentClaim, "reference") = ""
    note: text_of(PaymentClaim, "note") = ""


class RepaymentIn(SettleIn):
    amount: Amount


class ClaimOut(Schema):
    id: int
    loan_id: int
    kind: str
    amount: int
    paid_on: dt.date
    reference: str
    note: str
    status: str
    reason: str
    claimed_by_id: int | None
    decided_by_id: int | None
    decided_at: dt.datetime | None
    entry_id: int | None
    created_at: dt.datetime


class RejectIn(Schema):
    reason: text_of(PaymentClaim, "reason")


class RescheduleIn(Schema):
    months: Months
    on: MoneyDay | None = None
    reason: str


def _refused_or(request, work):
    try:
        return work()
    except Refused as exc:
        return problem(request, 409, _("Refused"), exc.messages[0], code=exc.reason)


@router.get("/loans/{pk}/settlement", response=QuoteOut)
def settlement_quote(request, pk: int, on: MoneyDay | None = None):
    loan = scoped_get_or_404(request.user, Loan, pk, select=["fund", "product"])
    day = on or timezone.localdate()

    def work():
        q = settlement.settlement_quote(loan, day)
        return {
            "on": q.on,
            "outstanding": q.outstanding,
            "fee_waived": q.fee_waived,
            "to_pay": q.to_pay,
        }

    return _refused_or(request, work)


def _paid(payment: payments.Payment, status: int):
    """Posted: the loan as it now is (``status``); a claim: 202 with the claim."""
    if payment.claim is not None:
        return Status(202, payment.claim)
    return Status(status, Loan.objects.select_related("product", "fund").get(pk=payment.loan.pk))


def _key(request, prefix: str = "api") -> str | None:
    key = request.headers.get("Idempotency-Key")
    return f"{prefix}:{request.user.pk}:{key}"[:255] if key else None


@router.post("/loans/{pk}/settle", response={200: LoanOut, 202: ClaimOut})
def settle(request, pk: int, data: SettleIn):
    """Settle the loan early. The treasurer's money received, or the borrower's deposits, is
    posted (200, the settled loan); money the borrower says they paid in is a payment to
    confirm (202, the claim): the loan is settled when the treasurer confirms it."""
    loan = scoped_get_or_404(
        request.user, Loan, pk, select=["fund", "fund__kanoon", "product", "account"]
    )
    return _refused_or(
        request,
        lambda: _paid(
            payments.settle(
                scope_for(request.user),
                loan,
                data.on or timezone.localdate(),
                source=data.source,
                reference=data.reference,
                note=data.note,
                idempotency_key=_key(request),
                user=request.user,
            ),
            200,
        ),
    )


@router.post("/loans/{pk}/repayments", response={201: LoanOut, 202: ClaimOut})
def repay(request, pk: int, data: RepaymentIn):
    """Record a repayment: posted when the treasurer records money received or when it comes
    from the borrower's deposits (201, the loan); money the borrower says they paid in is a
    payment to confirm (202, the claim)."""
    loan = scoped_get_or_404(
        request.user, Loan, pk, select=["fund", "fund__kanoon", "product", "account"]
    )
    return _refused_or(
        request,
        lambda: _paid(
            payments.repay(
                scope_for(request.user),
                loan,
                data.amount,
                data.on or timezone.localdate(),
                source=data.source,
                reference=data.reference,
                note=data.note,
                idempotency_key=_key(request),
                user=request.user,
            ),
            201,
        ),
    )


@router.get("/loans/{pk}/claims", response=list[ClaimOut])
def loan_claims(request, pk: int):
    """The payments recorded for the loan and what became of them, newest first."""
    loan = scoped_get_or_404(request.user, Loan, pk)
    return list(selectors.claims(scope_for(request.user)).filter(loan=loan))


@router.get("/{pk}/claims", response=list[ClaimOut])
@paginate(CappedLimitOffsetPagination)
def fund_claims(request, pk: int, status: ClaimStatus | None = None):
    """The payments recorded in the fund that the caller sees (a member: their own);
    ``status=pending`` lists what waits for the treasurer."""
    qs = selectors.claims(scope_for(request.user)).filter(loan__fund=_fund(request, pk))
    return qs.filter(status=status) if status else qs


def _claim(request, pk: int) -> PaymentClaim:
    return scoped_get_or_404(
        request.user,
        PaymentClaim,
        pk,
        select=["loan", "loan__fund", "loan__fund__kanoon", "loan__account"],
    )


@router.post("/claims/{pk}/confirm", response=ClaimOut)
def confirm_claim(request, pk: int):
    """The treasurer (or leader) has the money: the repayment or settlement is posted.
    403 for the borrower, who sees the claim but may not vouch for their own payment."""
    claim = _claim(request, pk)
    return _refused_or(
        request, lambda: payments.confirm(scope_for(request.user), claim, user=request.user)
    )


@router.post("/claims/{pk}/reject", response=ClaimOut)
def reject_claim(request, pk: int, data: RejectIn):
    """The money did not arrive: the claim is closed with the reason; the loan is unchanged."""
    claim = _claim(request, pk)
    return _refused_or(
        request,
        lambda: payments.reject(scope_for(request.user), claim, data.reason, user=request.user),
    )


class ApproveIn(Schema):
    on: MoneyDay | None = None
    cap: AmountOrZero | None = None


@router.post("/loans/{pk}/approve", response=LoanOut)
def approve(request, pk: int, data: ApproveIn):
    """A leader's manual decision on a pending request, by a round's rules: approved when
    eligible and the pool (less approved loans not yet paid out, capped by ``cap``) covers
    it; rejected with its reasons when ineligible; 409 ``budget_exhausted`` (nothing changes)
    when the money is short."""
    loan = scoped_get_or_404(request.user, Loan, pk, select=["fund", "fund__kanoon", "product"])
    scope = scope_for(request.user)

    def work():
        decided = services.approve(scope, loan, data.on or timezone.localdate(), cap=data.cap)
        return Loan.objects.select_related("product", "fund").get(pk=decided.pk)

    try:
        return _refused_or(request, work)
    except ValidationError as exc:
        return problem(request, 422, _("Invalid input"), " ".join(exc.messages))


@router.post("/loans/{pk}/reschedule", response=LoanOut)
def reschedule(request, pk: int, data: RescheduleIn):
    loan = scoped_get_or_404(request.user, Loan, pk, select=["fund", "product", "account"])

    def work():
        settlement.reschedule(
            scope_for(request.user), loan, data.months, data.on or timezone.localdate(), data.reason
        )
        return Loan.objects.select_related("product", "fund").get(pk=loan.pk)

    return _refused_or(request, work)


# Gifts confirmed by a one-time code ------------------------------------------------------------


class GiftIn(Schema):
    account_id: Id | None = None
    national_code: str
    mobile: str
    points: Points
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


def _refused(request, exc: Refused):
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
    except Refused as exc:
        return _refused(request, exc)
    return Status(201, pending)


@router.post("/gifts/{pk}/confirm", response={200: PendingGiftOut})
def confirm_gift(request, pk: int, data: ConfirmIn):
    scope = scope_for(request.user)
    pending = scoped_get_or_404(
        request.user, PendingGift, pk, select=["supporter__fund__kanoon", "beneficiary__person"]
    )
    try:
        services.confirm_gift(scope, pending, data.code)
    except Refused as exc:
        return _refused(request, exc)
    return pending


class ProductOut(Schema):
    id: int
    code: str
    name: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    min_amount: int
    max_amount: int
    min_months: int
    max_months: int
    fee_strategy: str
    fee_rate_percent: float
    cooling_off_days: int
    blackout_months: list[int]
    guarantors_required: int
    open_requests: int


class ProductIn(Schema):
    code: str
    name: str = ""
    valid_from: Day
    min_amount: Amount = 1
    max_amount: Amount
    min_months: Months = 1
    max_months: Months = 60
    fee_strategy: str = "zero"
    fee_rate_percent: Percent = 0
    cooling_off_days: Days = 0
    blackout_months: list[Month] = []
    guarantors_required: SmallCount = 0
    open_requests: Annotated[int, Field(strict=True, ge=1, le=MAX_SMALL_COUNT)] = 1


@router.get("/{pk}/products", response=list[ProductOut])
def list_products(request, pk: int, on: Day | None = None):
    """Every dated version of the fund's loan products, or those offered on ``on``."""
    return selectors.products(_fund(request, pk), on)


@router.post("/{pk}/products", response={201: ProductOut})
def create_product_version(request, pk: int, data: ProductIn):
    """A new product, or a new version of one from ``valid_from`` (the version in force ends
    that day); versions are never edited."""
    fund = _fund(request, pk)
    values = data.dict()
    values["fee_rate_percent"] = Decimal(str(values["fee_rate_percent"]))
    product = LoanProduct(fund=fund, **values)
    return Status(201, services.revise_product(scope_for(request.user), product))


# Reports (trial balance, cash flow, overdue, institutions) live in their own module.
from .report_api import router as reports_router  # noqa: E402

router.add_router("", reports_router)
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


# Allocation -------------------------------------------------------------------------------------


class CommitteeIn(Schema):
    leader_id: Id
    member_ids: list[Id] = []


class AllocationIn(Schema):
    policy: str
    parameters: dict = {}
    committee: CommitteeIn | None = None


class CommitteeMemberOut(Schema):
    person_id: int
    name: str
    role: str

    @staticmethod
    def resolve_name(obj):
        return str(obj.person)


class AllocationOut(Schema):
    policy: str
    parameters: dict
    committee: list[CommitteeMemberOut]


class RoundIn(Schema):
    on: MoneyDay | None = None
    cap: AmountOrZero | None = None
    seed: str | None = None


class DecisionOut(Schema):
    position: int
    loan_id: int
    reference: str
    amount: int
    outcome: str
    reasons: list[str]
    score: int | None
    details: dict

    @staticmethod
    def resolve_reference(obj):
        return obj.loan.reference

    @staticmethod
    def resolve_amount(obj):
        return obj.loan.amount


class RoundOut(Schema):
    id: int
    fund_id: int
    on: dt.date
    policy: str
    parameters: dict
    seed: str
    eligible: list[str]
    order: list[str]
    pool: int
    cap: int | None
    budget: int
    used: int
    decisions: list[DecisionOut]

    @staticmethod
    def resolve_decisions(obj):
        return obj.shown  # the reader's own, read with the round (``selectors.rounds``)


class VoteIn(Schema):
    approve: bool
    note: str = ""


class VoteOut(Schema):
    id: int
    loan_id: int
    person_id: int
    approve: bool
    note: str
    cast_on: dt.date

    @staticmethod
    def resolve_person_id(obj):
        return obj.member.person_id


def _allocation_out(fund: Fund) -> dict:
    return {
        "policy": fund.allocation_policy,
        "parameters": allocation.parameters_of(fund),
        "committee": list(selectors.committee(fund)),
    }


@router.get("/{pk}/allocation", response=AllocationOut)
def get_allocation(request, pk: int):
    """The fund's allocation policy, its parameters (with defaults) and its committee."""
    return _allocation_out(_fund(request, pk))


@router.put("/{pk}/allocation", response=AllocationOut)
def put_allocation(request, pk: int, data: AllocationIn):
    """Choose the policy and its parameters (leaders of the kanoon)."""
    fund = _fund(request, pk)
    committee = None
    if data.committee is not None:
        people = selectors.committee_candidates(fund)
        wanted = [data.committee.leader_id, *data.committee.member_ids]
        found = {p.pk: p for p in people.filter(pk__in=wanted)}
        missing = [i for i in wanted if i not in found]
        if missing:
            return problem(
                request,
                422,
                _("Invalid input"),
                _("These persons cannot sit on this fund's committee: %(ids)s.")
                % {"ids": ", ".join(map(str, missing))},
            )
        committee = (found[wanted[0]], [found[i] for i in wanted[1:] if i != wanted[0]])
    try:
        allocation.save_settings(
            scope_for(request.user), fund, data.policy, data.parameters, committee=committee
        )
    except ValidationError as exc:
        return problem(request, 422, _("Invalid input"), " ".join(exc.messages))
    return _allocation_out(fund)


@router.get("/{pk}/rounds", response=list[RoundOut])
@paginate(CappedLimitOffsetPagination)
def list_rounds(request, pk: int):
    """The fund's allocation rounds, newest first, each with the decisions the caller may
    see: a member, only the rounds that decided their requests and only their decisions."""
    return selectors.rounds(scope_for(request.user), _fund(request, pk), decisions=True)


@router.post("/{pk}/rounds", response={201: RoundOut})
def run_round(request, pk: int, data: RoundIn):
    """Run an allocation round with the fund's policy; ``cap`` limits the money lent,
    ``seed`` is the lottery's (the published one, or a fresh one, when omitted)."""
    fund = _fund(request, pk)
    try:
        record = allocation.run_round(
            scope_for(request.user),
            fund,
            data.on or timezone.localdate(),
            cap=data.cap,
            seed=data.seed,
            user=request.user,
        )
    except ValidationError as exc:
        return problem(request, 422, _("Invalid input"), " ".join(exc.messages))
    return Status(201, _round(request, record.pk))


def _round(request, pk: int):
    return get_object_or_404(selectors.rounds(scope_for(request.user), pk=pk, decisions=True))


@router.get("/rounds/{pk}", response=RoundOut)
def get_round(request, pk: int):
    """One round as the list shows it, with the decisions the caller may see."""
    return _round(request, pk)


@router.get("/loans/{pk}/votes", response=list[VoteOut])
def list_votes(request, pk: int):
    loan = _voting_loan(request, pk)
    return list(selectors.votes_of(loan))


@router.post("/loans/{pk}/votes", response={200: VoteOut})
def cast_vote(request, pk: int, data: VoteIn):
    """The caller's own vote on a pending request (committee members only, personally);
    voting again replaces the vote."""
    loan = _voting_loan(request, pk)
    try:
        return allocation.cast_vote(
            scope_for(request.user), loan, data.approve, timezone.localdate(), note=data.note
        )
    except Refused as exc:
        return _refused(request, exc)


def _voting_loan(request, pk: int) -> Loan:
    try:
        return allocation.loan_for_reader(scope_for(request.user), pk, ("fund", "fund__kanoon"))
    except Loan.DoesNotExist as exc:
        raise Http404 from exc
