"""Loan life-cycle pages and API: the request form with its live eligibility preview,
guarantors confirming in person, arrears on the loan and member pages, settlement and
rescheduling — each scoped per role."""

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone
from factories import RoleGrantFactory, UserFactory

from edupact.accounts.models import Role
from edupact.core.errors import Refused
from edupact.core.scoping import Scope
from edupact.funds import guarantees, services
from edupact.funds.models import (
    Fund,
    Guarantee,
    GuaranteeStatus,
    Instalment,
    Loan,
    LoanProduct,
    LoanStatus,
)

EVERYTHING = Scope(everything=True)


@pytest.fixture
def setup(tree):
    today = timezone.localdate()
    start = today - dt.timedelta(days=400)
    fund = services.create_fund(EVERYTHING, Fund(name="صندوق کانون ۹", kanoon=tree.kanoon))
    product = services.save_product(
        EVERYTHING,
        LoanProduct(fund=fund, code="big", max_amount=10**9, guarantors_required=1),
    )
    alice = services.open_account(EVERYTHING, fund, person=tree.member)
    bob = services.open_account(EVERYTHING, fund, person=tree.other_member)
    services.deposit(EVERYTHING, alice, 1_000_000, start)
    services.deposit(EVERYTHING, bob, 1_000_000, start)
    bob_user = UserFactory(username="bob", person=tree.other_member)
    RoleGrantFactory(user=bob_user, role=Role.MEMBER, organisation=tree.kanoon)
    return fund, product, alice, bob, bob_user


def test_the_request_form_previews_every_failing_reason(setup, tree, client_as):
    fund, product, alice, *_ = setup
    c = client_as(tree.users["member"], "en")
    page = c.get(alice.get_absolute_url()).content.decode()
    url = reverse("funds:request_loan", args=[alice.pk])
    assert url in page
    form = c.get(url).content.decode()
    assert "hx-post" in form and reverse("funds:loan_preview", args=[alice.pk]) in form
    preview = reverse("funds:loan_preview", args=[alice.pk])
    too_much = {"product": product.pk, "amount": "2000000000", "months": "100"}
    text = c.post(preview, too_much).content.decode()
    assert "above the product&#x27;s maximum" in text
    assert "outside the product&#x27;s range" in text
    assert "available points do not cover" in text
    assert "20,000,000,000" in text  # points needed: 2e9 × 100 / 10
    fine = {"product": product.pk, "amount": "100000", "months": "10", "purpose": "books"}
    assert "Every check passes" in c.post(preview, fine).content.decode()
    assert Loan.objects.count() == 0  # the preview saves nothing
    response = c.post(url, {**fine, "key": "k1"})
    assert response.status_code == 302
    c.post(url, {**fine, "key": "k1"})  # a double submission
    loan = Loan.objects.get()
    assert (loan.amount, loan.months, loan.purpose, loan.account) == (100_000, 10, "books", alice)
    assert response["Location"] == loan.get_absolute_url()


def test_the_request_form_speaks_persian(setup, tree, client_as):
    fund, product, alice, *_ = setup
    c = client_as(tree.users["member"], "fa")
    preview = reverse("funds:loan_preview", args=[alice.pk])
    text = c.post(preview, {"product": product.pk, "amount": "۱۰۰۰۰۰", "months": "۱۰"})
    assert "۱۰۰٬۰۰۰" in text.content.decode()


def test_others_cannot_request_for_a_member(setup, tree, client_as):
    fund, product, alice, bob, bob_user = setup
    c = client_as(bob_user)
    assert c.get(reverse("funds:request_loan", args=[alice.pk])).status_code == 404
    # The social banker reads Alice's account: she is told she only reads it.
    banker = client_as(tree.users["social_banker"])
    assert banker.get(reverse("funds:request_loan", args=[alice.pk])).status_code == 403
    assert banker.post(reverse("funds:loan_preview", args=[alice.pk]), {}).status_code == 403


def approved_loan(fund, product, alice):
    loan = services.request_loan(
        EVERYTHING, alice, product, 100_000, 10, timezone.localdate(), reference="L-9"
    )
    return services.approve(EVERYTHING, loan, timezone.localdate())


def test_guarantor_named_on_the_web_confirms_on_their_own_page(setup, tree, client_as):
    fund, product, alice, bob, bob_user = setup
    loan = approved_loan(fund, product, alice)
    borrower = client_as(tree.users["member"], "en")
    add = reverse("funds:add_guarantor", args=[loan.pk])
    other = tree.other_member
    wrong = {"national_code": other.national_id, "mobile": "09120000000", "amount": "100000"}
    assert "No member of this fund" in borrower.post(add, wrong).content.decode()
    right = {**wrong, "mobile": other.phone}
    assert borrower.post(add, right).status_code == 302
    g = Guarantee.objects.get()
    assert (g.guarantor, g.amount, g.status) == (bob, 100_000, GuaranteeStatus.INVITED)
    # The borrower and the leader see it but cannot decide; outsiders do not see it.
    url = g.get_absolute_url()
    assert borrower.get(url).status_code == 404
    leader = client_as(tree.users["kanoon_leader"])
    assert "I confirm" not in leader.get(url).content.decode()
    assert leader.post(url, {"decision": "confirm"}).status_code == 403
    # Bob sees the loan on his member page and confirms.
    guarantor = client_as(bob_user, "en")
    assert url in guarantor.get(bob.get_absolute_url()).content.decode()
    assert "I confirm the guarantee" in guarantor.get(url).content.decode()
    assert guarantor.post(url, {"decision": "confirm"}).status_code == 302
    g.refresh_from_db()
    assert g.status == GuaranteeStatus.CONFIRMED and g.decided_by == bob_user
    page = borrower.get(loan.get_absolute_url()).content.decode()
    assert "Confirmed: 1" in page


def test_guarantees_through_the_api(setup, tree, api_client):
    fund, product, alice, bob, bob_user = setup
    loan = approved_loan(fund, product, alice)
    borrower = api_client(tree.users["member"])
    response = borrower.post(
        f"/api/v1/funds/loans/{loan.pk}/guarantees",
        json.dumps({"account_id": bob.pk, "amount": 100_000}),
        content_type="application/json",
    )
    # A member cannot see a colleague's account, so names them by national code and mobile.
    assert response.status_code == 404
    response = borrower.post(
        f"/api/v1/funds/loans/{loan.pk}/guarantees",
        json.dumps(
            {
                "national_code": tree.other_member.national_id,
                "mobile": tree.other_member.phone,
                "amount": 100_000,
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    gid = response.json()["id"]
    # Disbursement is refused with a clear reason until the guarantor confirms.
    with pytest.raises(Refused):
        services.disburse(EVERYTHING, loan, timezone.localdate())
    leader = api_client(tree.users["kanoon_leader"])
    assert leader.post(f"/api/v1/funds/guarantees/{gid}/confirm").status_code == 403
    assert borrower.post(f"/api/v1/funds/guarantees/{gid}/confirm").status_code == 404
    mine = api_client(bob_user)
    listed = mine.get(f"/api/v1/funds/accounts/{bob.pk}/guarantees").json()
    assert [row["id"] for row in listed] == [gid]
    confirmed = mine.post(f"/api/v1/funds/guarantees/{gid}/confirm")
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    services.disburse(EVERYTHING, loan, timezone.localdate())
    body = borrower.get(f"/api/v1/funds/loans/{loan.pk}").json()
    assert body["status"] == "disbursed" and body["guarantees"][0]["status"] == "confirmed"
    assert len(body["schedule"]) == 10 and body["overdue"]["instalments"] == 0


def test_eligibility_and_request_through_the_api(setup, tree, api_client):
    fund, product, alice, *_ = setup
    c = api_client(tree.users["member"])
    url = f"/api/v1/funds/accounts/{alice.pk}/eligibility"
    body = c.get(url, {"product": "big", "amount": 10**10, "months": 100}).json()
    assert not body["eligible"]
    assert {r["code"] for r in body["reasons"]} >= {
        "amount_above_maximum",
        "term_out_of_range",
        "points_insufficient",
    }
    assert body["points_needed"] == 10**11
    ok = c.get(url, {"product": "big", "amount": 100_000, "months": 10}).json()
    assert ok["eligible"] and ok["reasons"] == []
    response = c.post(
        f"/api/v1/funds/accounts/{alice.pk}/loans",
        json.dumps({"product": "big", "amount": 100_000, "months": 10, "purpose": "x"}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="r1",
    )
    assert response.status_code == 201 and response.json()["status"] == "requested"


def late_loan(fund, product, alice, bob):
    """Paid out 70 days ago, nothing repaid: two instalments late."""
    today = timezone.localdate()
    loan = services.request_loan(
        EVERYTHING, alice, product, 100_000, 10, today - dt.timedelta(days=70), reference="L-8"
    )
    loan = services.approve(EVERYTHING, loan, today - dt.timedelta(days=70))
    g = guarantees.invite_guarantor(EVERYTHING, loan, bob, 100_000, today)
    Guarantee.objects.filter(pk=g.pk).update(status=GuaranteeStatus.CONFIRMED)
    return services.disburse(EVERYTHING, loan, today - dt.timedelta(days=70))


def test_arrears_on_the_loan_and_member_pages(setup, tree, client_as):
    fund, product, alice, bob, _ = setup
    loan = late_loan(fund, product, alice, bob)
    first = Instalment.objects.get(loan=loan, n=1)
    days = (timezone.localdate() - first.due).days
    c = client_as(tree.users["member"], "en")
    page = c.get(loan.get_absolute_url()).content.decode()
    assert 'id="arrears"' in page and f"{days} days late" in page
    member = c.get(alice.get_absolute_url()).content.decode()
    assert "is in arrears" in member and loan.get_absolute_url() in member


def test_settle_and_reschedule_on_the_loan_page(setup, tree, client_as):
    fund, product, alice, bob, _ = setup
    loan = late_loan(fund, product, alice, bob)
    leader = client_as(tree.users["kanoon_leader"], "en")
    url = reverse("funds:reschedule", args=[loan.pk])
    # The borrower reads her loan; rescheduling is the leader's decision.
    assert client_as(tree.users["member"]).get(url).status_code == 403
    today = timezone.localdate()
    response = leader.post(url, {"months": "5", "on": today.isoformat(), "reason": "illness"})
    assert response.status_code == 302, response.content.decode()
    page = leader.get(loan.get_absolute_url()).content.decode()
    assert "Earlier schedules" in page and "illness" in page
    assert Instalment.objects.current().filter(loan=loan, paid=0).count() == 5
    borrower = client_as(tree.users["member"], "en")
    page = borrower.get(loan.get_absolute_url()).content.decode()
    assert "Settle the loan now" in page
    settle = reverse("funds:settle", args=[loan.pk])
    paid_in = {"key": "s1", "source": "paid_in", "reference": "TR-77"}
    assert borrower.post(settle, paid_in).status_code == 302
    assert borrower.post(settle, paid_in).status_code == 302  # replay
    loan.refresh_from_db()
    assert loan.status == LoanStatus.DISBURSED  # the borrower's word: for the treasurer
    claim = loan.claims.get()
    page = leader.get(loan.get_absolute_url()).content.decode()
    assert f'id="claim-{claim.pk}"' in page and "TR-77" in page
    decide = reverse("funds:decide_claim", args=[claim.pk])
    assert leader.post(decide, {"decision": "confirm"}).status_code == 302
    loan.refresh_from_db()
    assert loan.status == LoanStatus.REPAID and loan.outstanding == 0
    assert services.verify(fund) == []
