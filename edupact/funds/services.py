"""Operations that change a fund: postings, points, loans. Views, the API, the CLI and the
simulator all call these.

Each operation checks who may act — ``Scope.require_write`` on the record it changes, the one
write check: a reader is refused with 403 "You may only read these records.", anyone outside
the scope finds nothing (404); a member acts on their own account and loans
(``Acting.OWNER``) — and the business rules, then writes in one transaction.
Money moves only through ``ledger.post_entry``, which guarantees the rest (``ledger``'s
docstring): balanced entries, running sums, the lock order, members never below zero.

Rules every write follows:
- entries are never changed or deleted; ``reverse_entry`` posts the compensating entry;
- a member's balance never goes below zero, points never below what is available;
- every write takes an ``idempotency_key``: a retried call returns what the first one made
  (``core.idempotency.once``).

A refused operation raises ``Refused`` (a ``ValidationError`` with a stable ``code``)
before anything is written. Every amount, term, number of points and date is checked against
the domain bounds (``core.bounds``) here, whoever calls — web, API, import, simulator, demo;
the ledger checks the amounts, dates and resulting balances of every posting again.
"""

import datetime as dt
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from edupact.core import bounds, calendars, idempotency, sms
from edupact.core.errors import Refused
from edupact.core.identifiers import phone_e164
from edupact.core.money import format_money, format_number
from edupact.core.preferences import language
from edupact.core.scoping import Acting, Scope
from edupact.core.text import ascii_digits

from . import rules
from .gifts import otp
from .ledger import posting
from .models import (
    CREDIT_NORMAL,
    OPEN_REQUEST_SLOT,
    AccountKind,
    EntryKind,
    Fund,
    FundAccount,
    Instalment,
    JournalEntry,
    JournalLine,
    Loan,
    LoanProduct,
    LoanStatus,
    PaymentSource,
    PendingGift,
    PendingGiftStatus,
    PointsTransfer,
    PointsUse,
    TransferKind,
    day_number,
)
from .selectors import account_points, guarantee_cover, guarantees_defaulting

# Funds and accounts -----------------------------------------------------------------------------


@transaction.atomic
def create_fund(scope: Scope, fund: Fund) -> Fund:
    """Create a fund of a kanoon with its own accounts (pool, fee income, adjustments)."""
    scope.require_write(fund)  # not saved yet: by who writes for its kanoon
    if not fund.currency:
        fund.currency = fund.kanoon.currency
    if not fund.calendar:
        fund.calendar = fund.kanoon.calendar
    fund.full_clean()
    fund.save()
    for kind in (AccountKind.POOL, AccountKind.FEE_INCOME, AccountKind.ADJUSTMENT):
        FundAccount.objects.create(fund=fund, kind=kind)
    return fund


@transaction.atomic
def open_account(
    scope: Scope,
    fund: Fund,
    *,
    person=None,
    organisation=None,
    kind: AccountKind = AccountKind.MEMBER,
    decider_person=None,
    decider_organisation=None,
    opened_on: dt.date | None = None,
    label: str = "",
) -> FundAccount:
    """Open (or return the existing) account of a person or an organisation in a fund."""
    scope.require_write(fund)
    owner = {"person": person} if person is not None else {"organisation": organisation}
    existing = FundAccount.objects.filter(fund=fund, kind=kind, **owner).first()
    if existing is not None:
        return existing
    account = FundAccount(
        fund=fund,
        kind=kind,
        person=person,
        organisation=organisation,
        decider_person=decider_person,
        decider_organisation=decider_organisation,
        opened_on=opened_on,
        label=label,
    )
    account.full_clean()
    account.save()
    return account


@transaction.atomic
def save_product(scope: Scope, product: LoanProduct) -> LoanProduct:
    scope.require_write(product)
    product.full_clean()
    _check_largest_loan(product)
    product.save()
    return product


def _check_largest_loan(product: LoanProduct) -> None:
    """The product's largest loan — its maximum amount over its longest term, fee included —
    is one posting when paid out: at most ``MAX_AMOUNT``, or no loan of it could be paid."""
    terms = rules.loan_terms(
        product.max_amount,
        product.max_months,
        product.fee_strategy,
        product.fee_rate_percent,
        bounds.MONEY_DATE_MIN,
        "gregorian",
    )
    if terms.total_due > bounds.MAX_AMOUNT:
        raise ValidationError(
            {
                "max_amount": _(
                    "With its fee, the largest loan of this product would owe %(total)s, more "
                    "than %(max)s: lower the maximum amount, the term or the fee."
                )
                % {
                    "total": format_money(product.fund.money(terms.total_due), language()),
                    "max": format_money(product.fund.money(bounds.MAX_AMOUNT), language()),
                }
            }
        )


def revise_product(scope: Scope, product: LoanProduct) -> LoanProduct:
    """Offer ``product`` (unsaved) from its ``valid_from``: the rules change by dated rows,
    never by editing one, so a loan keeps the row it was requested under. The version in
    force for the same code ends the day the new one starts; a start on or before that
    version's own start, or a code whose later version is already scheduled, is refused."""
    scope.require_write(product)
    if product.pk is not None:
        raise ValidationError(_("A product version is never edited: add a new version."))
    if product.valid_from is None:
        raise ValidationError({"valid_from": _("A new version needs the date it starts.")})
    with transaction.atomic():
        versions = LoanProduct.objects.select_for_update().filter(
            fund=product.fund, code=product.code
        )
        if versions.filter(Q(valid_from__gte=product.valid_from)).exists():
            raise ValidationError(
                {"valid_from": _("Another version of this product starts on or after this date.")}
            )
        product.full_clean()
        _check_largest_loan(product)
        for current in versions.filter(
            Q(valid_to__isnull=True) | Q(valid_to__gt=product.valid_from)
        ):
            current.valid_to = product.valid_from  # saved one by one: the audit trail has it
            current.save(update_fields=["valid_to"])
        product.save()
    return product


# Money in and out (posted by ``ledger.post_entry``) ---------------------------------------------


def _member_accounts(account: FundAccount) -> None:
    if account.kind != AccountKind.MEMBER:
        raise ValidationError(_("Deposits and withdrawals go to member accounts."))


def require_positive(amount: int, field: str = "amount") -> None:
    """A whole amount within the bounds (``core.bounds.check_amount``)."""
    bounds.check_amount(amount, field=field)


def _member_movement(
    scope: Scope,
    account: FundAccount,
    amount: int,
    on: dt.date,
    kind: EntryKind,
    idempotency_key: str | None,
    memo: str,
) -> JournalEntry:
    """Money between a member's account and the pool: a deposit credits the member, anything
    else (a withdrawal) debits them."""
    scope.require_write(account)
    _member_accounts(account)
    require_positive(amount)
    bounds.check_posting_date(on, field="on")
    signed = -amount if kind == EntryKind.DEPOSIT else amount
    pool = posting.own_account(account.fund, AccountKind.POOL)
    return posting.post_entry(
        account.fund,
        on=on,
        kind=kind,
        lines=[(pool, -signed), (account, signed)],
        memo=memo,
        idempotency_key=idempotency_key,
    )


def deposit(
    scope: Scope,
    account: FundAccount,
    amount: int,
    on: dt.date,
    *,
    idempotency_key: str | None = None,
    memo: str = "",
) -> JournalEntry:
    """Money paid into a member's account: Dr pool, Cr member."""
    return _member_movement(scope, account, amount, on, EntryKind.DEPOSIT, idempotency_key, memo)


def withdraw(
    scope: Scope,
    account: FundAccount,
    amount: int,
    on: dt.date,
    *,
    idempotency_key: str | None = None,
    memo: str = "",
) -> JournalEntry:
    """Money paid back to a member, never more than their balance: Dr member, Cr pool."""
    return _member_movement(scope, account, amount, on, EntryKind.WITHDRAWAL, idempotency_key, memo)


def reverse_entry(
    scope: Scope,
    entry: JournalEntry,
    on: dt.date,
    *,
    memo: str = "",
    idempotency_key: str | None = None,
) -> JournalEntry:
    """The compensating entry of ``entry`` (its lines negated); an entry is reversed once."""
    scope.require_write(entry)
    if entry.loan_id:
        raise ValidationError(_("Loan entries are corrected through the loan."))
    if JournalEntry.objects.filter(reverses=entry).exists() or entry.reverses_id:
        found = JournalEntry.objects.filter(reverses=entry).first()
        if found is not None and idempotency_key and found.idempotency_key == idempotency_key:
            return found
        raise ValidationError(_("This entry has already been reversed or is a reversal."))
    lines = [(line.account, -line.amount) for line in entry.lines.select_related("account")]
    return posting.post_entry(
        entry.fund,
        on=on,
        kind=EntryKind.REVERSAL,
        lines=lines,
        memo=memo,
        idempotency_key=idempotency_key,
        reverses=entry,
    )


# Points -----------------------------------------------------------------------------------------


def _points_dated(account: FundAccount, on: dt.date) -> None:
    if account.points_last_date and on < account.points_last_date:
        raise Refused(
            "backdated_points",
            _("Points of this account already moved on %(last)s; date this on or after it."),
            last=account.points_last_date,
        )


def gift_points(
    scope: Scope,
    giver: FundAccount,
    receiver: FundAccount,
    points: int,
    on: dt.date,
    *,
    use: PointsUse = PointsUse.ANY_LOAN,
    kind: TransferKind = TransferKind.GIFT,
    idempotency_key: str | None = None,
) -> PointsTransfer:
    """Give points to another member of the fund, never more than the giver has available.

    Points received for zero-fee loans only cannot be given on.
    """
    scope.require_write(giver, acting=Acting.OWNER)
    if kind not in (TransferKind.GIFT, TransferKind.PLEDGE):
        raise ValidationError(_("A gift is a gift or a pledge."))
    if giver.fund_id != receiver.fund_id:
        raise ValidationError(_("Points move between accounts of one fund."))
    if receiver.kind != AccountKind.MEMBER or giver.kind != AccountKind.MEMBER:
        raise ValidationError(_("Points move between member accounts."))
    if giver.pk == receiver.pk:
        raise Refused("gift_to_self", _("Points cannot be given to oneself."))
    bounds.check_points(points, field="points")
    bounds.check_posting_date(on, field="on")
    PointsUse(use)

    def work():
        locked = posting.lock_accounts([giver.pk, receiver.pk])
        source, target = locked[giver.pk], locked[receiver.pk]
        _points_dated(source, on)
        state = account_points(source, on)
        free = state.available - state.restricted
        if points > free:
            raise Refused(
                "above_available_points",
                _("Only %(available)s points are available to give."),
                available=max(free, 0),
            )
        transfer = PointsTransfer.objects.create(
            fund=source.fund,
            date=on,
            from_account=source,
            to_account=target,
            points=points,
            use=use,
            kind=kind,
            idempotency_key=idempotency_key or "",
        )
        _bump(source, on, points_given=points)
        restricted = points if use == PointsUse.ZERO_FEE_LOAN else 0
        _bump(target, on, points_received=points, restricted_received=restricted)
        return transfer

    return idempotency.once(PointsTransfer, idempotency_key, work, fund=giver.fund)


def _bump(account: FundAccount, on: dt.date, **deltas) -> None:
    """Add to an account's points counters (the row is locked by the caller)."""
    values = {name: F(name) + delta for name, delta in deltas.items() if delta}
    last = account.points_last_date
    values["points_last_date"] = on if last is None or on > last else last
    FundAccount.objects.filter(pk=account.pk).update(**values)
    for name, delta in deltas.items():
        setattr(account, name, getattr(account, name) + delta)
    account.points_last_date = values["points_last_date"]


# Loans ------------------------------------------------------------------------------------------


def request_loan(
    scope: Scope,
    account: FundAccount,
    product: LoanProduct,
    amount: int,
    months: int,
    on: dt.date,
    *,
    purpose: str = "",
    reference: str = "",
    need: str = "other",
    idempotency_key: str | None = None,
) -> Loan:
    """A member asks for a loan, saying what it is for (``need``, a category that the
    priority policy weighs); allocation decides later.

    A member has at most ``product.open_requests`` requests (one by default) of a product
    waiting for a decision, counting every version of the product: a further one is refused
    (``request_open``). Each open request takes a free slot, and the partial unique index on
    (account, product, slot) of open requests holds the rule under parallel requests too.
    A retry with the same ``idempotency_key`` gets the first request."""
    scope.require_write(account, acting=Acting.OWNER)
    if account.kind != AccountKind.MEMBER:
        raise ValidationError(_("Loans are requested from a member account."))
    if product.fund_id != account.fund_id:
        raise ValidationError(_("This product belongs to another fund."))
    require_positive(amount)
    bounds.check_months(months, field="months")
    bounds.check_posting_date(on, field="on")
    fund = account.fund

    def work():
        taken = set(
            Loan.objects.filter(
                account=account,
                product__fund=fund,
                product__code=product.code,
                status=LoanStatus.REQUESTED,
            ).values_list("slot", flat=True)
        )
        free = [n for n in range(1, product.open_requests + 1) if n not in taken]
        if len(taken) >= product.open_requests:
            raise _request_open(product)
        loan = Loan(
            fund=fund,
            account=account,
            product=product,
            amount=amount,
            months=months,
            requested_on=on,
            purpose=purpose,
            reference=reference,
            need=need,
            points_needed=rules.points_needed(amount, months, fund.loan_factor),
            idempotency_key=idempotency_key or "",
        )
        loan.full_clean(exclude=["idempotency_key"], validate_constraints=False)
        for slot in free:  # a slot a parallel request took meanwhile: the next one
            loan.pk, loan.slot = None, slot
            try:
                with transaction.atomic():
                    loan.save(force_insert=True)
            except IntegrityError as exc:
                if OPEN_REQUEST_SLOT not in str(exc):
                    raise  # a retry with the same key: ``once`` answers with the first request
                continue
            return loan
        raise _request_open(product)  # parallel requests took every slot

    return idempotency.once(Loan, idempotency_key, work, fund=fund)


def _request_open(product: LoanProduct) -> Refused:
    allowed = product.open_requests
    return Refused(
        "request_open",
        ngettext(
            "A request of this member for this product is already waiting for a decision (a "
            "member may have %(allowed)s at a time); wait for it before asking again.",
            "%(allowed)s requests of this member for this product are already waiting for a "
            "decision, the most the product allows; wait for one before asking again.",
            allowed,
        )
        % {"allowed": format_number(allowed, language())},
        allowed=allowed,
    )


REASON_MESSAGES = {
    "product_not_available": gettext_lazy("The product is not offered on this date."),
    "amount_above_maximum": gettext_lazy("The amount is above the product's maximum."),
    "amount_below_minimum": gettext_lazy("The amount is below the product's minimum."),
    "term_out_of_range": gettext_lazy("The number of months is outside the product's range."),
    "points_insufficient": gettext_lazy("The borrower's available points do not cover the loan."),
    "history_too_short": gettext_lazy(
        "The first deposit is too recent and gifted points do not cover the loan."
    ),
    "blackout_month": gettext_lazy("The fund does not lend in this month."),
    "cooling_off": gettext_lazy("A previous loan is too recent."),
    "overdue_instalments": gettext_lazy("The borrower has overdue instalments."),
    "guarantors_missing": gettext_lazy(
        "The guarantors required by the product have not confirmed."
    ),
    "backdated_points": gettext_lazy("The borrower's points already moved after this date."),
    "committee_rejected": gettext_lazy("The committee rejected the request."),
    "guaranteeing_defaulter": gettext_lazy("The borrower guarantees a loan that is in default."),
}


def reason_message(code: str) -> str:
    return str(REASON_MESSAGES.get(code, code))


def eligibility(loan: Loan, on: dt.date, account: FundAccount | None = None) -> tuple[list, int]:
    """Every reason the loan cannot be approved on ``on`` (empty when it can), and the points
    it would take from zero-fee-only gifts."""
    account = account or loan.account
    fund, product = loan.fund, loan.product
    reasons = []
    if not product.is_valid_on(on):
        reasons.append("product_not_available")
    if loan.amount > product.max_amount:
        reasons.append("amount_above_maximum")
    if loan.amount < product.min_amount:
        reasons.append("amount_below_minimum")
    if not product.min_months <= loan.months <= product.max_months:
        reasons.append("term_out_of_range")
    need = loan.points_needed
    state = account_points(account, on)
    usable = state.available if product.zero_fee else state.available - state.restricted
    if need > usable:
        reasons.append("points_insufficient")
    first = account.first_deposit_date
    history_ok = first is not None and first <= on and (on - first).days >= fund.min_history_days
    if not history_ok and state.received < need:
        reasons.append("history_too_short")
    if product.blackout_months and calendars.month_of(on, fund.calendar) in product.blackout_months:
        reasons.append("blackout_month")
    if product.cooling_off_days:
        since = on - dt.timedelta(days=product.cooling_off_days)
        recent = Loan.objects.filter(
            account=account,
            status__in=[LoanStatus.APPROVED, LoanStatus.DISBURSED, LoanStatus.REPAID],
            decided_on__gt=since,
            decided_on__lte=on,
        ).exclude(pk=loan.pk)
        if recent.exists():
            reasons.append("cooling_off")
    overdue = Instalment.objects.current().filter(
        loan__account=account, loan__status=LoanStatus.DISBURSED, due__lt=on, paid__lt=F("amount")
    )
    if overdue.exists():
        reasons.append("overdue_instalments")
    if guarantees_defaulting(account, on).exists():
        reasons.append("guaranteeing_defaulter")
    from_restricted = min(state.restricted, need) if product.zero_fee else 0
    return reasons, from_restricted


def preview_loan(
    account: FundAccount, product: LoanProduct, amount: int, months: int, on: dt.date
) -> tuple[list[str], int]:
    """What allocation would say about a request made now: every failing reason code and
    the points it needs. Writes nothing."""
    fund = account.fund
    loan = Loan(
        fund=fund,
        account=account,
        product=product,
        amount=amount,
        months=months,
        requested_on=on,
        points_needed=rules.points_needed(amount, months, fund.loan_factor),
    )
    reasons, _restricted = eligibility(loan, on, account)
    return reasons, loan.points_needed


def allocate(
    scope: Scope,
    fund: Fund,
    on: dt.date,
    *,
    policy: str | None = None,
    cap: int | None = None,
    seed: str | None = None,
) -> list[Loan]:
    """Run an allocation round (see ``allocation``) and return the loans it decided;
    requests the round held back stay requested."""
    from . import allocation

    record = allocation.run_round(scope, fund, on, policy=policy, cap=cap, seed=seed)
    decided = record.decisions.exclude(outcome="waiting").select_related("loan")
    return [d.loan for d in decided.order_by("position")]


def decide_request(loan: Loan, on: dt.date) -> Loan:
    account = posting.lock_accounts([loan.account_id])[loan.account_id]
    reasons, from_restricted = eligibility(loan, on, account)
    if not reasons and account.points_last_date and on < account.points_last_date:
        reasons.append("backdated_points")
    loan.decided_on = on
    loan.reasons = reasons
    if reasons:
        loan.status = LoanStatus.REJECTED
        loan.save(update_fields=["status", "reasons", "decided_on"])
        return loan
    loan.status = LoanStatus.APPROVED
    loan.points_used = loan.points_needed
    loan.points_from_restricted = from_restricted
    loan.save(
        update_fields=["status", "reasons", "decided_on", "points_used", "points_from_restricted"]
    )
    _bump(account, on, points_used=loan.points_used, restricted_used=from_restricted)
    # Pledges the borrower holds go back to their givers when this loan is repaid.
    PointsTransfer.objects.filter(
        to_account=account, kind=TransferKind.PLEDGE, loan__isnull=True, date__lte=on
    ).update(loan=loan)
    return loan


def approve(scope: Scope, loan: Loan, on: dt.date, *, cap: int | None = None) -> Loan:
    """Decide one request now: a leader's manual decision, by the same budget, points and
    eligibility rules as a round and under the same lock (``allocation.approve_one``)."""
    from . import allocation

    return allocation.approve_one(scope, loan, on, cap=cap)


def receivable_account(loan: Loan) -> FundAccount:
    owner = loan.account
    account, _created = FundAccount.objects.get_or_create(
        fund=loan.fund,
        kind=AccountKind.LOANS_RECEIVABLE,
        person=owner.person,
        organisation=owner.organisation,
    )
    return account


def disburse(scope: Scope, loan: Loan, on: dt.date, *, idempotency_key: str | None = None) -> Loan:
    """Pay out an approved loan: fix the fee and the schedule, and post
    Dr loans receivable (what is owed), Cr pool (what is paid out), Cr fee income."""
    scope.require_write(loan)
    bounds.check_posting_date(on, field="on")
    fund = loan.fund
    if idempotency_key:
        done = idempotency.by_key(JournalEntry, idempotency_key, fund=fund)
        if done is not None:
            return Loan.objects.get(pk=done.loan_id)
    with transaction.atomic():
        loan = (
            Loan.objects.select_for_update(of=("self",))
            .select_related("product", "account")
            .get(pk=loan.pk)
        )
        if loan.status != LoanStatus.APPROVED:
            raise Refused("loan_not_approved", _("Only an approved loan can be paid out."))
        if on < loan.decided_on:
            raise ValidationError(_("A loan is paid out on or after its approval."))
        _require_guarantees(loan)
        product = loan.product
        terms = rules.loan_terms(
            loan.amount,
            loan.months,
            product.fee_strategy,
            product.fee_rate_percent,
            on,
            fund.calendar,
        )
        lines = [
            (receivable_account(loan), terms.total_due),
            (posting.own_account(fund, AccountKind.POOL), -terms.paid_out),
        ]
        if terms.fee_total:
            lines.append((posting.own_account(fund, AccountKind.FEE_INCOME), -terms.fee_total))
        posting.post_entry(
            fund,
            on=on,
            kind=EntryKind.DISBURSEMENT,
            lines=lines,
            idempotency_key=idempotency_key,
            loan=loan,
        )
        Instalment.objects.bulk_create(
            [Instalment(loan=loan, n=n, due=due, amount=a) for n, due, a in terms.schedule]
        )
        loan.status = LoanStatus.DISBURSED
        loan.disbursed_on = on
        loan.fee_total = terms.fee_total
        loan.net_disbursed = terms.paid_out
        loan.outstanding = terms.total_due
        loan.save(
            update_fields=["status", "disbursed_on", "fee_total", "net_disbursed", "outstanding"]
        )
    return loan


def _require_guarantees(loan: Loan) -> None:
    """Refuse the payout until the product's guarantors have confirmed enough."""
    cover = guarantee_cover(loan)
    if not cover.sufficient:
        raise Refused(
            "guarantors_missing",
            _(
                "The product needs %(required)s confirmed guarantors committing at least "
                "%(amount)s; %(confirmed)s confirmed, committing %(committed)s."
            ),
            required=cover.required,
            amount=cover.amount,
            confirmed=cover.confirmed,
            committed=cover.committed,
        )


def receives_money(scope: Scope, loan: Loan) -> bool:
    """Who may record money paid into the fund for ``loan``: the kanoon's treasurer — a
    writer of the fund's kanoon (the treasurer or the leader) — but never the borrower in
    person: what a borrower says they paid is a claim the treasurer confirms (``payments``)."""
    if scope.person_id and scope.person_id == loan.account.person_id:
        return False
    return scope.can_write(loan)


def check_source(scope: Scope, loan: Loan, source: str) -> PaymentSource:
    """Money paid in is recorded only by those who receive it; money from the borrower's own
    deposits moves inside the fund and may be recorded by the borrower."""
    source = PaymentSource(source)
    if source == PaymentSource.PAID_IN and not receives_money(scope, loan):
        raise Refused(
            "confirmation_needed",
            _(
                "Money paid in is recorded by the kanoon's treasurer: record the payment for "
                "the treasurer to confirm, or pay from your deposits in the fund."
            ),
        )
    return source


def paying_account(loan: Loan, source: PaymentSource) -> FundAccount:
    """The account a repayment debits: the pool (money paid in) or the borrower's own deposits
    (never below zero: the ledger checks the member account it debits)."""
    if source == PaymentSource.DEPOSITS:
        return loan.account
    return posting.own_account(loan.fund, AccountKind.POOL)


def repay(
    scope: Scope,
    loan: Loan,
    amount: int,
    on: dt.date,
    *,
    source: str = PaymentSource.PAID_IN,
    idempotency_key: str | None = None,
) -> JournalEntry:
    """A repayment, applied to the oldest unpaid instalment first: Dr pool (money paid in,
    recorded by the treasurer) or Dr the borrower's deposits, Cr receivable.

    When nothing is left the loan is repaid and the pledges it used go back to their givers.
    A borrower who paid in money records it as a claim (``payments.repay``).
    """
    scope.require_write(loan, acting=Acting.OWNER)
    require_positive(amount)
    bounds.check_posting_date(on, field="on")
    source = check_source(scope, loan, source)
    fund = loan.fund

    def work():
        locked = (
            Loan.objects.select_for_update(of=("self",)).select_related("account").get(pk=loan.pk)
        )
        if locked.status != LoanStatus.DISBURSED:
            raise Refused("loan_not_disbursed", _("Only a paid-out loan can be repaid."))
        if amount > locked.outstanding:
            raise Refused(
                "above_outstanding",
                _("Only %(outstanding)s is outstanding."),
                outstanding=locked.outstanding,
            )
        if on < locked.disbursed_on:
            raise ValidationError(_("A repayment comes on or after the payout."))
        entry = posting.post_entry(
            fund,
            on=on,
            kind=EntryKind.REPAYMENT,
            lines=[(paying_account(locked, source), amount), (receivable_account(locked), -amount)],
            idempotency_key=idempotency_key,
            loan=locked,
        )
        left = amount
        for instalment in locked.instalments.current().filter(paid__lt=F("amount")).order_by("n"):
            take = min(left, instalment.remaining)
            Instalment.objects.filter(pk=instalment.pk).update(paid=F("paid") + take)
            left -= take
            if not left:
                break
        locked.outstanding -= amount
        fields = ["outstanding"]
        if locked.outstanding == 0:
            locked.status, locked.repaid_on = LoanStatus.REPAID, on
            fields += ["status", "repaid_on"]
            return_pledges(locked, on)
            fields.append("points_released")
        locked.save(update_fields=fields)
        return entry

    return idempotency.once(JournalEntry, idempotency_key, work, fund=fund)


def return_pledges(loan: Loan, on: dt.date) -> None:
    """Give each pledge the loan used back to its giver; the borrower's use of those points
    is released, so the borrower ends where they were (never below zero)."""
    pledges = list(loan.pledges.filter(kind=TransferKind.PLEDGE, returned_by__isnull=True))
    if not pledges:
        return
    ids = [loan.account_id, *(p.from_account_id for p in pledges)]
    locked = posting.lock_accounts(ids)
    borrower = locked[loan.account_id]
    for pledge in pledges:
        state = account_points(borrower, on)
        release = min(pledge.points, loan.points_used - loan.points_released)
        back = min(pledge.points, state.available + release)
        if back <= 0:
            continue
        PointsTransfer.objects.create(
            fund=loan.fund,
            date=on,
            from_account=borrower,
            to_account=locked[pledge.from_account_id],
            points=back,
            use=PointsUse.ANY_LOAN,
            kind=TransferKind.RETURN,
            returns=pledge,
            loan=loan,
        )
        loan.points_released += release
        _bump(borrower, on, points_given=back, points_used=-release)
        _bump(locked[pledge.from_account_id], on, points_received=back)


# Verification -----------------------------------------------------------------------------------


def _credit(kind: str) -> bool:
    return kind in CREDIT_NORMAL


def verify(fund: Fund | None = None) -> list[str]:
    """Every inconsistency of the ledger (empty when it is sound). Read-only."""
    from django.db.models import Count, Max, Min, Sum

    from . import selectors

    problems: list[str] = []
    entries = JournalEntry.objects.all()
    lines = JournalLine.objects.all()
    funds = Fund.objects.all()
    if fund is not None:
        entries, funds = entries.filter(fund=fund), funds.filter(pk=fund.pk)
        lines = lines.filter(entry__fund=fund)
    for row in (
        lines.values("entry_id")
        .annotate(total=Sum("amount"), n=Count("id"))
        .filter(~Q(total=0) | Q(n__lt=2))
    ):
        problems.append(
            f"entry {row['entry_id']}: lines sum to {row['total']} over {row['n']} line(s)"
        )
    for entry_id in entries.filter(lines__isnull=True).values_list("id", flat=True):
        problems.append(f"entry {entry_id}: has no lines")
    for row in lines.exclude(account__fund_id=F("entry__fund_id")).values("id", "entry_id"):
        problems.append(f"entry {row['entry_id']}: line {row['id']} is in another fund's account")
    days = {
        row["entry_id"]: (row["lo"], row["hi"])
        for row in lines.values("entry_id").annotate(lo=Min("day"), hi=Max("day"))
    }
    for entry_id, date in entries.values_list("id", "date").iterator():
        lo, hi = days.get(entry_id, (None, None))
        if lo is not None and not lo == hi == day_number(date):
            problems.append(f"entry {entry_id}: a line carries another date than the entry")
    for f in funds:
        problems.extend(_verify_fund(f, selectors))
    return problems


def _verify_fund(fund: Fund, selectors) -> list[str]:
    from django.db.models import Sum

    problems = []
    accounts = list(fund.accounts.all())
    last = max((a.last_posting_date for a in accounts if a.last_posting_date), default=None)
    last_points = max((a.points_last_date for a in accounts if a.points_last_date), default=None)
    on = max(d for d in (last, last_points, dt.date.today()) if d)
    computed = selectors.points_at(fund, on, accounts)
    for account in accounts:
        stored = account_points(account, on)
        again = computed[account.pk]
        for name in ("balance", "money_days", "received", "given", "used", "restricted"):
            if getattr(stored, name) != getattr(again, name):
                problems.append(
                    f"account {account.pk} ({account.ledger_name}): running {name} "
                    f"{getattr(stored, name)} but the journal gives {getattr(again, name)}"
                )
        if again.available < 0:
            problems.append(f"account {account.pk}: {again.available} points available")
        if account.kind == AccountKind.MEMBER and again.balance < 0:
            problems.append(f"account {account.pk}: negative balance {again.balance}")
    left_by_loan = {
        row["loan_id"]: row["left"]
        for row in Instalment.objects.current()
        .filter(loan__fund=fund)
        .values("loan_id")
        .annotate(left=Sum(F("amount") - F("paid")))
    }
    for loan in fund.loans.filter(status__in=[LoanStatus.DISBURSED, LoanStatus.REPAID]):
        left = left_by_loan.get(loan.pk, 0)
        if left != loan.outstanding:
            problems.append(
                f"loan {loan.pk}: outstanding {loan.outstanding} but instalments leave {left}"
            )
    receivable = defaultdict(int)
    for loan in fund.loans.select_related("account").filter(status=LoanStatus.DISBURSED):
        receivable[(loan.account.person_id, loan.account.organisation_id)] += loan.outstanding
    for account in accounts:
        if account.kind == AccountKind.LOANS_RECEIVABLE:
            owed = receivable.get((account.person_id, account.organisation_id), 0)
            if account.balance != owed:
                problems.append(
                    f"account {account.pk}: receivable {account.balance} but loans owe {owed}"
                )
    return problems


# Gifts confirmed by a one-time code -------------------------------------------------------------


def beneficiary_by_identity(fund: Fund, national_code: str, mobile: str) -> FundAccount | None:
    """The member account of ``fund`` whose owner has both this national code and mobile."""
    code = "".join(ascii_digits(str(national_code or "")).split()).replace("-", "")
    try:
        phone = phone_e164(mobile or "", fund.kanoon.country or "IR")
    except ValidationError:
        return None
    if not code or not phone:
        return None
    return (
        FundAccount.objects.filter(
            fund=fund,
            kind=AccountKind.MEMBER,
            person__national_id=code,
            person__phone=phone,
        )
        .select_related("person")
        .first()
    )


def _supporter_mobile(account: FundAccount) -> str:
    person = account.person or account.decider_person
    if person is None or not person.phone:
        raise Refused(
            "no_mobile",
            _("There is no mobile number on record for this account to send the code to."),
        )
    return person.phone


NO_MATCH_MESSAGE = gettext_lazy(
    "No member of this fund has this national code together with this mobile number."
)


def start_gift(
    scope: Scope,
    supporter: FundAccount,
    *,
    national_code: str,
    mobile: str,
    points: int,
    use: PointsUse = PointsUse.ANY_LOAN,
    kind: TransferKind = TransferKind.GIFT,
    user=None,
):
    """Record a gift waiting for the supporter's code and send the code by SMS.

    Nothing moves until ``confirm_gift``; the supporter's available points are checked here
    for early feedback and again, under lock, at confirmation.
    """
    scope.require_write(supporter, acting=Acting.OWNER)
    if supporter.kind != AccountKind.MEMBER:
        raise ValidationError(_("Points move between member accounts."))
    if kind not in (TransferKind.GIFT, TransferKind.PLEDGE):
        raise ValidationError(_("A gift is a gift or a pledge."))
    PointsUse(use)
    bounds.check_points(points, field="points")
    beneficiary = beneficiary_by_identity(supporter.fund, national_code, mobile)
    if beneficiary is None:
        raise Refused("beneficiary_not_found", str(NO_MATCH_MESSAGE))
    if beneficiary.pk == supporter.pk:
        raise Refused("gift_to_self", _("Points cannot be given to oneself."))
    today = timezone.localdate()
    state = account_points(FundAccount.objects.get(pk=supporter.pk), today)
    free = state.available - state.restricted
    if points > free:
        raise Refused(
            "above_available_points",
            _("Only %(available)s points are available to give."),
            available=max(free, 0),
        )
    to = _supporter_mobile(supporter)
    code = otp.new_code()
    pending = PendingGift.objects.create(
        fund=supporter.fund,
        supporter=supporter,
        beneficiary=beneficiary,
        points=points,
        use=use,
        kind=kind,
        code_hash=otp.hash_code(code),
        expires_at=timezone.now() + otp.LIFETIME,
        created_by=user if getattr(user, "pk", None) else None,
    )
    sms.send_sms(
        to,
        _(
            "edupact: your code to give %(points)s points is %(code)s. "
            "It expires in %(minutes)s minutes. Do not share it."
        )
        % {"points": points, "code": code, "minutes": int(otp.LIFETIME.total_seconds() // 60)},
    )
    return pending


def confirm_gift(scope: Scope, pending, code: str) -> PointsTransfer:
    """Check the code and, when right, run ``gift_points`` in the same transaction.

    A wrong code counts an attempt (kept even though the call fails); the fifth wrong code
    locks the gift. An expired, locked or already used gift refuses every code.
    """
    scope.require_write(pending, acting=Acting.OWNER)
    refusal = None
    with transaction.atomic():
        row = PendingGift.objects.select_for_update().get(pk=pending.pk)
        if row.status == PendingGiftStatus.CONFIRMED:
            raise Refused("code_used", _("This code has already been used."))
        if row.status in (PendingGiftStatus.LOCKED, PendingGiftStatus.REFUSED):
            raise Refused(
                "code_locked", _("This gift can no longer be confirmed; start a new one.")
            )
        now = timezone.now()
        if now >= row.expires_at:
            raise Refused("code_expired", _("The code has expired; start the gift again."))
        if not otp.check_code(code, row.code_hash):
            row.attempts += 1
            left = otp.MAX_ATTEMPTS - row.attempts
            if left <= 0:
                row.status = PendingGiftStatus.LOCKED
                refusal = Refused(
                    "code_locked",
                    _("Too many wrong codes: this gift is locked; start a new one."),
                )
            else:
                refusal = Refused(
                    "wrong_code",
                    _("The code is not right. %(left)s attempts left."),
                    left=left,
                )
            row.save(update_fields=["attempts", "status"])
        else:
            try:
                with transaction.atomic():
                    transfer = gift_points(
                        scope,
                        row.supporter,
                        row.beneficiary,
                        row.points,
                        timezone.localdate(),
                        use=row.use,
                        kind=row.kind,
                        idempotency_key=f"otp-gift:{row.pk}",
                    )
            except Refused as exc:
                # Single use: a right code that the gift service refuses is spent too.
                row.status = PendingGiftStatus.REFUSED
                row.save(update_fields=["status"])
                refusal = exc
            else:
                row.status = PendingGiftStatus.CONFIRMED
                row.confirmed_at = now
                row.transfer = transfer
                row.save(update_fields=["status", "confirmed_at", "transfer"])
    if refusal is not None:
        raise refusal
    pending.refresh_from_db()
    return transfer
