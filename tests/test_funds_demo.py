"""The funds demo: the District 9 kanoon's fund over 1396/02–1397/01, loaded by ``edupact
demo`` once, through the services, with loans in every state and a sound ledger."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction

from edupact.funds import selectors, services
from edupact.funds.demo import END, FUND_NAME, FundDemo, counts, load_funds_demo
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
