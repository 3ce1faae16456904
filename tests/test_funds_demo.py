"""The funds demo: the District 9 kanoon's fund over 1396/02–1397/01, loaded by ``edupact
demo`` once, through the services, with loans in every state and a sound ledger."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction

from edupact.core.draws import draw_order
from edupact.demo import fund_rounds
from edupact.demo.funds import END, FUND_NAME, MILLION, FundDemo, counts, load_funds_demo
from edupact.funds import selectors, services
from edupact.funds.models import (
    AccountKind,
    EntryKind,
    Fund,
    FundAccount,
    LoanStatus,
    TransferKind,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def _loaded(django_db_setup, django_db_blocker):
    """The small demo, loaded once for this module inside a transaction rolled back at its
    end; each test runs in a savepoint inside it."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        out = StringIO()
        call_command("demo", size="small", stdout=out)
    yield out.getvalue()
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def fund(_loaded, db) -> Fund:
    return Fund.objects.get(name=FUND_NAME)


def test_the_demo_creates_the_fund_once(_loaded, fund):
    assert "journal entries" in _loaded and "loans" in _loaded
    assert fund.kanoon.name == "کانون کارکنان آموزش و پرورش منطقه 9"
    assert (fund.currency, fund.calendar) == ("IRR", "jalali")
    assert (fund.days_per_unit, fund.loan_factor, fund.min_history_days) == (180, 10, 90)
    before = counts(fund)
    out = StringIO()
    call_command("demo", size="small", stdout=out)
    assert "nothing changed" in out.getvalue()
    assert load_funds_demo() == {}
    assert Fund.objects.filter(name=FUND_NAME).count() == 1
    assert counts(fund) == before


def test_replaying_the_year_creates_nothing(fund):
    """Every write of the demo carries an idempotency key: playing the year again on the
    existing fund adds no entry, transfer, loan, account or product."""
    before = counts(fund)
    with transaction.atomic():
        FundDemo(fund.kanoon).run()
    assert counts(fund) == before


def test_the_ledger_verifies(fund):
    assert services.verify(fund) == []
    out = StringIO()
    call_command("fund", "verify", str(fund.pk), stdout=out)
    assert "consistent" in out.getvalue()


def test_a_year_of_deposits_and_withdrawals(fund):
    entries = fund.entries.all()
    assert entries.filter(kind=EntryKind.WITHDRAWAL).exists()
    deposits = entries.filter(kind=EntryKind.DEPOSIT)
    assert deposits.count() > 100
    dates = sorted(deposits.values_list("date", flat=True))
    assert dates[0].isoformat() == "2017-04-21"  # 1396/02/01
    assert dates[-1] <= END
    members = FundAccount.objects.filter(fund=fund, kind=AccountKind.MEMBER, person__isnull=False)
    assert members.count() == fund.kanoon.positions.values("person").distinct().count()


def test_schools_are_institutional_depositors(fund):
    schools = FundAccount.objects.filter(fund=fund, organisation__isnull=False)
    assert schools.count() >= 2
    for account in schools:
        assert account.organisation.kind == "school"
        assert account.balance > 0
        assert account.decider_person.positions.filter(organisation=account.organisation).exists()
    assert any(selectors.loans_enabled_by(account).exists() for account in schools)


def test_gifts_and_pledges(fund):
    kinds = set(fund.transfers.values_list("kind", flat=True))
    assert {TransferKind.GIFT, TransferKind.PLEDGE, TransferKind.RETURN} <= kinds
    assert fund.transfers.filter(use="zero_fee_loan").exists()


def test_loans_in_every_state(fund):
    states = set(fund.loans.values_list("status", flat=True))
    assert states == set(LoanStatus.values)
    reasons = set()
    for loan in fund.loans.filter(status=LoanStatus.REJECTED):
        assert loan.reasons
        reasons.update(loan.reasons)
    assert {
        "points_insufficient",
        "amount_above_maximum",
        "history_too_short",
        "blackout_month",
        "cooling_off",
        "overdue_instalments",
    } <= reasons
    for loan in fund.loans.filter(status=LoanStatus.REPAID):
        assert loan.outstanding == 0 and loan.repaid_on <= END
        assert all(i.paid == i.amount for i in loan.instalments.all())
    overdue = selectors.fund_summary(fund, END)["overdue"]
    assert overdue >= 1


def test_the_member_user_has_savings_points_and_a_loan(fund):
    person = get_user_model().objects.get(username="member").person
    account = FundAccount.objects.get(fund=fund, person=person, kind=AccountKind.MEMBER)
    points = selectors.account_points(account, END)
    assert points.balance > 0
    assert points.earned > 0 and points.available > 0
    loan = account.loans.get()
    assert loan.status == LoanStatus.DISBURSED
    assert loan.fee_total > 0
    schedule = list(loan.instalments.order_by("n"))
    assert len(schedule) == loan.months
    assert sum(i.amount for i in schedule) == loan.amount + loan.fee_total
    assert schedule[0].paid == schedule[0].amount
    assert loan.outstanding == sum(i.amount - i.paid for i in schedule) > 0


# The mutual-help fund: rounds under the other policies ------------------------------------------


@pytest.fixture
def helpfund(_loaded, db) -> Fund:
    return Fund.objects.get(name=fund_rounds.FUND_NAME)


def _decisions(record):
    return [
        (d.loan.reference, d.outcome, d.reasons, d.score)
        for d in record.decisions.select_related("loan").order_by("position")
    ]


def test_the_mutual_help_fund_is_created_once(helpfund):
    assert helpfund.kanoon == Fund.objects.get(name=FUND_NAME).kanoon
    assert helpfund.allocation_policy == "committee"  # the leader's last choice
    before = counts(helpfund)
    assert fund_rounds.load_rounds_demo() == {}
    assert counts(helpfund) == before and helpfund.rounds.count() == 3
    assert services.verify(helpfund) == []


def test_a_priority_round_with_its_scores(helpfund):
    """1396/06/10, cap 100,000,000. Score = need + 5 × days waited ÷ 30 + 30 (own points
    cover the loan) − 0 recent loans: P2 medical 40 + 8 days → 1 + 30 = 71; P3 education
    30 + 1 + 30 = 61; P4 housing 25 + 1 + 30 = 56; P1 other 0 + 1 + 30 = 31. P2 and P3 take
    90,000,000; P4's 30,000,000 does not fit the 10,000,000 left: it and P1 wait."""
    record = helpfund.rounds.get(policy="priority")
    assert (record.on, record.cap, record.budget, record.used) == (
        fund_rounds.jalali(1396, 6, 10),
        100 * MILLION,
        100 * MILLION,
        90 * MILLION,
    )
    assert _decisions(record) == [
        ("H9-P2", "approved", [], 71),
        ("H9-P3", "approved", [], 61),
        ("H9-P4", "waiting", ["budget_exhausted"], 56),
        ("H9-P1", "waiting", ["budget_exhausted"], 31),
    ]
    assert record.parameters["weights"]["need"]["medical"] == 40


def test_a_lottery_round_anyone_can_redraw(helpfund):
    record = helpfund.rounds.get(policy="lottery")
    assert record.seed == fund_rounds.LOTTERY_SEED == helpfund.allocation_parameters["seed"]
    assert record.eligible == ["H9-P1", "H9-P4", "H9-L1", "H9-L2"]
    assert record.order == draw_order(record.seed, record.eligible)
    out = StringIO()
    call_command("fund", "redraw", "--seed", record.seed, *record.eligible, stdout=out)
    assert [line.split("\t")[1] for line in out.getvalue().splitlines()] == record.order
    outcomes = {ref: (outcome, reasons) for ref, outcome, reasons, _s in _decisions(record)}
    assert outcomes["H9-L3"] == ("rejected", ["amount_above_maximum", "points_insufficient"])
    approved = [ref for ref in record.order if outcomes[ref][0] == "approved"]
    assert approved == record.order[:2] and record.used == 100 * MILLION
    assert all(outcomes[ref] == ("waiting", ["budget_exhausted"]) for ref in record.order[2:])


def test_a_committee_round_with_a_quorum(helpfund):
    record = helpfund.rounds.get(policy="committee")
    assert record.parameters["quorum"] == 2 and len(record.parameters["committee"]) == 3
    assert [(ref, outcome, reasons) for ref, outcome, reasons, _s in _decisions(record)] == [
        ("H9-P4", "waiting", ["votes_missing"]),
        ("H9-L2", "waiting", ["votes_missing"]),
        ("H9-C1", "approved", []),
        ("H9-C2", "rejected", ["committee_rejected"]),
        ("H9-C3", "waiting", ["votes_missing"]),
    ]
    # The member demo user's own request: one approval of the two it needs.
    person = get_user_model().objects.get(username="member").person
    mine = helpfund.loans.get(reference="H9-C3")
    assert mine.account.person == person and mine.status == LoanStatus.REQUESTED
    assert [v.approve for v in mine.votes.all()] == [True]
    # Approved loans were paid out and repaid on time up to the end of the year.
    for loan in helpfund.loans.filter(status=LoanStatus.DISBURSED):
        assert not selectors.loan_overdue(loan, END).instalments
