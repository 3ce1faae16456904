"""A posting is a handful of round trips — on PostgreSQL a deposit is one statement — and
the fund's pool row (every posting touches it) is updated last, so it is locked only from its
update to the commit (bench/funds: with the pool locked first, postings to one fund ran one
at a time). Both paths leave the same journal and running sums."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from edupact.core import idempotency
from edupact.core.errors import Refused
from edupact.core.scoping import Scope
from edupact.funds import selectors, services
from edupact.funds.ledger import posting
from edupact.funds.models import AccountKind, Fund, FundAccount, JournalEntry, JournalLine

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


def test_a_keyed_deposit_takes_one_statement_on_postgresql_four_on_sqlite_pool_last(fund, tree):
    alice = services.open_account(EVERYTHING, fund, person=tree.member)
    services.deposit(EVERYTHING, alice, 1_000, DAY - dt.timedelta(days=3))
    account = _as_the_api_reads_it(alice)
    pool = posting.system_account(fund, AccountKind.POOL)
    with CaptureQueriesContext(connection) as captured:
        entry = services.deposit(EVERYTHING, account, 500, DAY, idempotency_key="bank-row-17")
    sql = _statements(captured)
    # The pool's id is remembered from the first deposit (the fund row is the same).
    if connection.vendor == "postgresql":
        # The entry (skipped if the key was used), its lines, the rows locked member first
        # (FOR NO KEY UPDATE, in the order given), their running sums.
        assert len(sql) == 1, sql
        assert sql[0].startswith("WITH entry AS (\n    INSERT INTO funds_journalentry")
        assert "ON CONFLICT (fund_id, idempotency_key)" in sql[0]
        assert "FOR NO KEY UPDATE OF a" in sql[0]
        assert f"'{{{alice.pk},{pool.pk}}}'" in sql[0]  # the lock order: member, then pool
    else:
        # The entry, its two lines, the member's sums, the pool's sums.
        assert [s.split()[0] for s in sql] == ["INSERT", "INSERT", "UPDATE", "UPDATE"], sql
        assert sql[-1].rstrip().endswith(f"= {pool.pk}")
    assert not any("FOR UPDATE" in s for s in sql)  # a deposit cannot overdraw: nothing to check
    with CaptureQueriesContext(connection) as captured:
        shown = [(line.account_id, line.amount) for line in entry.lines.all()]
    assert captured.captured_queries == []  # the entry carries its lines (the API shows them)
    assert shown == list(entry.lines.all().values_list("account_id", "amount").order_by("id"))
    assert sorted(shown) == sorted([(alice.pk, -500), (pool.pk, 500)])
    alice.refresh_from_db()
    assert (alice.balance, alice.last_posting_date) == (1_500, DAY)
    assert alice.money_days_at_last_posting == 1_000 * 3
    assert services.verify(fund) == []


def test_a_retried_deposit_key_returns_the_first_entry_and_posts_nothing(fund, tree):
    alice = services.open_account(EVERYTHING, fund, person=tree.member)
    first = services.deposit(EVERYTHING, alice, 700, DAY, idempotency_key="bank-row-18")
    again = services.deposit(EVERYTHING, alice, 900, DAY, idempotency_key="bank-row-18")
    assert again == first and again.kind == "deposit"
    assert [line.amount for line in again.lines.all()] == [
        line.amount for line in first.lines.all()
    ]
    alice.refresh_from_db()
    assert alice.balance == 700
    assert JournalEntry.objects.filter(fund=fund).count() == 1
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
    with pytest.raises(Refused) as refused:
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


def _post_in_a_transaction(fund, on, kind, lines, key=""):
    """The general path (``_post`` in a transaction), which SQLite and withdrawals take."""
    merged, kinds, natural = posting._balanced(fund, lines)
    debited = [pk for pk in merged if kinds[pk] == AccountKind.MEMBER and natural[pk] < 0]
    return idempotency.once(
        JournalEntry,
        key,
        lambda: posting._post(fund, on, kind, merged, kinds, natural, debited, "", key, None, None),
        look_first=False,
        fund=fund,
    )


@pytest.mark.postgresql  # the one-statement path against the other
def test_one_statement_postings_leave_the_same_journal_and_sums_as_the_transaction(tree):
    """The same postings (backdated, first deposits, the fee account) through both paths, into
    two funds: the same lines and the same running sums on every account."""
    funds, accounts = [], []
    for name in ("at once", "in a transaction"):
        f = services.create_fund(EVERYTHING, Fund(name=name, kanoon=tree.kanoon))
        members = [
            services.open_account(EVERYTHING, f, person=p) for p in (tree.member, tree.other_member)
        ]
        pool = posting.system_account(f, AccountKind.POOL)
        fee = posting.system_account(f, AccountKind.FEE_INCOME)
        funds.append(f)
        accounts.append([*members, pool, fee])
    plan = [  # (day offset, [(account index, amount)]) in debit terms
        (0, [(2, 1_000), (0, -1_000)]),
        (-40, [(2, 700), (1, -700)]),
        (-10, [(2, 300), (0, -300)]),  # backdated before the member's last posting
        (5, [(2, 250), (1, -200), (3, -50)]),  # the fee income account too
        (5, [(2, 20), (0, -20)]),  # the same day again
    ]
    for n, (offset, legs) in enumerate(plan):
        on = DAY + dt.timedelta(days=offset)
        for f, accts, post in zip(
            funds,
            accounts,
            (
                lambda f, on, lines, key: posting.post_entry(
                    f, on=on, kind="deposit", lines=lines, idempotency_key=key
                ),
                lambda f, on, lines, key: _post_in_a_transaction(f, on, "deposit", lines, key),
            ),
            strict=True,
        ):
            post(f, on, [(accts[i], amount) for i, amount in legs], f"k{n}")
    services.withdraw(EVERYTHING, accounts[0][0], 100, DAY + dt.timedelta(days=9))
    _post_in_a_transaction(
        funds[1],
        DAY + dt.timedelta(days=9),
        "withdrawal",
        [(accounts[1][0], 100), (accounts[1][2], -100)],
    )

    def state(f, accts):
        lines = [
            ([a.pk for a in accts].index(account), amount, day)
            for account, amount, day in JournalLine.objects.filter(entry__fund=f)
            .order_by("entry_id", "account_id")
            .values_list("account_id", "amount", "day")
        ]
        sums = [
            FundAccount.objects.filter(pk=a.pk).values_list(
                "balance", "money_days_at_last_posting", "last_posting_date", "first_deposit_date"
            )[0]
            for a in accts
        ]
        return lines, sums

    assert state(funds[0], accounts[0]) == state(funds[1], accounts[1])
    assert services.verify(funds[0]) == [] and services.verify(funds[1]) == []
    first = FundAccount.objects.get(pk=accounts[0][0].pk)
    assert first.first_deposit_date == DAY - dt.timedelta(days=10)
    assert (first.balance, first.last_posting_date) == (1_220, DAY + dt.timedelta(days=9))
