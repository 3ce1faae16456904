"""Parallel gifts and approvals competing for the same points never overspend.

Runs on every database of the suite. On PostgreSQL the threads really interleave and the
account row locks (``select_for_update``) are what keeps the points from being spent twice;
on SQLite writers take turns (IMMEDIATE transactions), and a writer that cannot get the
lock in time fails without writing anything — either way the invariants must hold.
"""

import datetime as dt
import threading

import pytest
from django.db import OperationalError, connection

from edupact.core.errors import Refused
from edupact.core.scoping import Scope
from edupact.directory import services as directory
from edupact.directory.models import Organisation, Person
from edupact.funds import selectors, services
from edupact.funds.models import (
    Fund,
    FundAccount,
    JournalEntry,
    Loan,
    LoanProduct,
    LoanStatus,
    PointsTransfer,
)

EVERYTHING = Scope(everything=True)
D = dt.date(2024, 1, 1)
ON = D + dt.timedelta(days=100)


def _people(kanoon, n):
    return [
        directory.save_person(EVERYTHING, Person(family_name=f"M{i}", home_organisation=kanoon))
        for i in range(n)
    ]


def _run_all(jobs):
    outcomes, guard = [], threading.Lock()
    barrier = threading.Barrier(len(jobs))

    def worker(job):
        barrier.wait()
        try:
            result = job()
        except Refused as exc:
            result = exc.reason
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


@pytest.mark.django_db(transaction=True)
def test_parallel_gifts_and_approvals_never_overspend():
    kanoon = directory.save_organisation(
        EVERYTHING, Organisation(name="K", kind=Organisation.Kind.KANOON, country="IR")
    )
    fund = services.create_fund(
        EVERYTHING, Fund(name="F", kanoon=kanoon, days_per_unit=1, min_history_days=0)
    )
    product = services.save_product(
        EVERYTHING,
        LoanProduct(fund=fund, code="p", max_amount=10**9, max_months=60, open_requests=10),
    )
    giver, *others = (services.open_account(EVERYTHING, fund, person=p) for p in _people(kanoon, 4))
    services.deposit(EVERYTHING, giver, 1, D)  # 1 point a day: 100 points on ON
    services.deposit(EVERYTHING, others[0], 1_000, ON)  # the pool covers every loan below
    loans = [
        services.request_loan(EVERYTHING, giver, product, 10, 10, ON, reference=f"L{i}")
        for i in range(10)
    ]  # each needs 10 × 10 / 10 = 10 points

    jobs = [
        lambda receiver=receiver: services.gift_points(EVERYTHING, giver, receiver, 10, ON)
        for receiver in others * 4
    ] + [lambda loan=loan: services.approve(EVERYTHING, loan, ON) for loan in loans]
    outcomes = _run_all(jobs)  # 22 attempts at 10 points each, 100 points available
    assert len(outcomes) == len(jobs)

    given = sum(PointsTransfer.objects.filter(from_account=giver).values_list("points", flat=True))
    used = sum(
        Loan.objects.filter(account=giver, status=LoanStatus.APPROVED).values_list(
            "points_used", flat=True
        )
    )
    assert given + used <= 100
    state = selectors.account_points(FundAccount.objects.get(pk=giver.pk), ON)
    assert state.available == 100 - given - used >= 0
    assert services.verify(fund) == []
    if connection.vendor == "postgresql":
        # Every attempt ran (none failed on a lock) and the points went exactly to zero.
        assert not [o for o in outcomes if isinstance(o, str) and o.startswith("locked")]
        assert given + used == 100


@pytest.mark.django_db(transaction=True)
def test_parallel_deposits_with_one_key_post_once_and_others_never_deadlock():
    """Eight threads retry one Idempotency-Key while eight more deposit on the same two
    members with keys of their own: the retried key is one entry (every thread gets it), the
    others all post (on PostgreSQL, where each deposit is one statement locking member then
    pool), and the running sums equal the journal."""
    kanoon = directory.save_organisation(
        EVERYTHING, Organisation(name="K", kind=Organisation.Kind.KANOON, country="IR")
    )
    fund = services.create_fund(EVERYTHING, Fund(name="F", kanoon=kanoon))
    alice, bob = (services.open_account(EVERYTHING, fund, person=p) for p in _people(kanoon, 2))
    retried = [
        lambda: services.deposit(EVERYTHING, alice, 1_000, ON, idempotency_key="bank-row-1")
    ] * 8
    others = [
        lambda n=n: services.deposit(
            EVERYTHING, (alice, bob)[n % 2], 10 + n, ON, idempotency_key=f"bank-row-{100 + n}"
        )
        for n in range(8)
    ]
    outcomes = _run_all(retried + others)
    assert len(outcomes) == 16
    keys = set(JournalEntry.objects.filter(fund=fund).values_list("idempotency_key", flat=True))
    first = JournalEntry.objects.filter(fund=fund, idempotency_key="bank-row-1").first()
    got_it = [o for o in outcomes if not isinstance(o, str) and o.idempotency_key == "bank-row-1"]
    assert all(o == first for o in got_it)  # every thread that retried the key got one entry
    posted = {n: 10 + n for n in range(8) if f"bank-row-{100 + n}" in keys}
    alice.refresh_from_db()
    bob.refresh_from_db()
    assert alice.balance == (1_000 if first else 0) + sum(
        a for n, a in posted.items() if n % 2 == 0
    )
    assert bob.balance == sum(a for n, a in posted.items() if n % 2)
    assert services.verify(fund) == []
    if connection.vendor == "postgresql":
        assert not [o for o in outcomes if isinstance(o, str)]  # no lock failures, no deadlock
        assert len(got_it) == 8 and len(posted) == 8 and len(keys) == 9
