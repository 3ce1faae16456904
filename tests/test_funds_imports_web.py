"""The import page, its templates, the API endpoint and the command: scoped per role."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from factories import iran_national_code
from openpyxl import load_workbook

from edupact.core.scoping import Scope
from edupact.core.tabular import to_csv
from edupact.funds import services
from edupact.funds.models import FileImport, Fund, FundAccount, JournalEntry

EVERYTHING = Scope(everything=True)
MEMBER_HEADERS = ["کد ملی", "نام", "نام خانوادگی", "تلفن همراه"]


def code(n):
    return iran_national_code(800_000 + n)


@pytest.fixture
def fund(tree):
    fund = services.create_fund(EVERYTHING, Fund(name="صندوق کانون ۹", kanoon=tree.kanoon))
    Fund.objects.filter(pk=fund.pk).update(created_at=timezone.make_aware(dt.datetime(2023, 1, 1)))
    fund.refresh_from_db()
    return fund


def members_file(*codes, bad=False):
    rows = [[c, "علی", "رضایی", "09121234567"] for c in codes]
    if bad:
        rows.append(["1234567890", "علی", "رضایی", ""])
    return to_csv(MEMBER_HEADERS, rows)


def upload(content, name="members.csv"):
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_the_leader_checks_then_imports_members_on_the_page(fund, tree, client_as):
    c = client_as(tree.users["kanoon_leader"], "en")
    url = reverse("funds:import", args=[fund.pk])
    page = c.get(url)
    assert page.status_code == 200 and "Dry run" in page.content.decode()
    assert url in c.get(fund.get_absolute_url()).content.decode()

    content = members_file(code(1), code(2))
    dry = c.post(url, {"kind": "members", "file": upload(content), "dry_run": "on"})
    assert "Dry run: 2 rows are valid; 2 would be added" in dry.content.decode()
    assert not FundAccount.objects.filter(fund=fund, kind="member").exists()

    done = c.post(url, {"kind": "members", "file": upload(content)})
    text = done.content.decode()
    assert "Imported: 2 rows; 2 added, 0 already there." in text
    assert FundAccount.objects.filter(fund=fund, kind="member").count() == 2
    assert "members.csv" in text  # the history lists the file

    again = c.post(url, {"kind": "members", "file": upload(content)})
    assert "already been imported" in again.content.decode()


def test_errors_are_listed_by_row_and_column_in_the_readers_language(fund, tree, client_as):
    c = client_as(tree.users["kanoon_leader"], "fa")
    response = c.post(
        reverse("funds:import", args=[fund.pk]),
        {"kind": "members", "file": upload(members_file(code(1), bad=True))},
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert 'id="import-errors"' in text
    assert "۳" in text  # row 3, in Persian digits
    assert not FundAccount.objects.filter(fund=fund, kind="member").exists()


def test_the_template_downloads_with_translated_headers(fund, tree, client_as):
    c = client_as(tree.users["kanoon_leader"], "en")
    response = c.get(reverse("funds:import_template", args=[fund.pk, "deposits"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    headers = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
    assert headers == ["Date", "Amount", "Payer", "Bank reference", "Memo"]
    assert c.get(reverse("funds:import_template", args=[fund.pk, "nothing"])).status_code == 404


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("kanoon_leader", 200),
        ("secretariat", 200),
        ("platform_admin", 200),
        ("education_officer", 404),  # District 9's subtree, not the association's
        ("social_banker", 403),  # reads the kanoon, may not change it: told so
        ("member", 404),
        ("principal", 404),
    ],
)
def test_only_writers_of_the_kanoon_reach_the_import_page(fund, tree, client_as, role, status):
    c = client_as(tree.users[role], "en")
    assert c.get(reverse("funds:import", args=[fund.pk])).status_code == status
    response = c.post(
        reverse("funds:import", args=[fund.pk]),
        {"kind": "members", "file": upload(members_file(code(1)))},
    )
    assert response.status_code == status
    assert FundAccount.objects.filter(fund=fund, kind="member").exists() == (status == 200)


# API --------------------------------------------------------------------------------------------


def api_url(fund, kind, **query):
    url = f"/api/v1/funds/{fund.pk}/imports/{kind}"
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_the_api_imports_with_a_dry_run_and_reports_errors_as_422(fund, tree, api_client):
    c = api_client(tree.users["kanoon_leader"], **{"Accept-Language": "en"})
    content = members_file(code(1), code(2))
    dry = c.post(api_url(fund, "members", dry_run="true"), {"file": upload(content)})
    assert dry.status_code == 200, dry.content
    assert dry.json() | {"errors": []} == {
        "rows": 2,
        "created": 2,
        "skipped": 0,
        "dry_run": True,
        "already_imported": False,
        "written": False,
        "errors": [],
    }
    done = c.post(api_url(fund, "members"), {"file": upload(content)})
    assert done.json()["written"] and done.json()["created"] == 2

    bad = c.post(api_url(fund, "members"), {"file": upload(members_file(code(3), bad=True))})
    assert bad.status_code == 422
    assert bad.json()["errors"] == [
        {"row": 3, "column": "national_code", "message": "This national code is not valid."}
    ]
    assert FundAccount.objects.filter(fund=fund, kind="member").count() == 2


def test_the_api_honours_the_idempotency_key(fund, tree, api_client):
    alice = services.open_account(EVERYTHING, fund, person=tree.member)
    c = api_client(tree.users["kanoon_leader"], **{"Idempotency-Key": "statement-1"})
    content = to_csv(
        ["Date", "Amount", "Payer", "Bank reference"],
        [["1403/01/10", "1,000", tree.member.national_id, "T-1"]],
    )
    first = c.post(api_url(fund, "deposits"), {"file": upload(content, "s.csv")})
    second = c.post(api_url(fund, "deposits"), {"file": upload(content, "s.csv")})
    assert first.status_code == second.status_code == 200
    assert second["Idempotent-Replayed"] == "true"
    assert second.json() == first.json() and first.json()["created"] == 1
    assert FundAccount.objects.get(pk=alice.pk).balance == 1_000
    assert JournalEntry.objects.filter(fund=fund).count() == 1


@pytest.mark.parametrize(
    ("role", "status"),
    # The member sees the fund through her account, not as a record of the kanoon: for her a
    # write on the fund answers as for a fund that does not exist, on the page as here.
    [("kanoon_leader", 200), ("social_banker", 403), ("member", 404), ("principal", 404)],
)
def test_the_api_refuses_readers_and_hides_the_fund_from_outsiders(
    fund, tree, api_client, role, status
):
    services.open_account(EVERYTHING, fund, person=tree.member)  # the member sees the fund
    c = api_client(tree.users[role])
    response = c.post(api_url(fund, "members"), {"file": upload(members_file(code(1)))})
    assert response.status_code == status
    assert FileImport.objects.exists() == (status == 200)


# Command ----------------------------------------------------------------------------------------


def test_the_command_imports_and_fails_with_a_row_numbered_listing(fund, tmp_path, capsys):
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_bytes(members_file(code(1)))
    bad.write_bytes(members_file(code(2), bad=True))

    call_command("fund", "import", str(fund.pk), "members", str(good), "--dry-run")
    assert "1 would be added" in capsys.readouterr().out
    assert not FundAccount.objects.filter(fund=fund, kind="member").exists()

    call_command("fund", "import", fund.name, "members", str(good))
    assert "1 added" in capsys.readouterr().out
    with pytest.raises(CommandError) as failed:
        call_command("fund", "import", str(fund.pk), "members", str(bad))
    assert failed.value.returncode == 1
    assert "row 3, National code: This national code is not valid." in capsys.readouterr().err
    assert FundAccount.objects.filter(fund=fund, kind="member").count() == 1
