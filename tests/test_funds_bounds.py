"""Issue 9, section 1: one input must never corrupt a fund. Every reproduction of the issue,
through the API and the web forms: the answer (status and translated message) and that
nothing changed; then the bounds behind them — the largest balance, the bank-statement import,
products, guarantees, gifts, rounds and the simulator."""

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation

from edupact.core import bounds
from edupact.core.scoping import Scope
from edupact.core.tabular import to_csv
from edupact.funds import imports, selectors, services, settlement, simulator
from edupact.funds.ledger import posting
from edupact.funds.models import (
    AllocationRound,
    Fund,
    FundAccount,
    Guarantee,
    JournalEntry,
    JournalLine,
    Loan,
    LoanProduct,
    LoanStatus,
)

EVERYTHING = Scope(everything=True)
D = dt.date(2024, 3, 20)
INT64_MAX = 2**63 - 1
PROBLEM = "application/problem+json"
EN = {"Accept-Language": "en"}


@pytest.fixture
def setup(tree):
    fund = services.create_fund(EVERYTHING, Fund(name="صندوق کانون ۹", kanoon=tree.kanoon))
    product = services.save_product(
        EVERYTHING, LoanProduct(fund=fund, code="qard0", max_amount=10**10)
    )
    alice = services.open_account(EVERYTHING, fund, person=tree.member)
    bob = services.open_account(EVERYTHING, fund, person=tree.other_member)
    services.deposit(EVERYTHING, alice, 1_800_000, D)
    services.deposit(EVERYTHING, bob, 900_000, D)
    return fund, product, alice, bob


def state(fund) -> tuple:
    """Everything a refused write must leave as it was."""
    return (
        JournalEntry.objects.filter(fund=fund).count(),
        JournalLine.objects.filter(entry__fund=fund).count(),
        sorted(
            FundAccount.objects.filter(fund=fund).values_list(
                "pk", "balance", "last_posting_date", "money_days_at_last_posting"
            )
        ),
        sorted(Loan.objects.filter(fund=fund).values_list("pk", "status", "amount", "months")),
        AllocationRound.objects.filter(fund=fund).count(),
        Guarantee.objects.filter(loan__fund=fund).count(),
    )


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def errors_of(response) -> list[str]:
    assert response["Content-Type"] == PROBLEM
    return [m for messages in response.json()["errors"].values() for m in messages]


def assert_integers(fund):
    """Balances read back as integers, never floats (SQLite stores an overflow as REAL)."""
    for balance, md in FundAccount.objects.filter(fund=fund).values_list(
        "balance", "money_days_at_last_posting"
    ):
        assert type(balance) is int and type(md) is int
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT DISTINCT typeof(balance), typeof(money_days_at_last_posting) "
                f"FROM {FundAccount._meta.db_table} WHERE fund_id = %s",
                [fund.pk],
            )
            assert set(cursor.fetchall()) == {("integer", "integer")}


# The reproductions through the API ------------------------------------------------------


@pytest.mark.parametrize(
    "amount, message",
    [
        (INT64_MAX, "Enter a value of at most 10,000,000,000,000."),
        (2**63, "Enter a value of at most 10,000,000,000,000."),
        (10**18, "Enter a value of at most 10,000,000,000,000."),
        (True, "Enter a whole number."),
        ("5", "Enter a whole number."),
        (1e30, "Enter a whole number."),
        (0, "Enter a value of at least 1."),
    ],
)
def test_an_amount_out_of_bounds_is_a_422_and_changes_nothing(
    setup, tree, api_client, amount, message
):
    fund, _product, alice, _bob = setup
    leader = api_client(tree.users["kanoon_leader"], **EN)
    before = state(fund)
    response = post(
        leader,
        f"/api/v1/funds/{fund.pk}/deposits",
        {"account_id": alice.pk, "amount": amount, "on": "2018-04-01"},
    )
    assert response.status_code == 422
    assert errors_of(response) == [message]
    assert state(fund) == before
    account = leader.get(f"/api/v1/funds/accounts/{alice.pk}")  # 500 for good, before
    assert account.status_code == 200 and account.json()["balance"] == 1_800_000
    assert_integers(fund)


def test_the_refusal_speaks_the_readers_language(setup, tree, api_client):
    fund, _product, alice, _bob = setup
    url = f"/api/v1/funds/{fund.pk}/deposits"
    body = {"account_id": alice.pk, "amount": INT64_MAX}
    persian = api_client(tree.users["kanoon_leader"], **{"Accept-Language": "fa"})
    assert errors_of(post(persian, url, body)) == ["مقداری حداکثر ۱۰٬۰۰۰٬۰۰۰٬۰۰۰٬۰۰۰ وارد کنید."]
    vietnamese = api_client(tree.users["kanoon_leader"], **{"Accept-Language": "vi"})
    assert errors_of(post(vietnamese, url, body)) == [
        "Nhập một giá trị không quá 10.000.000.000.000."
    ]


@pytest.mark.parametrize(
    "on, message",
    [
        ("0001-01-01", "Enter a date on or after 1 Jan 2000."),
        ("1999-12-31", "Enter a date on or after 1 Jan 2000."),
        ("9999-12-31", "Enter a date on or before 31 Dec 2099."),
    ],
)
def test_a_deposit_dated_outside_the_century_is_a_422(setup, tree, api_client, on, message):
    fund, _product, alice, _bob = setup
    before = state(fund)
    response = post(
        api_client(tree.users["kanoon_leader"], **EN),
        f"/api/v1/funds/{fund.pk}/deposits",
        {"account_id": alice.pk, "amount": 1_000, "on": on},
    )
    assert response.status_code == 422
    assert errors_of(response) == [message]
    assert state(fund) == before


def test_a_deposit_dated_tomorrow_is_refused_and_the_last_posting_stays(setup, tree, api_client):
    fund, _product, alice, _bob = setup
    before = state(fund)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = post(
        api_client(tree.users["kanoon_leader"], **EN),
        f"/api/v1/funds/{fund.pk}/deposits",
        {"account_id": alice.pk, "amount": 1_000, "on": tomorrow.isoformat()},
    )
    assert response.status_code == 422
    today = timezone.localdate()
    assert response.json()["errors"] == {
        "on": [f"Enter a date between 1 Jan 2000 and {today.day} {today:%b %Y}."]
    }
    assert state(fund) == before
    assert FundAccount.objects.get(pk=alice.pk).last_posting_date == D


def test_a_loan_request_out_of_bounds_is_a_422(setup, tree, api_client):
    fund, _product, alice, _bob = setup
    member = api_client(tree.users["member"], **EN)
    url = f"/api/v1/funds/accounts/{alice.pk}/loans"
    before = state(fund)
    for body, message in (
        ({"amount": 9 * 10**18, "months": 10}, "Enter a value of at most 10,000,000,000,000."),
        ({"amount": 1_000, "months": 10**9}, "Enter a value of at most 360."),
        ({"amount": 1_000, "months": True}, "Enter a whole number."),
    ):
        response = post(member, url, {"product": "qard0", **body})
        assert response.status_code == 422
        assert errors_of(response) == [message]
    eligibility = member.get(
        f"/api/v1/funds/accounts/{alice.pk}/eligibility",
        {"product": "qard0", "amount": 2**63, "months": 10},
    )
    assert eligibility.status_code == 422
    assert errors_of(eligibility) == ["Enter a value of at most 10,000,000,000,000."]
    assert state(fund) == before


def disbursed(fund, product, alice):
    loan = services.request_loan(EVERYTHING, alice, product, 100_000, 10, D, reference="L-1")
    loan = services.approve(EVERYTHING, loan, D + dt.timedelta(days=200))
    return services.disburse(EVERYTHING, loan, D + dt.timedelta(days=200))


def test_a_reschedule_to_a_million_months_is_refused_by_api_and_form(
    setup, tree, api_client, client_as
):
    fund, product, alice, _bob = setup
    loan = disbursed(fund, product, alice)
    before = state(fund), list(loan.instalments.values_list("pk", "superseded_by"))
    response = post(
        api_client(tree.users["kanoon_leader"], **EN),
        f"/api/v1/funds/loans/{loan.pk}/reschedule",
        {"months": 10**6, "reason": "illness"},
    )
    assert response.status_code == 422
    assert errors_of(response) == ["Enter a value of at most 360."]
    page = client_as(tree.users["kanoon_leader"], "en").post(
        reverse("funds:reschedule", args=[loan.pk]),
        {"months": "1000000", "on": timezone.localdate().isoformat(), "reason": "illness"},
    )
    assert page.status_code == 200
    assert "Ensure this value is less than or equal to 360." in page.content.decode()
    with pytest.raises(ValidationError) as refused:
        settlement.reschedule(EVERYTHING, loan, 10**6, timezone.localdate(), "illness")
    assert refused.value.message_dict == {"months": ["Enter a number of months between 1 and 360."]}
    assert (state(fund), list(loan.instalments.values_list("pk", "superseded_by"))) == before


def test_a_round_cap_of_1e30_is_refused_by_api_and_form(setup, tree, api_client, client_as):
    fund, *_ = setup
    before = state(fund)
    leader = api_client(tree.users["kanoon_leader"], **EN)
    for cap, message in (
        (1e30, "Enter a whole number."),
        (10**30, "Enter a value of at most 10,000,000,000,000."),
        (-1, "Enter a value of at least 0."),
    ):
        response = post(leader, f"/api/v1/funds/{fund.pk}/rounds", {"cap": cap})
        assert response.status_code == 422
        assert errors_of(response) == [message]
    page = client_as(tree.users["kanoon_leader"], "en").post(
        reverse("funds:allocate", args=[fund.pk]), {"cap": "1" + "0" * 30}
    )
    assert page.status_code == 200
    assert "Enter a whole amount between 1 and 10,000,000,000,000." in page.content.decode()
    assert state(fund) == before


# The same through the web forms ------------------------------------------------------------------


@pytest.mark.parametrize(
    "form, field, message",
    [
        (
            {"amount": str(INT64_MAX), "on": "2024/04/01"},
            "amount",
            "Enter a whole amount between 1 and 10,000,000,000,000.",
        ),
        ({"amount": "1000", "on": "01/01/0001"}, "on", "Enter a date between"),
        ({"amount": "1000", "on": "31/12/9999"}, "on", "Enter a date between"),
    ],
)
def test_the_deposit_form_refuses_out_of_bounds_input(setup, tree, client_as, form, field, message):
    fund, _product, alice, _bob = setup
    before = state(fund)
    c = client_as(tree.users["kanoon_leader"], "en")
    response = c.post(reverse("funds:deposit", args=[fund.pk]), {"account": alice.pk, **form})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert any(message in e for e in errors.get(field, []) + errors.get("__all__", [])), errors
    assert state(fund) == before


def test_the_deposit_form_refuses_tomorrow_in_persian(setup, tree, client_as):
    fund, _product, alice, _bob = setup
    before = state(fund)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    c = client_as(tree.users["kanoon_leader"], "fa")
    from edupact.core.calendars import to_jalali

    response = c.post(
        reverse("funds:deposit", args=[fund.pk]),
        {"account": alice.pk, "amount": "۱۰۰۰", "on": to_jalali(tomorrow).strftime("%Y/%m/%d")},
    )
    assert response.status_code == 200
    (message,) = response.context["form"].errors["on"]
    assert message.startswith("تاریخی بین ") and "۱۳۷۸" in message  # 1 January 2000, Jalali
    assert state(fund) == before


def test_the_loan_request_form_bounds_amount_and_months(setup, tree, client_as):
    fund, product, alice, _bob = setup
    before = state(fund)
    c = client_as(tree.users["member"], "en")
    response = c.post(
        reverse("funds:request_loan", args=[alice.pk]),
        {"product": product.pk, "amount": "9000000000000000000", "months": "1000000000"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["amount"] == ["Enter a whole amount between 1 and 10,000,000,000,000."]
    assert errors["months"] == ["Ensure this value is less than or equal to 360."]
    assert state(fund) == before


# The largest balance ----------------------------------------------------------------------------


def test_no_balance_passes_the_bound_and_the_refusal_changes_nothing(setup, tree, api_client):
    """Ten deposits of the largest amount fill a fresh account to MAX_BALANCE; one rial more,
    by the services or the API, is refused (409, translated), and the fund is as it was."""
    fund, _product, _alice, _bob = setup
    whale = services.open_account(EVERYTHING, fund, organisation=tree.school_a)
    pool = posting.system_account(fund, "pool")
    room = bounds.MAX_BALANCE - pool.balance  # the pool holds every member's money too
    for n in range(room // bounds.MAX_AMOUNT):
        services.deposit(EVERYTHING, whale, bounds.MAX_AMOUNT, D, idempotency_key=f"w{n}")
    services.deposit(EVERYTHING, whale, room % bounds.MAX_AMOUNT, D)
    assert posting.system_account(fund, "pool").balance == bounds.MAX_BALANCE
    before = state(fund)
    with pytest.raises(services.Refused) as refused:
        services.deposit(EVERYTHING, whale, 1, D + dt.timedelta(days=1))
    assert refused.value.reason == "above_max_balance"
    assert state(fund) == before
    with translation.override("fa"), pytest.raises(services.Refused) as refused:
        services.deposit(EVERYTHING, whale, 1, D, idempotency_key="k")
    assert "۱۰٬۰۰۰٬۰۰۰٬۰۰۰٬۰۰۰ تومان" in refused.value.messages[0]
    response = post(
        api_client(tree.users["kanoon_leader"], **EN, **{"Idempotency-Key": "one-more"}),
        f"/api/v1/funds/{fund.pk}/deposits",
        {"account_id": whale.pk, "amount": 1, "on": "2024-03-21"},
    )
    assert response.status_code == 409 and response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "above_max_balance"
    assert response.json()["detail"] == (
        "This would take a balance of the fund above IRR100,000,000,000,000, "
        "the most one account may hold."
    )
    assert state(fund) == before
    # A century later the money-days are still exact 64-bit integers.
    later = selectors.account_points(FundAccount.objects.get(pk=whale.pk), bounds.DATE_MAX)
    assert later.balance <= bounds.MAX_BALANCE and later.money_days < bounds.INT64_MAX
    assert_integers(fund)
    assert services.verify(fund) == []


def test_a_withdrawal_from_a_full_pool_still_works(setup, tree):
    """The bound stops money coming in, never money going out."""
    fund, _product, alice, _bob = setup
    whale = services.open_account(EVERYTHING, fund, organisation=tree.school_a)
    room = bounds.MAX_BALANCE - posting.system_account(fund, "pool").balance
    for n in range(room // bounds.MAX_AMOUNT):
        services.deposit(EVERYTHING, whale, bounds.MAX_AMOUNT, D, idempotency_key=f"w{n}")
    services.withdraw(EVERYTHING, alice, 800_000, D + dt.timedelta(days=2))
    assert FundAccount.objects.get(pk=alice.pk).balance == 1_000_000
    assert services.verify(fund) == []


# Everything else that holds an amount, a term or a date ------------------------------------------


def test_services_refuse_out_of_bounds_values_whoever_calls(setup, tree):
    fund, product, alice, bob = setup
    before = state(fund)
    cases = [
        (lambda: services.deposit(EVERYTHING, alice, True, D), "amount"),
        (lambda: services.deposit(EVERYTHING, alice, bounds.MAX_AMOUNT + 1, D), "amount"),
        (lambda: services.deposit(EVERYTHING, alice, 1, dt.date(1, 1, 1)), "on"),
        (lambda: services.withdraw(EVERYTHING, alice, 1, dt.date(9999, 12, 31)), "on"),
        (lambda: services.request_loan(EVERYTHING, alice, product, 9 * 10**18, 10, D), "amount"),
        (lambda: services.request_loan(EVERYTHING, alice, product, 1_000, 10**9, D), "months"),
        (lambda: services.gift_points(EVERYTHING, alice, bob, 2**63, D), "points"),
        (lambda: services.approve(EVERYTHING, Loan(fund=fund), D, cap=10**30), "cap"),
    ]
    for call, field in cases:
        with pytest.raises(ValidationError) as refused:
            call()
        assert list(refused.value.message_dict) == [field]
    assert state(fund) == before


def test_a_guarantee_and_a_gift_out_of_bounds_are_422(setup, tree, api_client):
    fund, product, alice, bob = setup
    loan = services.request_loan(EVERYTHING, alice, product, 100_000, 10, D)
    member = api_client(tree.users["member"], **EN)
    before = state(fund)
    response = post(
        member, f"/api/v1/funds/loans/{loan.pk}/guarantees", {"account_id": bob.pk, "amount": 2**63}
    )
    assert response.status_code == 422
    response = post(
        member,
        f"/api/v1/funds/{fund.pk}/gifts",
        {"national_code": "0012345678", "mobile": "09120000000", "points": 2**64},
    )
    assert response.status_code == 422
    assert errors_of(response) == ["Enter a value of at most 3,652,500,000,000,000,000."]
    assert state(fund) == before


def test_products_are_bounded_and_their_largest_loan_is_one_posting(setup, tree, api_client):
    fund, *_ = setup
    leader = api_client(tree.users["kanoon_leader"], **EN)
    url = f"/api/v1/funds/{fund.pk}/products"
    count = LoanProduct.objects.filter(fund=fund).count()
    base = {"code": "big", "valid_from": "2024-01-01", "max_amount": 10**9}
    for change, message in (
        ({"max_amount": 10**15}, "Enter a value of at most 10,000,000,000,000."),
        ({"max_months": 10**6}, "Enter a value of at most 360."),
        ({"fee_rate_percent": 1e9}, "Enter a value of at most 100."),
        ({"fee_rate_percent": True}, "Enter a number."),
        ({"cooling_off_days": 10**12}, "Enter a value of at most 36,525."),
        ({"blackout_months": [13]}, "Enter a value of at most 12."),
        ({"guarantors_required": 10**9}, "Enter a value of at most 1,000."),
    ):
        response = post(leader, url, {**base, **change})
        assert response.status_code == 422, change
        assert errors_of(response) == [message]
    # 2 % a year over 360 months on the declining balance: the fee is 30 % of the loan.
    response = post(
        leader,
        url,
        {
            **base,
            "max_amount": bounds.MAX_AMOUNT,
            "max_months": 360,
            "fee_strategy": "declining_balance",
            "fee_rate_percent": 2,
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"]["max_amount"][0].startswith(
        "With its fee, the largest loan of this product would owe IRR13,008,333,333,333"
    )
    assert LoanProduct.objects.filter(fund=fund).count() == count


def test_report_dates_out_of_bounds_are_a_422_not_a_500(setup, tree, api_client):
    fund, *_ = setup
    leader = api_client(tree.users["kanoon_leader"], **EN)
    for url in (
        f"/api/v1/funds/{fund.pk}/reports/cash-flow?end=0001-12-10",
        f"/api/v1/funds/{fund.pk}/reports/trial-balance?on=9999-12-31",
        f"/api/v1/funds/{fund.pk}/accounts?on=0001-01-01",
    ):
        response = leader.get(url)
        assert response.status_code == 422, url
        assert response["Content-Type"] == PROBLEM


def test_the_statement_import_refuses_rows_out_of_bounds(setup, tree):
    fund, _product, alice, _bob = setup
    alice.person.refresh_from_db()
    before = state(fund)
    content = to_csv(
        ["Date", "Amount", "Payer", "Bank reference"],
        [
            ["2024-04-01", str(10**18), alice.person.national_id, "r1"],
            ["2024-04-01", "0", alice.person.national_id, "r2"],
            ["1999-12-31", "1000", alice.person.national_id, "r3"],
        ],
    )
    Fund.objects.filter(pk=fund.pk).update(created_at=timezone.make_aware(dt.datetime(1999, 1, 1)))
    fund.refresh_from_db()
    report = imports.import_deposits(EVERYTHING, fund, content, "statement.csv")
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (2, "amount", "Enter a whole amount between 1 and 10,000,000,000,000."),
        (3, "amount", "Enter a whole amount between 1 and 10,000,000,000,000."),
        (4, "date", "Enter a date between 1 Jan 2000 and 31 Dec 2099."),
    ]
    assert state(fund) == before


def test_the_statement_import_refuses_a_balance_past_the_bound(setup, tree):
    fund, _product, alice, _bob = setup
    alice.person.refresh_from_db()
    room = bounds.MAX_BALANCE - posting.system_account(fund, "pool").balance
    rows = [
        ["2024-04-01", str(bounds.MAX_AMOUNT), alice.person.national_id, f"r{n}"]
        for n in range(room // bounds.MAX_AMOUNT + 1)
    ]
    content = to_csv(["Date", "Amount", "Payer", "Bank reference"], rows)
    before = state(fund)
    report = imports.import_deposits(
        EVERYTHING, fund, content, "statement.csv", today=dt.date(2024, 9, 1)
    )
    assert [(e.row, e.column) for e in report.errors] == [(len(rows) + 1, "amount")]
    assert report.errors[0].message.startswith("This would take a balance of the fund above")
    assert state(fund) == before


def test_the_simulator_refuses_scenarios_out_of_bounds(db):
    scenario = {
        "fund": {"currency": "IRR", "products": [{"code": "p", "max_amount": 10**15}]},
        "members": [{"id": "a"}],
        "events": [
            {"type": "deposit", "on": "1403/01/01", "member": "a", "amount": 10**18},
            {"type": "deposit", "on": "1300/01/01", "member": "a", "amount": 1},
        ],
    }
    with pytest.raises(simulator.ScenarioError) as refused:
        simulator.load(scenario)
    text = "\n".join(refused.value.errors)
    assert "max_amount: expected a whole number from 1 to 10000000000000" in text
    assert "amount: expected a whole number from 1 to 10000000000000" in text
    assert "Enter a date between" in text


def test_the_simulator_plays_years_after_today(db):
    """A scenario is hypothetical: its postings may come after the real today."""
    report = simulator.simulate(
        {
            "fund": {"currency": "VND", "calendar": "gregorian"},
            "members": [{"id": "a"}],
            "events": [{"type": "deposit", "on": "2090-01-01", "member": "a", "amount": 1_000}],
            "report_on": "2099-12-31",
        }
    )
    assert report["members"]["a"]["balance"] == 1_000
    with pytest.raises(ValidationError):  # outside the simulation, today is today again
        bounds.check_posting_date(dt.date(2090, 1, 1))


def test_existing_loans_keep_working_within_the_bounds(setup):
    fund, product, alice, _bob = setup
    loan = disbursed(fund, product, alice)
    services.repay(EVERYTHING, loan, loan.outstanding, D + dt.timedelta(days=230))
    loan.refresh_from_db()
    assert loan.status == LoanStatus.REPAID
    assert services.verify(fund) == []
