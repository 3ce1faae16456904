"""Guarantors of a loan: the borrower (or a leader) names them, each confirms personally.

A guarantor is another person's member account in the same fund, with a committed amount.
Only the guarantor's own user may confirm or decline — not a leader, not an administrator —
so the scope of the caller must name the guarantor's person. The guarantor is asked by SMS
and the borrower hears the answer the same way (``notices``). ``services.disburse`` refuses
the payout until the product's number of guarantors have confirmed and their commitments
cover the loan (``selectors.guarantee_cover``).
"""

import datetime as dt
import logging
import math

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from edupact.core.errors import Refused
from edupact.core.money import format_number
from edupact.core.scoping import Acting, Scope

from . import notices, selectors
from .models import (
    AccountKind,
    FundAccount,
    Guarantee,
    GuaranteeNotice,
    GuaranteeStatus,
    Loan,
    LoanStatus,
    NoticeKind,
)
from .services import beneficiary_by_identity, require_positive

OPEN_STATUSES = (LoanStatus.REQUESTED, LoanStatus.APPROVED)
logger = logging.getLogger("edupact.sms")


def find_guarantor(loan: Loan, national_code: str, mobile: str) -> FundAccount:
    """The member of the loan's fund with this national code and mobile (both must match)."""
    account = beneficiary_by_identity(loan.fund, national_code, mobile)
    if account is None:
        raise Refused(
            "guarantor_not_found",
            _("No member of this fund has this national code together with this mobile number."),
        )
    return account


def invite_guarantor(
    scope: Scope, loan: Loan, guarantor: FundAccount, amount: int, on: dt.date
) -> Guarantee:
    """Ask ``guarantor`` to vouch for ``loan`` with ``amount``; nothing counts until they
    confirm. The borrower or a leader of the kanoon asks."""
    scope.require_write(loan, acting=Acting.OWNER)
    require_positive(amount)
    if loan.status not in OPEN_STATUSES:
        raise Refused("loan_closed", _("Guarantors are named before the loan is paid out."))
    if guarantor.fund_id != loan.fund_id or guarantor.kind != AccountKind.MEMBER:
        raise Refused("guarantor_not_member", _("A guarantor is a member of the same fund."))
    if guarantor.pk == loan.account_id or (
        guarantor.person_id and guarantor.person_id == loan.account.person_id
    ):
        raise Refused("guarantor_is_borrower", _("The borrower cannot guarantee their own loan."))
    if not guarantor.person_id:
        raise Refused(
            "guarantor_not_a_person", _("A guarantor is a person who confirms personally.")
        )
    try:
        with transaction.atomic():
            guarantee = Guarantee.objects.create(
                loan=loan, guarantor=guarantor, amount=amount, invited_on=on
            )
            # Asked by SMS in the same transaction: no invitation stands that was never sent.
            notices.notify(guarantee, NoticeKind.INVITED)
            return guarantee
    except IntegrityError:
        raise Refused(
            "already_guarantor", _("This member has already been asked to guarantee this loan.")
        ) from None


def may_resend(scope: Scope, guarantee: Guarantee) -> bool:
    """The borrower or a leader of the kanoon (whoever may name guarantors), while the
    guarantee waits for an answer on a loan not yet paid out."""
    loan = guarantee.loan
    if guarantee.status != GuaranteeStatus.INVITED or loan.status not in OPEN_STATUSES:
        return False
    return scope.can_write(loan, acting=Acting.OWNER)


def resend_invitation(scope: Scope, guarantee: Guarantee, *, user=None) -> GuaranteeNotice:
    """Ask the guarantor again by SMS: a new "asked again" notice (the earlier ones stay as
    they were), refused within ``RESEND_AFTER`` of the last invitation. A failing gateway
    leaves nothing behind and says so."""
    with transaction.atomic():
        now = timezone.now()
        # Locking the guarantee serialises two resends: the second sees the first's notice.
        row = (
            Guarantee.objects.select_for_update(of=("self",))
            .select_related("loan", "loan__fund", "loan__fund__kanoon", "loan__account")
            .select_related("guarantor", "guarantor__person", "loan__account__person")
            .get(pk=guarantee.pk)
        )
        scope.require_write(row.loan, acting=Acting.OWNER)
        if row.status != GuaranteeStatus.INVITED:
            raise Refused("guarantee_decided", _("This guarantee has already been decided."))
        if row.loan.status not in OPEN_STATUSES:
            raise Refused("loan_closed", _("Guarantors are named before the loan is paid out."))
        if not notices.mobile_of(row, NoticeKind.REINVITED):
            raise Refused("guarantor_no_mobile", _("The guarantor has no mobile number on record."))
        resend_from = selectors.invitation_resend_from(row)
        if resend_from is not None and now < resend_from:
            hours = math.ceil((resend_from - now).total_seconds() / 3600)
            shown = format_number(hours, translation.get_language() or "en")
            raise Refused(
                "resent_too_soon",
                ngettext(
                    "The invitation was sent less than 24 hours ago; it can be sent again "
                    "in %(hours)s hour.",
                    "The invitation was sent less than 24 hours ago; it can be sent again "
                    "in %(hours)s hours.",
                    hours,
                )
                % {"hours": shown},
                resend_from=resend_from.isoformat(),
            )
        try:
            return notices.send(row, NoticeKind.REINVITED, sent_by=user)
        except Exception:  # the gateway's own errors: nothing recorded, the user told
            logger.exception("SMS inviting guarantee %s again not sent", row.pk)
            raise Refused(
                "sms_not_sent", _("The SMS could not be sent; please try again later.")
            ) from None


def may_decide(scope: Scope, guarantee: Guarantee) -> bool:
    """Only the guarantor in person: the caller's own person owns the guarantor account."""
    return scope.can_write(guarantee, acting=Acting.PERSONALLY)


def decide(scope: Scope, guarantee: Guarantee, *, confirm: bool, user=None) -> Guarantee:
    """The guarantor confirms or declines; a repeated identical decision changes nothing."""
    scope.require_write(guarantee, acting=Acting.PERSONALLY)
    wanted = GuaranteeStatus.CONFIRMED if confirm else GuaranteeStatus.DECLINED
    with transaction.atomic():
        row = (
            Guarantee.objects.select_for_update(of=("self",))
            .select_related("loan", "guarantor")
            .get(pk=guarantee.pk)
        )
        if row.status == wanted:
            return row
        if row.status != GuaranteeStatus.INVITED:
            raise Refused("guarantee_decided", _("This guarantee has already been decided."))
        if row.loan.status not in OPEN_STATUSES:
            raise Refused("loan_closed", _("Guarantors are named before the loan is paid out."))
        row.status = wanted
        row.decided_at = timezone.now()
        row.decided_by = user if getattr(user, "pk", None) else None
        row.save(update_fields=["status", "decided_at", "decided_by"])
        notices.notify_borrower(row, NoticeKind.CONFIRMED if confirm else NoticeKind.DECLINED)
    return row
