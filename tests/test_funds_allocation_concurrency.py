"""Parallel allocation rounds on one fund never lend more than the pool holds nor decide a
request twice: a round locks its fund, so a second round waits and sees the first one's
approvals (PostgreSQL interleaves for real; SQLite writers take turns)."""

import datetime as dt
import threading

import pytest
from django.db import OperationalError, connection

from edupact.core.errors import Refused
from edupact.core.scoping import Scope
from edupact.directory import services as directory
from edupact.directory.models import Organisation, Person
from edupact.funds import allocation, services
from edupact.funds.models import AllocationDecision, AllocationRound, Fund, Loan, LoanProduct

EVERYTHING = Scope(everything=True)
D = dt.date(2024, 1, 1)
ON = D + dt.timedelta(days=100)


def _run_all(jobs):
    outcomes, guard = [], threading.Lock()
    barrier = threading.Barrier(len(jobs))

    def worker(job):
        barrier.wait()
        try:
            result = job()
        except OperationalError as exc:  # SQLite: "database is locked" — nothing written
            result = f"locked: {exc}"
        finally:
            connection.close()
        with guard:
            outcomes.append(result)

    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcomes


def _fund_of_four(kanoon_name: str, fund_name: str, family: str):
    """A kanoon's fund whose points accrue by the day, one loan product, four members."""
    kanoon = directory.save_organisation(
        EVERYTHING, Organisation(name=kanoon_name, kind=Organisation.Kind.KANOON, country="IR")
    )
    fund = services.create_fund(
        EVERYTHING, Fund(name=fund_name, kanoon=kanoon, days_per_unit=1, min_history_days=0)
    )
    product = services.save_product(
        EVERYTHING,
        LoanProduct(fund=fund, code="p", max_amount=10**9, max_months=60, open_requests=100),
    )
    members = [
        services.open_account(
            EVERYTHING,
            fund,
            person=directory.save_person(
                EVERYTHING, Person(family_name=f"{family}{i}", home_organisation=kanoon)
            ),
        )
        for i in range(4)
    ]
    return fund, product, members


@pytest.mark.django_db(transaction=True)
def test_parallel_rounds_never_overspend_the_pool():
    fund, product, members = _fund_of_four("K", "F", "M")
    for account in members:
        services.deposit(EVERYTHING, account, 25, D)  # pool 100; 2,500 points each on ON
    for i in range(12):
        services.request_loan(
            EVERYTHING, members[i % 4], product, 20, 10, ON, reference=f"L{i}"
        )  # 12 × 20 = 240 asked of a pool of 100

    policies = ["fifo", "lottery", "priority", "supporter_directed"]
    _run_all(
        [
            lambda p=p: allocation.run_round(EVERYTHING, fund, ON, policy=p, seed="s")
            for p in policies
        ]
    )
    approved = Loan.objects.filter(fund=fund, status="approved")
    assert sum(x.amount for x in approved) == 100  # five loans of 20: the whole pool
    decided = AllocationDecision.objects.exclude(outcome="waiting").values_list("loan_id")
    assert len(decided) == len(set(decided))  # no request decided twice
    assert sum(AllocationRound.objects.values_list("used", flat=True)) == 100
    assert services.verify(fund) == []


@pytest.mark.django_db(transaction=True)
def test_rounds_and_manual_approvals_in_parallel_never_overspend_the_pool():
    """A leader approving by hand while rounds run: the manual decision takes the same fund
    lock and budget, so together they lend exactly the pool, never more."""
    fund, product, members = _fund_of_four("K2", "F2", "N")
    for account in members:
        services.deposit(EVERYTHING, account, 25, D)  # pool 100
    loans = [
        services.request_loan(EVERYTHING, members[i % 4], product, 20, 10, ON, reference=f"M{i}")
        for i in range(12)
    ]

    def by_hand(loan):
        try:
            return services.approve(EVERYTHING, loan, ON).status
        except Refused as exc:
            return exc.reason

    jobs = [
        lambda p=p: allocation.run_round(EVERYTHING, fund, ON, policy=p, seed="s")
        for p in (
            "fifo",
            "lottery",
        )
    ] + [lambda loan=loan: by_hand(loan) for loan in loans[::-1][:8]]
    outcomes = _run_all(jobs)
    approved = Loan.objects.filter(fund=fund, status="approved")
    lent = sum(x.amount for x in approved)
    assert lent <= 100
    if connection.vendor == "postgresql":  # all wait their turn: five loans of 20, the pool
        assert lent == 100 and not any(str(o).startswith("locked") for o in outcomes)
        assert allocation.lendable(fund, ON) == 0
    assert Loan.objects.filter(fund=fund, status="rejected").count() == 0
    refused = [o for o in outcomes if isinstance(o, str) and not o.startswith("locked")]
    assert set(refused) <= {"approved", "budget_exhausted", "loan_not_requested"}
    decided = AllocationDecision.objects.exclude(outcome="waiting").values_list("loan_id")
    assert len(decided) == len(set(decided))
    assert services.verify(fund) == []
