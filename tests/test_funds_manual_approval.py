"""A leader's manual decision on one request follows a round's rules: the money the pool can
lend (its cash less approved loans not yet paid out, optionally capped), the borrower's
points and every eligibility rule — on the web, the API and in the service, per role."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from edupact.accounts.selectors import scope_for
from edupact.core.errors import Refused
from edupact.core.scoping import NotFound, ReadOnly, Scope
from edupact.funds import allocation, selectors, services
from edupact.funds.models import AllocationRound, Fund, LoanProduct, LoanStatus

EVERYTHING = Scope(everything=True)
D = dt.date(2024, 3, 20)
ON = D + dt.timedelta(days=100)


@pytest.fixture
def k(tree):
    """Zahra saves 1,800,000 and Ebrahimi 900,000 on D: the pool holds 2,700,000 and, a
    point a day per unit, 100 days later they have 180,000,000 and 90,000,000 points."""
    fund = services.create_fund(
        EVERYTHING,
        Fund(name="صندوق کانون ۹", kanoon=tree.kanoon, days_per_unit=1, min_history_days=30),
    )
    product = services.save_product(
        EVERYTHING, LoanProduct(fund=fund, code="qard0", max_amount=2_500_000, open_requests=10)
    )
    zahra = services.open_account(EVERYTHING, fund, person=tree.member)
    bob = services.open_account(EVERYTHING, fund, person=tree.other_member)
    services.deposit(EVERYTHING, zahra, 1_800_000, D)
    services.deposit(EVERYTHING, bob, 900_000, D)

    def ask(account, amount, ref, on=ON):
        return services.request_loan(EVERYTHING, account, product, amount, 10, on, reference=ref)

    return fund, product, zahra, bob, ask


def _available(account, on=ON):
    return selectors.account_points(type(account).objects.get(pk=account.pk), on).available


def test_a_manual_approval_takes_the_money_left_in_the_pool(k):
    fund, _product, zahra, bob, ask = k
    first = services.approve(EVERYTHING, ask(zahra, 2_000_000, "L1"), ON)
    assert first.status == LoanStatus.APPROVED and first.points_used == 2_000_000
    assert allocation.lendable(fund, ON) == 700_000  # 2,700,000 − 2,000,000 approved

    # 1,000,000 asked of the 700,000 left: refused, and nothing changes.
    second = ask(bob, 1_000_000, "L2")
    points_before = _available(bob)
    with pytest.raises(Refused) as refused:
        services.approve(EVERYTHING, second, ON)
    assert refused.value.reason == "budget_exhausted"
    assert refused.value.details == {"budget": 700_000}
    assert refused.value.messages == [
        "Not enough money in the pool: IRR700,000 can be lent on this date, "
        "the loan is IRR1,000,000."
    ]
    second.refresh_from_db()
    assert (second.status, second.points_used, second.decided_on) == ("requested", 0, None)
    assert _available(bob) == points_before

    # A cap lowers the budget further: 500,000 fits the 700,000 left, not a cap of 400,000.
    third = ask(bob, 500_000, "L3")
    with pytest.raises(Refused, match="IRR400,000 can be lent"):
        services.approve(EVERYTHING, third, ON, cap=400_000)
    assert services.approve(EVERYTHING, third, ON, cap=600_000).status == LoanStatus.APPROVED
    assert allocation.lendable(fund, ON) == 200_000

    # Paying the first out moves its money from "committed" to "lent": the same 200,000.
    services.disburse(EVERYTHING, first, ON)
    assert allocation.lendable(fund, ON) == 200_000
    assert services.verify(fund) == []


def test_an_ineligible_request_is_rejected_with_its_reasons_as_in_a_round(k, tree):
    fund, _product, zahra, bob, ask = k
    services.approve(EVERYTHING, ask(zahra, 2_500_000, "L1"), ON)  # 200,000 left
    too_big = ask(bob, 2_600_000, "L2")  # above the product's 2,500,000, and the pool's
    decided = services.approve(EVERYTHING, too_big, ON)
    assert (decided.status, decided.reasons) == ("rejected", ["amount_above_maximum"])
    assert decided.points_used == 0
    # Within the money, but a newcomer: no points yet and not 30 days a member.
    newcomer = services.open_account(EVERYTHING, fund, person=tree.kanoon_head)
    services.deposit(EVERYTHING, newcomer, 1, ON)
    early = services.approve(EVERYTHING, ask(newcomer, 100, "L3"), ON)
    assert (early.status, early.reasons) == (
        "rejected",
        ["points_insufficient", "history_too_short"],
    )


def test_a_round_and_manual_approvals_share_one_budget(k):
    fund, _product, zahra, bob, ask = k
    la = ask(zahra, 1_500_000, "L1")
    lb = ask(bob, 1_000_000, "L2")
    record = allocation.run_round(EVERYTHING, fund, ON, cap=1_600_000)
    assert (record.budget, record.used) == (1_600_000, 1_500_000)
    la.refresh_from_db(), lb.refresh_from_db()
    assert (la.status, lb.status) == ("approved", "requested")  # lb waits: budget exhausted
    # The pool now lends 1,200,000: the leader may approve lb by hand.
    assert services.approve(EVERYTHING, lb, ON).status == "approved"
    # The next round has nothing left for a new request.
    lc = ask(zahra, 300_000, "L3")
    record = allocation.run_round(EVERYTHING, fund, ON)
    assert (record.pool, record.budget, record.used) == (200_000, 200_000, 0)
    assert record.decisions.get().reasons == ["budget_exhausted"]
    with pytest.raises(Refused):
        services.approve(EVERYTHING, lc, ON)
    assert AllocationRound.objects.filter(fund=fund).count() == 2


def test_a_decided_loan_cannot_be_approved_again_and_a_bad_cap_is_refused(k):
    _fund, _product, zahra, _bob, ask = k
    loan = services.approve(EVERYTHING, ask(zahra, 100_000, "L1"), ON)
    with pytest.raises(Refused) as refused:
        services.approve(EVERYTHING, loan, ON)
    assert refused.value.reason == "loan_not_requested"
    with pytest.raises(ValidationError) as refused:
        services.approve(EVERYTHING, ask(zahra, 1, "L2"), ON, cap=-1)
    assert refused.value.message_dict == {
        "cap": ["Enter a whole amount between 0 and 10,000,000,000,000."]
    }


def test_the_refusal_reads_in_persian_and_vietnamese(k):
    _fund, _product, zahra, bob, ask = k
    services.approve(EVERYTHING, ask(zahra, 2_000_000, "L1"), ON)
    loan = ask(bob, 1_000_000, "L2")
    for language, expected in (("fa", "۷۰٬۰۰۰ تومان"), ("vi", "700.000\xa0IRR")):
        with translation.override(language), pytest.raises(Refused) as refused:
            services.approve(EVERYTHING, loan, ON)
        message = refused.value.messages[0]
        assert expected in message and "Not enough money" not in message


def test_only_a_leader_approves_by_hand(k, tree):
    _fund, _product, zahra, _bob, ask = k
    loan = ask(zahra, 100_000, "L1")
    # The borrower and the banker read the loan (403); the others do not see it (404).
    refusals = {
        "member": ReadOnly,
        "social_banker": ReadOnly,
        "trainer": NotFound,
        "principal": NotFound,
    }
    for role, refusal in refusals.items():
        with pytest.raises(refusal):
            services.approve(scope_for(tree.users[role]), loan, ON)
    loan.refresh_from_db()
    assert loan.status == "requested"
    assert services.approve(scope_for(tree.users["kanoon_leader"]), loan, ON).status == "approved"


def test_the_loan_page_approves_by_hand(k, tree, client_as):
    fund, _product, zahra, bob, ask = k
    today = dt.date.today()
    big = ask(zahra, 2_000_000, "L1", on=today)
    url = reverse("funds:approve", args=[big.pk])
    leader = client_as(tree.users["kanoon_leader"], "en")
    assert "Approve now" in leader.get(big.get_absolute_url()).content.decode()
    member = client_as(tree.users["member"], "en")  # Zahra, the borrower herself
    page = member.get(big.get_absolute_url())
    assert page.status_code == 200 and "Approve now" not in page.content.decode()
    # Both read the loan: each is told she only reads it, as the API answers them.
    assert member.post(url).status_code == 403
    assert client_as(tree.users["social_banker"], "en").post(url).status_code == 403
    big.refresh_from_db()
    assert big.status == "requested"
    response = leader.post(url, follow=True)
    big.refresh_from_db()
    assert big.status == "approved" and "The loan was approved." in response.content.decode()
    # 700,000 left: a request of 1,000,000 stays pending with the reason shown, in Persian.
    short = ask(bob, 1_000_000, "L2", on=today)
    fa = client_as(tree.users["kanoon_leader"], "fa")
    text = fa.post(reverse("funds:approve", args=[short.pk]), follow=True).content.decode()
    assert "۷۰٬۰۰۰ تومان" in text
    short.refresh_from_db()
    assert short.status == "requested"


def test_the_api_approves_by_hand(k, tree, api_client):
    fund, _product, zahra, bob, ask = k
    big, short = ask(zahra, 2_000_000, "L1"), ask(bob, 1_000_000, "L2")
    leader = api_client(tree.users["kanoon_leader"])
    body = {"on": ON.isoformat()}
    ok = leader.post(f"/api/v1/funds/loans/{big.pk}/approve", body, "application/json")
    assert ok.status_code == 200, ok.content
    assert (ok.json()["status"], ok.json()["points_used"]) == ("approved", 2_000_000)
    no = leader.post(f"/api/v1/funds/loans/{short.pk}/approve", body, "application/json")
    assert no.status_code == 409 and no.json()["code"] == "budget_exhausted"
    capped = leader.post(
        f"/api/v1/funds/loans/{short.pk}/approve", {**body, "cap": -3}, "application/json"
    )
    assert capped.status_code == 422
    zahra_client = api_client(tree.users["member"])  # sees her own loan, cannot decide it
    mine = ask(zahra, 1_000, "L3")
    assert (
        zahra_client.post(
            f"/api/v1/funds/loans/{mine.pk}/approve", body, "application/json"
        ).status_code
        == 403
    )
    stranger = api_client(tree.users["trainer"])
    assert (
        stranger.post(
            f"/api/v1/funds/loans/{mine.pk}/approve", body, "application/json"
        ).status_code
        == 404
    )
    mine.refresh_from_db()
    assert mine.status == "requested"
