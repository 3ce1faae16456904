"""Rotating lottery funds in the rule simulator (``edupact fund simulate``).

A scenario's ``rotating`` object forms a lottery fund of the scenario's kanoon with its
codes held by the scenario's members; the events ``pay_dues``, ``draw`` and
``transfer_share`` go through ``rotating.services`` on the simulator's throwaway database,
and the report gives, per code, what was paid, the arrears on the report day (split among
the holders as a payout is), the month and day it won and how its pot was split — read
with the same selectors as the fund's page. ``funds.simulator`` calls ``create``, ``apply``
and ``report``; the ``rotating`` object and these events are checked with the rest of the
scenario by the models of ``funds.scenario``. The format is documented in
``docs/fund-scenarios.md``.
"""

import datetime as dt

from django.utils.translation import gettext as _

from edupact.core.errors import Refused
from edupact.core.scoping import Scope

from . import selectors, services
from .models import MAX_CODES, DrawMode, RotatingFund

EVERYTHING = Scope(everything=True)
EVENT_TYPES = ("pay_dues", "draw", "transfer_share")
# The bounds the scenario's ``rotating`` object and events are checked against
# (``funds.scenario``): this module is the simulator's one point of contact with rotating.
MAX_SEED = services.MAX_SEED
__all__ = ["EVENT_TYPES", "MAX_CODES", "MAX_SEED", "DrawMode", "apply", "create", "report"]


# Running ----------------------------------------------------------------------------------------


def create(organisation, spec: dict, owners: dict) -> RotatingFund:
    """Form the fund of ``organisation`` and give every code its holders (``owners``: member
    id → person or organisation)."""
    year, month = spec["start"]
    fund = services.create_fund(
        EVERYTHING,
        RotatingFund(
            name=spec["name"],
            organisation=organisation,
            currency=organisation.currency,  # the scenario's (one for the whole scenario)
            calendar=organisation.calendar,
            due=spec["due"],
            start_year=year,
            start_month=month,
            codes_count=spec["codes"],
            share_denominator=spec["share_denominator"],
            draw_day=spec["draw_day"],
        ),
    )
    codes = {c.number: c for c in fund.codes.all()}
    for number, holders in sorted(spec["holders"].items()):
        services.assign_code(
            EVERYTHING, codes[number], [(owners[m], parts) for m, parts in holders]
        )
    return fund


def apply(fund: RotatingFund, event: dict, owners: dict) -> None:
    on, kind = event["on"], event["type"]
    if kind == "pay_dues":
        for number in event["codes"]:
            code = fund.codes.get(number=number)
            services.record_due(EVERYTHING, code, event["month"], event["amount"], on)
    elif kind == "draw":
        services.run_draw(
            EVERYTHING,
            fund,
            mode=event["mode"],
            today=on,
            seed=event["seed"],
            exclusions=event["exclude"],
            code_number=event["code"] if event["mode"] == DrawMode.MANUAL else None,
            reason=event["reason"],
        )
    elif kind == "transfer_share":
        code = fund.codes.get(number=event["code"])
        giver = owners[event["from"]]
        share = next(
            (s for s in selectors.holders_on(code, on) if s.holder == giver and s.valid_from < on),
            None,
        )
        if share is None:
            raise Refused(
                "no_share",
                _("This member holds no share of this code before that date."),
            )
        taker = owners[event["to"]]
        holder = {"organisation" if taker._meta.model_name == "organisation" else "person": taker}
        services.transfer_share(EVERYTHING, share, on, numerator=event["parts"], **holder)


# Reporting --------------------------------------------------------------------------------------


def report(fund: RotatingFund, report_on: dt.date, member_of) -> dict:
    """Per code: holders on the report day with their part of the arrears, what was paid,
    the arrears and their months, the month and day it won and the payout per holder; and
    the draws in order, with what re-runs them."""
    fund = RotatingFund.objects.get(pk=fund.pk)
    month_list = selectors.months(fund, report_on, "en")
    rows = selectors.grid(fund, selectors.codes(EVERYTHING, fund, report_on), month_list)
    owed = {(a.share.pk): a.amount for a in selectors.arrears(fund, rows, report_on)}
    paid: dict[int, int] = {}
    for (code_id, _month), amount in selectors.paid(fund).items():
        paid[code_id] = paid.get(code_id, 0) + amount
    draws = list(selectors.draws(EVERYTHING, fund))
    won = {d.code_id: d for d in draws}
    codes = {}
    for row in rows:
        code = row.code
        draw = won.get(code.pk)
        codes[str(code.number)] = {
            "holders": [
                {"member": member_of(s.holder), "parts": s.numerator, "arrears": owed.get(s.pk, 0)}
                for s in code.holders
            ],
            "paid": paid.get(code.pk, 0),
            "arrears": row.owed,
            "arrears_months": [
                m.n
                for m, (amount, _state) in zip(month_list, row.cells, strict=True)
                if m.past and amount < fund.due
            ],
            "won_month": draw.month if draw else None,
            "won_on": draw.drawn_on.isoformat() if draw else None,
            "payout": _payouts(draw, member_of) if draw else [],
        }
    summary = selectors.fund_summary(fund)
    return {
        "pot": fund.pot,
        "collected": summary["collected"],
        "paid_out": summary["paid_out"],
        "next_month": selectors.next_month(fund),
        "codes": codes,
        "draws": [
            {
                "month": d.month,
                "on": d.drawn_on.isoformat(),
                "mode": d.mode,
                "code": d.code.number,
                "seed": d.seed,
                "candidates": [int(c) for c in d.candidates],
                "excluded": d.excluded,
                "payout": _payouts(d, member_of),
            }
            for d in draws
        ],
    }


def _payouts(draw, member_of) -> list[dict]:
    return [
        {"member": member_of(p.share.holder), "parts": p.numerator, "amount": p.amount}
        for p in sorted(draw.payouts.all(), key=lambda p: p.pk)
    ]
