"""The double-entry ledger: balanced, append-only, idempotent, never below zero, scoped."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.utils import translation

from edupact.accounts.selectors import scope_for
from edupact.core.errors import Refused
from edupact.core.scoping import NotFound, ReadOnly, Scope
from edupact.funds import selectors, services
from edupact.funds.ledger import posting
from edupact.funds.models import (
    AccountKind,
    EntryKind,
    Fund,
    FundAccount,
    JournalEntry,
    JournalLine,
    day_number,
)

EVERYTHING = Scope(everything=True)
D = dt.date(2024, 3, 20)


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
def alice(fund, tree):
    return services.open_account(EVERYTHING, fund, person=tree.member)


@pytest.fixture
def bob(fund, tree):
    return services.open_account(EVERYTHING, fund, person=tree.other_member)


def fresh(account):
    return FundAccount.objects.get(pk=account.pk)


def test_a_fund_takes_its_kanoons_currency_and_calendar_and_has_its_own_accounts(fund):
    assert (fund.currency, fund.calendar) == ("IRR", "jalali")
    kinds = set(fund.accounts.values_list("kind", flat=True))
    assert kinds == {AccountKind.POOL, AccountKind.FEE_INCOME, AccountKind.ADJUSTMENT}


def test_deposit_posts_a_balanced_entry_and_updates_the_running_sums(fund, alice):
    entry = services.deposit(EVERYTHING, alice, 1_000, D)
    lines = sorted(entry.lines.values_list("amount", flat=True))
    assert lines == [-1_000, 1_000]  # Cr member (liability), Dr pool
    services.deposit(EVERYTHING, alice, 500, days(10))
    a = fresh(alice)
    # balance 1,500; money-days at the 10th: 1,000 × 10 = 10,000.
    assert (a.balance, a.last_posting_date, a.money_days_at_last_posting) == (
        1_500,
        days(10),
        10_000,
    )
    assert a.first_deposit_date == D
    pool = posting.system_account(fund, AccountKind.POOL)
    assert pool.balance == 1_500


def test_withdrawal_above_the_balance_is_refused_and_changes_nothing(alice):
    services.deposit(EVERYTHING, alice, 1_000, D)
    with pytest.raises(Refused) as refused:
        services.withdraw(EVERYTHING, alice, 1_001, days(1))
    assert refused.value.reason == "above_balance"
    assert JournalEntry.objects.count() == 1
    assert fresh(alice).balance == 1_000
    services.withdraw(EVERYTHING, alice, 1_000, days(1))
    assert fresh(alice).balance == 0


def test_the_database_refuses_a_negative_member_balance(alice):
    with pytest.raises(IntegrityError), transaction.atomic():
        FundAccount.objects.filter(pk=alice.pk).update(balance=-1)


def test_an_account_has_one_owner(fund, tree):
    with pytest.raises(IntegrityError), transaction.atomic():
        FundAccount.objects.create(
            fund=fund, kind=AccountKind.MEMBER, person=tree.member, organisation=tree.school_a
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        FundAccount.objects.create(fund=fund, kind=AccountKind.MEMBER)


def test_an_organisation_can_hold_an_account_with_a_separate_decider(fund, tree):
    account = services.open_account(
        EVERYTHING, fund, organisation=tree.school_a, decider_person=tree.principal
    )
    services.deposit(EVERYTHING, account, 5_000, D)
    assert fresh(account).balance == 5_000
    assert account.decider_person == tree.principal


def test_unbalanced_or_one_sided_entries_are_refused(fund, alice, bob):
    pool = posting.system_account(fund, AccountKind.POOL)
    with pytest.raises(ValidationError, match="balance"):
        posting.post_entry(fund, on=D, kind=EntryKind.ADJUSTMENT, lines=[(pool, 10), (alice, -9)])
    with pytest.raises(ValidationError, match="two accounts"):
        posting.post_entry(fund, on=D, kind=EntryKind.ADJUSTMENT, lines=[(pool, 10), (pool, -10)])
    with pytest.raises(TypeError):
        posting.post_entry(
            fund, on=D, kind=EntryKind.ADJUSTMENT, lines=[(pool, 1.5), (alice, -1.5)]
        )
    assert JournalEntry.objects.count() == 0


def test_an_entry_stays_inside_its_fund(fund, alice, tree):
    other = services.create_fund(EVERYTHING, Fund(name="Other", kanoon=tree.kanoon))
    with pytest.raises(ValidationError, match="own fund"):
        posting.post_entry(
            other,
            on=D,
            kind=EntryKind.ADJUSTMENT,
            lines=[(posting.system_account(other, AccountKind.POOL), 5), (alice, -5)],
        )


def test_a_retried_write_returns_the_first_entry(fund, alice):
    first = services.deposit(EVERYTHING, alice, 1_000, D, idempotency_key="bank-row-17")
    again = services.deposit(EVERYTHING, alice, 1_000, D, idempotency_key="bank-row-17")
    assert again.pk == first.pk
    assert fresh(alice).balance == 1_000
    services.deposit(EVERYTHING, alice, 1_000, D, idempotency_key="bank-row-18")
    assert fresh(alice).balance == 2_000


def test_the_same_key_in_another_fund_is_another_write(fund, alice, tree):
    other = services.create_fund(EVERYTHING, Fund(name="Other", kanoon=tree.kanoon))
    account = services.open_account(EVERYTHING, other, person=tree.member)
    a = services.deposit(EVERYTHING, alice, 10, D, idempotency_key="k")
    b = services.deposit(EVERYTHING, account, 10, D, idempotency_key="k")
    assert a.pk != b.pk


def test_entries_are_never_changed_or_deleted(alice):
    entry = services.deposit(EVERYTHING, alice, 1_000, D)
    line = entry.lines.first()
    entry.memo = "changed"
    for attempt in (
        entry.save,
        entry.delete,
        line.save,
        line.delete,
        lambda: JournalEntry.objects.filter(pk=entry.pk).update(memo="x"),
        lambda: JournalEntry.objects.all().delete(),
        lambda: JournalLine.objects.filter(entry=entry).update(amount=5),
    ):
        with pytest.raises(ValidationError):
            attempt()
    assert JournalEntry.objects.get(pk=entry.pk).memo == ""


def test_a_correction_is_a_compensating_entry(alice):
    wrong = services.deposit(EVERYTHING, alice, 1_000, D)
    reversal = services.reverse_entry(EVERYTHING, wrong, days(1), idempotency_key="fix-1")
    assert reversal.reverses == wrong
    assert sorted(reversal.lines.values_list("amount", flat=True)) == [-1_000, 1_000]
    assert fresh(alice).balance == 0
    # A retry returns the same reversal; a second reversal is refused.
    assert services.reverse_entry(EVERYTHING, wrong, days(1), idempotency_key="fix-1") == reversal
    with pytest.raises(ValidationError):
        services.reverse_entry(EVERYTHING, wrong, days(2))
    assert JournalEntry.objects.count() == 2


def test_the_database_lets_an_entry_be_reversed_only_once(alice):
    """``reverses`` is indexed only where set (partial unique index): still one reversal each."""
    wrong = services.deposit(EVERYTHING, alice, 1_000, D)
    services.reverse_entry(EVERYTHING, wrong, days(1))
    with pytest.raises(IntegrityError), transaction.atomic():
        JournalEntry.objects.create(fund=alice.fund, date=days(2), kind="reversal", reverses=wrong)
    # Entries that reverse nothing (null) are not held to it.
    services.deposit(EVERYTHING, alice, 5, days(3))
    assert JournalEntry.objects.filter(reverses=None).count() == 2


def test_a_reversal_cannot_take_a_member_below_zero(alice):
    deposit = services.deposit(EVERYTHING, alice, 1_000, D)
    services.withdraw(EVERYTHING, alice, 600, days(1))
    with pytest.raises(Refused):
        services.reverse_entry(EVERYTHING, deposit, days(2))


def test_a_backdated_deposit_keeps_the_running_sums_exact(fund, alice):
    services.deposit(EVERYTHING, alice, 1_000, days(10))
    services.deposit(EVERYTHING, alice, 300, days(4))  # a bank row imported late
    a = fresh(alice)
    # At day 10: 300 × 6 = 1,800 money-days; the last posting date stays day 10.
    assert (a.last_posting_date, a.money_days_at_last_posting, a.first_deposit_date) == (
        days(10),
        1_800,
        days(4),
    )
    on = days(30)
    # At day 30: 1,000 × 20 + 300 × 26 = 27,800 — from the running sums and from the journal.
    assert selectors.account_points(a, on).money_days == 27_800
    assert selectors.points_at(fund, on, [a])[a.pk].money_days == 27_800


def test_a_backdated_withdrawal_is_refused(alice):
    services.deposit(EVERYTHING, alice, 1_000, days(10))
    with pytest.raises(Refused) as refused:
        services.withdraw(EVERYTHING, alice, 100, days(5))
    assert refused.value.reason == "backdated_withdrawal"


def test_a_past_date_is_computed_from_the_journal(fund, alice, bob):
    services.deposit(EVERYTHING, alice, 1_000, D)
    services.deposit(EVERYTHING, bob, 2_000, days(5))
    services.withdraw(EVERYTHING, alice, 400, days(20))
    # At day 10, before the withdrawal: alice 1,000 × 10; bob 2,000 × 5.
    past = selectors.points_at(fund, days(10))
    assert (past[alice.pk].balance, past[alice.pk].money_days) == (1_000, 10_000)
    assert (past[bob.pk].balance, past[bob.pk].money_days) == (2_000, 10_000)
    # account_points falls back to the journal for a date before the last posting.
    assert selectors.account_points(fresh(alice), days(10)).money_days == 10_000
    # The day of a posting counts in the balance, not yet in the money-days.
    at = selectors.points_at(fund, days(20))[alice.pk]
    assert (at.balance, at.money_days) == (600, 20_000)


def test_verify_finds_nothing_wrong_in_a_sound_ledger(fund, alice, bob):
    services.deposit(EVERYTHING, alice, 1_000, D)
    services.deposit(EVERYTHING, bob, 2_000, days(5))
    services.withdraw(EVERYTHING, alice, 400, days(20))
    assert services.verify() == []
    call_command("fund", "verify", str(fund.pk))


def test_verify_finds_an_unbalanced_entry_and_a_wrong_running_sum(fund, alice):
    entry = services.deposit(EVERYTHING, alice, 1_000, D)
    with connection.cursor() as cursor:  # what no service can do: a line added behind its back
        cursor.execute(
            "INSERT INTO funds_journalline (entry_id, account_id, amount, day)"
            " VALUES (%s, %s, %s, %s)",
            [entry.pk, alice.pk, -5, day_number(D)],
        )
    problems = services.verify(fund)
    assert any("sum to -5" in p for p in problems)
    assert any("running balance" in p for p in problems)
    with pytest.raises(CommandError):
        call_command("fund", "verify")


# Scope ------------------------------------------------------------------------------------------


def test_members_see_their_own_account_and_leaders_their_kanoon(fund, alice, bob, tree):
    member = scope_for(tree.users["member"])
    assert list(selectors.member_accounts(member, fund)) == [alice]
    leader = scope_for(tree.users["kanoon_leader"])
    assert set(selectors.member_accounts(leader, fund)) == {alice, bob}
    banker = scope_for(tree.users["social_banker"])
    assert list(selectors.funds(banker)) == [fund]
    for outsider in ("trainer", "education_officer", "principal"):
        assert not selectors.funds(scope_for(tree.users[outsider])).exists()


def test_only_writers_of_the_kanoon_post(fund, alice, tree):
    # Alice (the member) and the banker read the account (403); the officer does not (404).
    for role, refusal in (
        ("member", ReadOnly),
        ("social_banker", ReadOnly),
        ("education_officer", NotFound),
    ):
        with pytest.raises(refusal):
            services.deposit(scope_for(tree.users[role]), alice, 10, D)
    services.deposit(scope_for(tree.users["kanoon_leader"]), alice, 10, D)
    services.deposit(scope_for(tree.users["secretariat"]), alice, 10, D)
    assert fresh(alice).balance == 20
