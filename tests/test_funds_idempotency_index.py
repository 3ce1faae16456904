"""A retried posting is found through the unique (fund, key) index, not by reading the fund's
whole journal: with 10 million entries that read took seconds per posting (bench/funds)."""


import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from edupact.core import idempotency
from edupact.core.scoping import Scope
from edupact.funds import services
from edupact.funds.models import Fund, JournalEntry, Loan, PointsTransfer
from edupact.rotating.models import Draw, DuePayment

EVERYTHING = Scope(everything=True)


@pytest.fixture
def fund(tree):
    return services.create_fund(EVERYTHING, Fund(name="Kanoon 9 fund", kanoon=tree.kanoon))


@pytest.mark.parametrize(
    ("model", "index"),
    [
        (JournalEntry, "journalentry_idempotency_unique"),
        (PointsTransfer, "pointstransfer_idempotency_unique"),
        (Loan, "loan_idempotency_unique"),
        (DuePayment, "duepayment_idempotency_unique"),  # rotating funds: the same lookup
        (Draw, "draw_idempotency_unique"),
    ],
)
def test_the_key_lookup_uses_the_partial_unique_index(fund, model, index):
    with CaptureQueriesContext(connection) as captured:
        assert idempotency.by_key(model, "bank-row-17", fund_id=fund.pk) is None
    (query,) = captured.captured_queries
    plan = plan_of(query["sql"])
    if connection.vendor == "postgresql":  # it may pick (fund, date): any index, no full scan
        assert "Index" in plan and "Seq Scan" not in plan
    else:
        assert f"USING INDEX {index}" in plan


def plan_of(sql: str) -> str:
    """The plan the database would run ``sql`` with. PostgreSQL may scan a tiny table
    sequentially whatever the indexes, so scans are priced out there: the question is only
    whether an index serves the lookup (SQLite once read the fund's whole journal)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql)
            return " ".join(row[0] for row in cursor.fetchall())
        cursor.execute("EXPLAIN QUERY PLAN " + sql)
        return " ".join(str(row[-1]) for row in cursor.fetchall())
