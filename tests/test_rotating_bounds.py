"""Issue 9, section 1, for rotating lottery funds: dues, pots, months and dates within the
domain bounds through the API, the pages, forming and the simulator; a refusal changes
nothing."""

import datetime as dt

import pytest
from django.utils import timezone
from test_rotating import EVERYTHING, make_fund
from test_rotating_forming import api_body

from edupact.core import bounds
from edupact.funds import simulator
from edupact.rotating import services
from edupact.rotating.models import Code, DuePayment, RotatingFund

pytestmark = pytest.mark.django_db
EN = {"Accept-Language": "en"}
INT64_MAX = 2**63 - 1


@pytest.fixture
def fund(tree):
    f = make_fund(tree.kanoon, codes=2, due=2_000_000)
    c = {code.number: code for code in f.codes.all()}
    services.assign_code(EVERYTHING, c[1], [(tree.member, 12)])
    services.assign_code(EVERYTHING, c[2], [(tree.other_member, 12)])
    return f


def errors_of(response) -> list[str]:
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    if isinstance(body.get("errors"), dict):
        return [m for messages in body["errors"].values() for m in messages]
    return [e["message"] for e in body["errors"]]


@pytest.mark.parametrize(
    "change, message",
    [
        ({"due": INT64_MAX}, "Enter a value of at most 10,000,000,000,000."),
        ({"due": True}, "Enter a whole number."),
        ({"codes_count": 10**6}, "Enter a value of at most 1,000."),
        ({"codes_count": 500}, "A fund has from 2 to 240 codes."),
        (
            {"due": 10**13},
            "The pot (the due of all 2 codes) would be more than IRR10,000,000,000,000; "
            "lower the due.",
        ),
        (
            {"start": "1370/01"},
            "Every month of the cycle falls between 2000 and 2099: choose another first month.",
        ),
    ],
)
def test_forming_a_fund_out_of_bounds_is_a_422(tree, api_client, change, message):
    api = api_client(tree.users["kanoon_leader"], **EN)
    response = api.post(
        "/api/v1/rotating", api_body(tree, **change), content_type="application/json"
    )
    assert response.status_code == 422
    assert message in errors_of(response)
    assert RotatingFund.objects.count() == 0


def test_a_dry_run_already_says_the_pot_is_too_large(tree, api_client):
    api = api_client(tree.users["kanoon_leader"], **EN)
    body = api_body(tree, due=10**13, dry_run=True)
    response = api.post("/api/v1/rotating", body, content_type="application/json")
    assert response.status_code == 422


@pytest.mark.parametrize(
    "change, message",
    [
        ({"amount": INT64_MAX}, "Enter a value of at most 10,000,000,000,000."),
        ({"amount": True}, "Enter a whole number."),
        ({"month": 2**63}, "Enter a value of at most 1,000."),
        ({"paid_on": "9999-12-31"}, "Enter a date on or before 31 Dec 2099."),
        ({"paid_on": "0001-01-01"}, "Enter a date on or after 1 Jan 2000."),
    ],
)
def test_a_due_out_of_bounds_is_a_422_and_records_nothing(fund, tree, api_client, change, message):
    api = api_client(tree.users["kanoon_leader"], **EN)
    body = {"code": 1, "month": 1, "amount": 2_000_000, "paid_on": "2023-03-25", **change}
    response = api.post(f"/api/v1/rotating/{fund.pk}/dues", body, content_type="application/json")
    assert response.status_code == 422
    assert errors_of(response) == [message]
    assert not DuePayment.objects.exists()


def test_a_due_paid_tomorrow_is_refused_by_the_service_and_the_page(
    fund, tree, api_client, client_as
):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    api = api_client(tree.users["kanoon_leader"], **EN)
    body = {"code": 1, "month": 1, "amount": 2_000_000, "paid_on": tomorrow.isoformat()}
    response = api.post(f"/api/v1/rotating/{fund.pk}/dues", body, content_type="application/json")
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["paid_on"]
    page = client_as(tree.users["kanoon_leader"], "en").post(
        f"/rotating/{fund.pk}/dues/",
        {"code": 1, "month": 1, "amount": str(INT64_MAX), "paid_on": "25/03/2023", "key": "k"},
    )
    assert page.status_code == 200
    assert page.context["form"].errors["amount"] == [
        "Enter a whole amount between 1 and 10,000,000,000,000."
    ]
    assert not DuePayment.objects.exists()


def test_services_refuse_whoever_calls(fund):
    code = Code.objects.get(fund=fund, number=1)
    for amount, on in ((True, dt.date(2023, 3, 25)), (1, dt.date(1999, 1, 1))):
        with pytest.raises(Exception) as refused:
            services.record_due(EVERYTHING, code, 1, amount, on)
        assert set(refused.value.message_dict) <= {"amount", "paid_on"}
    with pytest.raises(Exception) as refused:
        make_fund(fund.organisation, codes=2, due=bounds.MAX_AMOUNT)
    assert list(refused.value.message_dict) == ["due"]
    assert not DuePayment.objects.exists()


def test_the_simulator_bounds_the_lottery_fund(db):
    scenario = {
        "rotating": {
            "currency": "VND",
            "calendar": "gregorian",
            "due": 10**18,
            "codes": 2,
            "start": "2025/01",
            "holders": [{"code": 1, "member": "a"}, {"code": 2, "member": "a"}],
        },
        "members": [{"id": "a"}],
        "events": [],
        "report_on": "2025-06-01",
    }
    with pytest.raises(simulator.ScenarioError) as refused:
        simulator.load(scenario)
    assert any(
        "due: expected a whole number from 1 to 10000000000000" in e for e in refused.value.errors
    )
