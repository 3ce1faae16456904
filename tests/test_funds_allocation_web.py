"""Allocation on the web, the API and the command line: the leader's settings form, a round
with a cap, the round page (score breakdown, the lottery's seed and how to re-run it),
committee votes cast personally — and who may do what."""

import datetime as dt
import hashlib
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from edupact.core.scoping import Scope
from edupact.funds import allocation, services
from edupact.funds.models import AllocationRound, CommitteeVote, Fund, LoanProduct, LoanStatus

EVERYTHING = Scope(everything=True)
D = dt.date(2024, 3, 20)


@pytest.fixture
def setup(tree):
    """Zahra and Ebrahimi saved on D; each asks for a loan long after (today)."""
    fund = services.create_fund(EVERYTHING, Fund(name="صندوق کانون ۹", kanoon=tree.kanoon))
    product = services.save_product(
        EVERYTHING, LoanProduct(fund=fund, code="qard0", max_amount=10**10)
    )
    alice = services.open_account(EVERYTHING, fund, person=tree.member)
    bob = services.open_account(EVERYTHING, fund, person=tree.other_member)
    services.deposit(EVERYTHING, alice, 1_800_000, D)
    services.deposit(EVERYTHING, bob, 900_000, D)
    la = services.request_loan(EVERYTHING, alice, product, 1_000, 10, D, reference="L-7")
    lb = services.request_loan(
        EVERYTHING, bob, product, 2_000, 10, D, reference="L-8", need="medical"
    )
    return fund, la, lb


def test_the_leader_chooses_priority_and_sees_the_score_breakdown(setup, tree, client_as):
    fund, la, lb = setup
    c = client_as(tree.users["kanoon_leader"], "fa")
    url = reverse("funds:allocation_settings", args=[fund.pk])
    page = c.get(url)
    assert page.status_code == 200 and 'dir="rtl"' in page.content.decode()
    form = {
        "policy": "priority",
        "need_medical": "۵۰",  # Persian digits are accepted
        "need_education": "30",
        "need_housing": "25",
        "need_marriage": "20",
        "need_other": "0",
        "waiting_month": "0",
        "contribution": "10",
        "recent_loan": "20",
        "recent_days": "365",
        "quorum": "2",
        "seed": "",
    }
    assert c.post(url, form).status_code == 302
    fund.refresh_from_db()
    assert fund.allocation_policy == "priority"
    assert fund.allocation_parameters["weights"]["need"]["medical"] == 50
    c = client_as(tree.users["kanoon_leader"], "en")
    assert "priority score" in c.get(fund.get_absolute_url()).content.decode()
    response = c.post(reverse("funds:allocate", args=[fund.pk]), {"cap": "", "next": "round"})
    record = AllocationRound.objects.get(fund=fund)
    assert response.status_code == 302 and response["Location"] == record.get_absolute_url()
    text = c.get(record.get_absolute_url()).content.decode()
    # L-8 (medical 50 + own contribution 10 = 60) before L-7 (other 0 + 10 = 10).
    assert text.index('data-loan="L-8"') < text.index('data-loan="L-7"')
    assert "Own contribution" in text and "medical: 50" in text and "<strong>60</strong>" in text
    assert c.get(fund.get_absolute_url()).content.decode().count(record.get_absolute_url()) == 1


def test_a_round_with_a_cap_from_the_round_page(setup, tree, client_as):
    fund, la, lb = setup
    c = client_as(tree.users["kanoon_leader"], "en")
    url = reverse("funds:allocate", args=[fund.pk])
    page = c.get(url).content.decode()
    assert "Money available to lend" in page
    c.post(url, {"cap": "1500"})
    la.refresh_from_db(), lb.refresh_from_db()
    assert (la.status, lb.status) == (LoanStatus.APPROVED, LoanStatus.REQUESTED)
    record = AllocationRound.objects.get()
    assert (record.cap, record.budget, record.used) == (1500, 1500, 1000)
    bad = c.post(url, {"cap": "-5"})
    assert bad.status_code == 200 and AllocationRound.objects.count() == 1


def test_a_lottery_round_page_shows_the_seed_and_how_to_rerun_it(setup, tree, client_as):
    fund, la, lb = setup
    allocation.save_settings(EVERYTHING, fund, "lottery", {"seed": "1403-کانون"})
    c = client_as(tree.users["kanoon_leader"], "en")
    assert "1403-کانون" in c.get(fund.get_absolute_url()).content.decode()
    c.post(reverse("funds:allocate", args=[fund.pk]))
    record = AllocationRound.objects.get()
    text = c.get(record.get_absolute_url()).content.decode()
    assert "1403-کانون" in text and "edupact fund redraw" in text and "SHA-256" in text
    expected = sorted(
        ["L-7", "L-8"], key=lambda r: hashlib.sha256(f"1403-کانون:{r}".encode()).hexdigest()
    )
    assert record.order == expected and " ".join(expected) in text
    out = StringIO()
    call_command("fund", "redraw", "--seed", record.seed, *record.eligible, stdout=out)
    assert [line.split("\t")[1] for line in out.getvalue().splitlines()] == record.order


def test_committee_members_vote_on_the_web_personally(setup, tree, client_as):
    fund, la, lb = setup
    allocation.save_settings(
        EVERYTHING,
        fund,
        "committee",
        {"quorum": 1},
        committee=(tree.other_member, [tree.member]),
    )
    member = client_as(tree.users["member"], "en")  # Zahra, a plain member of the kanoon
    # She sits on the committee, so she reads Ebrahimi's pending request and votes on it.
    page = member.get(lb.get_absolute_url())
    assert page.status_code == 200 and "Committee votes" in page.content.decode()
    assert member.post(reverse("funds:vote", args=[lb.pk]), {"approve": "1"}).status_code == 302
    vote = CommitteeVote.objects.get()
    assert (vote.loan_id, vote.member.person_id, vote.approve) == (lb.pk, tree.member.pk, True)
    # The leader has no seat: no vote, not even for someone else (403, with the rule).
    leader = client_as(tree.users["kanoon_leader"], "en")
    assert "Committee votes" in leader.get(lb.get_absolute_url()).content.decode()
    refused = leader.post(reverse("funds:vote", args=[lb.pk]), {"approve": "0"})
    assert refused.status_code == 403
    assert "Only members of the fund&#x27;s committee vote" in refused.content.decode()
    assert CommitteeVote.objects.count() == 1
    leader.post(reverse("funds:allocate", args=[fund.pk]))
    lb.refresh_from_db(), la.refresh_from_db()
    assert (lb.status, la.status) == (LoanStatus.APPROVED, LoanStatus.REQUESTED)
    text = leader.get(AllocationRound.objects.get().get_absolute_url()).content.decode()
    assert "Approvals" in text and "The committee has not reached the quorum yet." in text


def test_readers_cannot_change_allocation(setup, tree, client_as):
    fund, *_ = setup
    banker = client_as(tree.users["social_banker"], "en")
    # She reads the fund, so she is told she only reads it (403), not that it is not there.
    assert banker.get(reverse("funds:allocation_settings", args=[fund.pk])).status_code == 403
    assert banker.get(reverse("funds:allocate", args=[fund.pk])).status_code == 403
    assert banker.post(reverse("funds:allocate", args=[fund.pk])).status_code == 403
    assert not AllocationRound.objects.exists()
    allocation.run_round(EVERYTHING, fund, D)
    record = AllocationRound.objects.get()
    assert banker.get(record.get_absolute_url()).status_code == 200
    outsider = client_as(tree.users["trainer"], "en")
    assert outsider.get(record.get_absolute_url()).status_code == 404


# API ----------------------------------------------------------------------------------------------


def test_api_settings_rounds_and_votes(setup, tree, api_client):
    fund, la, lb = setup
    leader = api_client(tree.users["kanoon_leader"])
    body = {
        "policy": "committee",
        "parameters": {"quorum": 1},
        "committee": {"leader_id": tree.other_member.pk, "member_ids": [tree.member.pk]},
    }
    response = leader.put(
        f"/api/v1/funds/{fund.pk}/allocation", body, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    got = response.json()
    assert got["policy"] == "committee" and got["parameters"] == {"quorum": 1}
    assert {m["person_id"]: m["role"] for m in got["committee"]} == {
        tree.other_member.pk: "leader",
        tree.member.pk: "member",
    }
    bad = leader.put(
        f"/api/v1/funds/{fund.pk}/allocation",
        {"policy": "committee", "parameters": {"quorum": 5}},
        content_type="application/json",
    )
    assert bad.status_code == 422
    # The leader cannot vote; Zahra votes for herself.
    no = leader.post(
        f"/api/v1/funds/loans/{lb.pk}/votes", {"approve": True}, content_type="application/json"
    )
    assert no.status_code == 403
    zahra = api_client(tree.users["member"])
    yes = zahra.post(
        f"/api/v1/funds/loans/{la.pk}/votes", {"approve": True}, content_type="application/json"
    )
    assert yes.status_code == 200 and yes.json()["person_id"] == tree.member.pk
    run = leader.post(
        f"/api/v1/funds/{fund.pk}/rounds", {"cap": 10_000}, content_type="application/json"
    )
    assert run.status_code == 201, run.content
    record = run.json()
    assert (record["policy"], record["budget"], record["used"]) == ("committee", 10_000, 1_000)
    assert [(d["reference"], d["outcome"]) for d in record["decisions"]] == [
        ("L-7", "approved"),
        ("L-8", "waiting"),
    ]
    listed = leader.get(f"/api/v1/funds/{fund.pk}/rounds").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == record["id"]
    assert leader.get(f"/api/v1/funds/rounds/{record['id']}").json()["used"] == 1_000
    banker = api_client(tree.users["social_banker"])
    assert (
        banker.post(
            f"/api/v1/funds/{fund.pk}/rounds", {}, content_type="application/json"
        ).status_code
        == 403
    )
    assert (
        api_client(tree.users["trainer"]).get(f"/api/v1/funds/rounds/{record['id']}").status_code
        == 404
    )
