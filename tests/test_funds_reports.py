"""Fund reports: trial balance, outstanding and overdue loans, monthly cash flow in the fund's
calendar, on-time repayment rate, institutional deposits; pages, API and spreadsheet exports,
each scoped. The worked example's figures are computed by hand in the comments."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook
from test_funds_properties import DB_SETTINGS, build, timeline

from edupact.core.scoping import Scope
from edupact.funds import reports, services, simulator
from edupact.funds.models import AccountKind, FeeStrategy, Fund, LoanProduct, TransferKind

EVERYTHING = Scope(everything=True)
D = dt.date


@pytest.fixture
def example(tree):
    """A Gregorian VND fund.

    2024-01-10 Zahra deposits 1,000,000; 2024-01-20 Ebrahimi deposits 500,000;
    2024-02-05 Zahra withdraws 200,000. Ebrahimi borrows 300,000 over 3 months at 2 % on the
    declining balance: fee = 300,000 × 2 × 4 / 2400 = 1,000; instalments 100,333, 100,333,
    100,334 due 06-01, 07-01, 08-01 after the payout on 2024-05-01. He repays 100,333 on 06-01
    (on time) and 100,333 on 07-10 (nine days late); instalment 3 stays unpaid.
    """
    fund = services.create_fund(
        EVERYTHING,
        Fund(name="Quỹ khuyến học", kanoon=tree.kanoon, currency="VND", calendar="gregorian"),
    )
    product = services.save_product(
        EVERYTHING,
        LoanProduct(
            fund=fund,
            code="std",
            max_amount=10**9,
            fee_strategy=FeeStrategy.DECLINING_BALANCE,
            fee_rate_percent=2,
            open_requests=100,  # the random journeys ask many times at once
        ),
    )
    zahra = services.open_account(EVERYTHING, fund, person=tree.member)
    ebrahimi = services.open_account(EVERYTHING, fund, person=tree.other_member)
    services.deposit(EVERYTHING, zahra, 1_000_000, D(2024, 1, 10))
    services.deposit(EVERYTHING, ebrahimi, 500_000, D(2024, 1, 20))
    services.withdraw(EVERYTHING, zahra, 200_000, D(2024, 2, 5))
    loan = services.request_loan(EVERYTHING, ebrahimi, product, 300_000, 3, D(2024, 4, 25))
    loan.reference = "L-1"
    loan.save(update_fields=["reference"])
    services.approve(EVERYTHING, loan, D(2024, 5, 1))
    loan = services.disburse(EVERYTHING, loan, D(2024, 5, 1))
    services.repay(EVERYTHING, loan, 100_333, D(2024, 6, 1))
    services.repay(EVERYTHING, loan, 100_333, D(2024, 7, 10))
    loan.refresh_from_db()
    return fund, zahra, ebrahimi, loan


# Trial balance ----------------------------------------------------------------------------------


def test_trial_balance_worked_example(example):
    fund, *_ = example
    tb = reports.trial_balance(fund, D(2024, 8, 15))
    rows = {r.kind: r for r in tb.rows}
    # Pool: Dr 1,000,000 + 500,000 + 100,333 + 100,333; Cr 200,000 + 300,000.
    assert (rows["pool"].debits, rows["pool"].credits) == (1_700_666, 500_000)
    assert rows["pool"].balance_debit == 1_200_666
    # Loans receivable: Dr 301,000 (principal + fee); Cr two repayments.
    assert (rows["loans_receivable"].debits, rows["loans_receivable"].credits) == (301_000, 200_666)
    assert rows["loans_receivable"].balance_debit == 100_334
    # Member deposits summed over both members: Cr 1,500,000, Dr 200,000.
    assert (rows["member"].debits, rows["member"].credits, rows["member"].accounts) == (
        200_000,
        1_500_000,
        2,
    )
    assert rows["member"].balance_credit == 1_300_000
    assert rows["fee_income"].balance_credit == 1_000
    assert rows["adjustment"].debits == rows["adjustment"].credits == 0
    assert tb.debits == tb.credits == 2_201_666
    assert tb.balance_debit == tb.balance_credit == 1_301_000
    assert tb.balanced and tb.difference == 0


def test_trial_balance_at_an_earlier_date_and_its_drill_down(example):
    fund, zahra, ebrahimi, _ = example
    tb = reports.trial_balance(fund, D(2024, 1, 31))
    rows = {r.kind: r for r in tb.rows}
    assert rows["pool"].balance_debit == rows["member"].balance_credit == 1_500_000
    assert rows["loans_receivable"].debits == 0
    members = dict(reports.accounts_at(fund, D(2024, 2, 5), AccountKind.MEMBER))
    assert members == {zahra: 800_000, ebrahimi: 500_000}


# Outstanding and overdue loans ----------------------------------------------------------------


def test_outstanding_and_overdue_loans(example):
    fund, _, _, loan = example
    on = D(2024, 8, 15)
    [position] = reports.outstanding_loans(EVERYTHING, fund, on)
    assert position.loan == loan and position.loan.outstanding == 100_334
    assert position.next_due == D(2024, 8, 1)
    assert (position.overdue_amount, position.overdue_count) == (100_334, 1)
    assert position.oldest_due == D(2024, 8, 1) and position.late_days == 14
    # Instalment 3 falls due on 2024-08-01: on that day it is not late yet.
    assert reports.outstanding_loans(EVERYTHING, fund, D(2024, 8, 1), late_only=True) == []
    [not_late] = reports.outstanding_loans(EVERYTHING, fund, D(2024, 8, 1))
    assert (not_late.late, not_late.late_days, not_late.overdue_amount) == (False, 0, 0)


def test_overdue_list_sorts_by_late_days(example, tree):
    fund, zahra, _, late_loan = example
    product = fund.products.get()
    fresh = services.request_loan(EVERYTHING, zahra, product, 60_000, 6, D(2024, 8, 1))
    services.approve(EVERYTHING, fresh, D(2024, 8, 1))
    services.disburse(EVERYTHING, fresh, D(2024, 8, 10))
    on = D(2024, 8, 15)
    by_late = reports.outstanding_loans(EVERYTHING, fund, on, sort="late")
    assert [p.loan.pk for p in by_late] == [late_loan.pk, fresh.pk]
    assert by_late[1].late_days == 0 and by_late[1].next_due == D(2024, 9, 10)
    by_due = reports.outstanding_loans(EVERYTHING, fund, on, sort="due")
    assert [p.loan.pk for p in by_due] == [late_loan.pk, fresh.pk]
    only_late = reports.outstanding_loans(EVERYTHING, fund, on, late_only=True)
    assert [p.loan.pk for p in only_late] == [late_loan.pk]


# Cash flow --------------------------------------------------------------------------------------


def test_cash_flow_worked_example(example):
    fund, *_ = example
    months = reports.cash_flow(fund, D(2024, 1, 15), D(2024, 8, 15))
    assert [(m.month.year, m.month.month) for m in months] == [(2024, k) for k in range(1, 9)]
    table = [
        (m.deposits, m.withdrawals, m.disbursements, m.repayments, m.fees, m.net, m.closing)
        for m in months
    ]
    assert table == [
        (1_500_000, 0, 0, 0, 0, 1_500_000, 1_500_000),
        (0, 200_000, 0, 0, 0, -200_000, 1_300_000),
        (0, 0, 0, 0, 0, 0, 1_300_000),
        (0, 0, 0, 0, 0, 0, 1_300_000),
        (0, 0, 300_000, 0, 1_000, -300_000, 1_000_000),
        (0, 0, 0, 100_333, 0, 100_333, 1_100_333),
        (0, 0, 0, 100_333, 0, 100_333, 1_200_666),
        (0, 0, 0, 0, 0, 0, 1_200_666),
    ]
    # A later window opens with the pool carried over.
    later = reports.cash_flow(fund, D(2024, 6, 1), D(2024, 6, 30))
    assert (later[0].opening, later[0].closing) == (1_000_000, 1_100_333)


def test_cash_flow_follows_the_jalali_months_of_a_rial_fund(tree):
    """2024-03-19 is 29 Esfand 1402 and 2024-03-20 is 1 Farvardin 1403: the same Gregorian
    month, two Jalali months. 2024-04-20 is 1 Ordibehesht."""
    fund = services.create_fund(EVERYTHING, Fund(name="کانون", kanoon=tree.kanoon))
    a = services.open_account(EVERYTHING, fund, person=tree.member)
    for day, amount in [(D(2024, 3, 19), 10), (D(2024, 3, 20), 200), (D(2024, 4, 19), 3_000)]:
        services.deposit(EVERYTHING, a, amount, day)
    services.deposit(EVERYTHING, a, 40_000, D(2024, 4, 20))
    months = reports.cash_flow(fund, D(2024, 3, 1), D(2024, 4, 30))
    assert [(m.month.year, m.month.month, m.deposits) for m in months] == [
        (1402, 12, 10),
        (1403, 1, 3_200),
        (1403, 2, 40_000),
    ]
    assert months[1].month.first == D(2024, 3, 20) and months[1].month.last == D(2024, 4, 19)


# On-time repayment rate -------------------------------------------------------------------------


def test_on_time_repayment_rate_worked_example(example):
    fund, *_ = example
    # Due in the period and before the day of the report: 06-01 (covered by the repayment of
    # 06-01: on time), 07-01 (only 100,333 of 200,666 repaid by then: late), 08-01 (unpaid).
    rate = reports.on_time_repayment(fund, D(2024, 1, 1), D(2024, 8, 15), D(2024, 8, 15))
    assert (rate.on_time, rate.due, rate.percent) == (1, 3, 33)
    # An instalment due on the report's day is not judged yet.
    rate = reports.on_time_repayment(fund, D(2024, 1, 1), D(2024, 8, 15), D(2024, 8, 1))
    assert (rate.on_time, rate.due) == (1, 2)
    # A period with nothing due has no rate rather than 0 % or 100 %.
    empty = reports.on_time_repayment(fund, D(2024, 1, 1), D(2024, 5, 31), D(2024, 8, 15))
    assert (empty.due, empty.rate, empty.percent) == (0, None, None)


def test_paying_ahead_counts_as_on_time(example):
    fund, _, _, loan = example
    services.repay(EVERYTHING, loan, 100_334, D(2024, 7, 31))
    rate = reports.on_time_repayment(fund, D(2024, 1, 1), D(2024, 9, 1), D(2024, 9, 1))
    assert (rate.on_time, rate.due) == (2, 3)
    assert reports.loans_by_status(fund)["repaid"] == 1


# Institutional deposits -------------------------------------------------------------------------


def test_institutional_deposits_show_owner_decider_and_loans_enabled(example, tree):
    fund, zahra, ebrahimi, loan = example
    school = services.open_account(
        EVERYTHING, fund, organisation=tree.school_a, decider_person=tree.principal
    )
    services.deposit(EVERYTHING, school, 9_000_000, D(2024, 1, 1))
    services.gift_points(EVERYTHING, school, zahra, 5, D(2024, 4, 1), kind=TransferKind.GIFT)
    product = fund.products.get()
    enabled = services.request_loan(EVERYTHING, zahra, product, 70_000, 2, D(2024, 4, 2))
    services.approve(EVERYTHING, enabled, D(2024, 4, 15))
    [row] = reports.institutions(fund)
    assert row.account == school and row.owner == tree.school_a
    assert row.decider == tree.principal
    assert (row.enabled_loans, row.enabled_amount, row.points_given) == (1, 70_000, 5)
    assert list(reports.enabled_loans(school)) == [enabled]


# Pages, exports and API -------------------------------------------------------------------------


def _sheet(response):
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    return rows[0], rows[1:]


REPORT_PAGES = ["funds:trial_balance", "funds:cash_flow", "funds:overdue", "funds:institutions"]


@pytest.mark.parametrize("name", REPORT_PAGES)
def test_report_pages_are_for_the_kanoons_readers_only(example, tree, client_as, name):
    fund, *_ = example
    url = reverse(name, args=[fund.pk])
    assert client_as(tree.users["secretariat"], "en").get(url).status_code == 200
    assert client_as(tree.users["kanoon_leader"], "vi").get(url).status_code == 200
    # The member sees the fund through their own account, but not its reports.
    member = client_as(tree.users["member"], "en")
    assert member.get(fund.get_absolute_url()).status_code == 200
    assert member.get(url).status_code == 404
    assert member.get(url + "?format=xlsx").status_code == 404
    assert client_as(tree.users["trainer"], "en").get(url).status_code == 404


def test_trial_balance_page_has_a_check_row_and_drill_down(example, tree, client_as):
    fund, *_ = example
    c = client_as(tree.users["secretariat"], "en")
    page = c.get(reverse("funds:trial_balance", args=[fund.pk]) + "?on=15/08/2024")
    text = page.content.decode()
    assert 'data-balanced="yes"' in text and "the ledger balances" in text
    drill = reverse("funds:accounts", args=[fund.pk]) + "?kind=member&amp;on=2024-08-15"
    assert drill in text
    accounts = c.get(reverse("funds:accounts", args=[fund.pk]) + "?kind=member&on=2024-08-15")
    assert "Tehrani" in accounts.content.decode()
    assert c.get(reverse("funds:trial_balance", args=[fund.pk]) + "?on=99/99/99").status_code == 400


def test_trial_balance_export_in_english(example, tree, client_as):
    fund, *_ = example
    c = client_as(tree.users["secretariat"], "en")
    url = reverse("funds:trial_balance", args=[fund.pk]) + "?on=2024-08-15&format=xlsx"
    headers, rows = _sheet(c.get(url))
    assert headers[:4] == ("Account class", "Accounts", "Debits (VND)", "Credits (VND)")
    by_class = {r[0]: r for r in rows}
    assert by_class["pooled cash"][2:5] == (1_700_666, 500_000, 1_200_666)
    assert by_class["Total"][2:] == (2_201_666, 2_201_666, 1_301_000, 1_301_000)
    assert by_class["Difference (must be zero)"][2] == 0
    csv = c.get(url.replace("xlsx", "csv"))
    assert csv["Content-Type"].startswith("text/csv")
    assert "Debits (VND)" in csv.content.decode("utf-8-sig")


def test_persian_exports_are_in_toman_with_jalali_dates(tree, client_as):
    fund = services.create_fund(EVERYTHING, Fund(name="صندوق", kanoon=tree.kanoon))
    a = services.open_account(EVERYTHING, fund, person=tree.member)
    services.deposit(EVERYTHING, a, 1_234_565, D(2024, 3, 20))
    c = client_as(tree.users["kanoon_leader"], "fa")
    headers, rows = _sheet(c.get(a.get_absolute_url() + "?export=statement&format=xlsx"))
    assert headers == ("تاریخ", "تاریخ (ISO)", "شرح", "مبلغ (تومان)", "مانده (تومان)") or (
        headers[3].endswith("(تومان)") and headers[1].endswith("(ISO)")
    )
    [row] = rows
    assert row[0] == "۱۴۰۳/۰۱/۰۱" and row[1] == "2024-03-20"
    assert row[3] == Decimal("123456.5") or row[3] == 123456.5
    flow_headers, flow = _sheet(
        c.get(
            reverse("funds:cash_flow", args=[fund.pk])
            + "?from=1403/01/01&to=1403/01/31&format=xlsx"
        )
    )
    assert flow[0][0] == "فروردین ۱۴۰۳" and flow[0][1] == "2024-03-20"
    assert flow[0][3] == Decimal("123456.5") or flow[0][3] == 123456.5


@pytest.mark.parametrize(
    ("where", "table", "first_header", "count"),
    [
        ("fund", "members", "Member", 2),
        ("fund", "loans", "Loan", 1),
        ("fund", "queue", "Loan", 0),
        ("account", "statement", "Date", 2),
        ("account", "transfers", "Date", 0),
        ("account", "loans", "Loan", 0),
        ("loan", "schedule", "Instalment", 3),
        ("overdue", "", "Loan", 1),
        ("cash_flow", "", "Month", 12),
        ("institutions", "", "Organisation (owns the money)", 0),
        ("accounts", "", "Account", 6),
    ],
)
def test_every_table_downloads(example, tree, client_as, where, table, first_header, count):
    fund, zahra, _, loan = example
    urls = {
        "fund": fund.get_absolute_url(),
        "account": zahra.get_absolute_url(),
        "loan": loan.get_absolute_url(),
    }
    url = urls.get(where) or reverse(f"funds:{where}", args=[fund.pk])
    c = client_as(tree.users["kanoon_leader"], "en")
    page = c.get(url).content.decode()
    query = f"export={table}&format=xlsx" if table else "format=xlsx"
    assert query.replace("&", "&amp;") in page  # the download link is on the page
    headers, rows = _sheet(c.get(f"{url}?{query}"))
    assert headers[0] == first_header
    assert len(rows) == count


def test_exports_are_scoped_like_the_page(example, tree, client_as):
    fund, zahra, ebrahimi, loan = example
    member = client_as(tree.users["member"], "en")
    _, rows = _sheet(member.get(zahra.get_absolute_url() + "?export=statement&format=xlsx"))
    assert [(r[1], r[3], r[4]) for r in rows] == [
        ("2024-01-10", 1_000_000, 1_000_000),
        ("2024-02-05", -200_000, 800_000),
    ]
    assert (
        member.get(ebrahimi.get_absolute_url() + "?export=statement&format=xlsx").status_code == 404
    )
    # Through the fund page a member lists only their own account and loans.
    _, members = _sheet(member.get(fund.get_absolute_url() + "?export=members&format=xlsx"))
    assert [r[0] for r in members] == [zahra.owner_name]
    _, loans = _sheet(member.get(fund.get_absolute_url() + "?export=loans&format=xlsx"))
    assert loans == []
    bad = client_as(tree.users["kanoon_leader"], "en").get(
        fund.get_absolute_url() + "?export=members&format=pdf"
    )
    assert bad.status_code == 400


def test_dashboard_draws_charts_with_text_alternatives(example, tree, client_as):
    fund, *_ = example
    text = (
        client_as(tree.users["kanoon_leader"], "fa").get(fund.get_absolute_url()).content.decode()
    )
    assert text.count('role="img"') == 3 and text.count("<details>") == 3
    assert "<title id=" in text and "<desc id=" in text
    assert "<script" not in text.split("<main", 1)[1]
    # Figures in Persian digits: one loan is paid out (disbursed), none repaid.
    assert "<td>۱</td>" in text and "<td>۰</td>" in text
    assert 'data-on-time="0/0"' in text
    member_view = (
        client_as(tree.users["member"], "en").get(fund.get_absolute_url()).content.decode()
    )
    assert 'role="img"' not in member_view


def test_charts_mirror_in_rtl():
    from django.utils import translation

    from edupact.core import charts

    points = [charts.Point("a", 1, "1"), charts.Point("b", 2, "2")]
    kwargs = {"title": "t", "description": "d", "headers": ("m", "v", "s")}
    with translation.override("en"):
        ltr = str(charts.columns(points, **kwargs))
    with translation.override("fa"):
        rtl = str(charts.columns(points, **kwargs))

    def first_x(svg):
        return float(svg.split('class="bar pos" x="')[1].split('"')[0])

    assert first_x(ltr) < 320 < first_x(rtl)


def test_report_api(example, tree, api_client):
    fund, zahra, _, loan = example
    c = api_client(tree.users["secretariat"])
    tb = c.get(f"/api/v1/funds/{fund.pk}/reports/trial-balance?on=2024-08-15").json()
    assert tb["balanced"] and tb["debits"] == tb["credits"] == 2_201_666
    flow = c.get(f"/api/v1/funds/{fund.pk}/reports/cash-flow?start=2024-01-01&end=2024-08-31")
    months = flow.json()["months"]
    assert [m["net"] for m in months][:2] == [1_500_000, -200_000]
    assert months[-1]["closing"] == 1_200_666
    overdue = c.get(f"/api/v1/funds/{fund.pk}/reports/overdue?late_only=true").json()
    [row] = overdue["loans"]
    assert row["loan_id"] == loan.pk and row["overdue_amount"] == 100_334
    assert row["late_days"] == (overdue_on(overdue) - D(2024, 8, 1)).days
    assert c.get(f"/api/v1/funds/{fund.pk}/reports/institutions").json() == []
    member = api_client(tree.users["member"])
    for path in ("trial-balance", "cash-flow", "overdue", "institutions"):
        assert member.get(f"/api/v1/funds/{fund.pk}/reports/{path}").status_code == 404
    assert member.get(f"/api/v1/funds/{fund.pk}").status_code == 200
    bad = c.get(f"/api/v1/funds/{fund.pk}/reports/cash-flow?start=2024-09-01&end=2024-08-01")
    assert bad.status_code == 422


def overdue_on(payload):
    return dt.date.fromisoformat(payload["on"])


# Property ---------------------------------------------------------------------------------------


@pytest.mark.django_db
@DB_SETTINGS
@given(
    steps=timeline,
    strategy=st.sampled_from([s.value for s in FeeStrategy if s != FeeStrategy.ZERO]),
    calendar=st.sampled_from(["gregorian", "jalali"]),
)
def test_the_trial_balance_always_balances(steps, strategy, calendar):
    """Any deposits, withdrawals, gifts, loans and repayments: on every date the trial
    balance balances, and the pool's balance is the cash flow's closing figure."""
    scenario = simulator.load(build(steps, strategy, calendar))

    def inspect(fund, accounts, loans):
        days = sorted({e["on"] for e in scenario.events} | {scenario.report_on})
        for on in days:
            tb = reports.trial_balance(fund, on)
            assert tb.balanced and tb.difference == 0
            months = reports.cash_flow(fund, days[0], on)
            at_month_end = reports.trial_balance(fund, months[-1].month.last)
            pool = next(r for r in at_month_end.rows if r.kind == AccountKind.POOL)
            assert months[-1].closing == pool.debits - pool.credits
        rate = reports.on_time_repayment(fund, days[0], days[-1], days[-1])
        assert 0 <= rate.on_time <= rate.due

    simulator.run(scenario, inspect=inspect)


@pytest.mark.parametrize(
    "query",
    ["end=0001-12-10", "start=0001-01-01", "end=9999-12-31", "on=0001-01-01", "end=1999-12-31"],
)
def test_report_dates_out_of_bounds_are_a_4xx_not_a_500(
    example, tree, api_client, client_as, query
):
    """``cash-flow?end=0001-12-10`` answered 500 (issue 9 §4): dates are within core.bounds,
    refused as a problem in the API and as a 400 on the pages, in the reader's language."""
    fund = example[0]
    name, value = query.split("=")
    api = api_client(tree.users["secretariat"], **{"Accept-Language": "vi"})
    path = "trial-balance" if name == "on" else "cash-flow"
    answer = api.get(f"/api/v1/funds/{fund.pk}/reports/{path}?{query}")
    assert answer.status_code == 422, answer.content
    assert answer["Content-Type"] == "application/problem+json"
    assert answer.json()["title"] == "Dữ liệu không hợp lệ"
    page = "funds:trial_balance" if name == "on" else "funds:cash_flow"
    field = {"end": "to", "start": "from", "on": "on"}[name]
    reader = client_as(tree.users["secretariat"], "vi")
    refused = reader.get(reverse(page, args=[fund.pk]), {field: value})
    assert refused.status_code == 400
    assert "Nhập một ngày từ" in refused.content.decode()


def test_the_cash_flow_selector_refuses_days_no_calendar_holds(example):
    from django.core.exceptions import ValidationError

    fund = example[0]
    with pytest.raises(ValidationError) as exc:
        reports.cash_flow(fund, D(1, 1, 1), D(2024, 1, 1))
    assert list(exc.value.message_dict) == ["start"]
