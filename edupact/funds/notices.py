"""SMS notices about guarantees: the guarantor is asked, the borrower hears the answer.

Sent through the pluggable SMS backend (``sms``), in the reader's language: the one they
chose for their user, else their kanoon's, else the fund's (fa for rials, vi for dong).
Each notice is logged as a ``GuaranteeNotice`` whose unique key (guarantee, kind) sends it
once, however often the service runs — a repeated invitation or confirmation sends nothing.

The invitation is sent in the caller's transaction: if the gateway fails the invitation
fails too and nothing changes, so nobody waits for a guarantor who was never asked. The
answer to the borrower is sent in a savepoint: a failing gateway is logged and loses that
one message, never the guarantor's decision.

While a guarantee waits, the borrower or a leader may ask the guarantor again
(``guarantees.resend_invitation``): a new "asked again" notice, never an edit of the first,
at most once per ``RESEND_AFTER`` since the last invitation.
"""

import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from edupact.core import sms
from edupact.core.money import Money, format_money

from .models import Fund, Guarantee, GuaranteeNotice, NoticeKind

logger = logging.getLogger("edupact.sms")
LANGUAGES = ("fa", "vi", "en")
FUND_LANGUAGES = {"IRR": "fa", "VND": "vi"}


def language_for(person_id: int | None, fund: Fund) -> str:
    """The person's chosen language, else their kanoon's, else the fund's currency's."""
    from edupact.accounts.models import User

    if person_id:
        chosen = (
            User.objects.filter(person_id=person_id)
            .exclude(language="")
            .values_list("language", flat=True)
            .first()
        )
        if chosen in LANGUAGES:
            return chosen
    if fund.kanoon.language in LANGUAGES:
        return fund.kanoon.language
    return FUND_LANGUAGES.get(fund.currency, "en")


def link(guarantee: Guarantee) -> str:
    """Where the guarantor confirms or declines, as an address to open from the SMS."""
    return f"{settings.EDUPACT_SITE_URL}{guarantee.get_absolute_url()}"


def message(kind: str, guarantee: Guarantee, language: str) -> str:
    loan = guarantee.loan
    fund = loan.fund
    with translation.override(language):
        values = {
            "borrower": loan.account.owner_name,
            "guarantor": guarantee.guarantor.owner_name,
            "amount": format_money(Money(guarantee.amount, fund.currency), language),
            "loan_amount": format_money(Money(loan.amount, fund.currency), language),
            "fund": fund.name,
            "url": link(guarantee),
        }
        if kind in (NoticeKind.INVITED, NoticeKind.REINVITED):
            return (
                _(
                    "edupact: %(borrower)s asks you to guarantee %(amount)s of their loan of "
                    "%(loan_amount)s from %(fund)s. Confirm or decline at %(url)s"
                )
                % values
            )
        if kind == NoticeKind.CONFIRMED:
            return (
                _(
                    "edupact: %(guarantor)s confirmed guaranteeing %(amount)s of your loan of "
                    "%(loan_amount)s."
                )
                % values
            )
        return (
            _("edupact: %(guarantor)s declined to guarantee your loan of %(loan_amount)s.") % values
        )


def _reader(kind: str, guarantee: Guarantee):
    """The person the notice goes to: the guarantor when asked, the borrower otherwise."""
    invitation = kind in (NoticeKind.INVITED, NoticeKind.REINVITED)
    account = guarantee.guarantor if invitation else guarantee.loan.account
    return account.person


def mobile_of(guarantee: Guarantee, kind: str) -> str:
    """The mobile the ``kind`` notice goes to, or "" when none is on record."""
    person = _reader(kind, guarantee)
    return person.phone if person is not None else ""


def send(guarantee: Guarantee, kind: str, *, sent_by=None) -> GuaranteeNotice:
    """Log and send one notice in a savepoint: if the gateway fails, no row is left."""
    person = _reader(kind, guarantee)
    language = language_for(person.pk, guarantee.loan.fund)
    with transaction.atomic():
        notice = GuaranteeNotice.objects.create(
            guarantee=guarantee,
            kind=kind,
            to=person.phone,
            language=language,
            sent_by=sent_by if getattr(sent_by, "pk", None) else None,
        )
        sms.send_sms(person.phone, message(kind, guarantee, language))
    return notice


def notify(guarantee: Guarantee, kind: str) -> bool:
    """Send the ``kind`` notice of ``guarantee`` unless it went already or the reader has no
    mobile on record; True when sent now."""
    if (
        not mobile_of(guarantee, kind)
        or GuaranteeNotice.objects.filter(guarantee=guarantee, kind=kind).exists()
    ):
        return False
    try:
        send(guarantee, kind)
    except IntegrityError:  # a concurrent call logged it first
        return False
    return True


def notify_borrower(guarantee: Guarantee, kind: str) -> bool:
    """The borrower hears the guarantor's answer; a failing gateway loses only the message."""
    try:
        return notify(guarantee, kind)
    except IntegrityError:
        raise
    except Exception:  # the gateway's own errors: logged, the decision stands
        logger.exception("SMS about guarantee %s (%s) not sent", guarantee.pk, kind)
        return False
