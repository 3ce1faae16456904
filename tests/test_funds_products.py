"""Loan products as dated versions: a new version ends the one in force, nothing is edited,
and the leader manages them from the fund's pages and the API (scoped)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from edupact.core.scoping import Scope
from edupact.funds import selectors, services
from edupact.funds.models import Fund, LoanProduct

EVERYTHING = Scope(everything=True)
D = dt.date(2024, 3, 20)  # 1403/01/01


@pytest.fixture
def fund(tree):
    return services.create_fund(EVERYTHING, Fund(name="صندوق کانون ۹", kanoon=tree.kanoon))


def version(fund, start, **rules):
    rules.setdefault("max_amount", 3_000_000_000)
    return services.revise_product(
        EVERYTHING, LoanProduct(fund=fund, code="standard", valid_from=start, **rules)
    )


def test_a_new_version_ends_the_one_in_force_and_loans_keep_theirs(fund, tree):
    first = version(fund, D)
    alice = services.open_account(EVERYTHING, fund, person=tree.member)
    loan = services.request_loan(EVERYTHING, alice, first, 1_000, 10, D + dt.timedelta(days=5))
    second = version(fund, dt.date(2025, 3, 21), max_amount=4_000_000_000)
    first.refresh_from_db()
    assert first.valid_to == dt.date(2025, 3, 21) and second.valid_to is None
    assert list(selectors.products(fund, dt.date(2025, 3, 20))) == [first]
    assert list(selectors.products(fund, dt.date(2025, 3, 21))) == [second]
    loan.refresh_from_db()
    assert loan.product == first  # the rules it was requested under


def test_a_version_starting_before_a_scheduled_one_or_an_edit_is_refused(fund):
    first = version(fund, D)
    with pytest.raises(ValidationError) as refused:
        version(fund, D)
    assert "valid_from" in refused.value.message_dict
    first.max_amount = 1
    with pytest.raises(ValidationError):
        services.revise_product(EVERYTHING, first)
    assert LoanProduct.objects.get(pk=first.pk).max_amount == 3_000_000_000


def test_the_leader_adds_a_version_in_jalali_with_esfand_closed(fund, tree, client_as):
    first = version(fund, D, max_amount=10_000)
    client = client_as(tree.users["kanoon_leader"], "fa")
    url = reverse("funds:new_product", args=[fund.pk]) + f"?from={first.pk}"
    page = client.get(url).content.decode()
    assert "اسفند" in page and 'value="10000"' in page
    response = client.post(
        url,
        {
            "code": "standard", "name": "قرض‌الحسنه", "valid_from": "۱۴۰۴/۰۱/۰۱",
            "min_amount": "۱", "max_amount": "۲۰٬۰۰۰", "min_months": "1", "max_months": "60",
            "fee_strategy": "declining_balance", "fee_rate_percent": "2",
            "cooling_off_days": "90", "blackout_months": ["12"], "guarantors_required": "1",
            "open_requests": "۱",
        },
    )  # fmt: skip
    assert response.status_code == 302
    new = LoanProduct.objects.get(fund=fund, valid_from=dt.date(2025, 3, 21))
    assert (new.max_amount, new.blackout_months, new.guarantors_required) == (20_000, [12], 1)
    listing = client.get(reverse("funds:products", args=[fund.pk])).content.decode()
    assert "قرض‌الحسنه" in listing


def test_bad_input_changes_nothing(fund, tree, client_as):
    version(fund, D)
    client = client_as(tree.users["kanoon_leader"], "en")
    response = client.post(
        reverse("funds:new_product", args=[fund.pk]),
        {"code": "standard", "valid_from": "2023/01/01", "max_amount": "-5", "min_amount": "1",
         "min_months": "1", "max_months": "60", "fee_strategy": "zero", "fee_rate_percent": "0",
         "cooling_off_days": "0", "guarantors_required": "0"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "Enter a whole amount between 1 and 10,000,000,000,000." in response.content.decode()
    assert LoanProduct.objects.filter(fund=fund).count() == 1


def test_members_read_products_but_only_the_leader_adds_them(fund, tree, client_as, api_client):
    version(fund, D)
    member = client_as(tree.users["member"], "en")
    assert member.get(reverse("funds:new_product", args=[fund.pk])).status_code == 404
    api = api_client(tree.users["kanoon_leader"])
    body = {"code": "standard", "valid_from": "2025-03-21", "max_amount": 5_000}
    created = api.post(f"/api/v1/funds/{fund.pk}/products", body, content_type="application/json")
    assert created.status_code == 201 and created.json()["max_amount"] == 5_000
    again = api.post(f"/api/v1/funds/{fund.pk}/products", body, content_type="application/json")
    assert again.status_code == 422
    listed = api.get(f"/api/v1/funds/{fund.pk}/products", {"on": "2025-03-21"}).json()
    assert [p["max_amount"] for p in listed] == [5_000]
