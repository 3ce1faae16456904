"""Bulk entry: the XLSX template per hamlet or commune, and the import of a filled-in file —
every row checked with its row and column, nothing written when any fails, a dry run, the
same file adding nothing twice, locks, and the page, API and command around it."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook, load_workbook
from test_evaluation_rollups import add, places  # noqa: F401 — the shared fixture

from edupact.accounts.selectors import scope_for
from edupact.core.scoping import Scope
from edupact.evaluation import bulk, services
from edupact.evaluation.models import Assessment, AssessmentImport, Rollup

pytestmark = pytest.mark.django_db
EVERYTHING = Scope(everything=True)
YEAR = 2024


@pytest.fixture
def hamlet(places):  # noqa: F811
    """Three households in hamlet a1, one in a2 (both registered by the hamlet branch),
    one in b1 registered by the city association (outside the hamlet branch's area), and a
    clan in a1 with a level framework (a percentage and a yes/no indicator)."""
    p = places
    p.hh = [
        add(p, place=p.a1, name=n) for n in ("Hộ ông Võ Văn Ba", "Hộ bà Lê Thị Tư", "Hộ Trần Năm")
    ]
    for n, s in enumerate(p.hh, start=1):
        s.code = f"A1-{n:03d}"
        s.save()
    p.other = add(p, place=p.a2, name="Hộ Đinh Sáu")
    p.other.code = "A2-001"
    p.other.save()
    p.far = add(p, place=p.b1, name="Hộ Đặng Bảy", org=p.tree.vn_association)
    p.far.code = "B1-001"
    p.far.save()
    p.clan = add(p, kind="clan", place=p.a1, name="Dòng họ Nguyễn")
    p.clan_framework = services.create_framework(
        EVERYTHING,
        {
            "code": "T-DH",
            "version": "1",
            "name": "Dòng họ thử",
            "model": "clan",
            "style": "levels",
            "levels": [1, 2],
            "criteria": [
                {
                    "code": "TC1",
                    "name": "TC1",
                    "indicators": [
                        {
                            "code": "P1",
                            "name": "Tỷ lệ",
                            "kind": "percent",
                            "thresholds": {"1": 70, "2": 90},
                        },
                        {"code": "B1", "name": "Có quỹ", "kind": "boolean"},
                    ],
                }
            ],
        },
    )
    p.scope = scope_for(p.tree.users["hamlet_branch"])
    return p


def workbook(header, rows) -> bytes:
    book = Workbook()
    book.active.append(header)
    for r in rows:
        book.active.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_hamlet_template_lists_its_households_and_the_indicators(hamlet):
    p = hamlet
    content = bulk.template_xlsx(p.scope, YEAR, p.a1, "household")
    book = load_workbook(io.BytesIO(content))
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("Subject code", "Name", "Household head", "Hamlet", "I1 I1")
    assert [r[0] for r in rows[1:]] == ["A1-001", "A1-002", "A1-003"]
    assert {r[3] for r in rows[1:]} == {"Khu phố 1"}
    rules = sheet.data_validations.dataValidation
    assert [(r.type, r.formula1, r.formula2) for r in rules] == [("decimal", "0", "10")]
    info = list(book.worksheets[1].iter_rows(values_only=True))
    assert ("I1", "I1", "TC1", "points", 10, None) in info
    commune = load_workbook(io.BytesIO(bulk.template_xlsx(p.scope, YEAR, p.a, "household")))
    codes = [r[0] for r in commune.worksheets[0].iter_rows(min_row=2, values_only=True)]
    assert codes == ["A1-001", "A1-002", "A1-003", "A2-001"]  # not commune B's


def test_a_filled_template_is_checked_then_imported_once(
    hamlet, django_capture_on_commit_callbacks
):
    p = hamlet
    book = load_workbook(io.BytesIO(bulk.template_xlsx(p.scope, YEAR, p.a1, "household")))
    sheet = book.worksheets[0]
    for row, value in zip(range(2, 5), (9, "8,5", 3), strict=True):
        sheet.cell(row=row, column=5, value=value)
    out = io.BytesIO()
    book.save(out)
    content = out.getvalue()

    dry = bulk.import_assessments(p.scope, content, "a1.xlsx", YEAR, "household", dry_run=True)
    assert dry.ok and not dry.written
    assert (dry.rows, dry.created, dry.recognised) == (3, 3, 2)
    assert [r["total"] for r in dry.preview] == [9, 8.5, 3]
    assert not Assessment.objects.exists()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        report = bulk.import_assessments(p.scope, content, "a1.xlsx", YEAR, "household")
    assert report.written and report.created == 3 and len(callbacks) == 1
    totals = dict(Assessment.objects.values_list("subject__code", "total"))
    assert {k: float(v) for k, v in totals.items()} == {"A1-001": 9, "A1-002": 8.5, "A1-003": 3}
    assert Assessment.objects.filter(recognised=True).count() == 2
    rollup = Rollup.objects.get(admin_unit=p.a1, year=YEAR, model="household")
    assert (rollup.registered, rollup.meeting) == (3, 2)
    p.framework.refresh_from_db()
    assert p.framework.locked

    again = bulk.import_assessments(p.scope, content, "a1.xlsx", YEAR, "household")
    assert again.already_imported and not again.written
    assert Assessment.objects.count() == 3 and AssessmentImport.objects.count() == 1
    # The same answers in another file: every row unchanged, nothing added.
    csv = "Mã,I1\nA1-001,9\nA1-002,8.5\nA1-003,3\n".encode()
    same = bulk.import_assessments(p.scope, csv, "a1.csv", YEAR, "household")
    assert same.written and (same.created, same.updated, same.skipped) == (0, 0, 3)
    changed = bulk.import_assessments(p.scope, b"code,I1\nA1-003,10\n", "x.csv", YEAR, "household")
    assert (changed.created, changed.updated) == (0, 1)
    assert Assessment.objects.get(subject__code="A1-003").recognised


def test_every_bad_row_is_reported_with_its_row_and_column_and_nothing_is_imported(hamlet):
    p = hamlet
    content = workbook(
        ["Mã hộ", "I1"],
        [
            ["A1-001", 9],  # fine
            ["A1-009", 9],  # unknown
            ["B1-001", 9],  # registered by the city: out of sight, as if it did not exist
            ["A1-002", None],  # missing
            ["A1-003", 11],  # above the maximum
            ["A1-001", 8],  # duplicate of row 2
            ["A2-001", "nine"],  # not a number
            [None, 5],  # no code
        ],
    )
    report = bulk.import_assessments(p.scope, content, "bad.xlsx", YEAR, "household")
    assert not report.ok and not report.written
    got = {(e.row, e.column): str(e.message) for e in report.errors}
    assert got == {
        (3, "Subject code"): "No registered subject has the code A1-009.",
        (4, "Subject code"): "No registered subject has the code B1-001.",
        (5, "I1"): "Enter a value.",
        (6, "I1"): "11 is above the indicator's maximum of 10.",
        (7, "Subject code"): "The subject A1-001 is already on row 2.",
        (8, "I1"): "“nine” is not a number.",
        (9, "Subject code"): "Enter the subject's code.",
    }
    assert not Assessment.objects.exists() and not AssessmentImport.objects.exists()


@pytest.mark.parametrize(
    ("yes", "no"), [("có", "không"), ("Yes", "no"), ("بله", "خیر"), ("CO", "Khong")]
)
def test_yes_and_no_in_three_languages_and_percentages(hamlet, yes, no):
    p = hamlet
    key = f"#{p.clan.pk}"
    ok = workbook(["Subject code", "P1 Tỷ lệ", "B1 Có quỹ"], [[key, 95, yes]])
    report = bulk.import_assessments(p.scope, ok, "clan.xlsx", YEAR, "clan", dry_run=True)
    assert report.ok and report.preview[0]["level"] == 2
    bad = workbook(["Subject code", "P1", "B1"], [[key, 101, "maybe"]])
    report = bulk.import_assessments(p.scope, bad, "clan.xlsx", YEAR, "clan")
    assert {(e.row, e.column) for e in report.errors} == {(2, "P1"), (2, "B1")}
    failing = workbook(["Subject code", "P1", "B1"], [[key, 95, no]])
    report = bulk.import_assessments(p.scope, failing, "c.xlsx", YEAR, "clan", dry_run=True)
    assert report.ok and report.recognised == 0 and report.preview[0]["level"] == 0


def test_a_file_without_the_indicator_columns_is_refused_as_a_whole(hamlet):
    report = bulk.import_assessments(
        hamlet.scope, b"code,name\nA1-001,x\n", "x.csv", YEAR, "household"
    )
    assert [(e.row, str(e.message)) for e in report.errors] == [(1, "Missing columns: I1.")]


def test_decided_assessments_do_not_change(hamlet):
    p = hamlet
    services.record_assessment(p.scope, p.hh[0], YEAR, {"I1": 9})
    Assessment.objects.update(status=Assessment.Status.RECOGNISED)
    report = bulk.import_assessments(p.scope, b"code,I1\nA1-001,5\n", "x.csv", YEAR, "household")
    assert [str(e.message) for e in report.errors] == [
        "This assessment has been decided; it can no longer be changed."
    ]
    same = bulk.import_assessments(p.scope, b"code,I1\nA1-001,9\n", "y.csv", YEAR, "household")
    assert same.ok and same.skipped == 1


# The page, the API and the command ---------------------------------------------------------------


def _filled(p) -> bytes:
    return workbook(["Subject code", "I1"], [["A1-001", 9], ["A1-002", 2]])


def test_the_page_downloads_the_template_and_shows_errors_then_imports(hamlet, client_as):
    p = hamlet
    client = client_as(p.tree.users["hamlet_branch"], "en")
    page = client.get("/evaluation/bulk-entry/")
    assert page.status_code == 200 and "Khu phố 1" in page.text
    assert "Xã Bình Chánh" not in page.text  # another commune: not offered
    template = client.get(
        "/evaluation/bulk-entry/", {"unit": p.a1.pk, "year": YEAR, "model": "household"}
    )
    assert template["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(template.content)).active.iter_rows(values_only=True))
    assert len(rows) == 4
    bad = workbook(["Subject code", "I1"], [["A1-001", 12]])
    shown = client.post(
        "/evaluation/bulk-entry/",
        {"file": _upload(bad), "year": YEAR, "model": "household", "dry_run": "on"},
    )
    assert "1 error: nothing was imported." in shown.text
    assert "12 is above the indicator&#x27;s maximum of 10." in shown.text
    dry = client.post(
        "/evaluation/bulk-entry/",
        {"file": _upload(_filled(p)), "year": YEAR, "model": "household", "dry_run": "on"},
    )
    assert "Check passed; nothing was imported yet" in dry.text
    assert not Assessment.objects.exists()
    done = client.post(
        "/evaluation/bulk-entry/",
        {"file": _upload(_filled(p)), "year": YEAR, "model": "household"},
    )
    assert done.status_code == 200 and Assessment.objects.count() == 2


def test_the_page_in_vietnamese_and_for_readers(hamlet, client_as):
    p = hamlet
    page = client_as(p.tree.users["hamlet_branch"], "vi").get("/evaluation/bulk-entry/")
    assert page.status_code == 200 and 'lang="vi"' in page.text
    reader = client_as(p.tree.users["trainer"], "en")  # reads, writes nothing
    assert reader.get("/evaluation/bulk-entry/").status_code == 404


def _upload(content, name="a1.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def test_the_api_returns_the_report(hamlet, api_client):
    p = hamlet
    client = api_client(p.tree.users["hamlet_branch"], **{"Accept-Language": "en"})
    base = "/api/v1/evaluation/assessments"
    template = client.get(f"{base}/template", {"unit": p.a1.pk, "year": YEAR})
    assert template.status_code == 200
    assert client.get(f"{base}/template", {"unit": p.b1.pk, "year": YEAR}).status_code == 404
    bad = client.post(
        f"{base}/import",
        {"file": _upload(workbook(["Mã", "I1"], [["B1-001", 5]])), "year": YEAR},
    )
    assert bad.status_code == 422
    assert bad.json()["errors"] == [
        {
            "row": 2,
            "column": "Subject code",
            "message": "No registered subject has the code B1-001.",
        }
    ]
    dry = client.post(
        f"{base}/import", {"file": _upload(_filled(p)), "year": YEAR, "dry_run": "true"}
    )
    assert dry.status_code == 200
    body = dry.json()
    assert (body["created"], body["recognised"], body["written"]) == (2, 1, False)
    content = _filled(p)
    done = client.post(f"{base}/import", {"file": _upload(content), "year": YEAR}).json()
    assert done["written"] and Assessment.objects.count() == 2
    again = client.post(f"{base}/import", {"file": _upload(content), "year": YEAR}).json()
    assert again["already_imported"] and not again["written"]


def test_the_command_imports_and_exits_2_on_errors(hamlet, tmp_path):
    p = hamlet
    good = tmp_path / "a1.xlsx"
    good.write_bytes(_filled(p))
    bad = tmp_path / "bad.csv"
    bad.write_text("code,I1\nA1-001,\nZZ,3\n", encoding="utf-8")
    with pytest.raises(CommandError) as exc:
        call_command("evaluation", "import-assessments", str(bad), "--year", str(YEAR))
    assert exc.value.returncode == 2
    err = str(exc.value)
    assert "row 2, I1: Enter a value." in err and "row 3, Subject code" in err
    out = io.StringIO()
    call_command(
        "evaluation", "import-assessments", str(good), "--year", str(YEAR), "--dry-run", stdout=out
    )
    assert "Would import 2 rows (T-HH 1): 2 created" in out.getvalue()
    assert not Assessment.objects.exists()
    call_command("evaluation", "import-assessments", str(good), "--year", str(YEAR), stdout=out)
    assert Assessment.objects.count() == 2
