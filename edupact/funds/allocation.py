"""Allocation rounds: which pending loan requests a kanoon approves, in which order, within
which budget — by the policy the leader chose for the fund.

Every policy only decides the *order* (and may hold a request back); the round then walks
that order with the same checks for all: an ineligible request is rejected with every
reason (``services.eligibility``), an eligible one is approved while the round's budget
covers its amount — once one does not fit, the eligible requests after it wait for a later
round (nobody jumps the queue) — and approval uses the borrower's points
(``services.decide_request``, under the account's lock, so points are never overspent).

Policies (parameters stored, visible, on ``Fund.allocation_parameters``):

- ``fifo``: request order.
- ``priority``: score = need[category] + waiting_month × days waited ÷ 30
  + contribution × min(own points earned, points needed) ÷ points needed
  − recent_loan × loans approved in the last ``recent_days``; highest first, then request order.
- ``committee``: a request passes with at least ``quorum`` approvals of active committee
  members; it is rejected when the rejections leave the quorum out of reach, otherwise waits.
- ``lottery``: the eligible requests in ``core.draws.draw_order(seed, keys)`` order; the seed
  is the one given at the round, or the one the leader published, or a fresh one.
- ``supporter_directed``: requests of borrowers who received gifted or pledged points first
  (or only those, with ``only_backed``), each group in request order.

Each round is recorded (``AllocationRound`` with one ``AllocationDecision`` per request).
"""

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from edupact.core import bounds
from edupact.core.draws import draw_order, new_seed, seed_problem, ticket
from edupact.core.errors import Refused
from edupact.core.money import Money, format_money
from edupact.core.preferences import language
from edupact.core.scoping import Acting, Scope, record_key

from . import selectors, services
from .ledger import posting
from .models import (
    AccountKind,
    AllocationDecision,
    AllocationRound,
    CommitteeMember,
    CommitteeRole,
    CommitteeVote,
    Fund,
    FundAccount,
    Loan,
    LoanStatus,
    NeedCategory,
    Outcome,
    PointsTransfer,
    TransferKind,
)

POLICIES = ("fifo", "priority", "committee", "lottery", "supporter_directed")
DEFAULT_WEIGHTS = {
    "need": {
        NeedCategory.MEDICAL: 40,
        NeedCategory.EDUCATION: 30,
        NeedCategory.HOUSING: 25,
        NeedCategory.MARRIAGE: 20,
        NeedCategory.OTHER: 0,
    },
    "waiting_month": 5,
    "contribution": 30,
    "recent_loan": 20,
}
MAX_SEED = 200  # a round's seed column
DEFAULTS = {
    "weights": DEFAULT_WEIGHTS,
    "recent_days": 365,
    "quorum": 2,
    "seed": "",
    "only_backed": False,
}
KEYS = {
    "fifo": (),
    "priority": ("weights", "recent_days"),
    "committee": ("quorum",),
    "lottery": ("seed",),
    "supporter_directed": ("only_backed",),
}
WAITING_MESSAGES = {
    "budget_exhausted": gettext_lazy("The round's budget did not cover it."),
    "votes_missing": gettext_lazy("The committee has not reached the quorum yet."),
    "not_backed": gettext_lazy("No supporter has given this borrower points."),
}
SCORE_PARTS = ("need", "waiting", "contribution", "recent")


def outcome_message(code: str) -> str:
    """A waiting or rejection code in the reader's language."""
    if code in WAITING_MESSAGES:
        return str(WAITING_MESSAGES[code])
    return services.reason_message(code)


# Parameters -------------------------------------------------------------------------------------


def _whole(value, minimum=0) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def clean_parameters(policy: str, raw: dict | None) -> dict:
    """The parameters of ``policy``: ``raw`` checked and completed with the defaults.

    Raises ``ValidationError`` listing every problem; unknown keys are refused too.
    """
    if policy not in POLICIES:
        raise ValidationError(
            _("Unknown allocation policy %(policy)s; known: %(known)s.")
            % {"policy": policy, "known": ", ".join(POLICIES)}
        )
    raw = dict(raw or {})
    errors = []
    clean = {}
    for key in KEYS[policy]:
        value = raw.get(key, DEFAULTS[key])
        if key == "weights":
            value, problems = _weights(value)
            errors += problems
        elif key == "recent_days" and not _whole(value, 1):
            errors.append(_("Recent loans are counted over at least one day."))
        elif key == "quorum" and not _whole(value, 1):
            errors.append(_("The quorum is a whole number of at least 1."))
        elif key == "seed" and (problem := seed_problem(value, MAX_SEED)):
            errors.append(problem)
        elif key == "only_backed" and not isinstance(value, bool):
            errors.append(_("“Only backed requests” is true or false."))
        clean[key] = value
    if errors:
        raise ValidationError(errors)
    return clean


def _weights(value) -> tuple[dict, list[str]]:
    if not isinstance(value, dict):
        return DEFAULT_WEIGHTS, [_("The weights are an object.")]
    unknown = set(value) - set(DEFAULT_WEIGHTS)
    problems = []
    if unknown:
        problems.append(
            _("Unknown weights: %(names)s.") % {"names": ", ".join(sorted(map(str, unknown)))}
        )
    weights = {**DEFAULT_WEIGHTS, **value}
    need = weights["need"]
    if not isinstance(need, dict) or set(need) - set(NeedCategory.values):
        problems.append(
            _("The need weights are given per category: %(names)s.")
            % {"names": ", ".join(NeedCategory.values)}
        )
        need = {}
    weights["need"] = {c: need.get(c, DEFAULT_WEIGHTS["need"][c]) for c in NeedCategory.values}
    numbers = [*weights["need"].values(), *(weights[k] for k in SCORE_KEYS)]
    if not all(_whole(n) and n <= 1_000_000 for n in numbers):
        problems.append(_("Every weight is a whole number from 0 to 1,000,000."))
    return weights, problems


SCORE_KEYS = ("waiting_month", "contribution", "recent_loan")


def parameters_of(fund: Fund, policy: str | None = None) -> dict:
    """The fund's stored parameters for ``policy`` (its own by default), with defaults."""
    policy = policy or fund.allocation_policy
    stored = fund.allocation_parameters or {}
    return clean_parameters(policy, {k: stored[k] for k in KEYS.get(policy, ()) if k in stored})


def all_parameters(fund: Fund) -> dict:
    """The stored parameters of every policy (defaults where none are stored): the settings
    form shows them all, so switching policy shows what the other one had."""
    stored = fund.allocation_parameters or {}
    merged = {}
    for policy in POLICIES:
        given = {k: stored[k] for k in KEYS[policy] if k in stored}
        try:
            merged |= clean_parameters(policy, given)
        except ValidationError:
            merged |= clean_parameters(policy, {})
    return merged


@transaction.atomic
def save_settings(
    scope: Scope, fund: Fund, policy: str, parameters: dict | None = None, *, committee=None
) -> Fund:
    """Choose the fund's policy and its parameters; ``committee`` as (leader, [members]).

    Parameters of the other policies are kept, so switching back finds them again.
    """
    scope.require_write(fund)
    clean = clean_parameters(policy, parameters)
    if committee is not None:
        set_committee(scope, fund, *committee)
    if policy == "committee":
        size = CommitteeMember.objects.filter(fund=fund, active=True).count()
        if clean["quorum"] > size:
            raise ValidationError(
                _("The quorum (%(quorum)s) is more than the committee's %(size)s members.")
                % {"quorum": clean["quorum"], "size": size}
            )
    fund.allocation_policy = policy
    fund.allocation_parameters = {**(fund.allocation_parameters or {}), **clean}
    fund.save(update_fields=["allocation_policy", "allocation_parameters"])
    return fund


# The committee ----------------------------------------------------------------------------------


@transaction.atomic
def set_committee(scope: Scope, fund: Fund, leader, members) -> list[CommitteeMember]:
    """The committee becomes ``leader`` + ``members`` (persons); others are deactivated,
    their votes kept in the record but no longer counted."""
    scope.require_write(fund)
    people = list(dict.fromkeys([leader, *members]))
    keep = []
    for person in people:
        role = CommitteeRole.LEADER if person == leader else CommitteeRole.MEMBER
        member, _created = CommitteeMember.objects.get_or_create(
            fund=fund, person=person, defaults={"role": role}
        )
        if member.role != role or not member.active:
            member.role, member.active = role, True
            member.save(update_fields=["role", "active"])
        keep.append(member)
    for member in CommitteeMember.objects.filter(fund=fund, active=True).exclude(
        pk__in=[m.pk for m in keep]
    ):
        member.active = False
        member.save(update_fields=["active"])
    return keep


def committee_member(scope: Scope, fund: Fund) -> CommitteeMember | None:
    """The caller's own active seat on the fund's committee, if any."""
    if not scope.person_id:
        return None
    return CommitteeMember.objects.filter(fund=fund, person_id=scope.person_id, active=True).first()


def loan_for_reader(scope: Scope, pk: int, select=()) -> Loan:
    """A loan the reader sees: in their scope, or — on the fund's committee — a pending
    request or one they voted on (the committee reads what it votes on). Loan.DoesNotExist
    otherwise, so that callers answer 404 as for any record outside the scope."""
    if record_key(pk) is None:  # an id no row can have
        raise Loan.DoesNotExist
    loans = Loan.objects.select_related(*select)
    found = scope.filter(loans).filter(pk=pk).first()
    if found is not None:
        return found
    loan = loans.get(pk=pk)
    seat = committee_member(scope, loan.fund)
    if seat is not None and (
        loan.status == LoanStatus.REQUESTED or loan.votes.filter(member=seat).exists()
    ):
        return loan
    raise Loan.DoesNotExist


def queue_for(scope: Scope, fund: Fund):
    """The pending requests the reader sees: those in scope, or every one of the fund for a
    member of its committee."""
    if committee_member(scope, fund) is not None:
        scope = Scope(everything=True)
    return selectors.loans(scope, fund).filter(status=LoanStatus.REQUESTED)


def cast_vote(
    scope: Scope, loan: Loan, approve: bool, on: dt.date, *, note: str = ""
) -> CommitteeVote:
    """A committee member approves or rejects a pending request, personally (a leader cannot
    vote for someone else); voting again changes the vote, and the audit trail keeps both."""
    # The caller's own seat votes, personally; without one, the seat that is not theirs is
    # refused as any record: 403 with the committee's rule to a reader of the fund, else 404.
    member = committee_member(scope, loan.fund) or CommitteeMember(fund=loan.fund)
    scope.require_write(member, acting=Acting.PERSONALLY)
    with transaction.atomic():
        locked = Loan.objects.select_for_update(of=("self",)).get(pk=loan.pk)
        if locked.status != LoanStatus.REQUESTED:
            raise Refused("loan_not_requested", _("This loan has already been decided."))
        vote = CommitteeVote.objects.filter(loan=locked, member=member).first()
        if vote is None:
            vote = CommitteeVote(loan=locked, member=member)
        vote.approve, vote.note, vote.cast_on = bool(approve), note[:255], on
        vote.save()
    return vote


# Budget -----------------------------------------------------------------------------------------


def lendable(fund: Fund, on: dt.date) -> int:
    """Money the fund can lend on ``on``: the pool's cash (the lower of its balance on that
    day and now, so later withdrawals count) less loans approved but not yet paid out."""
    pool = posting.system_account(fund, AccountKind.POOL)
    pool.fund = fund
    cash = min(selectors.account_points(pool, on).balance, pool.balance)
    committed = (
        Loan.objects.filter(fund=fund, status=LoanStatus.APPROVED).aggregate(s=Sum("amount"))["s"]
        or 0
    )
    return max(cash - committed, 0)


def lock_budget(fund: Fund, on: dt.date, cap: int | None = None) -> tuple[int, int]:
    """Take the fund's decision lock and return (what it can lend on ``on``, the budget).

    Every approval — a round or a leader's manual decision — takes this lock first (then
    the loans, then the borrowers' accounts), so decisions on one fund run one at a time and
    each sees the money the previous ones committed: together they never lend more than the
    pool holds. The budget is ``lendable`` capped by ``cap`` when one is given."""
    if cap is not None:
        bounds.check_amount(cap, minimum=0, field="cap")
    # NO KEY: rows inserted meanwhile that point at the fund (entries, transfers) take a KEY
    # SHARE lock on it, which FOR UPDATE would block — a deadlock with a gift or a deposit
    # holding an account this decision waits for. Decisions still exclude each other.
    Fund.objects.select_for_update(no_key=True).filter(pk=fund.pk).first()
    pool = lendable(fund, on)
    return pool, pool if cap is None else min(pool, cap)


# Orders -----------------------------------------------------------------------------------------


@dataclass
class Step:
    """One request in the policy's order; ``hold`` keeps it back (a waiting code, or
    ``reject`` with ``reasons``)."""

    loan: Loan
    hold: str = ""
    reasons: list = field(default_factory=list)
    score: int | None = None
    details: dict = field(default_factory=dict)


@dataclass
class Plan:
    steps: list[Step]
    seed: str = ""
    eligible: list = field(default_factory=list)
    order: list = field(default_factory=list)
    recorded: dict = field(default_factory=dict)


def _fifo(fund, on, pending, params, seed) -> Plan:
    return Plan([Step(loan) for loan in pending])


def priority_scores(fund: Fund, on: dt.date, loans: list[Loan], params: dict) -> dict:
    """Score of each loan (by id) as {need, waiting, contribution, recent, total}: two grouped
    queries for all the borrowers (own points earned on ``on``; recent approvals)."""
    weights = params["weights"]
    ids = {loan.account_id for loan in loans}
    accounts = list(FundAccount.objects.filter(pk__in=ids))
    own = selectors.points_at(fund, on, accounts) if accounts else {}
    since = on - dt.timedelta(days=params["recent_days"])
    recent = {
        row["account_id"]: row["n"]
        for row in Loan.objects.filter(
            account_id__in=ids,
            status__in=[LoanStatus.APPROVED, LoanStatus.DISBURSED, LoanStatus.REPAID],
            decided_on__gt=since,
            decided_on__lte=on,
        )
        .values("account_id")
        .annotate(n=Count("id"))
    }
    scores = {}
    for loan in loans:
        need = loan.points_needed
        earned = own[loan.account_id].earned if loan.account_id in own else 0
        parts = {
            "need": weights["need"].get(loan.need, 0),
            "waiting": max((on - loan.requested_on).days, 0) * weights["waiting_month"] // 30,
            "contribution": (
                weights["contribution"] * min(earned, need) // need
                if need > 0
                else weights["contribution"]
            ),
            "recent": -weights["recent_loan"] * recent.get(loan.account_id, 0),
        }
        parts["total"] = sum(parts[k] for k in SCORE_PARTS)
        scores[loan.pk] = parts
    return scores


def _priority(fund, on, pending, params, seed) -> Plan:
    scores = priority_scores(fund, on, pending, params)
    ordered = sorted(pending, key=lambda x: (-scores[x.pk]["total"], x.requested_on, x.pk))
    return Plan(
        [Step(x, score=scores[x.pk]["total"], details=scores[x.pk]) for x in ordered],
        recorded=params,
    )


def _committee(fund, on, pending, params, seed) -> Plan:
    members = list(CommitteeMember.objects.filter(fund=fund, active=True).select_related("person"))
    quorum = params["quorum"]
    if quorum > len(members):
        raise ValidationError(
            _("The quorum (%(quorum)s) is more than the committee's %(size)s members.")
            % {"quorum": quorum, "size": len(members)}
        )
    tally = {
        row["loan_id"]: row
        for row in CommitteeVote.objects.filter(
            loan__in=[x.pk for x in pending], member__in=members
        )
        .values("loan_id")
        .annotate(yes=Count("id", filter=Q(approve=True)), no=Count("id", filter=Q(approve=False)))
    }
    steps = []
    for loan in pending:
        row = tally.get(loan.pk, {})
        yes, no = row.get("yes", 0), row.get("no", 0)
        step = Step(loan, details={"approvals": yes, "rejections": no, "quorum": quorum})
        if yes < quorum:
            if len(members) - no < quorum:
                step.hold, step.reasons = "reject", ["committee_rejected"]
            else:
                step.hold = "votes_missing"
        steps.append(step)
    recorded = {
        "quorum": quorum,
        "committee": [
            {"person": m.person_id, "name": str(m.person), "role": m.role} for m in members
        ],
    }
    return Plan(steps, recorded=recorded)


def draw_keys(loans: list[Loan]) -> dict[str, Loan]:
    """Each loan's key in the draw: its reference (``#id`` without one; ``reference#id``
    when two share a reference)."""
    base = [loan.reference or f"#{loan.pk}" for loan in loans]
    keys = {}
    for key, loan in zip(base, loans, strict=True):
        keys[f"{key}#{loan.pk}" if base.count(key) > 1 else key] = loan
    return keys


def _lottery(fund, on, pending, params, seed) -> Plan:
    seed = seed or params.get("seed") or new_seed()
    eligible, steps = [], []
    for loan in pending:
        if services.eligibility(loan, on)[0]:
            steps.append(Step(loan))  # rejected first, with its reasons
        else:
            eligible.append(loan)
    keys = draw_keys(eligible)
    order = draw_order(seed, keys)
    for position, key in enumerate(order, 1):
        steps.append(
            Step(keys[key], details={"key": key, "draw": position, "ticket": ticket(seed, key)})
        )
    return Plan(steps, seed=seed, eligible=list(keys), order=order)


def _supporter_directed(fund, on, pending, params, seed) -> Plan:
    backed = set(
        PointsTransfer.objects.filter(
            to_account_id__in={x.account_id for x in pending},
            kind__in=[TransferKind.GIFT, TransferKind.PLEDGE],
            date__lte=on,
        ).values_list("to_account_id", flat=True)
    )
    first = [Step(x, details={"backed": True}) for x in pending if x.account_id in backed]
    hold = "not_backed" if params["only_backed"] else ""
    rest = [
        Step(x, hold=hold, details={"backed": False}) for x in pending if x.account_id not in backed
    ]
    return Plan(first + rest, recorded=params)


PLANNERS = {
    "fifo": _fifo,
    "priority": _priority,
    "committee": _committee,
    "lottery": _lottery,
    "supporter_directed": _supporter_directed,
}


# The round --------------------------------------------------------------------------------------


def run_round(
    scope: Scope,
    fund: Fund,
    on: dt.date,
    *,
    policy: str | None = None,
    cap: int | None = None,
    seed: str | None = None,
    user=None,
) -> AllocationRound:
    """Decide the pending requests dated on or before ``on`` and record the round."""
    scope.require_write(fund)
    policy = policy or fund.allocation_policy
    params = parameters_of(fund, policy)
    if cap is not None:
        bounds.check_amount(cap, minimum=0, field="cap")
    bounds.check_posting_date(on, field="on")
    if seed is not None and (problem := seed_problem(seed, MAX_SEED)):
        raise ValidationError(problem)
    with transaction.atomic():
        # One decision at a time per fund: a second round or a manual approval waits, then
        # sees this round's approvals.
        pool, budget = lock_budget(fund, on, cap)
        pending = list(
            Loan.objects.select_for_update(of=("self",))
            .filter(fund=fund, status=LoanStatus.REQUESTED, requested_on__lte=on)
            .select_related("product", "fund", "account", "account__fund")
            .order_by("requested_on", "id")
        )
        plan = PLANNERS[policy](fund, on, pending, params, seed)
        decisions, left = _walk(plan.steps, on, budget)
        record = AllocationRound.objects.create(
            fund=fund,
            on=on,
            policy=policy,
            parameters=plan.recorded,
            seed=plan.seed,
            eligible=plan.eligible,
            order=plan.order,
            pool=pool,
            cap=cap,
            budget=budget,
            used=budget - left,
            created_by=user if getattr(user, "pk", None) else None,
        )
        for decision in decisions:
            decision.round = record
        AllocationDecision.objects.bulk_create(decisions)
    return record


def _walk(steps: list[Step], on: dt.date, budget: int) -> tuple[list[AllocationDecision], int]:
    """Approve in order while eligible and within the budget; returns the decisions and
    the budget left."""
    left, full, decisions = budget, False, []
    for position, step in enumerate(steps, 1):
        loan, reasons = step.loan, list(step.reasons)
        if step.hold == "reject":
            _reject(loan, on, reasons)
            outcome = Outcome.REJECTED
        elif step.hold:
            outcome, reasons = Outcome.WAITING, [step.hold]
        elif not full and loan.amount <= left:
            services.decide_request(loan, on)  # checks everything; approval uses the points
            outcome, reasons = loan.status, list(loan.reasons)
            if loan.status == LoanStatus.APPROVED:
                left -= loan.amount
        elif _eligible(loan, on):
            full, outcome, reasons = True, Outcome.WAITING, ["budget_exhausted"]
        else:
            services.decide_request(loan, on)  # rejects it with every reason
            outcome, reasons = loan.status, list(loan.reasons)
        decisions.append(
            AllocationDecision(
                loan=loan,
                position=position,
                outcome=outcome,
                reasons=reasons,
                score=step.score,
                details=step.details,
            )
        )
    return decisions, left


def approve_one(scope: Scope, loan: Loan, on: dt.date, *, cap: int | None = None) -> Loan:
    """A leader's manual decision on one request, by the rules of a round: under the fund's
    lock, an eligible request is approved (using the borrower's points) only when the budget
    — the pool less approved loans not yet paid out, capped by ``cap`` — covers its amount,
    and is otherwise refused with ``budget_exhausted``, changing nothing; an ineligible one
    is rejected with every reason, as a round rejects it."""
    scope.require_write(loan)
    bounds.check_posting_date(on, field="on")
    with transaction.atomic():
        _pool, budget = lock_budget(loan.fund, on, cap)
        loan = (
            Loan.objects.select_for_update(of=("self",))
            .select_related("product", "fund", "account")
            .get(pk=loan.pk)
        )
        if loan.status != LoanStatus.REQUESTED:
            raise Refused("loan_not_requested", _("This loan has already been decided."))
        if loan.amount > budget and _eligible(loan, on):
            raise Refused(
                "budget_exhausted",
                _(
                    "Not enough money in the pool: %(budget)s can be lent on this date, "
                    "the loan is %(amount)s."
                )
                % {
                    "budget": format_money(Money(budget, loan.fund.currency), language()),
                    "amount": format_money(Money(loan.amount, loan.fund.currency), language()),
                },
                budget=budget,
            )
        return services.decide_request(loan, on)


def _eligible(loan: Loan, on: dt.date) -> bool:
    account = posting.lock_accounts([loan.account_id])[loan.account_id]
    return not services.eligibility(loan, on, account)[0]


def _reject(loan: Loan, on: dt.date, reasons: list[str]) -> None:
    loan.status, loan.reasons, loan.decided_on = LoanStatus.REJECTED, reasons, on
    loan.save(update_fields=["status", "reasons", "decided_on"])
