"""The bounds hold on the real ledger, on both databases (issue 9, section 1).

Random sequences of deposits, withdrawals and gifts of points within the bounds, dated
anywhere in the century the bounds allow (2000–2099, the simulator's clock), never overflow
the money-days or points sums — in the running sums, in the closed form over the journal
(``points_at``) or in the SQL that sums a whole fund (``fund_summary``) — and balances read
back as integers. Anything beyond the bounds is refused and changes nothing. Then the largest
fund the bounds allow, held for a century, checked the same way.
"""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edupact.core import bounds
from edupact.core.scoping import Scope
from edupact.directory import services as directory
from edupact.directory.models import Organisation, Person
from edupact.funds import selectors, services
from edupact.funds.ledger import posting
from edupact.funds.models import Fund, FundAccount, JournalEntry, LoanProduct, LoanStatus

EVERYTHING = Scope(everything=True)
START = bounds.MONEY_DATE_MIN
END = bounds.DATE_MAX
MEMBERS = 3

days = st.integers(0, bounds.CENTURY_DAYS - 1).map(lambda n: START + dt.timedelta(days=n))
amounts = st.one_of(
    st.integers(1, bounds.MAX_AMOUNT), st.just(bounds.MAX_AMOUNT), st.integers(1, 10**6)
)
operations = st.lists(
    st.tuples(
        st.sampled_from(["deposit", "deposit", "withdraw", "gift"]),
        st.integers(0, MEMBERS - 1),
        st.integers(0, MEMBERS - 1),
        amounts,
        days,
    ),
    min_size=1,
    max_size=12,
)
beyond = st.one_of(
    st.tuples(st.integers(bounds.MAX_AMOUNT + 1, 2**80), days),
    st.tuples(st.integers(-(2**70), 0), days),
    st.tuples(st.sampled_from([True, False]), days),
    st.tuples(
        st.integers(1, bounds.MAX_AMOUNT),
        st.one_of(
            st.dates(max_value=START - dt.timedelta(days=1)),
            st.dates(min_value=END + dt.timedelta(days=1)),
        ),
    ),
)


@pytest.fixture
def fund(db):
    """A fund whose every money-day is a point (the most points a balance can earn)."""
    kanoon = directory.save_organisation(
        EVERYTHING, Organisation(name="K", kind=Organisation.Kind.KANOON, country="IR")
    )
    fund = services.create_fund(
        EVERYTHING, Fund(name="F", kanoon=kanoon, days_per_unit=1, min_history_days=0)
    )
    people = [
        directory.save_person(EVERYTHING, Person(family_name=f"M{i}", home_organisation=kanoon))
        for i in range(MEMBERS)
    ]
    accounts = [services.open_account(EVERYTHING, fund, person=p) for p in people]
    return fund, accounts


def snapshot(fund) -> tuple:
    return (
        JournalEntry.objects.filter(fund=fund).count(),
        sorted(
            FundAccount.objects.filter(fund=fund).values_list(
                "pk",
                "balance",
                "last_posting_date",
                "money_days_at_last_posting",
                "points_received",
                "points_given",
            )
        ),
    )


def check_integers(fund) -> None:
    """Every running sum an integer within its bound, as stored and as read back."""
    for row in FundAccount.objects.filter(fund=fund).values_list(
        "balance", "money_days_at_last_posting", "points_received", "points_given", "points_used"
    ):
        assert all(type(value) is int for value in row), row
        balance, money_days, *points = row
        assert abs(balance) <= bounds.MAX_BALANCE
        assert abs(money_days) <= bounds.INT64_MAX
        assert all(0 <= p <= 2 * bounds.MAX_POINTS for p in points)
    if connection.vendor == "sqlite":  # an overflow would be stored as REAL
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT typeof(balance), typeof(money_days_at_last_posting), "
                "typeof(points_received), typeof(points_given) "
                f"FROM {FundAccount._meta.db_table} WHERE fund_id = %s",
                [fund.pk],
            )
            assert {t for row in cursor.fetchall() for t in row} == {"integer"}


def check_sums(fund, on: dt.date) -> None:
    """The closed form over the journal, the fund's SQL totals and the running sums agree,
    in integers, on ``on`` (the end of the century by default)."""
    accounts = list(FundAccount.objects.filter(fund=fund).select_related("fund"))
    journal = selectors.points_at(fund, on, accounts)
    for account in accounts:
        running = selectors.account_points(account, on)
        assert journal[account.pk] == running
        assert all(
            type(getattr(running, name)) is int
            for name in ("balance", "money_days", "earned", "received", "given")
        )
        assert 0 <= running.money_days <= bounds.INT64_MAX or account.kind != "member"
    summary = selectors.fund_summary(fund, on)
    assert type(summary["points_available"]) is int and type(summary["deposits"]) is int
    members = [a for a in accounts if a.kind == "member"]
    assert summary["points_available"] == sum(journal[a.pk].available for a in members)
    assert services.verify(fund) == []


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations)
def test_postings_within_the_bounds_never_overflow(fund, ops):
    fund, accounts = fund
    with bounds.postings_until(END), transaction.atomic():
        for kind, a, b, amount, on in ops:
            before = snapshot(fund)
            try:
                if kind == "deposit":
                    services.deposit(EVERYTHING, accounts[a], amount, on)
                elif kind == "withdraw":
                    services.withdraw(EVERYTHING, accounts[a], amount, on)
                else:
                    giver = FundAccount.objects.get(pk=accounts[a].pk)
                    free = selectors.account_points(giver, on).available
                    points = max(1, min(amount, free))
                    services.gift_points(EVERYTHING, giver, accounts[b], points, on)
            except services.Refused:  # above the balance or the points, backdated, to oneself
                assert snapshot(fund) == before
            check_integers(fund)
        check_sums(fund, END)
        transaction.set_rollback(True)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(beyond, st.integers(0, MEMBERS - 1), st.sampled_from(["deposit", "withdraw"]))
def test_anything_beyond_the_bounds_is_refused_and_changes_nothing(fund, value, who, kind):
    fund, accounts = fund
    amount, on = value
    with bounds.postings_until(END), transaction.atomic():
        services.deposit(EVERYTHING, accounts[who], 1_000, START)
        before = snapshot(fund)
        move = services.deposit if kind == "deposit" else services.withdraw
        with pytest.raises(ValidationError) as refused:
            move(EVERYTHING, accounts[who], amount, on)
        assert set(refused.value.message_dict) <= {"amount", "on"}
        assert snapshot(fund) == before
        transaction.set_rollback(True)


def test_the_largest_fund_over_a_century(fund):
    """The most the bounds allow: the pool full on the first day of 2000, lent out in full
    the next day and filled again, so that the members own twice ``MAX_BALANCE``; a century
    later every sum — each member's, the fund's in SQL, the journal's — is an exact 64-bit
    integer, with a point per money-day."""
    fund, members = fund
    product = services.save_product(
        EVERYTHING,
        LoanProduct(fund=fund, code="max", max_amount=bounds.MAX_AMOUNT, max_months=1),
    )
    with bounds.postings_until(END):

        def fill(on: dt.date) -> None:
            """Deposits round the members until the pool holds ``MAX_BALANCE``."""
            n = 0
            while room := bounds.MAX_BALANCE - posting.system_account(fund, "pool").balance:
                services.deposit(EVERYTHING, members[n % 3], min(room, bounds.MAX_AMOUNT), on)
                n += 1

        fill(START)
        lent_on = START + dt.timedelta(days=1)
        for n in range(bounds.MAX_BALANCE // bounds.MAX_AMOUNT):
            loan = services.request_loan(
                EVERYTHING, members[n % 3], product, bounds.MAX_AMOUNT, 1, lent_on
            )
            loan = services.approve(EVERYTHING, loan, lent_on)
            assert loan.status == LoanStatus.APPROVED, loan.reasons
            services.disburse(EVERYTHING, loan, lent_on)
        assert posting.system_account(fund, "pool").balance == 0
        fill(lent_on)
        with pytest.raises(services.Refused):
            services.deposit(EVERYTHING, members[0], 1, lent_on)
    owned = sum(FundAccount.objects.get(pk=a.pk).balance for a in members)
    assert owned == 2 * bounds.MAX_BALANCE
    check_integers(fund)
    check_sums(fund, END)
    summary = selectors.fund_summary(fund, END)
    assert summary["points_available"] > 7 * 10**18  # close to 2^63, and still exact
