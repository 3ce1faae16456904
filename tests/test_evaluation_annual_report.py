"""The annual statistics report: registered vs recognised by model for each place below the
one reported on, consolidated bottom-up from the rollups, as a page, XLSX, PDF and API."""

import io
import shutil
import subprocess
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from test_evaluation_rollups import add, assess, places  # noqa: F401 — the shared fixture

from edupact.evaluation import reports, rollups

pytestmark = pytest.mark.django_db


@pytest.fixture
def counted(places):  # noqa: F811
    """2025. Hamlet a1 (commune A): 7 of 10 households. Hamlet a2: 1 of 2 clans. Hamlet b1
    (commune B): 1 of 4 households. One learning citizen placed at the city itself."""
    for i in range(10):
        assess(places, add(places, place=places.a1), 2025, meets=i < 7)
    for i in range(2):
        assess(places, add(places, "clan", place=places.a2), 2025, meets=i < 1)
    for i in range(4):
        assess(places, add(places, place=places.b1), 2025, meets=i < 1)
    assess(places, add(places, "citizen", place=places.city), 2025)
    assess(places, add(places, place=places.a1), 2024, meets=False)
    rollups.refresh()
    return places


def figures(line, model):
    cell = line.cells.get(model, reports.Cell())
    return cell.registered, cell.recognised, cell.share


def test_the_city_report_adds_its_communes_and_what_sits_at_the_city_itself(counted):
    report = reports.annual_statistics(counted.city)
    assert (report.year, report.years) == (2025, [2024, 2025])
    a, b, direct = report.lines
    assert (a.unit, b.unit, direct.kind) == (counted.a, counted.b, "direct")
    assert figures(a, "household") == (10, 7, Decimal("70"))
    assert figures(a, "clan") == (2, 1, Decimal("50"))
    assert figures(b, "household") == (4, 1, Decimal("25"))
    assert figures(direct, "citizen") == (1, 1, Decimal("100"))
    # 8 of 14 households = 57.14… → 57.1 (half up to one decimal).
    assert figures(report.total, "household") == (14, 8, Decimal("57.1"))
    for model in reports.REPORT_MODELS:
        lines = report.lines
        assert sum(line.cells.get(model, reports.Cell()).registered for line in lines) == (
            report.total.cells.get(model, reports.Cell()).registered
        )


def test_a_commune_report_lists_its_hamlets_and_an_earlier_year_on_request(counted):
    report = reports.annual_statistics(counted.a)
    assert [line.unit for line in report.lines] == [counted.a1, counted.a2]
    earlier = reports.annual_statistics(counted.a, 2024)
    assert earlier.year == 2024 and figures(earlier.total, "household") == (1, 0, 0)


def test_the_excel_file_keeps_the_associations_layout(counted, client_as):
    client = client_as(counted.tree.users["platform_admin"], "vi")
    response = client.get(f"/evaluation/reports/annual.xlsx?place={counted.city.pk}&year=2025")
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('2025-79.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert "2025" in sheet["A1"].value and sheet["A2"].value == "Thành phố Hồ Chí Minh"
    assert sheet["C4"].value == "Gia đình học tập"
    assert "C4:E4" in {str(r) for r in sheet.merged_cells.ranges}
    rows = list(sheet.iter_rows(min_row=6, values_only=True))
    assert rows[0][:5] == (1, "Phường An Khánh", 10, 7, 70.0)
    assert rows[-1][1] in ("Tổng cộng", "Tổng") and rows[-1][2:5] == (14, 8, 57.1)


def test_the_pdf_prints_in_vietnamese_with_the_national_heading(counted, client_as, tmp_path):
    client = client_as(counted.tree.users["platform_admin"], "vi")
    response = client.get(f"/evaluation/reports/annual.pdf?place={counted.city.pk}")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        (tmp_path / "r.pdf").write_bytes(response.content)
        text = subprocess.run(
            ["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True, check=True
        ).stdout
        text = " ".join(text.split())  # a narrow column wraps a place's name
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
        assert "Phường An Khánh" in text and "57,1" in text


@pytest.mark.parametrize("language", ["vi", "en", "fa"])
def test_the_page_drills_down_in_every_language(counted, client_as, language):
    client = client_as(counted.tree.users["platform_admin"], language)
    html = client.get("/evaluation/reports/annual/").content.decode()
    assert "Phường An Khánh" in html and f"?place={counted.a.pk}&amp;year=2025" in html
    assert "annual.xlsx" in html and "annual.pdf" in html
    if language == "fa":
        assert "۵۷٫۱" in html or "۵۷.۱" in html


def test_a_commune_official_sees_only_their_commune(counted, client_as, api_client):
    client = client_as(counted.tree.users["commune_official"], "en")
    html = client.get("/evaluation/reports/annual/").content.decode()
    assert "Khu phố 1" in html and "Xã Bình Chánh" not in html
    for path in ("/evaluation/reports/annual/", "/evaluation/reports/annual.xlsx"):
        assert client.get(f"{path}?place={counted.city.pk}").status_code == 404
        assert client.get(f"{path}?place={counted.b.pk}").status_code == 404
    api = api_client(counted.tree.users["commune_official"])
    assert api.get("/api/v1/evaluation/reports/annual", {"place": counted.b.pk}).status_code == 404
    body = api.get("/api/v1/evaluation/reports/annual", {"place": counted.a.pk}).json()
    assert [line["admin_unit_id"] for line in body["lines"]] == [counted.a1.pk, counted.a2.pk]
    household = body["total"]["cells"][0]
    assert household == {"model": "household", "registered": 10, "recognised": 7, "share": 70.0}
