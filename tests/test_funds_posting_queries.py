"""A posting is a handful of round trips, and the fund's pool row (every posting touches it)
is updated last, so it is locked only from its update to the commit (bench/funds: with the
pool locked first, postings to one fund ran one at a time)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from edupact.core.scoping import Scope
from edupact.funds import selectors, services
from edupact.funds.models import AccountKind, Fund, FundAccount, JournalEntry

EVERYTHING = Scope(everything=True)
DAY = dt.date(2024, 3, 20)


@pytest.fixture
def fund(tree):
    return services.create_fund(EVERYTHING, Fund(name="Kanoon 9 fund", kanoon=tree.kanoon))


def _statements(captured):
    """The SQL sent, without the savepoints the test's own transaction adds."""
    return [
        q["sql"]
        for q in captured.captured_queries
        if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "BEGIN"))
    ]


def _as_the_api_reads_it(account):
    return FundAccount.objects.select_related("fund", "fund__kanoon").get(pk=account.pk)


def test_a_keyed_deposit_takes_five_statements_and_updates_the_pool_last(fund, tree):
    alice = services.open_account(EVERYTHING, fund, person=tree.member)
    services.deposit(EVERYTHING, alice, 1_000, DAY - dt.timedelta(days=3))
    account = _as_the_api_reads_it(alice)
    pool = services.system_account(fund, AccountKind.POOL)
    with CaptureQueriesContext(connection) as captured:
        services.deposit(EVERYTHING, account, 500, DAY, idempotency_key="bank-row-17")
    sql = _statements(captured)
    # The pool's id, the entry, its two lines, the member's sums, the pool's sums.
    assert len(sql) == 5, sql
    assert [s.split()[0] for s in sql] == ["SELECT", "INSERT", "INSERT", "UPDATE", "UPDATE"]
    assert sql[-1].rstrip().endswith(f"= {pool.pk}")
    assert not any("FOR UPDATE" in s for s in sql)  # a deposit cannot overdraw: nothing to check
    alice.refresh_from_db()
    assert (alice.balance, alice.last_posting_date) == (1_500, DAY)
    assert alice.money_days_at_last_posting == 1_000 * 3
    assert services.verify(fund) == []


def test_a_withdrawal_locks_the_member_before_the_pool(fund, tree):
    alice = services.open_account(EVERYTHING, fund, person=tree.member)
    services.deposit(EVERYTHING, alice, 1_000, DAY)
    account = _as_the_api_reads_it(alice)
    with CaptureQueriesContext(connection) as captured:
        services.withdraw(EVERYTHING, account, 400, DAY)
    sql = _statements(captured)
    # SQLite has no row locks (one writer at a time): the lock is the read of the member.
    locks = [i for i, s in enumerate(sql) if s.startswith("SELECT") and f"IN ({alice.pk})" in s]
    pool_update = max(i for i, s in enumerate(sql) if s.startswith("UPDATE"))
    assert len(locks) == 1 and locks[0] < pool_update  # the member alone, not the pool
    if connection.vendor == "postgresql":
        assert "FOR UPDATE" in sql[locks[0]]


def test_a_retried_withdrawal_returns_the_first_entry_even_when_it_could_not_be_made_again(
    fund, tree
):
    alice = services.open_account(EVERYTHING, fund, person=tree.member)
    services.deposit(EVERYTHING, alice, 1_000, DAY)
    first = services.withdraw(EVERYTHING, alice, 800, DAY, idempotency_key="teller-3")
    again = services.withdraw(EVERYTHING, alice, 800, DAY, idempotency_key="teller-3")
    assert again == first
    assert JournalEntry.objects.filter(fund=fund).count() == 2
    alice.refresh_from_db()
    assert alice.balance == 200
    with pytest.raises(services.Refused) as refused:
        services.withdraw(EVERYTHING, alice, 800, DAY, idempotency_key="teller-4")
    assert refused.value.reason == "above_balance"
    assert JournalEntry.objects.filter(fund=fund).count() == 2


def test_running_sums_in_sql_equal_the_journal_with_backdated_postings(fund, tree):
    alice = services.open_account(EVERYTHING, fund, person=tree.member)
    bob = services.open_account(EVERYTHING, fund, person=tree.other_member)
    for account, amount, day in [
        (alice, 1_000, DAY),
        (bob, 700, DAY - dt.timedelta(days=40)),
        (alice, 300, DAY - dt.timedelta(days=10)),  # backdated: before alice's last posting
        (bob, 50, DAY + dt.timedelta(days=5)),
    ]:
        services.deposit(EVERYTHING, account, amount, day)
    services.withdraw(EVERYTHING, alice, 1_200, DAY + dt.timedelta(days=9))
    assert services.verify(fund) == []
    later = DAY + dt.timedelta(days=30)
    past = selectors.points_at(fund, later)
    for account in (alice, bob):
        account.refresh_from_db()
        assert selectors.account_points(account, later) == past[account.pk]
    alice.refresh_from_db()
    assert alice.first_deposit_date == DAY - dt.timedelta(days=10)
    assert alice.money_days_at_last_posting == 1_000 * 9 + 300 * 19  # at DAY + 9
