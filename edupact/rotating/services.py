"""Operations that change a rotating fund: codes and shares, dues, draws, transfers.

Every write checks that the caller may change the fund (``Scope.require_write``: a reader
is told they may only read, 403; an outsider finds nothing, 404), validates everything
before writing (a refused operation raises ``Refused`` and changes nothing), and takes an
``idempotency_key`` where a client may retry. Payments and draws are never edited: a wrong
payment is reversed by a compensating row; a draw stands, with its seed and candidates, so
that anyone can re-run it.

Every amount, month and date is checked against the domain bounds (``core.bounds``) here,
whoever calls (web, API, forming from a file, the simulator, the demo): a due and a pot are
amounts (at most ``MAX_AMOUNT``), payments are dated from 2000 to today, and the whole cycle
falls within the century the bounds allow.
"""

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from edupact.audit.context import current_actor
from edupact.core import bounds
from edupact.core.draws import draw_order, new_seed, seed_problem
from edupact.core.errors import Refused
from edupact.core.idempotency import once
from edupact.core.money import format_money
from edupact.core.preferences import language
from edupact.core.scoping import Scope
from edupact.core.text import reader_digits

from . import rules, selectors
from .models import MAX_CODES, Code, DrawMode, DuePayment, Payout, RotatingFund, Share
from .models import Draw as DrawRecord

MAX_SEED = 64


# The actor ------------------------------------------------------------------------------------


def _user():
    actor = current_actor()
    return actor if actor is not None and getattr(actor, "pk", None) else None


# Months -----------------------------------------------------------------------------------------


def _check_month(fund: RotatingFund, month: int) -> None:
    if not 1 <= month <= fund.codes_count:
        raise Refused(
            "month",
            _("The month must be between 1 and %(n)s.") % {"n": fund.codes_count},
            month=month,
        )


# Funds, codes and shares ------------------------------------------------------------------------


@transaction.atomic
def create_fund(scope: Scope, fund: RotatingFund) -> RotatingFund:
    """Create the fund and its codes 1…n; holders are assigned with ``assign_code``."""
    scope.require_write(fund)  # not saved yet: by who writes for its organisation
    fund.currency = fund.currency or fund.organisation.currency
    fund.calendar = fund.calendar or fund.organisation.calendar
    fund.full_clean()
    check_terms(fund)
    fund.save()
    Code.objects.bulk_create([Code(fund=fund, number=n) for n in range(1, fund.codes_count + 1)])
    return fund


def check_terms(fund: RotatingFund) -> None:
    """The bounds of a fund's terms: from 2 to ``MAX_CODES`` codes, a pot (the due of every
    code) of at most ``MAX_AMOUNT``, and every month of the cycle from 2000 to 2099."""
    errors = {}
    if not 2 <= fund.codes_count <= MAX_CODES:
        errors["codes_count"] = _("A fund has from 2 to %(max)s codes.") % {"max": MAX_CODES}
    elif fund.pot > bounds.MAX_AMOUNT:
        errors["due"] = _(
            "The pot (the due of all %(codes)s codes) would be more than %(max)s; lower the due."
        ) % {
            "codes": reader_digits(fund.codes_count, language()),
            "max": format_money(fund.money(bounds.MAX_AMOUNT), language()),
        }
    else:
        try:
            first, last = rules.start_date(fund), rules.month_date(fund, fund.codes_count)
            bounds.check_date(first, earliest=bounds.MONEY_DATE_MIN)
            bounds.check_date(last, earliest=bounds.MONEY_DATE_MIN)
        except (ValueError, ValidationError):
            errors["start_month"] = _(
                "Every month of the cycle falls between %(min)s and %(max)s: choose another "
                "first month."
            ) % {
                "min": reader_digits(bounds.MONEY_DATE_MIN.year, language()),
                "max": reader_digits(bounds.DATE_MAX.year, language()),
            }
    if errors:
        raise ValidationError(errors)


def _holder(person=None, organisation=None) -> dict:
    if (person is None) == (organisation is None):
        raise Refused("holder", _("A share belongs to one person or one organisation."))
    return (
        {"person": person, "organisation": None}
        if person
        else {
            "person": None,
            "organisation": organisation,
        }
    )


@transaction.atomic
def assign_code(scope: Scope, code: Code, holders: Sequence[tuple[object, int]]) -> list[Share]:
    """Give a code without holders its first shares, from the fund's first day.

    ``holders`` are (person or organisation, parts) whose parts sum to the denominator:
    [(a, 12)] for a whole code of a 12-part fund, [(a, 6), (b, 6)] for two halves.
    """
    fund = code.fund
    scope.require_write(fund)
    if code.shares.exists():
        raise Refused("assigned", _("This code already has holders; transfer a share instead."))
    parts = [k for _, k in holders]
    if not parts or any(k < 1 for k in parts) or sum(parts) != fund.share_denominator:
        raise Refused(
            "fractions",
            _("The shares of a code must add up to one whole code (%(d)s parts).")
            % {"d": fund.share_denominator},
        )
    day = rules.start_date(fund)
    shares = []
    for holder, k in holders:
        kind = "organisation" if holder._meta.model_name == "organisation" else "person"
        share = Share(code=code, numerator=k, valid_from=day, **_holder(**{kind: holder}))
        share.full_clean()
        share.save()
        shares.append(share)
    return shares


@transaction.atomic
def transfer_share(
    scope: Scope,
    share: Share,
    on: dt.date,
    *,
    person=None,
    organisation=None,
    numerator: int | None = None,
) -> Share:
    """Transfer all or ``numerator`` parts of ``share`` to another holder from ``on``.

    The share ends on ``on``; the new holder's share starts that day, and when only part is
    transferred the old holder keeps the rest as a new share. Draws on or after ``on`` pay
    the new holders; a transfer may not reach back before the fund's last draw.
    """
    fund = share.code.fund
    scope.require_write(share)  # the share changed: one the user does not see is not there
    bounds.check_date(on, earliest=bounds.MONEY_DATE_MIN, field="on")
    holder = _holder(person, organisation)
    share = Share.objects.select_for_update().get(pk=share.pk)
    k = share.numerator if numerator is None else numerator
    if not 1 <= k <= share.numerator:
        raise Refused(
            "fractions",
            _("Transfer between 1 and %(n)s parts of this share.") % {"n": share.numerator},
        )
    if not (share.valid_from < on and (share.valid_to is None or on < share.valid_to)):
        raise Refused("period", _("The share is not held on that date, or starts that day."))
    if (holder["person"] and holder["person"].pk == share.person_id) or (
        holder["organisation"] and holder["organisation"].pk == share.organisation_id
    ):
        raise Refused("same_holder", _("The share already belongs to this holder."))
    last = fund.draws.order_by("-drawn_on").values_list("drawn_on", flat=True).first()
    if last is not None and on <= last:
        raise Refused(
            "after_draw", _("A transfer cannot take effect on or before the last draw's date.")
        )
    share.valid_to = on
    share.save(update_fields=["valid_to"])
    created = Share.objects.create(
        code=share.code, numerator=k, valid_from=on, transferred_from=share, **holder
    )
    if k < share.numerator:
        Share.objects.create(
            code=share.code,
            numerator=share.numerator - k,
            valid_from=on,
            transferred_from=share,
            person=share.person,
            organisation=share.organisation,
        )
    return created


# Dues -------------------------------------------------------------------------------------------


def paid_for(code: Code, month: int) -> int:
    return DuePayment.objects.filter(code=code, month=month).aggregate(t=Sum("amount"))["t"] or 0


def record_due(
    scope: Scope,
    code: Code,
    month: int,
    amount: int,
    paid_on: dt.date,
    *,
    memo: str = "",
    idempotency_key: str | None = None,
) -> DuePayment:
    """Record a payment towards one code's due of one month (never more than is owed)."""
    fund = code.fund
    scope.require_write(fund)
    bounds.check_amount(amount, field="amount")
    bounds.check_posting_date(paid_on, field="paid_on")
    key = (idempotency_key or "")[:255]

    def work():
        _check_month(fund, month)
        Code.objects.select_for_update().filter(pk=code.pk).first()  # one payer at a time
        owed = fund.due - paid_for(code, month)
        if amount > owed:
            raise Refused(
                "overpaid",
                _("Code %(code)s owes %(owed)s for this month; the payment is larger.")
                % {"code": code.number, "owed": owed},
                owed=owed,
            )
        return DuePayment.objects.create(
            fund=fund,
            code=code,
            month=month,
            amount=amount,
            paid_on=paid_on,
            memo=memo,
            idempotency_key=key,
            recorded_by=_user(),
        )

    return once(DuePayment, key, work, fund=fund)


def reverse_due(
    scope: Scope,
    payment: DuePayment,
    on: dt.date,
    memo: str = "",
    *,
    idempotency_key: str | None = None,
) -> DuePayment:
    """Cancel a wrong payment with a negative row naming it and saying why (once; a retry
    with the same key gets the same reversal)."""
    scope.require_write(payment)
    bounds.check_posting_date(on, field="on")
    key = (idempotency_key or "")[:255]

    def work():
        locked = DuePayment.objects.select_for_update().get(pk=payment.pk)  # as recorded
        if locked.reverses_id or DuePayment.objects.filter(reverses=locked).exists():
            raise Refused("reversed", _("This payment is already reversed or is a reversal."))
        if not memo.strip():
            raise Refused("reason", _("Give the reason for the reversal."))
        if on < locked.paid_on:
            raise Refused("period", _("A reversal cannot be dated before the payment."))
        return DuePayment.objects.create(
            fund=locked.fund,
            code=locked.code,
            month=locked.month,
            amount=-locked.amount,
            paid_on=on,
            memo=memo.strip(),
            reverses=locked,
            idempotency_key=key,
            recorded_by=_user(),
        )

    return once(DuePayment, key, work, fund=payment.fund)


# Draws ------------------------------------------------------------------------------------------


def _choose(
    fund: RotatingFund,
    mode: str,
    seed: str,
    exclusions: dict[int, str],
    code_number: int | None,
    reason: str,
) -> tuple[int, list[str], list[dict], str]:
    """The winner, the candidates, the exclusions and the seed of a draw — or Refused."""
    remaining = selectors.not_won(fund)
    if mode == DrawMode.MANUAL:
        if code_number not in remaining:
            raise Refused("code", _("Choose a code that has not won yet."))
        if not reason.strip():
            raise Refused("reason", _("A manual draw needs a reason."))
        return code_number, [str(n) for n in remaining], [], ""
    if mode == DrawMode.AUTOMATIC and exclusions:
        raise Refused("exclusions", _("An automatic draw excludes no code."))
    for number, why in exclusions.items():
        if number not in remaining:
            raise Refused(
                "exclusions",
                _("Code %(code)s cannot be excluded: it has already won or does not exist.")
                % {"code": number},
            )
        if not why.strip():
            raise Refused(
                "reason", _("Give the reason for excluding code %(code)s.") % {"code": number}
            )
    eligible = [str(n) for n in remaining if n not in exclusions]
    if not eligible:
        raise Refused("no_candidates", _("Every code left is excluded: nobody can win."))
    problem = seed_problem(seed, MAX_SEED)
    if problem:
        raise Refused("seed", problem)
    seed = seed.strip() or new_seed()
    winner = int(draw_order(seed, eligible)[0])
    excluded = [{"code": n, "reason": exclusions[n].strip()} for n in sorted(exclusions)]
    return winner, eligible, excluded, seed


def run_draw(
    scope: Scope,
    fund: RotatingFund,
    *,
    mode: str,
    today: dt.date,
    seed: str = "",
    exclusions: dict[int, str] | None = None,
    code_number: int | None = None,
    reason: str = "",
    idempotency_key: str | None = None,
) -> DrawRecord:
    """Draw the next month's winner and split its pot among the code's holders that day.

    Automatic: ``draw_order(seed, codes that have not won)[0]``; semi-automatic: the same
    after the leader's exclusions (each with a reason); manual: the leader names the code.
    The draw cannot happen before the month's draw day.
    """
    scope.require_write(fund)
    key = (idempotency_key or "")[:255]
    if mode not in DrawMode.values:
        raise Refused("mode", _("Choose how the winner is drawn."))

    def work():
        locked = RotatingFund.objects.select_for_update().get(pk=fund.pk)  # one draw at a time
        month = selectors.next_month(locked)
        if month is None:
            raise Refused("finished", _("Every code has won: the fund has finished."))
        drawn_on = rules.month_date(locked, month)
        if drawn_on > today:
            raise Refused("too_early", _("This month's draw is not due yet."), on=str(drawn_on))
        winner, candidates, excluded, used_seed = _choose(
            locked, mode, seed, exclusions or {}, code_number, reason
        )
        code = locked.codes.get(number=winner)
        shares = list(selectors.holders_on(code, drawn_on))
        try:
            parts = rules.split_pot(
                locked.pot, [s.numerator for s in shares], locked.share_denominator
            )
        except ValueError:
            raise Refused(
                "fractions",
                _("The shares of code %(code)s do not add up to one whole code.")
                % {"code": winner},
            ) from None
        draw = DrawRecord.objects.create(
            fund=locked,
            month=month,
            code=code,
            drawn_on=drawn_on,
            mode=mode,
            seed=used_seed,
            candidates=candidates,
            excluded=excluded,
            reason=reason.strip(),
            pot=locked.pot,
            idempotency_key=key,
            drawn_by=_user(),
        )
        Payout.objects.bulk_create(
            [
                Payout(draw=draw, share=s, numerator=s.numerator, amount=a)
                for s, a in zip(shares, parts, strict=True)
            ]
        )
        return draw

    return once(DrawRecord, key, work, fund=fund)


def rerun(draw: DrawRecord) -> int | None:
    """The winner that ``draw_order(seed, candidates)`` gives; None for a manual draw."""
    if not draw.seed:
        return None
    return int(draw_order(draw.seed, draw.candidates)[0])
