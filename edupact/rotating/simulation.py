"""Rotating lottery funds in the rule simulator (``edupact fund simulate``).

A scenario's ``rotating`` object forms a lottery fund of the scenario's kanoon with its
codes held by the scenario's members; the events ``pay_dues``, ``draw`` and
``transfer_share`` go through ``rotating.services`` on the simulator's throwaway database,
and the report gives, per code, what was paid, the arrears on the report day (split among
the holders as a payout is), the month and day it won and how its pot was split — read
with the same selectors as the fund's page. ``funds.simulator`` calls ``load``,
``load_event``, ``create``, ``apply`` and ``report``; the format is documented in
``docs/fund-scenarios.md``.
"""

import datetime as dt
import re

from django.utils.translation import gettext as _

from edupact.core import bounds
from edupact.core.errors import Refused
from edupact.core.scoping import Scope
from edupact.core.text import ascii_digits

from . import selectors, services
from .models import MAX_CODES, DrawMode, RotatingFund

EVERYTHING = Scope(everything=True)
EVENT_TYPES = ("pay_dues", "draw", "transfer_share")
MAX_SEED = services.MAX_SEED
_MONTH = re.compile(r"^\s*(\d{4})[/-](\d{1,2})\s*$")


# Checking ---------------------------------------------------------------------------------------


def load(check, given, member_ids: set[str]) -> dict | None:
    """The ``rotating`` object checked (problems go to ``check``); None when absent."""
    if given is None:
        return None
    where = "rotating"
    if not isinstance(given, dict):
        check.fail(where, _("expected an object"))
        return None
    spec = {
        "name": str(given.get("name") or _("Simulated lottery fund"))[:255],
        "due": check.amount(f"{where}.due", given.get("due"), default=1),
        "codes": check.integer(f"{where}.codes", given.get("codes"), minimum=2, default=2),
        "draw_day": check.integer(
            f"{where}.draw_day", given.get("draw_day"), required=False, default=1
        ),
        "share_denominator": check.integer(
            f"{where}.share_denominator",
            given.get("share_denominator"),
            maximum=bounds.MAX_SMALL_COUNT,
            required=False,
            default=12,
        ),
        "start": _start(check, f"{where}.start", given.get("start")),
    }
    if spec["codes"] > MAX_CODES:
        check.fail(f"{where}.codes", _("at most %(n)s codes") % {"n": MAX_CODES})
    if spec["draw_day"] > 31:
        check.fail(f"{where}.draw_day", _("expected a day of the month, 1 to 31"))
    spec["holders"] = _holders(check, given.get("holders"), spec, member_ids)
    return spec


def _start(check, where: str, value) -> tuple[int, int]:
    text = ascii_digits(value) if isinstance(value, str) else ""
    found = _MONTH.match(text)
    if not found or not 1 <= int(found.group(2)) <= 12:
        check.fail(
            where,
            _("expected the first month as YYYY/MM in the fund's calendar, got %(value)s")
            % {"value": "nothing" if value is None else repr(value)},
        )
        return (1, 1)
    return int(found.group(1)), int(found.group(2))


def _holders(check, items, spec: dict, member_ids: set[str]) -> dict[int, list[tuple[str, int]]]:
    """{code: [(member, parts)]}: every code held, its parts adding up to one whole code."""
    where = "rotating.holders"
    if not isinstance(items, list):
        check.fail(where, _("expected a list of {code, member, parts}"))
        return {}
    holders: dict[int, list[tuple[str, int]]] = {}
    for i, item in enumerate(items):
        at = f"{where}[{i}]"
        if not isinstance(item, dict):
            check.fail(at, _("expected an object"))
            continue
        code = check.integer(f"{at} code", item.get("code"))
        if code is not None and code > spec["codes"]:
            check.fail(at, _("there is no code %(code)s") % {"code": code})
            continue
        member = item.get("member")
        if member not in member_ids:
            check.fail(at, _("unknown member %(member)s") % {"member": repr(member)})
            continue
        parts = check.integer(
            f"{at} parts", item.get("parts"), required=False, default=spec["share_denominator"]
        )
        if code is None or parts is None:
            continue
        if any(m == member for m, _p in holders.get(code, [])):
            check.fail(
                at, _("%(member)s holds code %(code)s twice") % {"member": member, "code": code}
            )
        holders.setdefault(code, []).append((member, parts))
    for code in range(1, spec["codes"] + 1):
        total = sum(p for _m, p in holders.get(code, []))
        if code not in holders:
            check.fail(where, _("code %(code)s has no holder") % {"code": code})
        elif total != spec["share_denominator"]:
            check.fail(
                where,
                _("the parts of code %(code)s add up to %(total)s, not %(whole)s")
                % {"code": code, "total": total, "whole": spec["share_denominator"]},
            )
    return holders


def load_event(check, where: str, item: dict, event: dict, spec: dict | None, member) -> None:
    """Check one rotating event into ``event``; ``member(key)`` checks a member id."""
    kind = event["type"]
    if spec is None:
        check.fail(where, _("this event needs a lottery fund: give the scenario a rotating object"))
        return
    codes = spec["codes"]

    def code_number(key, value=None, required=True):
        value = item.get(key) if value is None else value
        number = check.integer(f"{where} {key}", value, required=required)
        if number is not None and number > codes:
            check.fail(f"{where} {key}", _("there is no code %(code)s") % {"code": number})
        return number

    if kind == "pay_dues":
        given = item.get("code")
        numbers = given if isinstance(given, list) and given else [given]
        event["codes"] = [code_number("code", value=n) for n in numbers]
        if len(set(event["codes"])) != len(event["codes"]):
            check.fail(f"{where} code", _("a code is listed twice"))
        month = check.integer(f"{where} month", item.get("month"))
        if month is not None and month > codes:
            check.fail(f"{where} month", _("the month must be between 1 and %(n)s") % {"n": codes})
        event["month"] = month
        event["amount"] = check.amount(
            f"{where} amount", item.get("amount"), required=False, default=spec["due"]
        )
    elif kind == "draw":
        event["code"] = code_number("code", required=False)
        event["reason"] = str(item.get("reason") or "")[:255]
        seed = item.get("seed")
        exclude = item.get("exclude") or {}
        if event["code"] is not None:
            event["mode"] = DrawMode.MANUAL
            if not event["reason"].strip():
                check.fail(where, _("a manual draw needs a reason"))
            if seed is not None or exclude:
                check.fail(where, _("a manual draw takes no seed and excludes no code"))
        else:
            event["mode"] = DrawMode.SEMI_AUTOMATIC if exclude else DrawMode.AUTOMATIC
            if not isinstance(seed, str) or not seed.strip() or len(seed) > MAX_SEED:
                check.fail(
                    f"{where} seed",
                    _(
                        "give the draw's seed, a text of 1 to %(n)s characters: anyone "
                        "can then re-run the draw"
                    )
                    % {"n": MAX_SEED},
                )
        event["seed"] = seed if isinstance(seed, str) else ""
        event["exclude"] = {}
        if not isinstance(exclude, dict):
            check.fail(f"{where} exclude", _("expected an object {code: reason}"))
            exclude = {}
        for key, why in exclude.items():
            number = code_number("exclude", value=_int(key))
            if not isinstance(why, str) or not why.strip():
                check.fail(
                    f"{where} exclude",
                    _("give the reason for excluding code %(code)s") % {"code": key},
                )
            if number is not None:
                event["exclude"][number] = str(why or "")
    elif kind == "transfer_share":
        event["code"] = code_number("code")
        member("from")
        member("to")
        if item.get("from") == item.get("to"):
            check.fail(where, _("a share is transferred to someone else"))
        event["parts"] = check.integer(f"{where} parts", item.get("parts"), required=False)


def _int(value):
    try:
        return int(ascii_digits(str(value)))
    except ValueError:
        return value


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
