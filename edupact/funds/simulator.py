"""The rule simulator: run a scenario (JSON) through the fund services and report.

``load`` checks the whole scenario first — dates, members, identifiers, products, events —
and raises ``ScenarioError`` listing every problem, naming the member or the event, before
anything is computed. ``run`` then creates a kanoon, its members and its fund, applies the
events in order through the same services the web UI and the API use, and builds the report.

``run`` works inside a transaction that is always rolled back, so it leaves nothing
behind on whatever database it is given; the ``fund simulate`` command gives it a fresh
in-memory SQLite database of its own (see ``throwaway_database``), so a simulation never
touches, locks or waits for the real one. The format is documented in
``docs/fund-scenarios.md``.
"""

import datetime as dt
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.test.utils import override_settings
from django.utils.translation import gettext as _

from edupact.core import bounds, identifiers
from edupact.core.calendars import InvalidDate, parse_date
from edupact.core.errors import Refused
from edupact.core.scoping import Scope
from edupact.core.text import ascii_digits
from edupact.rotating import simulation as rotating_sim

from . import allocation, guarantees, selectors, services, settlement
from .models import (
    AccountKind,
    AllocationRound,
    FeeStrategy,
    Fund,
    Loan,
    LoanProduct,
    NeedCategory,
    PointsUse,
    TransferKind,
)

EVERYTHING = Scope(everything=True)
EVENT_TYPES = (
    "deposit",
    "withdraw",
    "gift_points",
    "loan_request",
    "allocate",
    "vote",
    "disburse",
    "repay",
    "guarantee",
    "confirm_guarantee",
    "settle",
    "reschedule",
    *rotating_sim.EVENT_TYPES,
)
_DATE = re.compile(r"^\s*(\d{4})[/-](\d{1,2})[/-](\d{1,2})\s*$")
COUNTRY = {"IRR": "IR", "VND": "VN"}
PHONE_REGION = {"IRR": "IR", "VND": "VN"}


class ScenarioError(ValueError):
    """The scenario is not valid; ``errors`` lists every problem found."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class Scenario:
    fund: dict
    products: list[dict]
    policy: str
    parameters: dict
    committee: list[str]
    members: list[dict]
    events: list[dict]
    report_on: dt.date
    raw: dict = field(repr=False, default_factory=dict)
    rotating: dict | None = None  # the lottery fund (``rotating.simulation``), if any
    kanoon: bool = True  # the scenario has a kanoon fund ("fund", or no "rotating")


# Checking ---------------------------------------------------------------------------------------


class _Checker:
    def __init__(self):
        self.errors: list[str] = []

    def fail(self, where: str, message: str) -> None:
        self.errors.append(f"{where}: {message}")

    def integer(
        self, where, value, *, minimum=1, maximum=bounds.MAX_COUNT, required=True, default=None
    ):
        """A whole number within the domain bounds (``core.bounds``): amounts up to
        ``MAX_AMOUNT``, terms up to ``MAX_MONTHS``… as the services will check them."""
        if value is None and not required:
            return default
        if not isinstance(value, int) or isinstance(value, bool) or not minimum <= value <= maximum:
            self.fail(
                where,
                _("expected a whole number from %(min)s to %(max)s, got %(value)s")
                % {"min": minimum, "max": maximum, "value": _show(value)},
            )
            return default
        return value

    def amount(self, where, value, **options):
        return self.integer(where, value, maximum=bounds.MAX_AMOUNT, **options)

    def months(self, where, value, **options):
        return self.integer(where, value, maximum=bounds.MAX_MONTHS, **options)

    def days(self, where, value, **options):
        return self.integer(where, value, maximum=bounds.MAX_DAYS, **options)

    def date(self, where, value, calendar):
        """A date as the scenario's calendar writes it, from 2000 (the money-days epoch) to
        2099: a simulation posts on any day of that century (``bounds.postings_until``)."""
        text = ascii_digits(str(value)) if isinstance(value, str) else None
        if text is None or not _DATE.match(text):
            self.fail(
                where,
                _("expected a date as YYYY/MM/DD or YYYY-MM-DD, got %(value)s")
                % {"value": _show(value)},
            )
            return None
        try:
            return bounds.check_date(
                parse_date(text, calendar), earliest=bounds.MONEY_DATE_MIN, latest=bounds.DATE_MAX
            )
        except InvalidDate as exc:
            self.fail(where, f"{exc.args[0]} ({value})")
        except ValidationError as exc:
            self.fail(where, f"{exc.messages[0]} ({value})")
        return None

    def choice(self, where, value, options, default=None):
        if value is None and default is not None:
            return default
        if value not in options:
            self.fail(
                where,
                _("expected one of %(options)s, got %(value)s")
                % {"options": ", ".join(options), "value": _show(value)},
            )
            return default
        return value


def _show(value) -> str:
    return "nothing" if value is None else repr(value)


def _rate(check: _Checker, where: str, fee: dict) -> Decimal:
    value = fee.get("annual_rate_percent", fee.get("rate_percent", 0))
    try:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise InvalidOperation
        rate = Decimal(str(value))
    except InvalidOperation:
        check.fail(where, _("the fee rate must be a number of percent"))
        return Decimal(0)
    if not Decimal(0) <= rate <= Decimal(100):
        check.fail(where, _("the fee rate must be between 0 and 100 percent"))
    return rate


def load(data: Any) -> Scenario:
    """Check a scenario and return it parsed, or raise ScenarioError with every problem."""
    check = _Checker()
    if not isinstance(data, dict):
        raise ScenarioError([_("scenario: expected a JSON object")])
    fund_in = data.get("fund") or {}
    if not isinstance(fund_in, dict):
        raise ScenarioError([_("fund: expected an object")])
    kanoon = "fund" in data or "rotating" not in data
    # One currency and calendar per scenario: the fund's, or a lottery fund's of its own.
    source, prefix = fund_in, "fund"
    if not kanoon and isinstance(data.get("rotating"), dict):
        source, prefix = data["rotating"], "rotating"
    currency = check.choice(f"{prefix}.currency", source.get("currency"), ["IRR", "VND"], "IRR")
    default_calendar = "jalali" if currency == "IRR" else "gregorian"
    calendar = check.choice(
        f"{prefix}.calendar", source.get("calendar"), ["jalali", "gregorian"], default_calendar
    )
    if kanoon and isinstance(data.get("rotating"), dict):
        for key, value in (("currency", currency), ("calendar", calendar)):
            if data["rotating"].get(key) not in (None, value):
                check.fail(f"rotating.{key}", _("must be the fund's, %(value)s") % {"value": value})
    pts = fund_in.get("points") or {}
    fund = {
        "name": str(fund_in.get("name") or _("Simulated fund"))[:255],
        "currency": currency,
        "calendar": calendar,
        "days_per_unit": check.days(
            "fund.points.days_per_unit", pts.get("days_per_unit"), required=False, default=180
        ),
        "loan_factor": check.days(
            "fund.points.loan_factor", pts.get("loan_factor"), required=False, default=10
        ),
        "min_history_days": check.days(
            "fund.points.min_history_days",
            pts.get("min_history_days"),
            minimum=0,
            required=False,
            default=90,
        ),
        "default_after_days": check.days(
            "fund.default_after_days",
            fund_in.get("default_after_days"),
            minimum=0,
            required=False,
            default=90,
        ),
    }
    products = _load_products(check, fund_in.get("products"), calendar)
    allocation_in = fund_in.get("allocation") or {}
    policy = check.choice(
        "fund.allocation.policy", allocation_in.get("policy"), list(allocation.POLICIES), "fifo"
    )
    members = _load_members(check, data.get("members"), currency)
    parameters, committee = _load_allocation(check, allocation_in, policy, members)
    rotating = rotating_sim.load(check, data.get("rotating"), {m["id"] for m in members})
    events = _load_events(
        check,
        data.get("events"),
        calendar,
        {m["id"] for m in members},
        {p["code"] for p in products},
        committee,
        rotating,
    )
    report_on = None
    if data.get("report_on") is None:
        report_on = max((e["on"] for e in events if e.get("on")), default=None)
        if report_on is None:
            check.fail("report_on", _("give the date of the report"))
    else:
        report_on = check.date("report_on", data.get("report_on"), calendar)
    last = max((e["on"] for e in events if e.get("on")), default=None)
    if report_on and last and report_on < last:
        check.fail("report_on", _("the report date comes before the last event"))
    if check.errors:
        raise ScenarioError(check.errors)
    return Scenario(
        fund,
        products,
        policy,
        parameters,
        committee,
        members,
        events,
        report_on,
        raw=data,
        rotating=rotating,
        kanoon=kanoon,
    )


def _load_allocation(check: _Checker, given: dict, policy: str, members: list[dict]):
    """The policy's parameters (``weights``, ``quorum``, ``seed``, ``only_backed``) and the
    committee (member ids, the first one leading)."""
    where = "fund.allocation"
    if not isinstance(given, dict):
        check.fail(where, _("expected an object"))
        return {}, []
    raw = {k: v for k, v in given.items() if k not in ("policy", "committee")}
    unknown = set(raw) - set(allocation.KEYS.get(policy, ()))
    if unknown:
        check.fail(
            where,
            _("%(keys)s: not a parameter of the %(policy)s policy")
            % {"keys": ", ".join(sorted(unknown)), "policy": policy},
        )
    parameters = {}
    if policy in allocation.POLICIES:
        try:
            parameters = allocation.clean_parameters(
                policy, {k: v for k, v in raw.items() if k not in unknown}
            )
        except ValidationError as exc:
            for message in exc.messages:
                check.fail(where, message)
    committee = given.get("committee", [])
    ids = {m["id"] for m in members}
    if not isinstance(committee, list) or any(c not in ids for c in committee):
        check.fail(f"{where}.committee", _("expected a list of member ids"))
        committee = []
    elif any(m["kind"] != "person" for m in members if m["id"] in committee):
        check.fail(f"{where}.committee", _("only persons sit on the committee"))
    committee = list(dict.fromkeys(committee))
    if policy == "committee" and parameters.get("quorum", 0) > len(committee):
        check.fail(
            f"{where}.quorum",
            _("the quorum is more than the committee's %(size)s members")
            % {"size": len(committee)},
        )
    return parameters, committee


def _load_products(check: _Checker, items, calendar) -> list[dict]:
    if items is None:
        items = []
    if not isinstance(items, list):
        check.fail("fund.products", _("expected a list"))
        return []
    products, codes = [], set()
    for i, item in enumerate(items):
        where = f"fund.products[{i}]"
        if not isinstance(item, dict):
            check.fail(where, _("expected an object"))
            continue
        code = item.get("code")
        if not isinstance(code, str) or not code:
            check.fail(where, _("give the product a code"))
            continue
        where = f'product "{code}"'
        if code in codes:
            check.fail(where, _("this code is used twice"))
        codes.add(code)
        fee = item.get("fee") or {"strategy": "zero"}
        if not isinstance(fee, dict):
            check.fail(where, _("fee: expected an object"))
            fee = {"strategy": "zero"}
        strategy = check.choice(
            f"{where} fee.strategy", fee.get("strategy"), [s.value for s in FeeStrategy], "zero"
        )
        if fee.get("strategy") is None:
            check.fail(f"{where} fee.strategy", _("give the fee strategy"))
        product = {
            "code": code,
            "name": str(item.get("name") or code)[:255],
            "max_amount": check.amount(f"{where} max_amount", item.get("max_amount"), default=1),
            "min_amount": check.amount(
                f"{where} min_amount", item.get("min_amount"), required=False, default=1
            ),
            "min_months": check.months(
                f"{where} min_months", item.get("min_months"), required=False, default=1
            ),
            "max_months": check.months(
                f"{where} max_months", item.get("max_months"), required=False, default=60
            ),
            "fee_strategy": strategy,
            "fee_rate_percent": _rate(check, f"{where} fee", fee),
            "cooling_off_days": check.days(
                f"{where} cooling_off_days",
                item.get("cooling_off_days"),
                minimum=0,
                required=False,
                default=0,
            ),
            "blackout_months": item.get("blackout_months") or [],
            "guarantors_required": check.integer(
                f"{where} guarantors_required",
                item.get("guarantors_required"),
                minimum=0,
                maximum=bounds.MAX_SMALL_COUNT,
                required=False,
                default=0,
            ),
            "open_requests": check.integer(
                f"{where} open_requests",
                item.get("open_requests"),
                maximum=bounds.MAX_SMALL_COUNT,
                required=False,
                default=1,
            ),
            "valid_from": None,
            "valid_to": None,
        }
        blackout = product["blackout_months"]
        if not isinstance(blackout, list) or any(
            not isinstance(m, int) or isinstance(m, bool) or not 1 <= m <= 12 for m in blackout
        ):
            check.fail(f"{where} blackout_months", _("expected a list of months 1 to 12"))
            product["blackout_months"] = []
        for key in ("valid_from", "valid_to"):
            if item.get(key) is not None:
                product[key] = check.date(f"{where} {key}", item[key], calendar)
        if product["max_months"] < product["min_months"]:
            check.fail(where, _("max_months is below min_months"))
        if product["max_amount"] < product["min_amount"]:
            check.fail(where, _("max_amount is below min_amount"))
        if strategy == FeeStrategy.ZERO and product["fee_rate_percent"]:
            check.fail(f"{where} fee", _("the zero strategy takes no rate"))
        products.append(product)
    return products


def _load_members(check: _Checker, items, currency) -> list[dict]:
    if not isinstance(items, list):
        check.fail("members", _("expected a list"))
        return []
    members, ids, codes = [], set(), {}
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
            check.fail(f"members[{i}]", _("expected an object with an id"))
            continue
        mid = item["id"]
        where = f'member "{mid}"'
        if mid in ids:
            check.fail(where, _("this id is used twice"))
        ids.add(mid)
        kind = check.choice(f"{where} kind", item.get("kind"), ["person", "organisation"], "person")
        member = {
            "id": mid,
            "kind": kind,
            "name": str(item.get("name") or mid)[:100],
            "national_id": "",
            "mobile": "",
        }
        raw_code = item.get("national_id")
        if raw_code not in (None, ""):
            try:
                member["national_id"] = _identifier(str(raw_code), kind, currency)
            except ValidationError as exc:
                check.fail(where, f"{' '.join(exc.messages)} ({raw_code})")
            else:
                if member["national_id"] in codes:
                    check.fail(
                        where,
                        _("same national identifier as member %(other)s")
                        % {"other": codes[member["national_id"]]},
                    )
                codes.setdefault(member["national_id"], mid)
        if item.get("mobile") not in (None, ""):
            try:
                member["mobile"] = identifiers.phone_e164(
                    str(item["mobile"]), PHONE_REGION[currency]
                )
            except ValidationError as exc:
                check.fail(where, f"{' '.join(exc.messages)} ({item['mobile']})")
        members.append(member)
    return members


def _identifier(value: str, kind: str, currency: str) -> str:
    if currency == "IRR":
        if kind == "person":
            return identifiers.iran_national_code(value)
        return identifiers.iran_legal_id(value)
    if kind == "person":
        return identifiers.vietnam_cccd(value)
    return ascii_digits(value).strip()


def _load_events(
    check: _Checker, items, calendar, member_ids, product_codes, committee, rotating=None
) -> list[dict]:
    if not isinstance(items, list):
        check.fail("events", _("expected a list"))
        return []
    events, loans, previous = [], set(), None
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            check.fail(f"event {i}", _("expected an object"))
            continue
        kind = item.get("type")
        where = f"event {i} ({kind})"
        if kind not in EVENT_TYPES:
            check.fail(
                f"event {i}",
                _("unknown type %(type)s; known: %(known)s")
                % {"type": _show(kind), "known": ", ".join(EVENT_TYPES)},
            )
            continue
        on = check.date(where, item.get("on"), calendar)
        if on and previous and on < previous:
            check.fail(where, _("events must be in date order; this one comes before the previous"))
        previous = on or previous
        event = {"index": i, "type": kind, "on": on}

        def member(key, event=event, item=item, where=where):
            value = item.get(key)
            if value not in member_ids:
                check.fail(where, _("unknown member %(member)s") % {"member": _show(value)})
            event[key] = value

        def loan_ref(key, event=event, item=item, where=where):
            value = item.get(key)
            if value not in loans:
                check.fail(
                    where,
                    _("unknown loan %(loan)s (no earlier loan_request has this id)")
                    % {"loan": _show(value)},
                )
            event[key] = value

        if kind in ("deposit", "withdraw"):
            member("member")
            event["amount"] = check.amount(f"{where} amount", item.get("amount"))
        elif kind == "gift_points":
            member("from")
            member("to")
            if item.get("from") == item.get("to"):
                check.fail(where, _("a member cannot give points to themselves"))
            event["points"] = check.integer(
                f"{where} points", item.get("points"), maximum=bounds.MAX_POINTS
            )
            event["use"] = check.choice(
                f"{where} use", item.get("use"), [u.value for u in PointsUse], PointsUse.ANY_LOAN
            )
            event["kind"] = check.choice(
                f"{where} kind",
                item.get("kind"),
                [TransferKind.GIFT, TransferKind.PLEDGE],
                TransferKind.GIFT,
            )
        elif kind == "loan_request":
            loan_id = item.get("id")
            if not isinstance(loan_id, str) or not loan_id:
                check.fail(where, _("give the loan an id"))
            elif loan_id in loans:
                check.fail(where, _("loan id %(loan)s is used twice") % {"loan": loan_id})
            loans.add(loan_id)
            event["id"] = loan_id
            member("member")
            if item.get("product") not in product_codes:
                check.fail(
                    where,
                    _("unknown product %(product)s") % {"product": _show(item.get("product"))},
                )
            event["product"] = item.get("product")
            event["amount"] = check.amount(f"{where} amount", item.get("amount"))
            event["months"] = check.months(f"{where} months", item.get("months"))
            event["purpose"] = str(item.get("purpose") or "")[:255]
            event["need"] = check.choice(
                f"{where} need", item.get("need"), list(NeedCategory.values), NeedCategory.OTHER
            )
        elif kind == "allocate":
            event["policy"] = (
                None
                if item.get("policy") is None
                else check.choice(f"{where} policy", item.get("policy"), list(allocation.POLICIES))
            )
            event["budget"] = check.amount(
                f"{where} budget", item.get("budget"), minimum=0, required=False
            )
            seed = item.get("seed")
            if seed is not None and (not isinstance(seed, str) or not seed or len(seed) > 200):
                check.fail(f"{where} seed", _("expected a text of 1 to 200 characters"))
            event["seed"] = seed
        elif kind == "vote":
            loan_ref("loan")
            member("member")
            if item.get("member") in member_ids and item.get("member") not in committee:
                check.fail(
                    where,
                    _("%(member)s is not on the committee") % {"member": _show(item.get("member"))},
                )
            if not isinstance(item.get("approve"), bool):
                check.fail(f"{where} approve", _("expected true or false"))
            event["approve"] = item.get("approve") is True
        elif kind == "disburse":
            loan_ref("loan")
        elif kind == "repay":
            loan_ref("loan")
            event["amount"] = check.amount(f"{where} amount", item.get("amount"))
        elif kind in ("guarantee", "confirm_guarantee"):
            loan_ref("loan")
            member("member")
            if kind == "guarantee":
                event["amount"] = check.amount(f"{where} amount", item.get("amount"))
        elif kind == "settle":
            loan_ref("loan")
        elif kind == "reschedule":
            loan_ref("loan")
            event["months"] = check.months(f"{where} months", item.get("months"))
            event["reason"] = str(item.get("reason") or _("rescheduled"))[:255]
        elif kind in rotating_sim.EVENT_TYPES:
            rotating_sim.load_event(check, where, item, event, rotating, member)
        events.append(event)
    return events


# Running ----------------------------------------------------------------------------------------


def run(scenario: Scenario, inspect=None) -> dict:
    """Apply the scenario's events and report; everything is rolled back afterwards.

    ``inspect(fund, accounts, loans)``, when given, is called before the rollback (tests use
    it to check the ledger the scenario produced). No SMS goes out: its people are not real.
    """
    with (
        override_settings(EDUPACT_SMS_BACKEND="edupact.core.sms.DiscardBackend"),
        bounds.postings_until(bounds.DATE_MAX),  # a scenario's years are not bounded by today
        transaction.atomic(),
    ):
        try:
            return _run(scenario, inspect)
        finally:
            transaction.set_rollback(True)


def simulate(data: Any) -> dict:
    return run(load(data))


def _run(s: Scenario, inspect=None) -> dict:
    from edupact.directory import services as directory
    from edupact.directory.models import Organisation, Person

    country = COUNTRY[s.fund["currency"]]
    kanoon = directory.save_organisation(
        EVERYTHING,
        Organisation(
            name=s.fund["name"],
            kind=Organisation.Kind.KANOON,
            country=country,
            currency=s.fund["currency"],
            calendar=s.fund["calendar"],
        ),
    )
    fund = services.create_fund(
        EVERYTHING,
        Fund(
            name=s.fund["name"],
            kanoon=kanoon,
            currency=s.fund["currency"],
            calendar=s.fund["calendar"],
            days_per_unit=s.fund["days_per_unit"],
            loan_factor=s.fund["loan_factor"],
            min_history_days=s.fund["min_history_days"],
            default_after_days=s.fund["default_after_days"],
            allocation_policy=s.policy,
            allocation_parameters=s.parameters,
        ),
    )
    products = {
        p["code"]: services.save_product(
            EVERYTHING,
            LoanProduct(
                fund=fund,
                code=p["code"],
                name=p["name"],
                max_amount=p["max_amount"],
                min_amount=p["min_amount"],
                min_months=p["min_months"],
                max_months=p["max_months"],
                fee_strategy=p["fee_strategy"],
                fee_rate_percent=p["fee_rate_percent"],
                cooling_off_days=p["cooling_off_days"],
                blackout_months=p["blackout_months"],
                guarantors_required=p["guarantors_required"],
                open_requests=p["open_requests"],
                valid_from=p["valid_from"],
                valid_to=p["valid_to"],
            ),
        )
        for p in s.products
    }
    accounts = {}
    for m in s.members:
        if m["kind"] == "person":
            person = Person(
                family_name=m["name"],
                home_organisation=kanoon,
                id_kind=(
                    Person.IdKind.IR_NATIONAL_CODE if country == "IR" else Person.IdKind.VN_CCCD
                )
                if m["national_id"]
                else "",
                national_id=m["national_id"],
                phone=m["mobile"],
            )
            owner = {"person": directory.save_person(EVERYTHING, person)}
        else:
            org = Organisation(
                name=m["name"],
                kind=Organisation.Kind.SCHOOL,
                country=country,
                parent=kanoon,
                legal_id=m["national_id"] if country == "IR" else "",
                phone=m["mobile"],
            )
            owner = {"organisation": directory.save_organisation(EVERYTHING, org)}
        accounts[m["id"]] = services.open_account(EVERYTHING, fund, **owner)
    if s.committee:
        people = [accounts[c].person for c in s.committee]
        allocation.set_committee(EVERYTHING, fund, people[0], people[1:])
    owners = {mid: a.person or a.organisation for mid, a in accounts.items()}
    lottery = rotating_sim.create(kanoon, s.rotating, owners) if s.rotating else None
    loans: dict[str, Loan] = _Loans()
    rejected = []
    for event in s.events:
        try:
            with transaction.atomic():
                if event["type"] in rotating_sim.EVENT_TYPES:
                    rotating_sim.apply(lottery, event, owners)
                else:
                    _apply(fund, event, accounts, products, loans)
        except Refused as exc:
            rejected.append({"index": event["index"], "reason": exc.reason})
    if inspect is not None:
        inspect(fund, accounts, loans)
    report = _report(fund, s, accounts, loans, rejected)
    if lottery is not None:
        member_of = {(o._meta.model_name, o.pk): mid for mid, o in owners.items()}
        report["rotating"] = rotating_sim.report(
            lottery, s.report_on, lambda holder: member_of[(holder._meta.model_name, holder.pk)]
        )
    return report


class _Loans(dict):
    """The scenario's loans by id. An event on a loan whose request was refused (one already
    open for the product, out of bounds…) is refused in turn, and listed as such."""

    def __missing__(self, key):
        raise services.Refused(
            "request_refused",
            _("The request for this loan was refused, so nothing can be done with the loan."),
        )


def _apply(fund, event, accounts, products, loans) -> None:
    on, kind = event["on"], event["type"]
    if kind == "deposit":
        services.deposit(EVERYTHING, accounts[event["member"]], event["amount"], on)
    elif kind == "withdraw":
        services.withdraw(EVERYTHING, accounts[event["member"]], event["amount"], on)
    elif kind == "gift_points":
        services.gift_points(
            EVERYTHING,
            accounts[event["from"]],
            accounts[event["to"]],
            event["points"],
            on,
            use=event["use"],
            kind=event["kind"],
        )
    elif kind == "loan_request":
        loans[event["id"]] = services.request_loan(
            EVERYTHING,
            accounts[event["member"]],
            products[event["product"]],
            event["amount"],
            event["months"],
            on,
            purpose=event["purpose"],
            reference=event["id"],
            need=event["need"],
        )
    elif kind == "allocate":
        services.allocate(
            EVERYTHING, fund, on, policy=event["policy"], cap=event["budget"], seed=event["seed"]
        )
    elif kind == "vote":
        voter = Scope(person_id=accounts[event["member"]].person_id)
        allocation.cast_vote(voter, loans[event["loan"]], event["approve"], on)
    elif kind == "disburse":
        services.disburse(EVERYTHING, loans[event["loan"]], on)
    elif kind == "repay":
        services.repay(EVERYTHING, loans[event["loan"]], event["amount"], on)
    elif kind == "guarantee":
        account = accounts[event["member"]]
        guarantees.invite_guarantor(EVERYTHING, loans[event["loan"]], account, event["amount"], on)
    elif kind == "confirm_guarantee":
        _confirm_guarantee(loans[event["loan"]], accounts[event["member"]])
    elif kind == "settle":
        settlement.settle(EVERYTHING, loans[event["loan"]], on)
    elif kind == "reschedule":
        loan = loans[event["loan"]]
        settlement.reschedule(EVERYTHING, loan, event["months"], on, event["reason"])


def _confirm_guarantee(loan, account) -> None:
    """The guarantor confirms in person: the simulation acts as that member."""
    guarantee = loan.guarantees.filter(guarantor=account).select_related("guarantor").first()
    if guarantee is None:
        raise Refused("no_guarantee", _("This member has not been asked to guarantee this loan."))
    if not account.person_id:
        raise Refused(
            "guarantor_not_a_person", _("A guarantor is a person who confirms personally.")
        )
    guarantees.decide(Scope(person_id=account.person_id), guarantee, confirm=True)


def _report(fund, s: Scenario, accounts, loans, rejected) -> dict:
    fund = Fund.objects.get(pk=fund.pk)
    points = selectors.points_at(
        fund, s.report_on, list(fund.accounts.filter(kind=AccountKind.MEMBER))
    )
    members = {}
    for mid, account in accounts.items():
        p = points[account.pk]
        members[mid] = {
            "balance": p.balance,
            "money_days": p.money_days,
            "points_earned": p.earned,
            "points_available": p.available,
        }
    loans_out = {}
    member_of = {account.pk: mid for mid, account in accounts.items()}
    for ref, loan in loans.items():
        loan.refresh_from_db()
        loans_out[ref] = {
            "status": loan.status,
            "reasons": list(loan.reasons),
            "points_used": loan.points_used,
            "fee_total": loan.fee_total,
            "outstanding": loan.outstanding,
            "schedule": [
                {"n": i.n, "due": i.due.isoformat(), "amount": i.amount}
                for i in loan.instalments.current().order_by("n")
            ],
        }
        loans_out[ref].update(_life_cycle(loan, s.report_on, member_of))
    if not s.kanoon:  # a lottery fund's scenario: no kanoon fund to report on
        return {"report_on": s.report_on.isoformat(), "rejected_events": rejected}
    return {
        "report_on": s.report_on.isoformat(),
        "members": members,
        "loans": loans_out,
        "rejected_events": rejected,
        "rounds": _rounds(fund, loans),
    }


def _rounds(fund: Fund, loans: dict[str, Loan]) -> list[dict]:
    """Each allocation round: its policy, budget, seed and draw, and what it did with each
    request (by the scenario's loan ids, in the policy's order)."""
    refs = {loan.pk: ref for ref, loan in loans.items()}
    out = []
    for record in AllocationRound.objects.filter(fund=fund).order_by("on", "id"):
        row = {
            "on": record.on.isoformat(),
            "policy": record.policy,
            "budget": record.budget,
            "used": record.used,
            "decisions": [
                {"loan": refs.get(d.loan_id), "outcome": d.outcome}
                | ({"score": d.score} if d.score is not None else {})
                | ({"waiting": d.reasons[0]} if d.outcome == "waiting" else {})
                for d in record.decisions.order_by("position")
            ],
        }
        if record.policy == "lottery":
            row |= {"seed": record.seed, "eligible": record.eligible, "order": record.order}
        out.append(row)
    return out


def _life_cycle(loan: Loan, on: dt.date, member_of: dict) -> dict:
    """``guarantors`` when the loan has any, ``overdue`` when it is late on the report day."""
    extra = {}
    named = list(loan.guarantees.order_by("id"))
    if named:
        extra["guarantors"] = [
            {"member": member_of[g.guarantor_id], "amount": g.amount, "status": g.status}
            for g in named
        ]
    overdue = selectors.loan_overdue(loan, on)
    if overdue.instalments:
        extra["overdue"] = {
            "instalments": len(overdue.instalments),
            "amount": overdue.amount,
            "late_days": overdue.late_days,
        }
    return extra


# A database of its own --------------------------------------------------------------------------


@contextmanager
def throwaway_database(alias: str = "default"):
    """Point ``alias`` at a fresh in-memory SQLite database for the duration.

    The configured database is never opened, so a simulation cannot write to it, lock it or
    wait for it, whatever engine it runs on; the previous connection object is put back
    afterwards. Tables are created straight from the models (``migrate --run-syncdb`` with
    migrations switched off): the same schema and constraints in about half a second instead
    of several seconds of replaying every migration. No app needs data from a migration.
    """
    from django.apps import apps
    from django.core.management import call_command
    from django.db import connections
    from django.db.backends.sqlite3.base import DatabaseWrapper
    from django.test.utils import override_settings

    settings_dict = connections.configure_settings(
        {alias: {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
    )[alias]
    previous = connections[alias]
    memory = DatabaseWrapper(settings_dict, alias)
    connections[alias] = memory
    try:
        no_migrations = {app.label: None for app in apps.get_app_configs()}
        with override_settings(MIGRATION_MODULES=no_migrations):
            call_command("migrate", database=alias, run_syncdb=True, interactive=False, verbosity=0)
        yield memory
    finally:
        memory.close()
        connections[alias] = previous
