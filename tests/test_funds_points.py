"""Points, gifts, pledges and the loan life cycle through the services."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from edupact.accounts.selectors import scope_for
from edupact.core.errors import Refused
from edupact.core.scoping import NotFound, Scope
from edupact.funds import selectors, services
from edupact.funds.ledger import posting
from edupact.funds.models import (
    AccountKind,
    FeeStrategy,
    Fund,
    FundAccount,
    Loan,
    LoanProduct,
    LoanStatus,
    PointsTransfer,
    PointsUse,
    TransferKind,
)

EVERYTHING = Scope(everything=True)
D = dt.date(2017, 4, 9)  # 1396/01/20
M = 1_000_000_000  # 100 M toman in rials


@pytest.fixture(autouse=True)
def _english():
    """Messages are matched in the source language (the default language is Persian)."""
    with translation.override("en"):
        yield


def days(n):
    return D + dt.timedelta(days=n)


@pytest.fixture
def fund(tree):
    return services.create_fund(EVERYTHING, Fund(name="Kanoon 9 fund", kanoon=tree.kanoon))


@pytest.fixture
def standard(fund):
    return services.save_product(
        EVERYTHING,
        LoanProduct(
            fund=fund,
            code="standard",
            max_amount=3 * M,
            fee_strategy=FeeStrategy.DECLINING_BALANCE,
            fee_rate_percent=2,
            open_requests=10,
        ),
    )


@pytest.fixture
def qard0(fund):
    return services.save_product(
        EVERYTHING,
        LoanProduct(fund=fund, code="qard0", max_amount=3 * M, max_months=36, open_requests=10),
    )


@pytest.fixture
def alice(fund, tree):
    return services.open_account(EVERYTHING, fund, person=tree.member)


@pytest.fixture
def bob(fund, tree):
    return services.open_account(EVERYTHING, fund, person=tree.other_member)


def fresh(account):
    return FundAccount.objects.get(pk=account.pk)


def points(account, on):
    return selectors.account_points(fresh(account), on)


def test_200m_toman_held_180_days_earns_a_200m_loan_over_10_months(fund, alice, standard):
    services.deposit(EVERYTHING, alice, 2 * M, D)
    # 2e9 × 180 days = 3.6e11 money-days; / 180 = 2e9 points; the loan needs 2e9 × 10 / 10.
    p = points(alice, days(180))
    assert (p.money_days, p.earned, p.available) == (360 * M, 2 * M, 2 * M)
    loan = services.request_loan(EVERYTHING, alice, standard, 2 * M, 10, days(180))
    assert loan.points_needed == 2 * M
    [decided] = services.allocate(EVERYTHING, fund, days(180))
    assert (decided.status, decided.points_used, decided.reasons) == (
        LoanStatus.APPROVED,
        2 * M,
        [],
    )
    assert points(alice, days(180)).available == 0
    # Deposits are not frozen by the loan: they keep earning.
    assert points(alice, days(360)).available == 2 * M


def test_one_day_short_is_not_enough(fund, alice, standard):
    services.deposit(EVERYTHING, alice, 2 * M, D)
    services.request_loan(EVERYTHING, alice, standard, 2 * M, 10, days(179))
    [loan] = services.allocate(EVERYTHING, fund, days(179))
    # 2e9 × 179 / 180 = 1,988,888,888 points < 2e9.
    assert loan.status == LoanStatus.REJECTED
    assert loan.reasons == ["points_insufficient"]
    assert points(alice, days(179)).available == 1_988_888_888


def test_a_rejection_lists_every_reason(fund, alice, standard):
    services.deposit(EVERYTHING, alice, 10, D)
    standard.blackout_months = [1]  # Farvardin
    standard.cooling_off_days = 0
    standard.save()
    services.request_loan(EVERYTHING, alice, standard, 4 * M, 61, days(1))
    [loan] = services.allocate(EVERYTHING, fund, days(1))
    assert loan.reasons == [
        "amount_above_maximum",
        "term_out_of_range",
        "points_insufficient",
        "history_too_short",
        "blackout_month",
    ]
    assert loan.points_used == 0
    assert "maximum" in services.reason_message("amount_above_maximum")


def test_fifo_serves_requests_in_order_until_points_run_out(fund, alice, standard):
    services.deposit(EVERYTHING, alice, 2 * M, D)
    first = services.request_loan(EVERYTHING, alice, standard, M, 10, days(100))
    second = services.request_loan(EVERYTHING, alice, standard, M, 10, days(101))
    third = services.request_loan(EVERYTHING, alice, standard, M, 10, days(102))
    # At day 180: 2e9 points; each request needs 1e9.
    services.allocate(EVERYTHING, fund, days(180))
    statuses = [Loan.objects.get(pk=x.pk).status for x in (first, second, third)]
    assert statuses == [LoanStatus.APPROVED, LoanStatus.APPROVED, LoanStatus.REJECTED]


def test_an_unknown_policy_is_refused(fund):
    with pytest.raises(ValidationError, match="auction"):
        services.allocate(EVERYTHING, fund, D, policy="auction")


def test_gifts_move_points_and_never_more_than_available(fund, alice, bob):
    services.deposit(EVERYTHING, alice, 180, D)  # earns 1 point a day
    gift = services.gift_points(EVERYTHING, alice, bob, 30, days(50))
    assert gift.kind == TransferKind.GIFT
    assert points(alice, days(50)).available == 20
    assert points(bob, days(50)).available == 30
    with pytest.raises(Refused) as refused:
        services.gift_points(EVERYTHING, alice, bob, 21, days(50))
    assert refused.value.reason == "above_available_points"
    with pytest.raises(Refused):
        services.gift_points(EVERYTHING, alice, alice, 1, days(50))
    assert PointsTransfer.objects.count() == 1
    # History on both sides.
    assert list(selectors.transfers_of(alice)) == list(selectors.transfers_of(bob)) == [gift]


def test_a_gift_retried_with_its_key_is_given_once(fund, alice, bob):
    services.deposit(EVERYTHING, alice, 180, D)
    a = services.gift_points(EVERYTHING, alice, bob, 5, days(10), idempotency_key="g1")
    b = services.gift_points(EVERYTHING, alice, bob, 5, days(10), idempotency_key="g1")
    assert a == b
    assert points(bob, days(10)).received == 5


def test_a_member_gives_their_own_points_but_not_someone_elses(fund, alice, bob, tree):
    services.deposit(EVERYTHING, alice, 180, D)
    services.deposit(EVERYTHING, bob, 180, D)
    member = scope_for(tree.users["member"])  # the member user is alice's person
    services.gift_points(member, alice, bob, 1, days(10))
    with pytest.raises(NotFound):  # Bob's account is not hers to see, let alone to give from
        services.gift_points(member, bob, alice, 1, days(10))


def test_gifted_points_make_up_for_a_short_history(fund, alice, bob, standard):
    services.deposit(EVERYTHING, alice, 2 * M, D)
    services.deposit(EVERYTHING, bob, 1_000, days(179))  # bob joined yesterday
    services.gift_points(EVERYTHING, alice, bob, M, days(180))
    services.request_loan(EVERYTHING, bob, standard, M, 10, days(180))
    [loan] = services.allocate(EVERYTHING, fund, days(180))
    assert loan.status == LoanStatus.APPROVED


def test_zero_fee_only_points_cannot_pay_for_a_fee_loan(fund, alice, bob, standard, qard0):
    services.deposit(EVERYTHING, alice, 2 * M, D)
    services.gift_points(EVERYTHING, alice, bob, M, days(180), use=PointsUse.ZERO_FEE_LOAN)
    with_fee = services.request_loan(EVERYTHING, bob, standard, 100, 10, days(180))
    zero_fee = services.request_loan(EVERYTHING, bob, qard0, M, 10, days(180))
    services.allocate(EVERYTHING, fund, days(180))
    assert Loan.objects.get(pk=with_fee.pk).reasons == ["points_insufficient"]
    assert Loan.objects.get(pk=zero_fee.pk).status == LoanStatus.APPROVED
    assert points(bob, days(180)).restricted == 0
    # Nor can they be given on.
    services.gift_points(EVERYTHING, alice, bob, 10, days(181), use=PointsUse.ZERO_FEE_LOAN)
    with pytest.raises(Refused):
        services.gift_points(EVERYTHING, bob, alice, 1, days(181))


def test_disbursement_fixes_fee_and_schedule_and_repayments_take_the_oldest_first(
    fund, alice, standard
):
    services.deposit(EVERYTHING, alice, 2 * M, D)
    loan = services.request_loan(EVERYTHING, alice, standard, 2 * M, 10, days(180))
    services.allocate(EVERYTHING, fund, days(180))
    loan = services.disburse(EVERYTHING, loan, days(181), idempotency_key="pay-L1")
    assert services.disburse(EVERYTHING, loan, days(181), idempotency_key="pay-L1") == loan
    # Fee 2e9 × 2 × 11 / 2400 = 18,333,333; owed 2,018,333,333.
    assert (loan.status, loan.fee_total, loan.outstanding) == (
        LoanStatus.DISBURSED,
        18_333_333,
        2_018_333_333,
    )
    receivable = FundAccount.objects.get(fund=fund, kind=AccountKind.LOANS_RECEIVABLE)
    fees = posting.system_account(fund, AccountKind.FEE_INCOME)
    pool = posting.system_account(fund, AccountKind.POOL)
    assert (receivable.balance, fees.balance, pool.balance) == (2_018_333_333, 18_333_333, 0)
    # 300,000,000 pays instalment 1 (201,833,333) and 98,166,667 of instalment 2.
    services.repay(EVERYTHING, loan, 300_000_000, days(200))
    paid = list(loan.instalments.values_list("paid", flat=True)[:3])
    assert paid == [201_833_333, 98_166_667, 0]
    with pytest.raises(Refused) as refused:
        services.repay(EVERYTHING, loan, 2 * M, days(201))
    assert refused.value.reason == "above_outstanding"
    services.repay(EVERYTHING, loan, 1_718_333_333, days(202))
    loan.refresh_from_db()
    assert (loan.status, loan.outstanding, loan.repaid_on) == (LoanStatus.REPAID, 0, days(202))
    assert services.verify(fund) == []


def test_only_approved_loans_are_paid_out_and_only_paid_out_loans_repaid(fund, alice, standard):
    loan = services.request_loan(EVERYTHING, alice, standard, 100, 10, D)
    with pytest.raises(Refused) as refused:
        services.disburse(EVERYTHING, loan, D)
    assert refused.value.reason == "loan_not_approved"
    with pytest.raises(Refused) as refused:
        services.repay(EVERYTHING, loan, 1, D)
    assert refused.value.reason == "loan_not_disbursed"


def test_overdue_instalments_and_cooling_off_disqualify(fund, alice, standard):
    standard.cooling_off_days = 365
    standard.save()
    services.deposit(EVERYTHING, alice, 4 * M, D)
    first = services.request_loan(EVERYTHING, alice, standard, M, 10, days(100))
    services.allocate(EVERYTHING, fund, days(100))
    services.disburse(EVERYTHING, first, days(100))
    services.request_loan(EVERYTHING, alice, standard, M, 2, days(200))
    [second] = services.allocate(EVERYTHING, fund, days(200))
    assert second.reasons == ["cooling_off", "overdue_instalments"]


def test_a_pledge_goes_back_to_its_giver_after_repayment(fund, alice, bob, qard0):
    services.deposit(EVERYTHING, alice, 180 * 1_000, D)  # earns 1,000 points a day
    services.deposit(EVERYTHING, bob, 180, D)  # earns 1 a day
    services.gift_points(EVERYTHING, alice, bob, 5_000, days(100), kind=TransferKind.PLEDGE)
    loan = services.request_loan(EVERYTHING, bob, qard0, 5_000, 10, days(100))
    services.allocate(EVERYTHING, fund, days(100))
    # bob: 100 earned + 5,000 pledged − 5,000 used.
    assert points(bob, days(100)).available == 100
    assert points(alice, days(100)).available == 95_000
    services.disburse(EVERYTHING, loan, days(100))
    services.repay(EVERYTHING, loan, 5_000, days(130))
    # alice has her 5,000 back; bob keeps what he earned (130), his loan's use released.
    assert points(alice, days(130)).available == 130_000
    assert points(bob, days(130)).available == 130
    returned = PointsTransfer.objects.get(kind=TransferKind.RETURN)
    assert (returned.from_account, returned.to_account, returned.points) == (bob, alice, 5_000)
    assert services.verify(fund) == []


def test_points_of_every_account_at_a_past_date_match_the_running_sums(fund, alice, bob, standard):
    services.deposit(EVERYTHING, alice, 2 * M, D)
    services.deposit(EVERYTHING, bob, M, days(30))
    services.gift_points(EVERYTHING, alice, bob, 10_000, days(40))
    loan = services.request_loan(EVERYTHING, bob, standard, 1_000, 10, days(100))
    services.allocate(EVERYTHING, fund, days(100))
    services.disburse(EVERYTHING, loan, days(101))
    services.withdraw(EVERYTHING, alice, M, days(120))
    on = days(150)
    at = selectors.points_at(fund, on)
    for account in (alice, bob):
        assert at[account.pk] == points(account, on)


def test_the_loans_an_organisations_points_enabled(fund, alice, bob, qard0, tree):
    school = services.open_account(
        EVERYTHING, fund, organisation=tree.school_a, decider_person=tree.principal
    )
    services.deposit(EVERYTHING, school, 180_000, D)  # 1,000 points a day
    services.gift_points(EVERYTHING, school, alice, 50_000, days(60))
    helped = services.request_loan(EVERYTHING, alice, qard0, 50_000, 10, days(61))
    services.deposit(EVERYTHING, bob, 180_000, D)
    own = services.request_loan(EVERYTHING, bob, qard0, 50_000, 10, days(100))
    services.allocate(EVERYTHING, fund, days(100))
    assert Loan.objects.get(pk=own.pk).status == LoanStatus.APPROVED
    assert list(selectors.loans_enabled_by(school)) == [helped]


def test_arrears_count_only_late_unpaid_instalments_from_the_day_after_they_fall_due(
    fund, alice, standard
):
    services.deposit(EVERYTHING, alice, 2 * M, D)
    loan = services.request_loan(EVERYTHING, alice, standard, 2 * M, 10, days(180))
    services.allocate(EVERYTHING, fund, days(180))
    loan = services.disburse(EVERYTHING, loan, days(181), idempotency_key="pay-L1")
    first, second = loan.instalments.order_by("n")[:2]
    assert selectors.arrears(fund, first.due).count() == 0  # due today is not late
    services.repay(EVERYTHING, loan, 100_000_000, first.due)
    on = second.due + dt.timedelta(days=5)
    (late,) = selectors.arrears(fund, on)
    # Instalment 1: 201,833,333 − 100,000,000 unpaid; instalment 2 wholly unpaid.
    assert (late.overdue_count, late.overdue_amount) == (2, 101_833_333 + second.amount)
    assert selectors.late_days(late.oldest_due, on) == (on - first.due).days
    assert selectors.overdue_instalments(fund, on).count() == 2
    assert selectors.fund_summary(fund, on)["overdue"] == 1
