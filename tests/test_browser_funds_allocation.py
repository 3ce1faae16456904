"""Allocation journeys in real Chromium: the leader switches the kanoon to a lottery with a
published seed and runs a capped round, then reads the draw; a committee member votes."""

import datetime as dt
import hashlib

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy

from edupact.core.scoping import Scope
from edupact.funds import allocation, services
from edupact.funds.models import (
    AllocationRound,
    CommitteeVote,
    Fund,
    LoanProduct,
    LoanStatus,
    Outcome,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
EVERYTHING = Scope(everything=True)
D = dt.date(2024, 3, 20)
LOCALES = {"fa": "fa-IR", "en": "en-US", "vi": "vi-VN"}


@pytest.fixture
def fund(tree):
    obj = services.create_fund(EVERYTHING, Fund(name="صندوق کانون ۹", kanoon=tree.kanoon))
    product = services.save_product(
        EVERYTHING, LoanProduct(fund=obj, code="qard0", max_amount=10**10)
    )
    alice = services.open_account(EVERYTHING, obj, person=tree.member)
    bob = services.open_account(EVERYTHING, obj, person=tree.other_member)
    services.deposit(EVERYTHING, alice, 1_800_000, D)
    services.deposit(EVERYTHING, bob, 900_000, D)
    obj.requests = [
        services.request_loan(EVERYTHING, alice, product, 1_000, 10, D, reference="L-7"),
        services.request_loan(EVERYTHING, bob, product, 1_000, 10, D, reference="L-8"),
    ]
    return obj


def open_as(page_as, live_server, user, language):
    from urllib.parse import urlparse

    page = page_as(user, locale=LOCALES[language])
    page.context.add_cookies(
        [
            {
                "name": "edupact_language",
                "value": language,
                "domain": urlparse(live_server.url).hostname,
                "path": "/",
            }
        ]
    )
    return page


def label(language, text):
    with translation.override(language):
        return str(text)


def test_the_leader_publishes_a_seed_and_runs_a_lottery(fund, tree, page_as, live_server):
    page = open_as(page_as, live_server, tree.users["kanoon_leader"], "fa")
    page.goto(fund.get_absolute_url())
    page.locator("a[href$='/allocation/']").click()
    page.select_option("select[name=policy]", "lottery")
    page.fill("input[name=seed]", "کانون-۱۴۰۳")
    page.locator("form.card button[type=submit]").click()
    page.wait_for_url(f"**{fund.get_absolute_url()}")
    assert "کانون-۱۴۰۳" in page.inner_text("#allocation-policy")

    page.goto(f"{live_server.url}/funds/{fund.pk}/allocate/")
    page.fill("input[name=cap]", "۱٬۰۰۰")  # room for one of the two requests
    page.locator("form.card button[type=submit]").click()
    page.wait_for_url("**/funds/rounds/*/")
    record = AllocationRound.objects.get()
    order = sorted(
        ["L-7", "L-8"], key=lambda r: hashlib.sha256(f"کانون-۱۴۰۳:{r}".encode()).hexdigest()
    )
    assert (record.seed, record.order) == ("کانون-۱۴۰۳", order)
    draw = page.inner_text("#draw")
    assert "کانون-۱۴۰۳" in draw and " ".join(order) in draw and "edupact fund redraw" in draw
    rows = page.locator("table.decisions tbody tr")
    assert [rows.nth(i).get_attribute("data-loan") for i in range(2)] == order
    assert rows.nth(0).locator(".badge").inner_text().strip() == label("fa", Outcome.APPROVED.label)
    assert rows.nth(1).locator(".badge").inner_text().strip() == label("fa", Outcome.WAITING.label)


def test_a_committee_member_votes_on_a_colleagues_request(fund, tree, page_as, live_server):
    allocation.save_settings(
        EVERYTHING, fund, "committee", {"quorum": 1}, committee=(tree.other_member, [tree.member])
    )
    loan = fund.requests[1]  # Ebrahimi's
    page = open_as(page_as, live_server, tree.users["member"], "vi")
    page.goto(fund.get_absolute_url())
    page.locator(f"a[href='{loan.get_absolute_url()}']").first.click()
    page.locator("#votes button[value='1']").click()
    page.wait_for_selector("ul.messages li")
    assert CommitteeVote.objects.get().approve is True
    assert label("vi", gettext_lazy("approve")) in page.inner_text("#votes")
    services.allocate(EVERYTHING, fund, dt.date.today())
    loan.refresh_from_db()
    assert loan.status == LoanStatus.APPROVED
