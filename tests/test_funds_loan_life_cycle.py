"""The loan life cycle after allocation: guarantors confirming in person, the
guaranteeing-a-defaulter disqualifier, arrears, reminders, early settlement and rescheduling."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from factories import RoleGrantFactory, UserFactory

from edupact.accounts.models import Role
from edupact.accounts.selectors import scope_for
from edupact.core import calendars, sms
from edupact.core.errors import Refused
from edupact.core.scoping import NotFound, ReadOnly, Scope
from edupact.funds import guarantees, reminders, rules, selectors, services, settlement
from edupact.funds.ledger import posting
from edupact.funds.models import (
    EntryKind,
    FeeStrategy,
    Fund,
    FundAccount,
    GuaranteeStatus,
    Instalment,
    JournalEntry,
    Loan,
    LoanProduct,
    LoanStatus,
    Reminder,
)

EVERYTHING = Scope(everything=True)
D = dt.date(2024, 3, 20)  # 1403/01/01


@pytest.fixture(autouse=True)
def locmem_sms(settings):
    settings.EDUPACT_SMS_BACKEND = "edupact.core.sms.LocmemBackend"
    sms.LocmemBackend.outbox.clear()
    yield sms.LocmemBackend.outbox
    sms.LocmemBackend.outbox.clear()


@pytest.fixture
def kanoon(tree):
    """Zahra (member) borrows; Ebrahimi (other member, with a user of his own) and the
    principal guarantee. Everyone saved enough a year before."""
    fund = services.create_fund(EVERYTHING, Fund(name="صندوق کانون ۹", kanoon=tree.kanoon))
    k = type("K", (), {})()
    k.fund = fund
    k.plain = services.save_product(
        EVERYTHING, LoanProduct(fund=fund, code="qard0", max_amount=10**10)
    )
    k.guaranteed = services.save_product(
        EVERYTHING,
        LoanProduct(fund=fund, code="big", max_amount=10**10, guarantors_required=2),
    )
    k.alice = services.open_account(EVERYTHING, fund, person=tree.member)
    k.bob = services.open_account(EVERYTHING, fund, person=tree.other_member)
    k.carol = services.open_account(EVERYTHING, fund, person=tree.principal)
    start = D - dt.timedelta(days=365)
    for account in (k.alice, k.bob, k.carol):
        services.deposit(EVERYTHING, account, 100_000_000, start)
    k.bob_user = UserFactory(username="bob", person=tree.other_member)
    RoleGrantFactory(user=k.bob_user, role=Role.MEMBER, organisation=tree.kanoon)
    k.carol_user = UserFactory(username="carol", person=tree.principal)
    RoleGrantFactory(user=k.carol_user, role=Role.MEMBER, organisation=tree.kanoon)
    return k


def approved(k, product, amount=50_000_000, months=10, account=None):
    loan = services.request_loan(
        EVERYTHING, account or k.alice, product, amount, months, D, reference="L-1"
    )
    loan = services.approve(EVERYTHING, loan, D)
    assert loan.status == LoanStatus.APPROVED, loan.reasons
    return loan


# Guarantors ---------------------------------------------------------------------------------


def test_disbursement_waits_for_enough_confirmed_guarantors(kanoon, tree):
    k = kanoon
    loan = approved(k, k.guaranteed)
    with pytest.raises(Refused) as refused:
        services.disburse(EVERYTHING, loan, D)
    assert refused.value.reason == "guarantors_missing"
    assert "2" in refused.value.messages[0]

    borrower = scope_for(tree.users["member"])
    g1 = guarantees.invite_guarantor(borrower, loan, k.bob, 30_000_000, D)
    g2 = guarantees.invite_guarantor(borrower, loan, k.carol, 10_000_000, D)
    assert g1.status == GuaranteeStatus.INVITED
    guarantees.decide(scope_for(k.bob_user), g1, confirm=True, user=k.bob_user)
    guarantees.decide(scope_for(k.carol_user), g2, confirm=True, user=k.carol_user)
    cover = selectors.guarantee_cover(loan)
    assert (cover.confirmed, cover.committed, cover.sufficient) == (2, 40_000_000, False)
    # Two confirmed, but 40 M does not cover a 50 M loan: still refused.
    with pytest.raises(Refused):
        services.disburse(EVERYTHING, loan, D)
    assert Loan.objects.get(pk=loan.pk).status == LoanStatus.APPROVED
    assert not JournalEntry.objects.filter(loan=loan).exists()

    # A third guarantor who confirms brings the cover to 60 M.
    dave_account = services.open_account(EVERYTHING, k.fund, person=tree.teacher_b)
    dave = UserFactory(username="dave", person=tree.teacher_b)
    RoleGrantFactory(user=dave, role=Role.MEMBER, organisation=tree.kanoon)
    g3 = guarantees.invite_guarantor(EVERYTHING, loan, dave_account, 20_000_000, D)
    guarantees.decide(scope_for(dave), g3, confirm=True, user=dave)
    loan = services.disburse(EVERYTHING, loan, D)
    assert loan.status == LoanStatus.DISBURSED
    g3.refresh_from_db()
    assert g3.decided_by == dave and g3.decided_at is not None


def test_only_the_guarantor_in_person_confirms(kanoon, tree):
    k = kanoon
    loan = approved(k, k.guaranteed)
    g = guarantees.invite_guarantor(EVERYTHING, loan, k.bob, 50_000_000, D)
    # Who reads the guarantee is told only the guarantor decides (403); the borrower and
    # another member, who do not read it as a record, find nothing (404).
    for scope, refusal in (
        (EVERYTHING, ReadOnly),
        (scope_for(tree.users["kanoon_leader"]), ReadOnly),
        (scope_for(tree.users["member"]), NotFound),  # the borrower
        (scope_for(k.carol_user), NotFound),
    ):
        with pytest.raises(refusal) as raised:
            guarantees.decide(scope, g, confirm=True)
        if refusal is ReadOnly:
            assert str(raised.value) == "Only the guarantor can confirm or decline this guarantee."
    g.refresh_from_db()
    assert g.status == GuaranteeStatus.INVITED
    declined = guarantees.decide(scope_for(k.bob_user), g, confirm=False)
    assert declined.status == GuaranteeStatus.DECLINED
    with pytest.raises(Refused) as refused:
        guarantees.decide(scope_for(k.bob_user), g, confirm=True)
    assert refused.value.reason == "guarantee_decided"


@pytest.mark.parametrize(
    "who, reason",
    [("alice", "guarantor_is_borrower"), ("bob", "already_guarantor")],
)
def test_who_may_be_a_guarantor(kanoon, who, reason):
    k = kanoon
    loan = approved(k, k.guaranteed)
    guarantees.invite_guarantor(EVERYTHING, loan, k.bob, 1_000, D)
    with pytest.raises(Refused) as refused:
        guarantees.invite_guarantor(EVERYTHING, loan, getattr(k, who), 1_000, D)
    assert refused.value.reason == reason


def test_a_guarantor_of_another_fund_is_refused(kanoon, tree):
    k = kanoon
    other = services.create_fund(EVERYTHING, Fund(name="other", kanoon=tree.kanoon))
    stranger = services.open_account(EVERYTHING, other, person=tree.other_member)
    loan = approved(k, k.guaranteed)
    with pytest.raises(Refused) as refused:
        guarantees.invite_guarantor(EVERYTHING, loan, stranger, 1_000, D)
    assert refused.value.reason == "guarantor_not_member"


def test_a_colleague_cannot_name_guarantors_for_someone_elses_loan(kanoon):
    k = kanoon
    loan = approved(k, k.guaranteed)
    with pytest.raises(NotFound):  # Bob does not read Zahra's loan
        guarantees.invite_guarantor(scope_for(k.bob_user), loan, k.carol, 1_000, D)


# Disqualifiers and arrears ------------------------------------------------------------------


def test_guaranteeing_a_defaulter_disqualifies(kanoon):
    """Bob guarantees Alice's loan; Alice stops paying. Past the fund's 90 days Bob may not
    borrow; at 90 days exactly not yet (default means *more* than default_after_days)."""
    k = kanoon
    loan = approved(k, k.guaranteed, amount=10_000_000, months=10)
    for guarantor in (k.bob, k.carol):
        g = guarantees.invite_guarantor(EVERYTHING, loan, guarantor, 5_000_000, D)
        g.status = GuaranteeStatus.CONFIRMED
        g.save()
    services.disburse(EVERYTHING, loan, D)
    first_due = Instalment.objects.get(loan=loan, n=1).due  # 1403/02/01 = 2024-04-20
    on_90 = first_due + dt.timedelta(days=90)
    bob = FundAccount.objects.get(pk=k.bob.pk)
    request = Loan(
        fund=k.fund, account=bob, product=k.plain, amount=1_000, months=10, requested_on=on_90
    )
    request.points_needed = rules.points_needed(1_000, 10, k.fund.loan_factor)
    reasons, _ = services.eligibility(request, on_90)
    assert "guaranteeing_defaulter" not in reasons
    reasons, _ = services.eligibility(request, on_90 + dt.timedelta(days=1))
    assert reasons == ["guaranteeing_defaulter"]
    # The borrower herself has overdue instalments.
    alice_request = Loan(
        fund=k.fund,
        account=FundAccount.objects.get(pk=k.alice.pk),
        product=k.plain,
        amount=1_000,
        months=10,
        points_needed=1,
    )
    assert "overdue_instalments" in services.eligibility(alice_request, on_90)[0]
    overdue = selectors.loan_overdue(loan, on_90 + dt.timedelta(days=1))
    assert overdue.late_days == 91 and overdue.oldest_due == first_due
    assert [i.n for i in overdue.instalments] == [1, 2, 3]
    assert overdue.amount == 3_000_000
    # A longer default threshold lifts it.
    k.fund.default_after_days = 120
    k.fund.save()
    request.account.fund.refresh_from_db()
    assert services.eligibility(request, on_90 + dt.timedelta(days=1))[0] == []
    assert str(services.reason_message("guaranteeing_defaulter"))


# Early settlement ---------------------------------------------------------------------------


def declining_loan(k, amount=100_000_000, months=10, strategy=FeeStrategy.DECLINING_BALANCE):
    product = services.save_product(
        EVERYTHING,
        LoanProduct(
            fund=k.fund,
            code=f"fee-{strategy}",
            max_amount=10**10,
            max_months=60,
            fee_strategy=strategy,
            fee_rate_percent=2,
        ),
    )
    loan = approved(k, product, amount=amount, months=months)
    return services.disburse(EVERYTHING, loan, D)


def test_settlement_worked_example_declining_balance(kanoon):
    """docs/fund-scenarios.md: 100 M rials over 10 months at 2 %: fee 916,667; three
    instalments paid; settled on 1403/04/15 the 7 periods not yet due are waived:
    100,000,000 × 2 × 7 × 8 / (2400 × 10) = 466,666.67 → 466,667."""
    k = kanoon
    loan = declining_loan(k)
    assert loan.fee_total == 916_667
    services.repay(EVERYTHING, loan, 3 * 10_091_666, dt.date(2024, 6, 21))
    on = dt.date(2024, 7, 5)  # 1403/04/15
    loan.refresh_from_db()
    quote = settlement.settlement_quote(loan, on)
    assert (quote.outstanding, quote.fee_waived, quote.to_pay) == (
        70_641_669,
        466_667,
        70_175_002,
    )
    entries_before = list(JournalEntry.objects.filter(loan=loan).values_list("id", "kind"))
    settled = settlement.settle(EVERYTHING, loan, on, idempotency_key="settle-1")
    assert settled.status == LoanStatus.REPAID and settled.outstanding == 0
    assert settled.fee_waived == 466_667
    # Compensating entries only: the old ones are unchanged, a waiver and a payment added.
    after = list(JournalEntry.objects.filter(loan=loan).values_list("id", "kind"))
    assert after[: len(entries_before)] == entries_before
    assert [kind for _, kind in after[len(entries_before) :]] == [
        EntryKind.FEE_WAIVER,
        EntryKind.REPAYMENT,
    ]
    fee_income = posting.system_account(k.fund, "fee_income")
    assert fee_income.balance == 916_667 - 466_667
    # The replaced instalments stay as history.
    history = selectors.schedule_history(settled)
    assert len(history) == 1 and [i.n for i in history[0][1]] == [4, 5, 6, 7, 8, 9, 10]
    current = list(settled.instalments.current().order_by("n"))
    assert [(i.n, i.amount, i.paid) for i in current][-1] == (11, 70_175_002, 70_175_002)
    assert services.verify(k.fund) == []
    # A retry with the same key changes nothing.
    again = settlement.settle(EVERYTHING, loan, on, idempotency_key="settle-1")
    assert again.pk == loan.pk
    assert JournalEntry.objects.filter(loan=loan).count() == len(after)


def test_settling_before_the_first_instalment_waives_the_whole_declining_fee(kanoon):
    k = kanoon
    loan = declining_loan(k)
    quote = settlement.settlement_quote(loan, D + dt.timedelta(days=5))
    assert quote.fee_waived == loan.fee_total and quote.to_pay == loan.amount


def test_annual_fee_of_years_not_started_is_waived(kanoon):
    """24 months, 2 % a year on the outstanding: 1,000,000 with instalment 1 and 500,000
    with instalment 13. Settled on instalment 12's day, only year 2's fee is waived."""
    k = kanoon
    loan = declining_loan(
        k, amount=50_000_000, months=24, strategy=FeeStrategy.ANNUAL_ON_OUTSTANDING
    )
    assert loan.fee_total == 1_500_000
    on = calendars.add_months(D, 12, "jalali")
    assert settlement.settlement_quote(loan, on).fee_waived == 500_000
    assert settlement.settlement_quote(loan, calendars.add_months(D, 13, "jalali")).fee_waived == 0


@pytest.mark.parametrize("strategy", [FeeStrategy.FLAT_UPFRONT, FeeStrategy.ZERO])
def test_fees_charged_once_are_not_waived(kanoon, strategy):
    loan = declining_loan(kanoon, strategy=strategy)
    assert settlement.settlement_quote(loan, D + dt.timedelta(days=40)).fee_waived == 0


def test_only_the_borrower_or_a_leader_settles(kanoon, tree):
    k = kanoon
    loan = declining_loan(k)
    with pytest.raises(NotFound):  # Bob does not read Zahra's loan
        settlement.settle(scope_for(k.bob_user), loan, D + dt.timedelta(days=1))
    # The borrower's word alone posts no money paid in (issue 9 §8: a claim, in payments).
    with pytest.raises(services.Refused) as refused:
        settlement.settle(scope_for(tree.users["member"]), loan, D + dt.timedelta(days=1))
    assert refused.value.reason == "confirmation_needed"
    leader = scope_for(tree.users["kanoon_leader"])
    settled = settlement.settle(leader, loan, D + dt.timedelta(days=1))
    assert settled.status == LoanStatus.REPAID


# Rescheduling -------------------------------------------------------------------------------


def test_rescheduling_keeps_the_old_instalments_as_history(kanoon, tree):
    k = kanoon
    loan = approved(k, k.plain, amount=10_000, months=10)
    loan = services.disburse(EVERYTHING, loan, D)
    services.repay(EVERYTHING, loan, 2_500, dt.date(2024, 5, 25))  # 2 paid, #3 half paid
    on = dt.date(2024, 6, 25)
    with pytest.raises(ReadOnly):  # the borrower reads her loan; a leader reschedules it
        settlement.reschedule(scope_for(tree.users["member"]), loan, 4, on, "illness")
    with pytest.raises(ValidationError):
        settlement.reschedule(EVERYTHING, loan, 4, on, "  ")
    change = settlement.reschedule(scope_for(tree.users["kanoon_leader"]), loan, 4, on, "illness")
    loan.refresh_from_db()
    assert change.outstanding == loan.outstanding == 7_500
    current = list(loan.instalments.current().order_by("n"))
    assert [(i.n, i.amount, i.paid) for i in current] == [
        (1, 1_000, 1_000),
        (2, 1_000, 1_000),
        (11, 1_875, 0),
        (12, 1_875, 0),
        (13, 1_875, 0),
        (14, 1_875, 0),
    ]
    # Months of the fund's calendar from the rescheduling day (1403/04/05 → 1403/05/05 …).
    assert current[2].due == calendars.add_months(on, 1, "jalali")
    replaced = change.superseded.order_by("n")
    assert [(i.n, i.paid) for i in replaced] == [(n, 500 if n == 3 else 0) for n in range(3, 11)]
    assert Instalment.objects.filter(loan=loan).count() == 14  # nothing deleted
    assert services.verify(k.fund) == []
    # Repayments now follow the new schedule; the old rows are left alone.
    services.repay(EVERYTHING, loan, 2_000, on + dt.timedelta(days=40))
    assert [i.paid for i in loan.instalments.current().order_by("n")][2:] == [1_875, 125, 0, 0]
    assert change.superseded.get(n=3).paid == 500
    # Nothing is late on the day the new first instalment falls due.
    assert selectors.loan_overdue(loan, current[2].due).instalments == []


# Reminders ----------------------------------------------------------------------------------


def test_reminders_once_per_instalment_kind_and_day(kanoon, tree, locmem_sms):
    k = kanoon
    loan = services.disburse(EVERYTHING, approved(k, k.plain, amount=10_000, months=10), D)
    first = Instalment.objects.get(loan=loan, n=1)
    three_before = first.due - dt.timedelta(days=3)
    assert reminders.send_reminders(three_before)["sent"] == 1
    assert reminders.send_reminders(three_before) == {
        "sent": 0,
        "already_sent": 1,
        "no_mobile": 0,
    }
    assert len(locmem_sms) == 1
    text = locmem_sms[0].body
    assert locmem_sms[0].to == tree.member.phone
    # Zahra's language is Persian: Persian digits and the Jalali due date.
    assert "۱۴۰۳/۰۲/۰۱" in text and "L-1" in text
    # Two instalments late: one reminder for the loan, through the command.
    late = first.due + dt.timedelta(days=35)
    call_command("fund", "remind", "--on", late.isoformat())
    reminder = Reminder.objects.get(kind="overdue")
    assert reminder.instalment == first and reminder.on == late
    assert len(locmem_sms) == 2
    call_command("fund", "remind", "--on", late.isoformat())
    assert len(locmem_sms) == 2


def test_reminder_in_the_members_language(kanoon, tree, locmem_sms):
    k = kanoon
    assert reminders.language_of(Instalment(loan=Loan(fund=k.fund, account=k.bob))) == "fa"
    member = tree.users["member"]
    member.language = "en"
    member.save()
    loan = services.disburse(EVERYTHING, approved(k, k.plain, amount=10_000, months=10), D)
    first = Instalment.objects.get(loan=loan, n=1)
    reminders.send_reminders(first.due - dt.timedelta(days=3))
    assert "instalment 1 of your loan L-1" in locmem_sms[0].body
    assert reminders.language_of(first) == "en"


def test_the_reminder_task(kanoon, locmem_sms):
    from edupact.funds.tasks import send_reminders

    k = kanoon
    loan = services.disburse(EVERYTHING, approved(k, k.plain, amount=10_000, months=10), D)
    due = Instalment.objects.get(loan=loan, n=1).due
    result = send_reminders.enqueue((due - dt.timedelta(days=3)).isoformat())
    assert result.return_value["sent"] == 1


def test_accounts_unchanged_by_reading(kanoon):
    """Reading the cover and arrears writes nothing."""
    k = kanoon
    before = list(FundAccount.objects.values_list("balance", flat=True))
    loan = approved(k, k.guaranteed)
    selectors.guarantee_cover(loan)
    selectors.loan_overdue(loan, D)
    assert list(FundAccount.objects.values_list("balance", flat=True)) == before
