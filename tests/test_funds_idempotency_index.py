"""A retried posting is found through the unique (fund, key) index, not by reading the fund's
whole journal: with 10 million entries that read took seconds per posting (bench/funds)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from edupact.core.scoping import Scope
from edupact.funds import services
from edupact.funds.models import Fund, JournalEntry, Loan, PointsTransfer

EVERYTHING = Scope(everything=True)


@pytest.fixture
def fund(tree):
    return services.create_fund(EVERYTHING, Fund(name="Kanoon 9 fund", kanoon=tree.kanoon))


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="PostgreSQL proves key = 'x' implies key <> ''"
)
@pytest.mark.parametrize(
    ("model", "index"),
    [
        (JournalEntry, "journalentry_idempotency_unique"),
        (PointsTransfer, "pointstransfer_idempotency_unique"),
        (Loan, "loan_idempotency_unique"),
    ],
)
def test_the_key_lookup_uses_the_partial_unique_index(fund, model, index):
    with CaptureQueriesContext(connection) as captured:
        assert services._by_key(model, fund, "bank-row-17") is None
    (query,) = captured.captured_queries
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + query["sql"])
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert f"USING INDEX {index}" in plan


def test_a_retried_deposit_is_found_by_its_key(fund, tree):
    alice = services.open_account(EVERYTHING, fund, person=tree.member)
    day = dt.date(2024, 3, 20)
    first = services.deposit(EVERYTHING, alice, 1_000, day, idempotency_key="bank-row-17")
    assert services._by_key(JournalEntry, fund, "bank-row-17") == first
    assert services._by_key(JournalEntry, fund, "") is None  # unkeyed entries never match
    services.deposit(EVERYTHING, alice, 500, day)
    assert services._by_key(JournalEntry, fund, "") is None
