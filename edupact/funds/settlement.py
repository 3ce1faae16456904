"""Early settlement and rescheduling of a paid-out loan.

Both replace the unpaid instalments of the schedule in force: the old rows stay, marked
``superseded_by`` the ``ScheduleChange`` that replaced them, and new rows follow with the
next numbers. Money moves only through journal entries: a settlement posts the fee waived
as a compensating entry (Dr fee income, Cr loans receivable) and the payment as a
repayment; nothing already posted is changed.
"""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils.translation import gettext as _

from edupact.core import bounds, calendars
from edupact.core.errors import Refused
from edupact.core.scoping import Acting, Scope

from . import rules
from .ledger.posting import own_account, post_entry
from .models import (
    AccountKind,
    EntryKind,
    Instalment,
    JournalEntry,
    Loan,
    LoanStatus,
    PaymentSource,
    ScheduleChange,
    ScheduleChangeKind,
)
from .services import (
    check_source,
    paying_account,
    receivable_account,
    return_pledges,
)


@dataclass(frozen=True)
class Quote:
    """What settling on ``on`` takes: everything outstanding less the fee not yet earned."""

    on: dt.date
    outstanding: int
    fee_waived: int

    @property
    def to_pay(self) -> int:
        return self.outstanding - self.fee_waived


def settlement_quote(loan: Loan, on: dt.date) -> Quote:
    """The amount that settles ``loan`` on ``on`` (see ``rules.waivable_fee``)."""
    if loan.status != LoanStatus.DISBURSED:
        raise Refused("loan_not_disbursed", _("Only a paid-out loan can be settled."))
    if on < loan.disbursed_on:
        raise ValidationError(_("A settlement comes on or after the payout."))
    product = loan.product
    waiver = rules.waivable_fee(
        loan.amount,
        loan.months,
        product.fee_strategy,
        product.fee_rate_percent,
        loan.disbursed_on,
        loan.fund.calendar,
        on,
    )
    waiver = min(waiver, loan.outstanding, loan.fee_total - loan.fee_waived)
    return Quote(on=on, outstanding=loan.outstanding, fee_waived=max(waiver, 0))


def _locked(loan: Loan) -> Loan:
    return (
        Loan.objects.select_for_update(of=("self",))
        .select_related("product", "account", "fund")
        .get(pk=loan.pk)
    )


def _replace_unpaid(loan: Loan, change: ScheduleChange, rows: list[tuple[dt.date, int]]) -> None:
    """Mark the unpaid instalments in force as replaced by ``change`` and add ``rows``
    (due, amount) after the last number; the paid part of a replaced row stays as history."""
    unpaid = loan.instalments.current().filter(paid__lt=F("amount"))
    unpaid.update(superseded_by=change)
    last = loan.instalments.aggregate(n=Max("n"))["n"] or 0
    Instalment.objects.bulk_create(
        [
            Instalment(loan=loan, n=last + k, due=due, amount=amount, paid=paid)
            for k, (due, amount, paid) in enumerate(rows, start=1)
        ]
    )


def settle(
    scope: Scope,
    loan: Loan,
    on: dt.date,
    *,
    source: str = PaymentSource.PAID_IN,
    idempotency_key: str | None = None,
) -> Loan:
    """Pay everything outstanding on ``on``; the fee share of instalments not yet due is
    waived by a compensating entry. The money comes from ``source``: paid in (recorded by the
    treasurer; a borrower's word is a claim, ``payments.settle``) or the borrower's deposits.
    A retry with the same key returns the settled loan."""
    scope.require_write(loan, acting=Acting.OWNER)
    bounds.check_posting_date(on, field="on")
    source = PaymentSource(source)
    fund = loan.fund
    if (
        idempotency_key
        and JournalEntry.objects.filter(fund=fund, idempotency_key=idempotency_key).exists()
    ):
        return Loan.objects.get(pk=loan.pk)
    with transaction.atomic():
        locked = _locked(loan)
        quote = settlement_quote(locked, on)
        if quote.to_pay:  # nothing to pay in: no money to vouch for
            check_source(scope, locked, source)
        change = ScheduleChange.objects.create(
            loan=locked,
            kind=ScheduleChangeKind.SETTLEMENT,
            on=on,
            outstanding=quote.outstanding,
            fee_waived=quote.fee_waived,
        )
        receivable = receivable_account(locked)
        if quote.fee_waived:
            post_entry(
                fund,
                on=on,
                kind=EntryKind.FEE_WAIVER,
                lines=[
                    (own_account(fund, AccountKind.FEE_INCOME), quote.fee_waived),
                    (receivable, -quote.fee_waived),
                ],
                idempotency_key=f"{idempotency_key}:waiver" if idempotency_key else None,
                loan=locked,
            )
        if quote.to_pay:
            post_entry(
                fund,
                on=on,
                kind=EntryKind.REPAYMENT,
                lines=[(paying_account(locked, source), quote.to_pay), (receivable, -quote.to_pay)],
                idempotency_key=idempotency_key,
                loan=locked,
            )
        rows = [(on, quote.to_pay, quote.to_pay)] if quote.to_pay else []
        _replace_unpaid(locked, change, rows)
        locked.outstanding = 0
        locked.fee_waived += quote.fee_waived
        locked.status, locked.repaid_on = LoanStatus.REPAID, on
        return_pledges(locked, on)
        locked.save(
            update_fields=["outstanding", "fee_waived", "status", "repaid_on", "points_released"]
        )
    return locked


def reschedule(scope: Scope, loan: Loan, months: int, on: dt.date, reason: str) -> ScheduleChange:
    """Spread what is outstanding over ``months`` new monthly instalments from ``on`` in the
    fund's calendar (floor each, the remainder on the last). A leader's decision."""
    scope.require_write(loan)
    bounds.check_months(months, field="months")
    bounds.check_date(on, earliest=bounds.MONEY_DATE_MIN, field="on")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give the reason for the rescheduling."))
    with transaction.atomic():
        locked = _locked(loan)
        if locked.status != LoanStatus.DISBURSED or not locked.outstanding:
            raise Refused("loan_not_disbursed", _("Only a paid-out loan can be rescheduled."))
        if on < locked.disbursed_on:
            raise ValidationError(_("A rescheduling comes on or after the payout."))
        change = ScheduleChange.objects.create(
            loan=locked,
            kind=ScheduleChangeKind.RESCHEDULE,
            on=on,
            months=months,
            outstanding=locked.outstanding,
            reason=reason[:255],
        )
        amounts = rules.equal_split(locked.outstanding, months)
        rows = [
            (calendars.add_months(on, k, locked.fund.calendar), amount, 0)
            for k, amount in enumerate(amounts, start=1)
        ]
        _replace_unpaid(locked, change, rows)
    return change
