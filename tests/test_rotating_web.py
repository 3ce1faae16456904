"""Rotating fund pages and API: scoped reads (members see their own codes, outsiders get 404),
leaders record dues, run draws and transfer shares; bad input changes nothing; Persian pages
name Jalali months; the API lists funds, codes, dues and draws and takes idempotent writes."""

import jdatetime
import pytest
from test_rotating import EVERYTHING, make_fund

from edupact.rotating import services
from edupact.rotating.models import Draw, DuePayment, Share

pytestmark = pytest.mark.django_db


def jalali(y, m, d):
    return jdatetime.date(y, m, d).togregorian()


@pytest.fixture
def fund(tree):
    """Three codes from Farvardin 1402: Zahra (#1), Ebrahimi (#2), halves of #3."""
    f = make_fund(tree.kanoon, codes=3, due=2_000_000)
    c = {code.number: code for code in f.codes.all()}
    services.assign_code(EVERYTHING, c[1], [(tree.member, 12)])
    services.assign_code(EVERYTHING, c[2], [(tree.other_member, 12)])
    services.assign_code(EVERYTHING, c[3], [(tree.kanoon_head, 6), (tree.member, 6)])
    f.c = c
    return f


def test_pages_are_scoped(fund, tree, client_as):
    leader = client_as(tree.users["kanoon_leader"])
    page = leader.get(fund.get_absolute_url()).content.decode()
    assert "Ebrahimi" in page and "Kazemi" in page
    assert leader.get("/rotating/").status_code == 200
    member = client_as(tree.users["member"])
    page = member.get(fund.get_absolute_url()).content.decode()
    assert "Tehrani" in page and "Ebrahimi" not in page  # only the codes she holds
    assert member.get(f"/rotating/{fund.pk}/draw/").status_code == 403  # she reads the fund
    assert member.get(f"/rotating/{fund.pk}/dues/").status_code == 403
    outsider = client_as(tree.users["principal"])
    assert outsider.get(fund.get_absolute_url()).status_code == 404
    assert outsider.get(f"/rotating/{fund.pk}/dues/").status_code == 404


def test_persian_page_names_jalali_months_in_persian_digits(fund, tree, client_as):
    page = client_as(tree.users["kanoon_leader"], "fa").get(fund.get_absolute_url())
    text = page.content.decode()
    assert "فروردین ۱۴۰۲" in text and "اردیبهشت ۱۴۰۲" in text
    assert 'dir="rtl"' in text


def test_leader_records_dues_runs_a_draw_and_transfers_a_share(fund, tree, client_as):
    leader = client_as(tree.users["kanoon_leader"], "fa")  # Jalali dates, Persian digits
    form = {"code": 1, "month": 1, "amount": "۲٬۰۰۰٬۰۰۰", "paid_on": "1402/01/05", "key": "k"}
    assert leader.post(f"/rotating/{fund.pk}/dues/", form).status_code == 302
    assert leader.post(f"/rotating/{fund.pk}/dues/", form).status_code == 302  # retried
    assert DuePayment.objects.get().amount == 2_000_000
    bad = leader.post(f"/rotating/{fund.pk}/dues/", {**form, "key": "k2", "amount": "1"})
    assert bad.status_code == 200 and b'class="errorlist' in bad.content
    assert DuePayment.objects.count() == 1

    response = leader.post(
        f"/rotating/{fund.pk}/draw/",
        {"mode": "semi_automatic", "seed": "s", "exclusions": "۲: arrears", "key": "d"},
    )
    assert response.status_code == 302
    draw = Draw.objects.get()
    assert draw.excluded == [{"code": 2, "reason": "arrears"}] and draw.code.number in (1, 3)
    page = leader.get(fund.get_absolute_url()).content.decode()
    assert f'id="draw-{draw.month}"' in page and "arrears" in page and "s</bdi>" in page

    share = Share.objects.get(code=fund.c[2])
    today = jdatetime.date.today().strftime("%Y/%m/%d")
    response = leader.post(
        f"/rotating/shares/{share.pk}/transfer/",
        {"national_code": tree.member.national_id, "parts": 12, "on": today},
    )
    assert response.status_code == 302
    assert Share.objects.get(code=fund.c[2], valid_to__isnull=True).person == tree.member


def test_a_bad_draw_changes_nothing(fund, tree, client_as):
    leader = client_as(tree.users["kanoon_leader"], "en")
    response = leader.post(f"/rotating/{fund.pk}/draw/", {"mode": "manual", "code": 1})
    assert response.status_code == 200 and b"reason" in response.content
    response = leader.post(
        f"/rotating/{fund.pk}/draw/", {"mode": "semi_automatic", "exclusions": "two"}
    )
    assert b"Line 1" in response.content
    assert not Draw.objects.exists()


def test_api(fund, tree, api_client):
    api = api_client(tree.users["kanoon_leader"])
    assert api.get("/api/v1/rotating").json()["items"][0]["id"] == fund.pk
    detail = api.get(f"/api/v1/rotating/{fund.pk}").json()
    assert detail["pot"] == 6_000_000 and detail["codes_count"] == 3
    codes = api.get(f"/api/v1/rotating/{fund.pk}/codes").json()
    assert [h["parts"] for h in codes[2]["holders"]] == [6, 6]
    body = {"code": 1, "month": 1, "amount": 2_000_000, "paid_on": "2023-03-25"}
    first = api.post(
        f"/api/v1/rotating/{fund.pk}/dues",
        body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="pay-1",
    )
    again = api.post(
        f"/api/v1/rotating/{fund.pk}/dues",
        body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="pay-1",
    )
    assert first.status_code == 201 and again.json()["id"] == first.json()["id"]
    over = api.post(f"/api/v1/rotating/{fund.pk}/dues", body, content_type="application/json")
    assert over.status_code == 409 and over.json()["code"] == "overpaid"
    assert len(api.get(f"/api/v1/rotating/{fund.pk}/dues").json()["items"]) == 1
    drawn = api.post(
        f"/api/v1/rotating/{fund.pk}/draws",
        {"mode": "automatic", "seed": "abc"},
        content_type="application/json",
    )
    assert drawn.status_code == 201
    assert sum(p["amount"] for p in drawn.json()["payouts"]) == 6_000_000
    listed = api.get(f"/api/v1/rotating/{fund.pk}/draws").json()
    assert listed[0]["seed"] == "abc" and listed[0]["candidates"] == ["1", "2", "3"]
    member = api_client(tree.users["member"])
    refused = member.post(
        f"/api/v1/rotating/{fund.pk}/draws", {"mode": "automatic"}, content_type="application/json"
    )
    assert refused.status_code == 403
    assert api_client(tree.users["principal"]).get(f"/api/v1/rotating/{fund.pk}").status_code == 404
