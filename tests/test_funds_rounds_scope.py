"""Allocation rounds as a member sees them: only the rounds that decided their own requests,
and in them only their own decisions — the list, the round, the web pages alike (issue 9 §3).
"""

import datetime as dt

import pytest

from edupact.core.scoping import Scope
from edupact.funds import allocation, services
from edupact.funds.models import AllocationRound, Fund, LoanProduct

EVERYTHING = Scope(everything=True)
D = dt.date(2024, 3, 20)


@pytest.fixture
def rounds(tree):
    """Round 1 decides Zahra's and Ebrahimi's requests; round 2 Ebrahimi's alone."""
    fund = services.create_fund(EVERYTHING, Fund(name="صندوق کانون ۹", kanoon=tree.kanoon))
    product = services.save_product(
        EVERYTHING, LoanProduct(fund=fund, code="qard0", max_amount=10**10)
    )
    zahra = services.open_account(EVERYTHING, fund, person=tree.member)
    ebrahimi = services.open_account(EVERYTHING, fund, person=tree.other_member)
    services.deposit(EVERYTHING, zahra, 1_800_000, D)
    services.deposit(EVERYTHING, ebrahimi, 900_000, D)
    mine = services.request_loan(EVERYTHING, zahra, product, 1_000, 10, D, reference="L-7")
    theirs = services.request_loan(
        EVERYTHING, ebrahimi, product, 2_000, 10, D, reference="L-8", need="medical"
    )
    first = allocation.run_round(EVERYTHING, fund, D, cap=1_500)
    later = services.request_loan(EVERYTHING, ebrahimi, product, 3_000, 10, D, reference="L-9")
    second = allocation.run_round(EVERYTHING, fund, D + dt.timedelta(days=1), cap=0)
    assert {d.loan_id for d in first.decisions.all()} == {mine.pk, theirs.pk}
    assert later.pk in {d.loan_id for d in second.decisions.all()}
    assert mine.pk not in {d.loan_id for d in second.decisions.all()}
    return fund, first, second, mine, theirs


def test_the_api_lists_a_members_own_decisions_only(rounds, tree, api_client):
    fund, first, second, mine, theirs = rounds
    member = api_client(tree.users["member"])
    listed = member.get(f"/api/v1/funds/{fund.pk}/rounds")
    assert listed.status_code == 200
    body = listed.json()
    assert body["count"] == 1 and [r["id"] for r in body["items"]] == [first.pk]
    (item,) = body["items"]
    assert [(d["loan_id"], d["reference"], d["amount"]) for d in item["decisions"]] == [
        (mine.pk, "L-7", 1_000)
    ]
    assert "L-8" not in str(item["decisions"])
    # The round itself answers as the list shows it; the round without her is not found.
    one = member.get(f"/api/v1/funds/rounds/{first.pk}")
    assert one.status_code == 200 and one.json() == item
    assert member.get(f"/api/v1/funds/rounds/{second.pk}").status_code == 404
    assert member.get(f"/api/v1/funds/rounds/{second.pk}").content == member.get(
        "/api/v1/funds/rounds/999999"
    ).content.replace(b"999999", b"%d" % second.pk)


def test_the_leader_still_reads_every_decision(rounds, tree, api_client):
    fund, first, second, mine, theirs = rounds
    leader = api_client(tree.users["kanoon_leader"])
    body = leader.get(f"/api/v1/funds/{fund.pk}/rounds").json()
    assert [r["id"] for r in body["items"]] == [second.pk, first.pk]
    assert {d["loan_id"] for d in body["items"][1]["decisions"]} == {mine.pk, theirs.pk}
    one = leader.get(f"/api/v1/funds/rounds/{first.pk}").json()
    assert one == body["items"][1]


def test_the_web_pages_show_a_member_their_own_decisions(rounds, tree, client_as):
    fund, first, second, mine, theirs = rounds
    member = client_as(tree.users["member"], "en")
    page = member.get(first.get_absolute_url())
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-loan="L-7"' in text and 'data-loan="L-8"' not in text
    assert tree.other_member.full_name not in text
    assert member.get(second.get_absolute_url()).status_code == 404
    # The fund page lists the one round, its counts her own (one decision, not two).
    fund_page = member.get(fund.get_absolute_url()).content.decode()
    assert first.get_absolute_url() in fund_page and second.get_absolute_url() not in fund_page
    leader = client_as(tree.users["kanoon_leader"], "en")
    text = leader.get(first.get_absolute_url()).content.decode()
    assert 'data-loan="L-7"' in text and 'data-loan="L-8"' in text


def test_the_selector_counts_only_the_decisions_the_reader_sees(rounds, tree):
    from edupact.accounts.selectors import scope_for
    from edupact.funds import selectors

    fund, first, second, mine, theirs = rounds
    member = selectors.rounds(scope_for(tree.users["member"]), fund).get()
    assert member.pk == first.pk
    assert member.approved + member.rejected + member.waiting == 1
    everyone = {r.pk: r for r in selectors.rounds(EVERYTHING, fund)}
    counts = everyone[first.pk]
    assert counts.approved + counts.rejected + counts.waiting == 2
    assert AllocationRound.objects.count() == 2
