"""Issue 9, section 3: a member has one request per product waiting for a decision (or as many
as the product allows) — in the service, through the API and the form, and under parallel
requests, where the partial unique index decides."""

import datetime as dt
import json
import threading

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation

from edupact.core.scoping import Scope
from edupact.directory import services as directory
from edupact.directory.models import Organisation, Person
from edupact.funds import services
from edupact.funds.models import Fund, Loan, LoanProduct, LoanStatus

EVERYTHING = Scope(everything=True)
D = dt.date(2024, 3, 20)


@pytest.fixture
def setup(tree):
    fund = services.create_fund(
        EVERYTHING, Fund(name="صندوق کانون ۹", kanoon=tree.kanoon, min_history_days=0)
    )
    product = services.save_product(
        EVERYTHING, LoanProduct(fund=fund, code="qard0", max_amount=10**10)
    )
    other = services.save_product(
        EVERYTHING, LoanProduct(fund=fund, code="urgent", max_amount=10**9)
    )
    alice = services.open_account(EVERYTHING, fund, person=tree.member)
    bob = services.open_account(EVERYTHING, fund, person=tree.other_member)
    services.deposit(EVERYTHING, alice, 10_000_000, D)
    services.deposit(EVERYTHING, bob, 10_000_000, D)
    return fund, product, other, alice, bob


def ask(account, product, key=None, on=D):
    return services.request_loan(EVERYTHING, account, product, 1_000, 10, on, idempotency_key=key)


def test_a_second_open_request_for_the_same_product_is_refused(setup):
    fund, product, other, alice, bob = setup
    first = ask(alice, product)
    with pytest.raises(services.Refused) as refused:
        ask(alice, product)
    assert refused.value.reason == "request_open"
    assert refused.value.messages == [
        "A request of this member for this product is already waiting for a decision (a "
        "member may have 1 at a time); wait for it before asking again."
    ]
    with translation.override("fa"), pytest.raises(services.Refused) as refused:
        ask(alice, product)
    assert "۱" in refused.value.messages[0] and "درخواست" in refused.value.messages[0]
    ask(alice, other)  # another product
    ask(bob, product)  # another member
    assert Loan.objects.filter(account=alice, status=LoanStatus.REQUESTED).count() == 2
    assert list(Loan.objects.filter(account=alice, product=product)) == [first]


def test_a_retry_with_the_same_key_gets_the_first_request(setup):
    fund, product, other, alice, bob = setup
    first = ask(alice, product, key="r1")
    assert ask(alice, product, key="r1").pk == first.pk
    with pytest.raises(services.Refused):
        ask(alice, product, key="r2")
    assert Loan.objects.filter(account=alice).count() == 1


def test_once_decided_the_member_may_ask_again(setup):
    fund, product, other, alice, bob = setup
    first = ask(alice, product)
    services.approve(EVERYTHING, first, D + dt.timedelta(days=30))
    again = ask(alice, product, on=D + dt.timedelta(days=31))
    assert again.status == LoanStatus.REQUESTED and again.slot == 1


def test_a_product_may_allow_more_and_every_version_counts(setup):
    fund, product, other, alice, bob = setup
    several = services.save_product(
        EVERYTHING, LoanProduct(fund=fund, code="many", max_amount=10**9, open_requests=3)
    )
    made = [ask(alice, several) for _ in range(3)]
    assert sorted(loan.slot for loan in made) == [1, 2, 3]
    with pytest.raises(services.Refused) as refused:
        ask(alice, several)
    assert refused.value.messages[0].startswith("3 requests of this member for this product")
    # A new version of the product does not open the door again.
    services.revise_product(
        EVERYTHING,
        LoanProduct(fund=fund, code="many", max_amount=10**9, open_requests=3, valid_from=D),
    )
    newer = LoanProduct.objects.get(code="many", valid_from=D)
    with pytest.raises(services.Refused):
        ask(alice, newer)
    services.approve(EVERYTHING, made[1], D + dt.timedelta(days=30))
    assert ask(alice, newer).slot == 2  # the slot the decided request left


def test_the_api_answers_409_in_the_readers_language(setup, tree, api_client):
    fund, product, other, alice, bob = setup
    url = f"/api/v1/funds/accounts/{alice.pk}/loans"
    body = json.dumps({"product": "qard0", "amount": 1_000, "months": 10})
    member = api_client(tree.users["member"], **{"Accept-Language": "en"})
    assert member.post(url, body, content_type="application/json").status_code == 201
    again = member.post(url, body, content_type="application/json")
    assert again.status_code == 409 and again["Content-Type"] == "application/problem+json"
    assert again.json()["code"] == "request_open"
    persian = api_client(tree.users["member"], **{"Accept-Language": "fa"})
    refused = persian.post(url, body, content_type="application/json").json()
    assert refused["detail"].startswith("یک درخواست این عضو")
    assert Loan.objects.filter(account=alice).count() == 1
    products = member.get(f"/api/v1/funds/{fund.pk}/products").json()
    assert {p["code"]: p["open_requests"] for p in products} == {"qard0": 1, "urgent": 1}


def test_the_form_says_why_and_records_nothing(setup, tree, client_as):
    fund, product, other, alice, bob = setup
    ask(alice, product)
    c = client_as(tree.users["member"], "en")
    response = c.post(
        reverse("funds:request_loan", args=[alice.pk]),
        {"product": product.pk, "amount": "1000", "months": "10", "key": "x"},
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "A request of this member for this product is already waiting for a decision (a "
        "member may have 1 at a time); wait for it before asking again."
    ]
    assert Loan.objects.filter(account=alice).count() == 1


# Parallel requests -------------------------------------------------------------------------------


def _in_threads(jobs):
    outcomes, guard = [], threading.Lock()
    barrier = threading.Barrier(len(jobs))

    def worker(job):
        barrier.wait()
        try:
            result = job()
        except services.Refused as exc:
            result = exc.reason
        finally:
            connection.close()
        with guard:
            outcomes.append(result)

    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcomes


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("allowed", [1, 3])
def test_twenty_parallel_requests_leave_only_what_the_product_allows(allowed):
    kanoon = directory.save_organisation(
        EVERYTHING, Organisation(name="K", kind=Organisation.Kind.KANOON, country="IR")
    )
    fund = services.create_fund(EVERYTHING, Fund(name="F", kanoon=kanoon))
    product = services.save_product(
        EVERYTHING,
        LoanProduct(fund=fund, code="p", max_amount=10**9, open_requests=allowed),
    )
    person = directory.save_person(EVERYTHING, Person(family_name="M", home_organisation=kanoon))
    account = services.open_account(EVERYTHING, fund, person=person)
    today = timezone.localdate()
    outcomes = _in_threads(
        [
            lambda: services.request_loan(EVERYTHING, account, product, 1_000, 10, today)
            for _ in range(20)
        ]
    )
    made = [o for o in outcomes if isinstance(o, Loan)]
    assert len(made) == allowed
    assert sorted(o for o in outcomes if not isinstance(o, Loan)) == ["request_open"] * (
        20 - allowed
    )
    open_requests = Loan.objects.filter(account=account, status=LoanStatus.REQUESTED)
    assert sorted(open_requests.values_list("slot", flat=True)) == list(range(1, allowed + 1))
