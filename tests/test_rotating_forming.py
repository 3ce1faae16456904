"""Forming a lottery fund from the page and the API: the terms with the organisation's
defaults, every code's first holders (persons by national code, organisations by legal ID,
parts of 12 summing to a whole code), typed or uploaded as XLSX/CSV; every error named with
its row, a dry run, nothing written when anything is wrong; only writers may form a fund."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from edupact.accounts.selectors import scope_for
from edupact.core.scoping import NotFound, ReadOnly, Scope
from edupact.core.tabular import to_csv, to_xlsx
from edupact.directory.models import Organisation
from edupact.rotating import forming, rules
from edupact.rotating.models import Code, RotatingFund, Share

pytestmark = pytest.mark.django_db
EVERYTHING = Scope(everything=True)


def draft(org, **terms) -> RotatingFund:
    values = dict(
        name="صندوق قرعه‌کشی همکاران",
        organisation=org,
        due=50_000_000,
        start_year=1403,
        start_month=7,
        codes_count=3,
        draw_day=15,
        calendar="",  # the organisation's country's, as the page and the API leave it
    )
    return RotatingFund(**(values | terms))


@pytest.fixture
def kanoon_legal_id(tree):
    Organisation.objects.filter(pk=tree.kanoon.pk).update(legal_id="14003456789")
    return "14003456789"


def lines(tree, legal_id):
    return forming.text_rows(
        f"1, {tree.member.national_id}, 12\n"
        f"2; {tree.other_member.national_id}; 1/2\n"
        f"2\t{tree.kanoon_head.national_id}\t6\n"
        f"3 {legal_id} 12\n"
    )


def test_a_leader_forms_a_fund_with_halves_and_an_organisation(tree, kanoon_legal_id):
    scope = scope_for(tree.users["kanoon_leader"])
    report = forming.form_fund(scope, draft(tree.kanoon), lines(tree, kanoon_legal_id))
    assert report.written and report.created == 4
    fund = report.fund
    assert (fund.currency, fund.calendar) == ("IRR", "jalali")  # from the country
    assert list(fund.codes.values_list("number", flat=True)) == [1, 2, 3]
    shares = Share.objects.filter(code__fund=fund).order_by("code__number", "id")
    assert [(s.code.number, s.holder, s.numerator) for s in shares] == [
        (1, tree.member, 12),
        (2, tree.other_member, 6),
        (2, tree.kanoon_head, 6),
        (3, tree.kanoon, 12),
    ]
    assert {s.valid_from for s in shares} == {rules.start_date(fund)}  # 1403/07/01


def test_every_error_is_named_and_nothing_is_written(tree):
    scope = scope_for(tree.users["kanoon_leader"])
    rows = forming.text_rows(
        f"1, {tree.member.national_id}, 12\n"
        "\n"
        "4, 0076229645, 12\n"  # no code 4; nobody with that code in scope
        f"2, {tree.other_member.national_id}, 13\n"
        f"3, {tree.principal.national_id}, 12\n"  # outside the kanoon leader's scope
        f"1, {tree.member.national_id}, 12, extra\n"
    )
    report = forming.form_fund(scope, draft(tree.kanoon), rows)
    assert not report.written
    assert [(e.row, e.column) for e in report.errors] == [
        (3, "code"),
        (3, "holder"),
        (4, "parts"),
        (5, "holder"),
        (6, "extra"),
    ]
    assert "1 to 3" in str(report.errors[0].message)
    assert not RotatingFund.objects.exists() and not Code.objects.exists()


def test_parts_must_make_whole_codes_and_every_code_needs_holders(tree):
    scope = scope_for(tree.users["kanoon_leader"])
    rows = forming.text_rows(
        f"1, {tree.member.national_id}, 6\n"
        f"1, {tree.other_member.national_id}, 1/3\n"
        f"2, {tree.member.national_id}, 12\n"
        f"2, {tree.member.national_id}, 12\n"
    )
    report = forming.form_fund(scope, draft(tree.kanoon), rows)
    assert [(e.row, e.column) for e in report.errors] == [(4, "holder")]
    report = forming.form_fund(scope, draft(tree.kanoon), rows[:3])
    messages = [(e.row, str(e.message)) for e in report.errors]
    assert messages == [
        (2, "The parts of code 1 add up to 10, not 12."),
        (0, "Codes without holders: 3."),
    ]
    assert not RotatingFund.objects.exists()


def test_a_dry_run_checks_everything_and_writes_nothing(tree, kanoon_legal_id):
    scope = scope_for(tree.users["kanoon_leader"])
    report = forming.form_fund(
        scope, draft(tree.kanoon), lines(tree, kanoon_legal_id), dry_run=True
    )
    assert report.ok and not report.written and report.rows == 4
    assert not RotatingFund.objects.exists()


def test_bad_terms_and_other_organisations_are_refused(tree, kanoon_legal_id):
    scope = scope_for(tree.users["kanoon_leader"])
    with pytest.raises(ValidationError) as caught:
        forming.form_fund(
            scope,
            draft(tree.kanoon, codes_count=1, draw_day=32, start_year=2024),
            lines(tree, kanoon_legal_id),
        )
    assert set(caught.value.error_dict) == {"codes_count", "draw_day", "start_month"}
    with pytest.raises(NotFound):  # school A is not the kanoon leader's to see
        forming.form_fund(scope, draft(tree.school_a), [])
    with pytest.raises(NotFound):  # a member reads her own records, not the kanoon's
        forming.form_fund(scope_for(tree.users["member"]), draft(tree.kanoon), [])
    with pytest.raises(ReadOnly):
        forming.form_fund(scope_for(tree.users["social_banker"]), draft(tree.kanoon), [])
    forming.form_fund(scope, draft(tree.kanoon), lines(tree, kanoon_legal_id))
    with pytest.raises(ValidationError):  # the same name twice in one organisation
        forming.form_fund(scope, draft(tree.kanoon), lines(tree, kanoon_legal_id))
    assert RotatingFund.objects.count() == 1


def test_a_vietnamese_branch_forms_a_fund_in_dong_on_the_gregorian_calendar(tree):
    scope = scope_for(tree.users["commune_official"])
    rows = forming.text_rows(
        f"1, {tree.hamlet_head.national_id}, 12\n2, {tree.commune_head.national_id}, 12\n"
    )
    fund = draft(tree.commune_branch, name="Hụi ấp 3", due=2_000_000, start_year=2025)
    report = forming.form_fund(scope, fund, rows)
    assert report.errors and str(report.errors[0].message) == "Codes without holders: 3."
    fund = draft(
        tree.commune_branch, name="Hụi ấp 3", due=2_000_000, start_year=2025, codes_count=2
    )
    report = forming.form_fund(scope, fund, rows)
    assert report.written and (report.fund.currency, report.fund.calendar) == ("VND", "gregorian")


# The page ----------------------------------------------------------------------------------------


def form_data(tree, **extra):
    return {
        "name": "Staff lottery fund",
        "organisation": tree.kanoon.pk,
        "due": "۵۰٬۰۰۰٬۰۰۰",
        "start": "۱۴۰۳/۰۷",
        "codes_count": 2,
        "draw_day": 15,
        "draw_mode": "automatic",
        "holders": f"1, {tree.member.national_id}, 12\n2, {tree.other_member.national_id}, 12",
        **extra,
    }


def test_the_page_forms_a_fund_after_a_dry_run(tree, client_as):
    leader = client_as(tree.users["kanoon_leader"], "en")
    assert b'id="form-fund"' in leader.get("/rotating/").content
    page = leader.get("/rotating/new/").content.decode()
    assert tree.kanoon.name in page and tree.school_a.name not in page  # only where they write
    checked = leader.post("/rotating/new/", form_data(tree, dry_run="on"))
    assert checked.status_code == 200 and b"everything is right" in checked.content
    assert not RotatingFund.objects.exists()
    response = leader.post("/rotating/new/", form_data(tree))
    fund = RotatingFund.objects.get()
    assert response.status_code == 302 and response["Location"] == fund.get_absolute_url()
    assert (fund.due, fund.start_year, fund.start_month) == (50_000_000, 1403, 7)
    assert Share.objects.filter(code__fund=fund).count() == 2


def test_the_page_names_each_bad_line_in_persian(tree, client_as):
    leader = client_as(tree.users["kanoon_leader"], "fa")
    bad = form_data(tree, holders=f"1, {tree.member.national_id}, 12\n2, 123, 12")
    response = leader.post("/rotating/new/", bad)
    text = response.content.decode()
    assert response.status_code == 200 and 'id="row-errors"' in text
    assert "۲" in text and not RotatingFund.objects.exists()


def test_the_page_takes_an_xlsx_file_and_names_its_rows(tree, client_as):
    leader = client_as(tree.users["kanoon_leader"], "en")
    content = to_xlsx(
        ["Code", "National code or legal ID", "Parts"],
        [[1, tree.member.national_id, 12], [2, tree.other_member.national_id, "1/3"]],
    )
    upload = SimpleUploadedFile("holders.xlsx", content)
    response = leader.post("/rotating/new/", {**form_data(tree, holders=""), "file": upload})
    assert b"Row 3" in response.content and not RotatingFund.objects.exists()
    content = to_xlsx(
        ["Code", "National code or legal ID", "Parts"],
        [[1, tree.member.national_id, 12], [2, tree.other_member.national_id, 12]],
    )
    upload = SimpleUploadedFile("holders.xlsx", content)
    response = leader.post("/rotating/new/", {**form_data(tree, holders=""), "file": upload})
    assert response.status_code == 302 and RotatingFund.objects.count() == 1


def test_members_cannot_open_the_forming_page(tree, client_as):
    member = client_as(tree.users["member"])
    assert member.get("/rotating/new/").status_code == 404
    assert b'id="form-fund"' not in member.get("/rotating/").content


# The API -----------------------------------------------------------------------------------------


def api_body(tree, **extra):
    return {
        "name": "Quỹ hụi",
        "organisation_id": tree.kanoon.pk,
        "due": 50_000_000,
        "start": "1403/07",
        "codes_count": 2,
        "draw_day": 15,
        "holders": [
            {"code": 1, "holder": tree.member.national_id, "parts": 6},
            {"code": 1, "holder": tree.other_member.national_id, "parts": "1/2"},
            {"code": 2, "holder": tree.kanoon_head.national_id, "parts": 12},
        ],
        **extra,
    }


def test_api_forms_a_fund_with_a_dry_run_and_row_errors(tree, api_client):
    api = api_client(tree.users["kanoon_leader"])
    url = "/api/v1/rotating"
    dry = api.post(url, api_body(tree, dry_run=True), content_type="application/json")
    assert dry.status_code == 200 and dry.json()["written"] is False
    bad = api_body(tree)
    bad["holders"][2]["parts"] = 11
    bad["holders"].append({"code": 3, "holder": "x", "parts": 1})
    refused = api.post(url, bad, content_type="application/json")
    assert refused.status_code == 422
    assert [(e["row"], e["column"]) for e in refused.json()["errors"]] == [
        (4, "code"),
        (4, "holder"),
    ]
    created = api.post(url, api_body(tree), content_type="application/json")
    assert created.status_code == 201
    fund = created.json()["fund"]
    assert fund["currency"] == "IRR" and fund["pot"] == 100_000_000
    codes = api.get(f"{url}/{fund['id']}/codes").json()
    assert [[h["parts"] for h in c["holders"]] for c in codes] == [[6, 6], [12]]
    assert RotatingFund.objects.count() == 1
    other = api_body(tree, organisation_id=tree.school_a.pk)
    assert api.post(url, other, content_type="application/json").status_code == 404
    member = api_client(tree.users["member"])  # sees no organisation
    assert member.post(url, api_body(tree), content_type="application/json").status_code == 404
    banker = api_client(tree.users["social_banker"])  # reads the kanoon, may not change it
    assert banker.post(url, api_body(tree), content_type="application/json").status_code == 403


def test_api_forms_a_fund_from_a_csv_file(tree, api_client):
    api = api_client(tree.users["kanoon_leader"])
    content = to_csv(
        ["کد", "کد ملی", "سهم"],
        [[1, tree.member.national_id, 12], [2, tree.other_member.national_id, 12]],
    )
    terms = {k: v for k, v in api_body(tree).items() if k != "holders"}
    response = api.post(
        "/api/v1/rotating/upload",
        {**terms, "file": SimpleUploadedFile("holders.csv", content)},
    )
    assert response.status_code == 201, response.content
    assert Share.objects.count() == 2
    bad = api.post(
        "/api/v1/rotating/upload",
        {**terms, "name": "other", "file": SimpleUploadedFile("h.csv", b"code\n1\n")},
    )
    assert bad.status_code == 422 and RotatingFund.objects.count() == 1
