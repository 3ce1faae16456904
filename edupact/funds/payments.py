"""Repayments and settlements as people record them, and the money behind them.

A repayment or a settlement moves money into the fund, and only the fund's own records may
say that money arrived. So what a borrower records themself is one of two things:

- money they already hold in the fund: their own deposits are debited (never below zero:
  the ledger checks it) and the loan's receivable credited — posted at once;
- money paid in (cash to the treasurer, a bank transfer): a ``PaymentClaim``, which changes
  nothing until the kanoon's treasurer — a writer of the fund's kanoon (the treasurer or the
  leader), never the borrower — confirms it against the money received (``confirm``), or a
  bank-statement import brings a row with the claim's bank reference, payer and amount
  (``matching_claims``, ``confirm_from_statement``). Only then is the loan repaid or settled.

Money paid in that the treasurer records is posted at once (Dr pool, Cr receivable). Web
pages and the API call ``repay`` and ``settle`` here; the rule itself lives in
``services.repay`` and ``settlement.settle`` (``services.check_source``), so no path can post
money paid in on the borrower's word alone. Claims are audited (created, confirmed, rejected,
with who and when), and the repayment posted on confirmation names its author.
"""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from edupact.core import bounds, idempotency
from edupact.core.errors import Refused
from edupact.core.money import format_money
from edupact.core.preferences import language
from edupact.core.scoping import Acting, Scope
from edupact.core.text import normalise

from . import services, settlement
from .models import (
    ClaimKind,
    ClaimStatus,
    Fund,
    JournalEntry,
    Loan,
    LoanStatus,
    PaymentClaim,
    PaymentSource,
)

# A bank statement is the fund's own evidence that money arrived, whoever imports it (the
# import has checked that the importer may write to the fund).
BANK = Scope(everything=True)


@dataclass(frozen=True)
class Payment:
    """What recording a payment did: posted (``entry``, the loan as it now is) or a claim
    waiting for the treasurer (``claim``; the loan unchanged)."""

    loan: Loan
    entry: JournalEntry | None = None
    claim: PaymentClaim | None = None

    @property
    def posted(self) -> bool:
        return self.claim is None


def repay(
    scope: Scope,
    loan: Loan,
    amount: int,
    on: dt.date,
    *,
    source: str = PaymentSource.PAID_IN,
    reference: str = "",
    note: str = "",
    idempotency_key: str | None = None,
    user=None,
) -> Payment:
    """Record a repayment of ``amount`` paid on ``on``: posted when the treasurer records
    money received or when it comes from the borrower's deposits, a claim otherwise."""
    scope.require_write(loan, acting=Acting.OWNER)
    bounds.check_amount(amount, field="amount")
    bounds.check_posting_date(on, field="on")
    source = PaymentSource(source)
    if source == PaymentSource.PAID_IN and not services.receives_money(scope, loan):
        claim = _claim(
            loan, ClaimKind.REPAYMENT, amount, on, reference, note, idempotency_key, user
        )
        return Payment(loan, claim=claim)
    entry = services.repay(scope, loan, amount, on, source=source, idempotency_key=idempotency_key)
    return Payment(_fresh(loan), entry=entry)


def settle(
    scope: Scope,
    loan: Loan,
    on: dt.date,
    *,
    source: str = PaymentSource.PAID_IN,
    reference: str = "",
    note: str = "",
    idempotency_key: str | None = None,
    user=None,
) -> Payment:
    """Record an early settlement on ``on`` (``settlement.settlement_quote`` says how much):
    posted, or a claim for that amount as ``repay`` decides."""
    scope.require_write(loan, acting=Acting.OWNER)
    bounds.check_posting_date(on, field="on")
    source = PaymentSource(source)
    if source == PaymentSource.PAID_IN and not services.receives_money(scope, loan):
        to_pay = settlement.settlement_quote(loan, on).to_pay
        if to_pay:
            claim = _claim(
                loan, ClaimKind.SETTLEMENT, to_pay, on, reference, note, idempotency_key, user
            )
            return Payment(loan, claim=claim)
    settled = settlement.settle(scope, loan, on, source=source, idempotency_key=idempotency_key)
    return Payment(_fresh(settled))


def _fresh(loan: Loan) -> Loan:
    return Loan.objects.select_related("product", "fund", "fund__kanoon", "account").get(pk=loan.pk)


# Claims ------------------------------------------------------------------------------------------


def _claim(loan, kind, amount, on, reference, note, key, user) -> PaymentClaim:
    """Record what the borrower says they paid; nothing is posted. One claim of a loan waits
    at a time, for at most what is outstanding."""
    reference = normalise((reference or "").strip())[:200]

    def work():
        locked = (
            Loan.objects.select_for_update(of=("self",))
            .select_related("fund", "product", "account")
            .get(pk=loan.pk)
        )
        if locked.status != LoanStatus.DISBURSED:
            raise Refused("loan_not_disbursed", _("Only a paid-out loan can be repaid."))
        if on < locked.disbursed_on:
            raise ValidationError({"on": _("A repayment comes on or after the payout.")})
        if PaymentClaim.objects.filter(loan=locked, status=ClaimStatus.PENDING).exists():
            raise _pending()
        if amount > locked.outstanding:
            raise Refused(
                "above_outstanding",
                _("Only %(outstanding)s is outstanding.")
                % {"outstanding": _money(locked.fund, locked.outstanding)},
            )
        claim = PaymentClaim(
            loan=locked,
            kind=kind,
            amount=amount,
            paid_on=on,
            reference=reference,
            note=(note or "").strip()[:255],
            claimed_by=user if getattr(user, "pk", None) else None,
            idempotency_key=key or "",
        )
        try:
            with transaction.atomic():
                claim.save()
        except IntegrityError as exc:
            if "paymentclaim_one_pending" not in str(exc):
                raise  # a retry with the same key: ``once`` answers with the first claim
            raise _pending() from None
        return claim

    return idempotency.once(PaymentClaim, key, work, loan=loan)


def _pending() -> Refused:
    return Refused(
        "claim_pending",
        _(
            "A payment recorded for this loan is still waiting for the treasurer's "
            "confirmation; record the next one once it is confirmed or rejected."
        ),
    )


def _money(fund: Fund, amount: int) -> str:
    return format_money(fund.money(amount), language())


def may_decide(scope: Scope, claim: PaymentClaim) -> bool:
    """The kanoon's treasurer or leader decides on a claim, never the borrower themself."""
    return claim.status == ClaimStatus.PENDING and services.receives_money(scope, claim.loan)


def _require_decider(scope: Scope, claim: PaymentClaim) -> None:
    """The one write check first (a reader — the borrower too — is told they only read the
    claim, an outsider finds nothing); then the rule on top of it: a writer of the kanoon who
    is the borrower does not vouch for their own payment."""
    scope.require_write(claim)
    if not services.receives_money(scope, claim.loan):
        raise PermissionDenied(
            _("Only the kanoon's treasurer or leader, not the borrower, confirms a payment.")
        )


def confirm(scope: Scope, claim: PaymentClaim, *, user=None) -> PaymentClaim:
    """The treasurer has the money: post the claimed repayment or settlement, dated as the
    borrower said they paid. Confirming twice changes nothing."""
    _require_decider(scope, claim)
    return _confirm(scope, claim, claim.paid_on, f"claim:{claim.pk}", user)


def _confirm(scope: Scope, claim: PaymentClaim, on: dt.date, key: str, user) -> PaymentClaim:
    with transaction.atomic():
        row = (
            PaymentClaim.objects.select_for_update(of=("self",))
            .select_related("loan", "loan__fund", "loan__fund__kanoon", "loan__account")
            .get(pk=claim.pk)
        )
        if row.status == ClaimStatus.CONFIRMED:
            return row
        if row.status != ClaimStatus.PENDING:
            raise _decided()
        loan = row.loan
        if row.kind == ClaimKind.REPAYMENT:
            entry = services.repay(scope, loan, row.amount, on, idempotency_key=key)
        else:
            quote = settlement.settlement_quote(loan, on)
            if quote.to_pay != row.amount:
                raise Refused(
                    "claim_amount_changed",
                    _(
                        "Settling on this date takes %(to_pay)s, not the %(claimed)s recorded: "
                        "reject this payment and record the settlement again."
                    )
                    % {
                        "to_pay": _money(loan.fund, quote.to_pay),
                        "claimed": _money(loan.fund, row.amount),
                    },
                )
            settlement.settle(scope, loan, on, idempotency_key=key)
            entry = JournalEntry.objects.get(fund=loan.fund, idempotency_key=key)
        row.status, row.entry = ClaimStatus.CONFIRMED, entry
        row.decided_by = user if getattr(user, "pk", None) else None
        row.decided_at = timezone.now()
        row.save(update_fields=["status", "entry", "decided_by", "decided_at"])
    return row


def reject(scope: Scope, claim: PaymentClaim, reason: str, *, user=None) -> PaymentClaim:
    """The treasurer did not receive the money: the claim is closed with the reason, the
    loan unchanged; the borrower may record the payment again."""
    _require_decider(scope, claim)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the payment is rejected.")})
    with transaction.atomic():
        row = PaymentClaim.objects.select_for_update().get(pk=claim.pk)
        if row.status == ClaimStatus.REJECTED:
            return row
        if row.status != ClaimStatus.PENDING:
            raise _decided()
        row.status, row.reason = ClaimStatus.REJECTED, reason[:255]
        row.decided_by = user if getattr(user, "pk", None) else None
        row.decided_at = timezone.now()
        row.save(update_fields=["status", "reason", "decided_by", "decided_at"])
    return row


def _decided() -> Refused:
    return Refused("claim_decided", _("This payment has already been confirmed or rejected."))


# Bank statements ---------------------------------------------------------------------------------


def matching_claims(fund: Fund, rows) -> dict[str, PaymentClaim]:
    """The waiting claims of ``fund`` that statement ``rows`` (``imports.Posting``) pay: the
    row's bank reference is the claim's, its payer the borrower and its amount the claim's.
    Keyed by the row's idempotency key."""
    from .imports import reference_key

    by_key = {
        reference_key(c.reference): c
        for c in PaymentClaim.objects.filter(
            loan__fund=fund, status=ClaimStatus.PENDING, reference__gt=""
        ).select_related("loan", "loan__fund", "loan__product")
    }
    matched = {}
    for row in rows:
        claim = by_key.get(row.key)
        if claim is not None and _pays(claim, row):
            matched[row.key] = claim
    return matched


def _pays(claim: PaymentClaim, row) -> bool:
    """The row is the claimed payment and confirming it will post: anything else (another
    payer or amount, a loan settled meanwhile) stays an ordinary deposit for the treasurer."""
    loan = claim.loan
    if claim.amount != row.amount or loan.account_id != row.account_id:
        return False
    if loan.status != LoanStatus.DISBURSED or row.on < loan.disbursed_on:
        return False
    if claim.kind == ClaimKind.REPAYMENT:
        return claim.amount <= loan.outstanding
    return settlement.settlement_quote(loan, row.on).to_pay == claim.amount


def lock_claims(claims: dict[str, PaymentClaim]) -> dict[str, PaymentClaim]:
    """Lock the claims (row key → claim) still waiting, then their loans: the order of a
    confirmation. Claims decided meanwhile are left out."""
    ids = sorted(c.pk for c in claims.values())
    waiting = {
        c.pk: c
        for c in PaymentClaim.objects.select_for_update(of=("self",))
        .filter(pk__in=ids, status=ClaimStatus.PENDING)
        .select_related("loan", "loan__fund", "loan__account")
        .order_by("pk")
    }
    loans = sorted({c.loan_id for c in waiting.values()})
    list(Loan.objects.select_for_update(of=("self",)).filter(pk__in=loans).order_by("pk"))
    return {key: waiting[c.pk] for key, c in claims.items() if c.pk in waiting}


def receivables(claims: dict[str, PaymentClaim]) -> list[int]:
    """The receivable accounts the claims' repayments credit (locked with the members)."""
    return sorted({services.receivable_account(c.loan).pk for c in claims.values()})


def confirm_from_statement(claims: list[tuple], *, user=None) -> None:
    """Confirm each (statement row, claim) in the import's transaction: the repayment is dated
    as the bank's row and takes its key, so the reference counts as imported."""
    for row, claim in claims:
        _confirm(BANK, claim, row.on, row.key, user)
