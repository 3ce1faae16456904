"""Who may change a fund's records, through every path (web, API, service), for every role of
the ``tree`` — the table style of ``test_write_permissions``: one table of role × operation
says what each role gets, and each path is run against the same table.

A writer of the kanoon (platform administrator, secretariat, kanoon leader) changes the record;
a reader (the social banker, and the member for her own loan) is told "You may only read these
records." (403) and nothing changes; anyone else — and the member for records she does not
read: another member's account, the fund itself — gets exactly the 404 of a record that does
not exist. The services decide (``Scope.require_write``, ``Acting.OWNER`` for a member on her
own account); pages and endpoints only pass the answer on.
"""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from factories import iran_national_code
from test_write_permissions import MISSING, READ_ONLY, assert_api_refusal, assert_web_refusal

from edupact.accounts.models import Role
from edupact.accounts.selectors import scope_for
from edupact.core.scoping import NotFound, ReadOnly, Scope
from edupact.core.tabular import to_csv
from edupact.funds import allocation, imports, services, settlement
from edupact.funds.models import (
    AllocationRound,
    FileImport,
    Fund,
    JournalEntry,
    Loan,
    LoanProduct,
    LoanStatus,
    ScheduleChange,
)

EVERYTHING = Scope(everything=True)
ROLES = list(Role)
WRITERS = {Role.PLATFORM_ADMIN, Role.SECRETARIAT, Role.KANOON_LEADER}

# role → what an operation answers: "ok", "read" (403, nothing changes) or "none" (404)
OK, READ, NONE = "ok", "read", "none"


def table(member: str, banker: str = READ) -> dict:
    """Writers succeed, the social banker reads the kanoon, the member as given, the rest
    (other subtrees, other countries) find nothing."""
    return {
        role: OK
        if role in WRITERS
        else banker
        if role == Role.SOCIAL_BANKER
        else (member if role == Role.MEMBER else NONE)
        for role in ROLES
    }


OPERATIONS = {
    # a deposit to Ebrahimi's account: the member (Zahra) does not read it
    "deposit": table(member=NONE),
    # Zahra's own account: she asks for herself (Acting.OWNER)
    "request_loan": table(member=OK),
    # Zahra's loan: she reads it, a leader decides
    "reschedule": table(member=READ),
    "approve": table(member=READ),
    # the fund itself: a member reads it through her account only, not as the kanoon's record
    "import_members": table(member=NONE),
    "run_round": table(member=NONE),
}

CASES = [(op, role) for op in OPERATIONS for role in ROLES]


def web_status(expected: str, done: int) -> int:
    return {OK: done, READ: 403, NONE: 404}[expected]


@pytest.fixture
def f(tree):
    """The kanoon's fund: Zahra (the ``member`` user) and Ebrahimi with deposits, a product;
    Zahra's loan L-1 waits for a decision, L-2 is paid out."""
    today = timezone.localdate()
    start, paid_out = today - dt.timedelta(days=400), today - dt.timedelta(days=40)
    fund = services.create_fund(
        EVERYTHING, Fund(name="صندوق کانون ۹", kanoon=tree.kanoon, min_history_days=0)
    )
    product = services.save_product(
        EVERYTHING, LoanProduct(fund=fund, code="q", max_amount=10**9, open_requests=2)
    )
    zahra = services.open_account(EVERYTHING, fund, person=tree.member)
    ebrahimi = services.open_account(EVERYTHING, fund, person=tree.other_member)
    services.deposit(EVERYTHING, zahra, 500_000, start)
    services.deposit(EVERYTHING, ebrahimi, 5_000_000, start)
    paid = services.request_loan(EVERYTHING, zahra, product, 100_000, 10, paid_out, reference="L-2")
    paid = services.disburse(EVERYTHING, services.approve(EVERYTHING, paid, paid_out), paid_out)
    waiting = services.request_loan(EVERYTHING, zahra, product, 50_000, 5, today, reference="L-1")
    ns = type("F", (), {})()
    ns.fund, ns.product, ns.zahra, ns.ebrahimi, ns.paid, ns.waiting = (
        fund,
        product,
        zahra,
        ebrahimi,
        paid,
        waiting,
    )
    return ns


def state(f) -> tuple:
    """Everything the operations of the table may change."""
    return (
        JournalEntry.objects.filter(fund=f.fund).count(),
        sorted(Loan.objects.filter(fund=f.fund).values_list("pk", "status", "outstanding")),
        ScheduleChange.objects.count(),
        FileImport.objects.count(),
        AllocationRound.objects.count(),
        f.fund.accounts.count(),
    )


MEMBER_HEADERS = ["کد ملی", "نام", "نام خانوادگی", "تلفن همراه"]


def members_csv() -> bytes:
    """One new member (a real import writes her account)."""
    row = [iran_national_code(870_077), "مریم", "نوری", "09121234567"]
    return to_csv(MEMBER_HEADERS, [row])


# Service ---------------------------------------------------------------------------------------


def run_service(op: str, scope: Scope, f) -> None:
    today = timezone.localdate()
    if op == "deposit":
        services.deposit(scope, f.ebrahimi, 1_000, today)
    elif op == "request_loan":
        services.request_loan(scope, f.zahra, f.product, 20_000, 4, today, reference="L-3")
    elif op == "reschedule":
        settlement.reschedule(scope, f.paid, 12, today, "حادثه")
    elif op == "approve":
        services.approve(scope, f.waiting, today)
    elif op == "import_members":
        imports.import_members(scope, f.fund, members_csv(), "members.csv")
    elif op == "run_round":
        allocation.run_round(scope, f.fund, today)


@pytest.mark.parametrize(("op", "role"), CASES)
def test_the_services(tree, f, op, role):
    expected = OPERATIONS[op][role]
    before = state(f)
    scope = scope_for(tree.users[role])
    if expected == OK:
        run_service(op, scope, f)
        assert state(f) != before
        return
    refusal = ReadOnly if expected == READ else NotFound
    with pytest.raises(refusal) as raised:
        run_service(op, scope, f)
    assert type(raised.value) is refusal
    if expected == READ:
        assert str(raised.value) == READ_ONLY["en"]
    assert state(f) == before


# Web -------------------------------------------------------------------------------------------


def web_request(op: str, client, f, missing: bool = False):
    """The page's POST, or the same POST naming a record that does not exist."""
    fund_pk = MISSING if missing else f.fund.pk
    if op == "deposit":
        form = {"account": f.ebrahimi.pk, "amount": "1000", "on": timezone.localdate().isoformat()}
        return client.post(reverse("funds:deposit", args=[fund_pk]), form), 302
    if op == "request_loan":
        account = MISSING if missing else f.zahra.pk
        form = {"product": f.product.pk, "amount": "20000", "months": "4", "need": "other"}
        return client.post(reverse("funds:request_loan", args=[account]), form), 302
    if op == "reschedule":
        loan = MISSING if missing else f.paid.pk
        form = {"months": "12", "on": timezone.localdate().isoformat(), "reason": "حادثه"}
        return client.post(reverse("funds:reschedule", args=[loan]), form), 302
    if op == "approve":
        loan = MISSING if missing else f.waiting.pk
        return client.post(reverse("funds:approve", args=[loan])), 302
    if op == "import_members":
        upload = SimpleUploadedFile("members.csv", members_csv(), "text/csv")
        form = {"kind": "members", "file": upload}
        return client.post(reverse("funds:import", args=[fund_pk]), form), 200
    if op == "run_round":
        return client.post(reverse("funds:allocate", args=[fund_pk])), 302
    raise AssertionError(op)


FORM_PAGES = {  # the pages that only offer the form: refused before they show it
    "deposit": lambda f: reverse("funds:deposit", args=[f.fund.pk]),
    "request_loan": lambda f: reverse("funds:request_loan", args=[f.zahra.pk]),
    "reschedule": lambda f: reverse("funds:reschedule", args=[f.paid.pk]),
    "import_members": lambda f: reverse("funds:import", args=[f.fund.pk]),
    "run_round": lambda f: reverse("funds:allocate", args=[f.fund.pk]),
}


@pytest.mark.parametrize(("op", "role"), CASES)
def test_the_pages(tree, f, client_as, op, role):
    client = client_as(tree.users[role], "en")
    expected = OPERATIONS[op][role]
    before = state(f)
    response, done = web_request(op, client, f)
    if expected == OK:
        form = response.context and response.context.get("form")
        assert response.status_code == done, form.errors if form else response.status_code
        assert state(f) != before
        return
    missing, _done = web_request(op, client, f, missing=True)
    assert_web_refusal(response, web_status(expected, done), missing)
    if op in FORM_PAGES:
        assert client.get(FORM_PAGES[op](f)).status_code == web_status(expected, done)
    assert state(f) == before


# API -------------------------------------------------------------------------------------------


def api_request(op: str, client, f, missing: bool = False):
    fund_pk = MISSING if missing else f.fund.pk
    base = "/api/v1/funds"
    if op == "deposit":
        body = {"account_id": f.ebrahimi.pk, "amount": 1_000}
        return client.post(f"{base}/{fund_pk}/deposits", body, "application/json"), 201
    if op == "request_loan":
        account = MISSING if missing else f.zahra.pk
        body = {"product": "q", "amount": 20_000, "months": 4}
        return client.post(f"{base}/accounts/{account}/loans", body, "application/json"), 201
    if op == "reschedule":
        loan = MISSING if missing else f.paid.pk
        body = {"months": 12, "reason": "حادثه"}
        return client.post(f"{base}/loans/{loan}/reschedule", body, "application/json"), 200
    if op == "approve":
        loan = MISSING if missing else f.waiting.pk
        return client.post(f"{base}/loans/{loan}/approve", {}, "application/json"), 200
    if op == "import_members":
        upload = io.BytesIO(members_csv())
        upload.name = "members.csv"
        return client.post(f"{base}/{fund_pk}/imports/members", {"file": upload}), 200
    if op == "run_round":
        return client.post(f"{base}/{fund_pk}/rounds", {}, "application/json"), 201
    raise AssertionError(op)


@pytest.mark.parametrize(("op", "role"), CASES)
def test_the_api(tree, f, api_client, op, role):
    client = api_client(tree.users[role])
    expected = OPERATIONS[op][role]
    before = state(f)
    response, done = api_request(op, client, f)
    if expected == OK:
        assert response.status_code == done, response.content.decode()[:2000]
        assert state(f) != before
        return
    missing, _done = api_request(op, client, f, missing=True)
    assert_api_refusal(response, web_status(expected, done), missing)
    assert state(f) == before


# The member's own loan and gifts, the guarantor and the committee -------------------------------


def test_a_reader_posting_on_a_loan_page_is_told_she_only_reads(tree, f, client_as):
    """The issue's wording: the social banker's write on a funds page is a 403 with the reason,
    no longer the 404 of a page that does not exist; the loan is as it was."""
    banker = client_as(tree.users["social_banker"], "fa")
    response = banker.post(reverse("funds:approve", args=[f.waiting.pk]))
    assert response.status_code == 403
    assert READ_ONLY["fa"] in response.content.decode()
    assert Loan.objects.get(pk=f.waiting.pk).status == LoanStatus.REQUESTED
