"""Issue 9, section 8: money the member says they paid. A repayment or settlement the borrower
records is either taken from their own deposits (posted at once, never below zero) or a claim
that the kanoon's treasurer confirms against the money received — or that a bank statement
with its reference, payer and amount confirms; only then is the loan repaid or settled. Per
role, through the API and the pages, with the audit trail."""

import datetime as dt
import json

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone
from factories import RoleGrantFactory, UserFactory

from edupact.accounts.models import Role
from edupact.accounts.selectors import scope_for
from edupact.audit.models import AuditEntry
from edupact.core.scoping import Scope
from edupact.core.tabular import to_csv
from edupact.funds import imports, payments, services, settlement
from edupact.funds.ledger import posting
from edupact.funds.models import (
    ClaimStatus,
    Fund,
    FundAccount,
    JournalEntry,
    Loan,
    LoanProduct,
    LoanStatus,
    PaymentClaim,
)

EVERYTHING = Scope(everything=True)
EN = {"Accept-Language": "en"}
PROBLEM = "application/problem+json"


@pytest.fixture
def k(tree):
    """Zahra (the ``member`` user) owes 100,000 paid out 40 days ago, in 10 instalments."""
    today = timezone.localdate()
    fund = services.create_fund(
        EVERYTHING, Fund(name="صندوق کانون ۹", kanoon=tree.kanoon, min_history_days=0)
    )
    product = services.save_product(EVERYTHING, LoanProduct(fund=fund, code="q", max_amount=10**9))
    alice = services.open_account(EVERYTHING, fund, person=tree.member)
    bob = services.open_account(EVERYTHING, fund, person=tree.other_member)
    start = today - dt.timedelta(days=400)
    services.deposit(EVERYTHING, alice, 50_000, start)
    services.deposit(EVERYTHING, bob, 1_000_000, start)
    paid_out = today - dt.timedelta(days=40)
    loan = services.request_loan(EVERYTHING, alice, product, 100_000, 10, paid_out, reference="L-5")
    loan = services.approve(EVERYTHING, loan, paid_out)
    loan = services.disburse(EVERYTHING, loan, paid_out)
    ns = type("K", (), {})()
    ns.fund, ns.product, ns.alice, ns.bob, ns.loan, ns.today = (
        fund,
        product,
        alice,
        bob,
        loan,
        today,
    )
    return ns


def post(client, url, body=None):
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def money_state(k) -> tuple:
    loan = Loan.objects.get(pk=k.loan.pk)
    return (
        loan.status,
        loan.outstanding,
        JournalEntry.objects.filter(fund=k.fund).count(),
        sorted(FundAccount.objects.filter(fund=k.fund).values_list("pk", "balance")),
    )


def audit_of(claim) -> list[tuple]:
    rows = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(PaymentClaim), object_id=str(claim.pk)
    ).order_by("at", "pk")
    return [(row.action, row.actor.username if row.actor else None) for row in rows]


# The borrower's word is a claim ------------------------------------------------------------------


def test_a_member_records_a_payment_and_the_treasurer_confirms_it(k, tree, api_client):
    member = api_client(tree.users["member"], **EN)
    before = money_state(k)
    response = post(
        member,
        f"/api/v1/funds/loans/{k.loan.pk}/repayments",
        {"amount": 20_000, "reference": "TR-1", "note": "cash to Mr Kazemi"},
    )
    assert response.status_code == 202, response.content
    claim = response.json()
    assert (claim["status"], claim["kind"], claim["amount"]) == ("pending", "repayment", 20_000)
    assert claim["paid_on"] == k.today.isoformat() and claim["entry_id"] is None
    assert money_state(k) == before  # nothing arrived yet as far as the fund knows
    pool = posting.system_account(k.fund, "pool").balance

    leader = api_client(tree.users["kanoon_leader"], **EN)
    waiting = leader.get(f"/api/v1/funds/{k.fund.pk}/claims?status=pending").json()
    assert [c["id"] for c in waiting["items"]] == [claim["id"]]
    confirmed = post(leader, f"/api/v1/funds/claims/{claim['id']}/confirm")
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["status"] == "confirmed" and confirmed.json()["entry_id"]
    loan = Loan.objects.get(pk=k.loan.pk)
    assert loan.outstanding == 80_000 and loan.status == LoanStatus.DISBURSED
    assert posting.system_account(k.fund, "pool").balance == pool + 20_000
    entry = JournalEntry.objects.get(pk=confirmed.json()["entry_id"])
    assert entry.date == k.today and entry.created_by == tree.users["kanoon_leader"]
    again = post(leader, f"/api/v1/funds/claims/{claim['id']}/confirm")  # a retry
    assert again.status_code == 200 and Loan.objects.get(pk=k.loan.pk).outstanding == 80_000
    row = PaymentClaim.objects.get(pk=claim["id"])
    assert audit_of(row) == [("create", "member"), ("update", "kanoon_leader")]
    assert services.verify(k.fund) == []


@pytest.mark.parametrize(
    "role, status",
    [("member", 403), ("social_banker", 403), ("trainer", 404), ("principal", 404)],
)
def test_only_the_treasurer_or_leader_decides(k, tree, api_client, client_as, role, status):
    claim = payments.repay(
        scope_for(tree.users["member"]), k.loan, 10_000, k.today, user=tree.users["member"]
    ).claim
    before = money_state(k)
    client = api_client(tree.users[role], **EN)
    assert post(client, f"/api/v1/funds/claims/{claim.pk}/confirm").status_code == status
    rejected = post(client, f"/api/v1/funds/claims/{claim.pk}/reject", {"reason": "no"})
    assert rejected.status_code == status
    page = client_as(tree.users[role], "en").post(
        reverse("funds:decide_claim", args=[claim.pk]), {"decision": "confirm"}
    )
    assert page.status_code == status
    assert money_state(k) == before
    assert PaymentClaim.objects.get(pk=claim.pk).status == ClaimStatus.PENDING
    if status == 404:  # outside the scope the claim, and the loan's, do not exist
        assert client.get(f"/api/v1/funds/loans/{k.loan.pk}/claims").status_code == 404


def test_a_member_may_not_settle_on_their_word_alone(k, tree, api_client):
    """The issue's reproduction: ``POST /loans/{id}/settle`` by the borrower cleared the loan.
    Now it is a claim for the amount the settlement takes, and the loan stays as it was."""
    member = api_client(tree.users["member"], **EN)
    before = money_state(k)
    response = post(member, f"/api/v1/funds/loans/{k.loan.pk}/settle", {})
    assert response.status_code == 202
    quote = settlement.settlement_quote(k.loan, k.today)
    assert response.json()["kind"] == "settlement"
    assert response.json()["amount"] == quote.to_pay
    assert money_state(k) == before
    second = post(member, f"/api/v1/funds/loans/{k.loan.pk}/repayments", {"amount": 1_000})
    assert second.status_code == 409 and second.json()["code"] == "claim_pending"
    leader = api_client(tree.users["kanoon_leader"], **EN)
    claim_id = response.json()["id"]
    no_reason = post(leader, f"/api/v1/funds/claims/{claim_id}/reject", {"reason": " "})
    assert no_reason.status_code == 422
    assert no_reason.json()["errors"] == {"reason": ["Say why the payment is rejected."]}
    rejected = post(leader, f"/api/v1/funds/claims/{claim_id}/reject", {"reason": "not received"})
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert money_state(k) == before
    late = post(leader, f"/api/v1/funds/claims/{claim_id}/confirm")
    assert late.status_code == 409 and late.json()["code"] == "claim_decided"
    # Once rejected, the borrower may record the payment again.
    again = post(member, f"/api/v1/funds/loans/{k.loan.pk}/settle", {"reference": "TR-2"})
    assert again.status_code == 202
    assert post(leader, f"/api/v1/funds/claims/{again.json()['id']}/confirm").status_code == 200
    loan = Loan.objects.get(pk=k.loan.pk)
    assert loan.status == LoanStatus.REPAID and loan.outstanding == 0
    assert services.verify(k.fund) == []


def test_the_refusal_reads_in_persian(k, tree, api_client):
    member = api_client(tree.users["member"], **{"Accept-Language": "fa"})
    post(member, f"/api/v1/funds/loans/{k.loan.pk}/repayments", {"amount": 1_000})
    second = post(member, f"/api/v1/funds/loans/{k.loan.pk}/repayments", {"amount": 1_000})
    assert second.status_code == 409
    assert second.json()["detail"].startswith("پرداختی که برای این وام ثبت شده")


def test_the_borrower_pays_from_their_deposits_at_once_never_below_zero(k, tree, api_client):
    member = api_client(tree.users["member"], **EN)
    pool = posting.system_account(k.fund, "pool").balance
    response = post(
        member,
        f"/api/v1/funds/loans/{k.loan.pk}/repayments",
        {"amount": 30_000, "source": "deposits"},
    )
    assert response.status_code == 201, response.content
    assert response.json()["outstanding"] == 70_000
    assert FundAccount.objects.get(pk=k.alice.pk).balance == 20_000
    assert posting.system_account(k.fund, "pool").balance == pool  # no money came in
    before = money_state(k)
    too_much = post(
        member,
        f"/api/v1/funds/loans/{k.loan.pk}/repayments",
        {"amount": 20_001, "source": "deposits"},
    )
    assert too_much.status_code == 409 and too_much.json()["code"] == "above_balance"
    assert money_state(k) == before
    assert services.verify(k.fund) == []


def test_the_treasurer_records_money_received_at_once(k, tree, api_client):
    leader = api_client(tree.users["kanoon_leader"], **EN)
    response = post(leader, f"/api/v1/funds/loans/{k.loan.pk}/settle", {})
    assert response.status_code == 200 and response.json()["status"] == "repaid"
    assert not PaymentClaim.objects.exists()
    assert services.verify(k.fund) == []


def test_a_leader_who_borrows_cannot_vouch_for_their_own_payment(k, tree, api_client):
    head = services.open_account(EVERYTHING, k.fund, person=tree.kanoon_head)
    services.deposit(EVERYTHING, head, 1_000_000, k.today - dt.timedelta(days=400))
    on = k.today - dt.timedelta(days=10)
    loan = services.request_loan(EVERYTHING, head, k.product, 50_000, 5, on, reference="L-9")
    loan = services.disburse(EVERYTHING, services.approve(EVERYTHING, loan, on), on)
    leader_user = tree.users["kanoon_leader"]
    leader_user.person = tree.kanoon_head
    leader_user.save()
    leader = api_client(leader_user, **EN)
    response = post(leader, f"/api/v1/funds/loans/{loan.pk}/repayments", {"amount": 10_000})
    assert response.status_code == 202  # their own loan: a claim like any borrower's
    claim_id = response.json()["id"]
    assert post(leader, f"/api/v1/funds/claims/{claim_id}/confirm").status_code == 403
    secretary = api_client(tree.users["secretariat"], **EN)  # another writer of the kanoon
    assert post(secretary, f"/api/v1/funds/claims/{claim_id}/confirm").status_code == 200
    assert Loan.objects.get(pk=loan.pk).outstanding == 40_000


def test_claims_are_read_within_the_scope(k, tree, api_client):
    payments.repay(scope_for(tree.users["member"]), k.loan, 5_000, k.today)
    bob_user = UserFactory(username="bob", person=tree.other_member)
    RoleGrantFactory(user=bob_user, role=Role.MEMBER, organisation=tree.kanoon)
    bob = api_client(bob_user, **EN)
    assert bob.get(f"/api/v1/funds/{k.fund.pk}/claims").json()["items"] == []
    assert bob.get(f"/api/v1/funds/loans/{k.loan.pk}/claims").status_code == 404
    mine = api_client(tree.users["member"], **EN).get(f"/api/v1/funds/loans/{k.loan.pk}/claims")
    assert [c["amount"] for c in mine.json()] == [5_000]
    repay_for_zahra = post(bob, f"/api/v1/funds/loans/{k.loan.pk}/repayments", {"amount": 5})
    assert repay_for_zahra.status_code == 404
    assert post(bob, f"/api/v1/funds/loans/{k.loan.pk}/settle").status_code == 404
    trainer = api_client(tree.users["trainer"], **EN)
    assert post(trainer, f"/api/v1/funds/loans/{k.loan.pk}/settle").status_code == 404
    assert trainer.get(f"/api/v1/funds/{k.fund.pk}/claims").status_code == 404


# The bank statement confirms ---------------------------------------------------------------------


def statement(k, rows) -> bytes:
    k.alice.person.refresh_from_db()
    return to_csv(
        ["Date", "Amount", "Payer", "Bank reference"],
        [
            [on.isoformat(), str(amount), k.alice.person.national_id, ref]
            for on, amount, ref in rows
        ],
    )


def test_a_statement_row_with_the_claims_reference_payer_and_amount_confirms_it(k, tree):
    member = scope_for(tree.users["member"])
    claim = payments.repay(member, k.loan, 25_000, k.today, reference="TR-9").claim
    balance = FundAccount.objects.get(pk=k.alice.pk).balance
    content = statement(k, [(k.today, 25_000, "TR-9"), (k.today, 7_000, "TR-10")])
    dry = imports.import_deposits(EVERYTHING, k.fund, content, "s.csv", dry_run=True)
    assert dry.ok and dry.created == 2
    assert PaymentClaim.objects.get(pk=claim.pk).status == ClaimStatus.PENDING
    report = imports.import_deposits(
        scope_for(tree.users["kanoon_leader"]),
        k.fund,
        content,
        "s.csv",
        user=tree.users["kanoon_leader"],
    )
    assert report.ok and report.created == 2, report.errors
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.CONFIRMED and claim.entry.idempotency_key == "bank:TR-9"
    assert Loan.objects.get(pk=k.loan.pk).outstanding == 75_000
    # TR-10 was an ordinary deposit; TR-9 repaid the loan and is not a deposit too.
    assert FundAccount.objects.get(pk=k.alice.pk).balance == balance + 7_000
    again = imports.import_deposits(
        EVERYTHING, k.fund, statement(k, [(k.today, 25_000, "TR-9")]), "t.csv"
    )
    assert again.created == 0 and again.skipped == 1
    assert services.verify(k.fund) == []


def test_a_statement_row_that_does_not_match_is_a_deposit_and_the_claim_waits(k, tree):
    claim = payments.repay(
        scope_for(tree.users["member"]), k.loan, 25_000, k.today, reference="TR-9"
    ).claim
    balance = FundAccount.objects.get(pk=k.alice.pk).balance
    report = imports.import_deposits(
        EVERYTHING, k.fund, statement(k, [(k.today, 24_000, "TR-9")]), "s.csv"
    )
    assert report.ok and report.created == 1
    assert PaymentClaim.objects.get(pk=claim.pk).status == ClaimStatus.PENDING
    assert FundAccount.objects.get(pk=k.alice.pk).balance == balance + 24_000
    assert Loan.objects.get(pk=k.loan.pk).outstanding == 100_000


# The pages ---------------------------------------------------------------------------------------


def test_the_pages_per_role(k, tree, client_as):
    member = client_as(tree.users["member"], "en")
    url = reverse("funds:repay", args=[k.loan.pk])
    assert member.get(url).status_code == 200
    form = {"amount": "15000", "on": k.today.strftime("%d/%m/%Y"), "source": "paid_in", "key": "w1"}
    response = member.post(url, {**form, "reference": "TR-3"})
    assert response.status_code == 302
    assert member.post(url, {**form, "reference": "TR-3"}).status_code == 302  # resubmitted
    claim = PaymentClaim.objects.get()
    assert Loan.objects.get(pk=k.loan.pk).outstanding == 100_000
    page = member.get(k.loan.get_absolute_url()).content.decode()
    assert f'id="claim-{claim.pk}"' in page and "waiting for the treasurer" in page
    assert "Confirm: the money arrived" not in page  # not hers to confirm

    leader = client_as(tree.users["kanoon_leader"], "en")
    fund_page = leader.get(k.fund.get_absolute_url()).content.decode()
    assert 'id="claims-waiting"' in fund_page and claim.get_absolute_url() in fund_page
    home = leader.get(reverse("funds:home")).content.decode()
    assert 'id="claims-waiting"' in home and claim.get_absolute_url() in home
    assert 'id="claims-waiting"' not in member.get(reverse("funds:home")).content.decode()
    decide = reverse("funds:decide_claim", args=[claim.pk])
    assert leader.post(decide, {"decision": "confirm"}).status_code == 302
    assert Loan.objects.get(pk=k.loan.pk).outstanding == 85_000
    assert 'id="claims-waiting"' not in leader.get(k.fund.get_absolute_url()).content.decode()

    outsider = client_as(tree.users["trainer"], "en")
    assert outsider.get(url).status_code == 404
    assert outsider.post(decide, {"decision": "reject", "reason": "x"}).status_code == 404
    bob_user = UserFactory(username="bob", person=tree.other_member)
    RoleGrantFactory(user=bob_user, role=Role.MEMBER, organisation=tree.kanoon)
    assert client_as(bob_user).get(url).status_code == 404


def test_the_repayment_form_in_persian_and_its_errors(k, tree, client_as):
    member = client_as(tree.users["member"], "fa")
    url = reverse("funds:repay", args=[k.loan.pk])
    page = member.get(url).content.decode()
    assert "از سپرده" in page  # "from the borrower's deposits" offered
    response = member.post(url, {"amount": "۹۹۹۹۹۹۹۹۹۹۹۹۹۹۹۹۹", "on": "", "source": "deposits"})
    assert response.status_code == 200
    assert response.context["form"].errors["amount"]
    assert not PaymentClaim.objects.exists()
