"""SMS reminders to borrowers: an instalment due in a few days, and loans in arrears.

Run daily (``edupact fund remind`` or the ``send_reminders`` task). Each message is logged
as a ``Reminder`` whose unique key (instalment, kind, day) makes a second run on the same
day send nothing; the log row and the sending share one transaction, so a failed send is
retried next run. The text is in the borrower's language when known, else the fund's.
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import translation
from django.utils.translation import gettext as _

from edupact.core import sms
from edupact.core.calendars import format_date
from edupact.core.money import Money, format_money
from edupact.core.preferences import default_calendar

from . import selectors
from .models import Fund, Instalment, LoanStatus, Reminder, ReminderKind

FUND_LANGUAGES = {"IRR": "fa", "VND": "vi"}
LANGUAGES = ("fa", "vi", "en")


def language_of(instalment: Instalment) -> str:
    """The language the borrower chose for their user, else the fund's (fa for rials)."""
    from edupact.accounts.models import User

    person_id = instalment.loan.account.person_id
    chosen = (
        User.objects.filter(person_id=person_id).values_list("language", flat=True).first()
        if person_id
        else None
    )
    if chosen in LANGUAGES:
        return chosen
    return FUND_LANGUAGES.get(instalment.loan.fund.currency, "en")


def message(kind: str, instalment: Instalment, on: dt.date, language: str) -> str:
    loan = instalment.loan
    with translation.override(language):
        due = format_date(instalment.due, default_calendar(language), language)
        if kind == ReminderKind.DUE_SOON:
            amount = format_money(Money(instalment.remaining, loan.fund.currency), language)
            return _(
                "edupact: instalment %(n)s of your loan %(loan)s, %(amount)s, is due on %(due)s."
            ) % {"n": instalment.n, "loan": loan, "amount": amount, "due": due}
        overdue = selectors.loan_overdue(loan, on)
        amount = format_money(Money(overdue.amount, loan.fund.currency), language)
        return _(
            "edupact: your loan %(loan)s is %(days)s days late; %(amount)s is overdue since "
            "%(due)s. Please pay the oldest instalment first."
        ) % {"loan": loan, "days": overdue.late_days, "amount": amount, "due": due}


def _candidates(fund: Fund, on: dt.date) -> list[tuple[str, Instalment]]:
    """Instalments due in ``remind_days_before`` days, and the oldest late one of each loan."""
    soon = on + dt.timedelta(days=fund.remind_days_before)
    related = ("loan", "loan__fund", "loan__account", "loan__account__person")
    due_soon = (
        Instalment.objects.current()
        .filter(loan__fund=fund, loan__status=LoanStatus.DISBURSED, due=soon)
        .filter(paid__lt=F("amount"))
        .select_related(*related)
    )
    found = [(ReminderKind.DUE_SOON, i) for i in due_soon]
    oldest: dict[int, Instalment] = {}
    for i in selectors.overdue_instalments(fund, on).select_related(*related).order_by("due", "n"):
        oldest.setdefault(i.loan_id, i)
    found += [(ReminderKind.OVERDUE, i) for i in oldest.values()]
    return found


def send_reminders(on: dt.date, fund: Fund | None = None) -> dict:
    """Send what is due on ``on``; returns counts of sent, already sent and without mobile."""
    counts = {"sent": 0, "already_sent": 0, "no_mobile": 0}
    funds = [fund] if fund is not None else list(Fund.objects.all())
    for f in funds:
        for kind, instalment in _candidates(f, on):
            person = instalment.loan.account.person
            to = person.phone if person else ""
            if not to:
                counts["no_mobile"] += 1
                continue
            if Reminder.objects.filter(instalment=instalment, kind=kind, on=on).exists():
                counts["already_sent"] += 1
                continue
            language = language_of(instalment)
            try:
                with transaction.atomic():
                    Reminder.objects.create(
                        instalment=instalment, kind=kind, on=on, to=to, language=language
                    )
                    sms.send_sms(to, message(kind, instalment, on, language))
            except IntegrityError:  # a concurrent run logged it first
                counts["already_sent"] += 1
                continue
            counts["sent"] += 1
    return counts
