"""The rule simulator: run a scenario (JSON) through the fund services and report.

``load`` (the models of ``funds.scenario``) checks the whole scenario first — dates, members,
identifiers, products, events — and raises ``ScenarioError`` listing every problem, naming
the member or the event, before anything is computed. ``run`` then creates a kanoon, its
members and its fund, applies the events in order through the same services the web UI and
the API use, and builds the report.

``run`` works inside a transaction that is always rolled back, so it leaves nothing
behind on whatever database it is given; the ``fund simulate`` command gives it a fresh
in-memory SQLite database of its own (see ``throwaway_database``), so a simulation never
touches, locks or waits for the real one. The format is documented in
``docs/fund-scenarios.md``.
"""

import datetime as dt
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from django.test.utils import override_settings
from django.utils.translation import gettext as _

from edupact.core import bounds
from edupact.core.errors import Refused
from edupact.core.scoping import Scope
from edupact.rotating import simulation as rotating_sim

from . import allocation, guarantees, selectors, services, settlement
from .models import (
    AccountKind,
    AllocationRound,
    Fund,
    Loan,
    LoanProduct,
)
from .scenario import EVENT_TYPES, Scenario, ScenarioError, load  # noqa: F401 (the simulator's API)

EVERYTHING = Scope(everything=True)
COUNTRY = {"IRR": "IR", "VND": "VN"}


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
