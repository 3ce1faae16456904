"""Reversing a wrong due payment from the page and the API (a negative row with its reason,
once, shown in the grid and the history), and every table of the fund page as XLSX and CSV:
the rows the reader may see, headers in their language, amounts that add up."""

import csv
import io

import jdatetime
import pytest
from openpyxl import load_workbook
from test_rotating import EVERYTHING, make_fund

from edupact.rotating import services
from edupact.rotating.models import DuePayment

pytestmark = pytest.mark.django_db


def jalali(y, m, d):
    return jdatetime.date(y, m, d).togregorian()


@pytest.fixture
def fund(tree):
    """Three codes of 2,000,000 rials from Farvardin 1402: Zahra (#1), Ebrahimi (#2), halves of
    #3 (Kazemi, Zahra); month 1 paid by every code, code 2 paid twice by mistake for month 2;
    month 1 drawn with the seed "s"."""
    f = make_fund(tree.kanoon, codes=3, due=2_000_000)
    c = {code.number: code for code in f.codes.all()}
    services.assign_code(EVERYTHING, c[1], [(tree.member, 12)])
    services.assign_code(EVERYTHING, c[2], [(tree.other_member, 12)])
    services.assign_code(EVERYTHING, c[3], [(tree.kanoon_head, 6), (tree.member, 6)])
    for code in c.values():
        services.record_due(EVERYTHING, code, 1, 2_000_000, jalali(1402, 1, 10))
    f.wrong = services.record_due(EVERYTHING, c[2], 2, 2_000_000, jalali(1402, 1, 10))
    services.run_draw(EVERYTHING, f, mode="automatic", seed="s", today=jalali(1402, 1, 15))
    f.c = c
    return f


def test_the_leader_reverses_a_wrong_payment_on_the_page(fund, tree, client_as):
    leader = client_as(tree.users["kanoon_leader"], "en")
    page = leader.get(fund.get_absolute_url()).content.decode()
    assert f'href="/rotating/payments/{fund.wrong.pk}/reverse/"' in page
    url = f"/rotating/payments/{fund.wrong.pk}/reverse/"
    empty = leader.post(url, {"reason": "", "on": "2023-03-31", "key": "r"})
    assert empty.status_code == 200 and not DuePayment.objects.filter(amount__lt=0).exists()
    form = {"reason": "paid for the wrong month", "on": "2023-03-31", "key": "r"}
    assert leader.post(url, form).status_code == 302
    assert leader.post(url, form).status_code == 302  # the same form sent twice
    reversal = DuePayment.objects.get(amount__lt=0)
    assert (reversal.reverses, reversal.amount, reversal.memo) == (
        fund.wrong,
        -2_000_000,
        "paid for the wrong month",
    )
    assert services.paid_for(fund.c[2], 2) == 0
    again = leader.post(url, {**form, "key": "other"})
    assert b"already reversed" in again.content and DuePayment.objects.count() == 5
    page = leader.get(fund.get_absolute_url()).content.decode()
    assert f'id="payment-{reversal.pk}" class="reversal"' in page
    assert "paid for the wrong month" in page and "reversed</span>" in page
    member = client_as(tree.users["member"])
    assert member.get(url).status_code == 404


def test_the_api_reverses_a_payment_once(fund, tree, api_client):
    api = api_client(tree.users["kanoon_leader"])
    url = f"/api/v1/rotating/{fund.pk}/dues/{fund.wrong.pk}/reversal"
    body = {"reason": "wrong month", "on": "2023-03-31"}
    first = api.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="rv")
    retry = api.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="rv")
    assert first.status_code == 201 and retry.json()["id"] == first.json()["id"]
    assert first.json()["amount"] == -2_000_000 and first.json()["reverses_id"] == fund.wrong.pk
    again = api.post(url, body, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "reversed"
    paid = DuePayment.objects.get(code=fund.c[1], month=1)
    early = api.post(
        f"/api/v1/rotating/{fund.pk}/dues/{paid.pk}/reversal",
        {"reason": "x", "on": "2000-01-01"},
        content_type="application/json",
    )
    assert early.status_code == 409 and early.json()["code"] == "period"
    dues = api.get(f"/api/v1/rotating/{fund.pk}/dues?month=2").json()["items"]
    assert {d["id"]: d["reversed_by_id"] for d in dues}[fund.wrong.pk] == first.json()["id"]
    member = api_client(tree.users["member"])
    assert member.post(url, body, content_type="application/json").status_code in (403, 404)
    assert DuePayment.objects.filter(amount__lt=0).count() == 1


def sheet(response):
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    return [list(r) for r in book.active.iter_rows(values_only=True)]


def test_every_table_downloads_as_xlsx_with_translated_headers(fund, tree, client_as):
    leader = client_as(tree.users["kanoon_leader"], "en")
    page = leader.get(fund.get_absolute_url()).content.decode()
    for table in ("codes", "dues", "arrears", "draws", "payments"):
        assert f'href="/rotating/{fund.pk}/{table}.xlsx"' in page, table
    codes = sheet(leader.get(f"/rotating/{fund.pk}/codes.xlsx"))
    assert codes[0][:3] == ["Code", "Holder", "Parts"]
    assert [(r[0], r[2], r[3]) for r in codes[1:]] == [
        (1, 12, "1"),
        (2, 12, "1"),
        (3, 6, "1/2"),
        (3, 6, "1/2"),
    ]
    dues = sheet(leader.get(f"/rotating/{fund.pk}/dues.xlsx"))
    assert dues[0][:3] == ["Code", "1402/01", "1402/02"] and dues[0][-1] == "Owed (IRR)"
    assert [r[:3] for r in dues[1:]] == [
        [1, 2_000_000, 0],
        [2, 2_000_000, 2_000_000],
        [3, 2_000_000, 0],
    ]
    draws = sheet(leader.get(f"/rotating/{fund.pk}/draws.xlsx"))
    assert draws[0][0] == "Month" and draws[0][-1] == "Amount (IRR)"
    assert sum(r[-1] for r in draws[1:]) == 6_000_000 and {r[4] for r in draws[1:]} == {"s"}
    payments = sheet(leader.get(f"/rotating/{fund.pk}/payments.xlsx"))
    assert sum(r[4] for r in payments[1:]) == 8_000_000 and len(payments) == 5
    persian = client_as(tree.users["kanoon_leader"], "fa")
    codes = sheet(persian.get(f"/rotating/{fund.pk}/codes.xlsx"))
    assert codes[0][0] != "Code" and codes[1][0] == 1  # headers translated, numbers stay numbers
    assert leader.get(f"/rotating/{fund.pk}/codes.pdf").status_code == 404
    assert leader.get(f"/rotating/{fund.pk}/secrets.xlsx").status_code == 404


def test_exports_are_scoped_like_the_page(fund, tree, client_as, api_client):
    member = client_as(tree.users["member"], "en")
    codes = sheet(member.get(f"/rotating/{fund.pk}/codes.xlsx"))
    assert [r[0] for r in codes[1:]] == [1, 3, 3]  # only the codes she holds
    payments = sheet(member.get(f"/rotating/{fund.pk}/payments.xlsx"))
    assert sorted(r[2] for r in payments[1:]) == [1, 3]
    outsider = client_as(tree.users["principal"])
    assert outsider.get(f"/rotating/{fund.pk}/codes.xlsx").status_code == 404
    api = api_client(tree.users["member"], **{"Accept-Language": "en"})
    response = api.get(f"/api/v1/rotating/{fund.pk}/export/arrears?format=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Holder", "Code", "Unpaid months", "Owed (IRR)"]
    # Her codes owe month 2 (its draw day has come); code 3's other half is Kazemi's.
    assert sorted((r[0].split()[-1], r[1], r[3]) for r in rows[1:]) == [
        ("Kazemi", "3", "1000000"),
        ("Tehrani", "1", "2000000"),
        ("Tehrani", "3", "1000000"),
    ]
    assert (
        api_client(tree.users["principal"])
        .get(f"/api/v1/rotating/{fund.pk}/export/codes")
        .status_code
        == 404
    )


def test_arrears_export_names_each_holders_part(fund, tree, api_client):
    api = api_client(tree.users["kanoon_leader"])
    response = api.get(f"/api/v1/rotating/{fund.pk}/export/arrears?format=csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    # Month 2 is owed by codes 1 and 3 (code 2 paid); code 3's debt is split in halves.
    assert sorted((r[1], r[3]) for r in rows[1:]) == [
        ("1", "2000000"),
        ("3", "1000000"),
        ("3", "1000000"),
    ]
