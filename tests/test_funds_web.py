"""The funds pages and API: member page, kanoon dashboard, deposits, allocation — scoped."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from edupact.core.scoping import Scope
from edupact.funds import services
from edupact.funds.ledger import posting as ledger
from edupact.funds.models import Fund, FundAccount, JournalEntry, LoanProduct, LoanStatus

EVERYTHING = Scope(everything=True)
D = dt.date(2024, 3, 20)


@pytest.fixture
def setup(tree):
    fund = services.create_fund(EVERYTHING, Fund(name="صندوق کانون ۹", kanoon=tree.kanoon))
    product = services.save_product(
        EVERYTHING, LoanProduct(fund=fund, code="qard0", max_amount=10**10)
    )
    alice = services.open_account(EVERYTHING, fund, person=tree.member)
    bob = services.open_account(EVERYTHING, fund, person=tree.other_member)
    services.deposit(EVERYTHING, alice, 1_800_000, D)
    services.deposit(EVERYTHING, bob, 900, D)
    loan = services.request_loan(
        EVERYTHING, alice, product, 1_000, 10, D, reference="L-7", purpose="tuition"
    )
    return fund, alice, bob, loan


def test_a_member_sees_their_page_and_not_a_colleagues(setup, tree, client_as):
    fund, alice, bob, _loan = setup
    c = client_as(tree.users["member"], "en")
    page = c.get(reverse("funds:account", args=[alice.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Points available" in text and "Statement" in text
    assert c.get(reverse("funds:account", args=[bob.pk])).status_code == 404
    home = c.get(reverse("funds:home")).content.decode()
    assert alice.get_absolute_url() in home


def test_the_member_page_speaks_persian(setup, tree, client_as):
    fund, alice, *_ = setup
    c = client_as(tree.users["member"], "fa")
    page = c.get(reverse("funds:account", args=[alice.pk]))
    assert page.status_code == 200
    assert 'dir="rtl"' in page.content.decode()


def test_the_leader_dashboard_and_an_allocation_round(setup, tree, client_as):
    fund, alice, bob, loan = setup
    c = client_as(tree.users["kanoon_leader"], "en")
    page = c.get(fund.get_absolute_url())
    assert page.status_code == 200
    text = page.content.decode()
    assert "Run an allocation round" in text and "L-7" in text
    response = c.post(reverse("funds:allocate", args=[fund.pk]))
    assert response.status_code == 302
    loan.refresh_from_db()
    # Today is long after D: alice has plenty of points and history.
    assert loan.status == LoanStatus.APPROVED
    assert c.get(loan.get_absolute_url()).status_code == 200


def test_readers_cannot_post(setup, tree, client_as):
    fund, *_ = setup
    banker = client_as(tree.users["social_banker"], "en")
    assert banker.get(fund.get_absolute_url()).status_code == 200
    assert banker.post(reverse("funds:allocate", args=[fund.pk])).status_code == 403
    assert banker.get(reverse("funds:deposit", args=[fund.pk])).status_code == 403
    outsider = client_as(tree.users["trainer"], "en")
    assert outsider.get(fund.get_absolute_url()).status_code == 404


def test_a_deposit_through_the_form_is_posted_once(setup, tree, client_as):
    fund, alice, *_ = setup
    c = client_as(tree.users["kanoon_leader"], "fa")
    url = reverse("funds:deposit", args=[fund.pk])
    assert c.get(url).status_code == 200
    form = {"account": alice.pk, "amount": "۱۲٬۰۰۰", "on": "۱۴۰۳/۰۱/۱۰", "key": "abc"}
    before = JournalEntry.objects.count()
    assert c.post(url, form).status_code == 302
    assert c.post(url, form).status_code == 302  # a double submission
    assert JournalEntry.objects.count() == before + 1
    assert FundAccount.objects.get(pk=alice.pk).balance == 1_812_000


# API ----------------------------------------------------------------------------------------------


def test_api_accounts_with_points(setup, tree, api_client):
    fund, alice, bob, _ = setup
    leader = api_client(tree.users["kanoon_leader"])
    body = leader.get(f"/api/v1/funds/{fund.pk}/accounts?on=2024-09-16").json()
    assert body["count"] == 2
    row = next(r for r in body["items"] if r["id"] == alice.pk)
    # 1,800,000 × 180 days (2024-03-20 → 2024-09-16) / 180 = 1,800,000 points.
    assert (row["balance"], row["money_days"], row["points_available"]) == (
        1_800_000,
        324_000_000,
        1_800_000,
    )
    member = api_client(tree.users["member"])
    mine = member.get(f"/api/v1/funds/{fund.pk}/accounts").json()
    assert [r["id"] for r in mine["items"]] == [alice.pk]
    assert member.get(f"/api/v1/funds/accounts/{bob.pk}").status_code == 404
    assert api_client(tree.users["trainer"]).get(f"/api/v1/funds/{fund.pk}").status_code == 404


def test_api_deposit_with_an_idempotency_key(setup, tree, api_client):
    fund, alice, *_ = setup
    leader = api_client(tree.users["kanoon_leader"], **{"Idempotency-Key": "dep-1"})
    payload = json.dumps({"account_id": alice.pk, "amount": 5_000, "on": "2024-04-01"})
    first = leader.post(
        f"/api/v1/funds/{fund.pk}/deposits", payload, content_type="application/json"
    )
    assert first.status_code == 201, first.content
    again = leader.post(
        f"/api/v1/funds/{fund.pk}/deposits", payload, content_type="application/json"
    )
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    assert FundAccount.objects.get(pk=alice.pk).balance == 1_805_000
    assert sorted(li["amount"] for li in first.json()["lines"]) == [-5_000, 5_000]


def test_a_keyed_api_deposit_is_a_few_statements(setup, tree, api_client):
    """What one deposit request sends (bench/funds: 21 statements before): the token (its
    ``last_used_at`` was written a moment ago, by the first request), the
    Idempotency-Key claimed, the role grants, the fund with its kanoon, the account, the
    posting (one statement on PostgreSQL, four on SQLite; the pool's id is remembered), the
    answer stored for replays. The answer's lines come with the entry, not from a query."""
    fund, alice, *_ = setup
    leader = api_client(tree.users["kanoon_leader"], **{"Idempotency-Key": "dep-9"})
    payload = json.dumps({"account_id": alice.pk, "amount": 7_000, "on": "2024-04-02"})
    assert leader.get(f"/api/v1/funds/{fund.pk}").status_code == 200  # the token's first use
    with CaptureQueriesContext(connection) as captured:
        response = leader.post(
            f"/api/v1/funds/{fund.pk}/deposits", payload, content_type="application/json"
        )
    assert response.status_code == 201, response.content
    sql = [
        q["sql"]
        for q in captured.captured_queries
        if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]
    tables = [
        next(
            t
            for t in (
                "apitoken",
                "idempotentrequest",
                "rolegrant",
                'funds_fund"',
                "fundaccount",
                "journal",
            )
            if t in s.split("WHERE")[0]
        )
        for s in sql
    ]
    posting = (
        ["journal"] if connection.vendor == "postgresql" else ["journal"] * 2 + ["fundaccount"] * 2
    )
    assert tables == [
        "apitoken",
        "idempotentrequest",
        "rolegrant",
        'funds_fund"',
        "fundaccount",
        *posting,
        "idempotentrequest",
    ], sql
    body = response.json()
    pool = ledger.system_account(fund, "pool")
    assert sorted((li["account_id"], li["amount"]) for li in body["lines"]) == sorted(
        [(alice.pk, -7_000), (pool.pk, 7_000)]
    )
    assert FundAccount.objects.get(pk=alice.pk).balance == 1_807_000
    assert services.verify(fund) == []


def test_api_deposit_finds_the_account_only_in_its_fund_and_the_callers_scope(
    setup, tree, api_client
):
    """The account is read by a statement compiled once per scope (``core.statements``):
    each call gets its own values, and the scope still decides."""
    fund, alice, bob, _loan = setup
    other = services.create_fund(EVERYTHING, Fund(name="صندوق دوم", kanoon=tree.kanoon))
    stranger = services.open_account(EVERYTHING, other, person=tree.other_member)
    leader = api_client(tree.users["kanoon_leader"])
    member = api_client(tree.users["member"])

    def deposit(client, account_id, amount=1_000):
        payload = json.dumps({"account_id": account_id, "amount": amount, "on": "2024-04-03"})
        return client.post(
            f"/api/v1/funds/{fund.pk}/deposits", payload, content_type="application/json"
        )

    for account, amount in ((alice, 1_000), (bob, 2_000), (alice, 3_000)):
        response = deposit(leader, account.pk, amount)
        assert response.status_code == 201, response.content
        assert {li["account_id"] for li in response.json()["lines"]} >= {account.pk}
    assert FundAccount.objects.get(pk=alice.pk).balance == 1_804_000
    assert FundAccount.objects.get(pk=bob.pk).balance == 2_900
    assert deposit(leader, stranger.pk).status_code == 404  # another fund's account
    assert deposit(leader, 10**9).status_code == 404
    assert deposit(member, bob.pk).status_code == 404  # a colleague's: not in the scope
    assert deposit(member, alice.pk).status_code == 403  # their own: seen, not writable


def test_a_reused_statement_takes_plain_columns_only():
    from edupact.core.statements import Reused

    joined = Reused(lambda scope, pk: FundAccount.objects.select_related("fund").filter(pk=pk))
    with pytest.raises(ValueError):
        joined.first(EVERYTHING, 1)


def test_api_refuses_writes_from_readers_and_bad_amounts(setup, tree, api_client):
    fund, alice, *_ = setup
    payload = json.dumps({"account_id": alice.pk, "amount": 5_000})
    banker = api_client(tree.users["social_banker"])
    response = banker.post(
        f"/api/v1/funds/{fund.pk}/deposits", payload, content_type="application/json"
    )
    assert response.status_code == 403
    leader = api_client(tree.users["kanoon_leader"])
    bad = json.dumps({"account_id": alice.pk, "amount": -5})
    response = leader.post(
        f"/api/v1/funds/{fund.pk}/deposits", bad, content_type="application/json"
    )
    assert response.status_code == 422


def test_api_loans(setup, tree, api_client):
    fund, alice, bob, loan = setup
    body = api_client(tree.users["member"]).get(f"/api/v1/funds/{fund.pk}/loans").json()
    assert [item["reference"] for item in body["items"]] == ["L-7"]
    assert body["items"][0]["points_needed"] == 1_000


def test_an_organisation_account_shows_the_loans_its_points_enabled(setup, tree, client_as):
    fund, alice, *_ = setup
    school = services.open_account(EVERYTHING, fund, organisation=tree.school_a)
    page = client_as(tree.users["kanoon_leader"], "en").get(school.get_absolute_url())
    assert page.status_code == 200
    assert "Loans its points enabled" in page.content.decode()
