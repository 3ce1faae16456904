"""Journal lines are read through the covering index (account, day, amount): points_at's
GROUP BY of every account's lines up to a day reads the index alone, never the table (on
SQLite at 200,000 accounts the table reads were most of its time; bench/funds), and the other
reads by account still find their lines through it (no scan of the whole journal)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from test_funds_idempotency_index import plan_of

from edupact.core.scoping import Scope
from edupact.funds import reports, selectors, services
from edupact.funds.models import Fund, JournalLine

EVERYTHING = Scope(everything=True)
DAY = dt.date(2024, 3, 20)
INDEX = "journalline_account_day_amount"
LINES = JournalLine._meta.db_table


@pytest.fixture
def fund(tree):
    fund = services.create_fund(EVERYTHING, Fund(name="Kanoon 9 fund", kanoon=tree.kanoon))
    for person, amount in ((tree.member, 2_000), (tree.other_member, 5_000)):
        account = services.open_account(EVERYTHING, fund, person=person)
        services.deposit(EVERYTHING, account, amount, DAY - dt.timedelta(days=30))
        services.deposit(EVERYTHING, account, amount, DAY - dt.timedelta(days=10))
    return fund


def lines_queries(call) -> list[str]:
    """The statements of ``call`` that read the journal lines."""
    with CaptureQueriesContext(connection) as captured:
        call()
    return [q["sql"] for q in captured.captured_queries if f'FROM "{LINES}"' in q["sql"]]


def assert_through_the_index(sql: str, covering: bool) -> None:
    plan = plan_of(sql)
    if connection.vendor == "postgresql":
        # An index-only scan also needs the visibility map, which a new table lacks: any scan
        # of this index will do here, never a scan of the whole journal.
        assert INDEX in plan and f"Seq Scan on {LINES}" not in plan, plan
    elif covering:  # the sums come from the index alone: no read of the table
        assert f"SEARCH {LINES} USING COVERING INDEX {INDEX}" in plan, plan
    else:  # the lines are found through the index, then read (entry_id, id)
        assert f"SEARCH {LINES} USING INDEX {INDEX}" in plan, plan


@pytest.mark.parametrize("whole_fund", [False, True], ids=["listed", "whole-fund"])
def test_points_at_a_past_date_read_the_lines_from_the_covering_index(
    fund, whole_fund, monkeypatch
):
    if whole_fund:  # the branch of funds with 500 accounts or more: account IN (subquery)
        monkeypatch.setattr(selectors, "LISTED", 0)
    accounts = None if whole_fund else list(fund.accounts.all())
    points = {}
    (sql,) = lines_queries(lambda: points.update(selectors.points_at(fund, DAY, accounts)))
    assert ("IN (SELECT" in sql) == whole_fund
    assert_through_the_index(sql, covering=True)
    # The answer itself: 2,000 held 30 days + 2,000 held 10 days = 80,000 money-days.
    member = fund.accounts.get(person__isnull=False, balance=4_000)
    assert (points[member.pk].balance, points[member.pk].money_days) == (4_000, 80_000)


@pytest.mark.parametrize("report", [reports.accounts_at, reports.trial_balance])
def test_balances_at_a_day_read_the_covering_index(fund, report):
    (sql,) = lines_queries(lambda: report(fund, DAY))
    assert_through_the_index(sql, covering=True)


def test_a_statement_finds_the_account_s_lines_through_the_index(fund):
    member = fund.accounts.filter(person__isnull=False).first()
    (sql,) = lines_queries(lambda: selectors.statement(member))
    assert_through_the_index(sql, covering=False)
