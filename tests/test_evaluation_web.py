"""Framework pages: list with search and paging, detail with the try form, export, import."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from openpyxl import load_workbook
from test_evaluation_frameworks import place_at_a_commune

from edupact.core.scoping import Scope
from edupact.evaluation import exchange, services
from edupact.evaluation.models import Framework

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def loaded(db):
    services.load_frameworks()
    return {f.code: f for f in Framework.objects.all()}


@pytest.fixture
def officer(tree, client_as):
    return client_as(tree.users["commune_official"], "vi")


@pytest.fixture
def admin(tree, client_as):
    return client_as(tree.users["platform_admin"], "en")


def text(response) -> str:
    return response.content.decode()


def test_sign_in_required(loaded, client):
    response = client.get("/evaluation/frameworks/")
    assert response.status_code == 302 and "login" in response["Location"]


def test_list_search_and_filter(loaded, officer):
    page = text(officer.get("/evaluation/frameworks/"))
    assert "Bộ tiêu chí đánh giá, công nhận Công dân học tập" in page
    assert "448/QĐ-KHVN" in page
    found = officer.get("/evaluation/frameworks/", {"q": "gia dinh"}, **HTMX)
    assert "<html" not in text(found)  # htmx gets just the results
    assert "GDHT" in text(found) and "DVHT" not in text(found)
    levels = text(officer.get("/evaluation/frameworks/", {"style": "levels"}))
    assert "DVHT-TRUONG" in levels and "GDHT" not in levels


@override_settings(EDUPACT_PAGE_SIZE=2)
def test_list_pages(loaded, officer):
    first = text(officer.get("/evaluation/frameworks/"))
    assert 'rel="next"' in first
    third = text(officer.get("/evaluation/frameworks/", {"page": 3}))
    assert 'rel="prev"' in third and 'rel="next"' not in third


def test_english_names_for_english_readers(loaded, admin):
    page = text(admin.get("/evaluation/frameworks/"))
    assert "Criteria for assessing and recognising Learning Citizens" in page


def test_detail_shows_criteria_legal_basis_and_placeholders(loaded, officer):
    gdht = loaded["GDHT"]
    page = text(officer.get(gdht.get_absolute_url()))
    assert "448/QĐ-KHVN" in page
    assert "Trẻ em trong độ tuổi đi học được đến trường đúng độ tuổi" in page
    assert "pass_total" in page  # listed as unconfirmed
    assert page.count('class="badge"') >= 5  # placeholder badges
    assert f'hx-post="/evaluation/frameworks/{gdht.pk}/try/"' in page


def test_level_detail_shows_thresholds(loaded, admin):
    page = text(admin.get(loaded["DVHT"].get_absolute_url()))
    assert "≥ 90 % for level 1" in page and "≥ 95 % for level 2" in page


def test_try_answers_with_htmx(loaded, officer):
    cdht = loaded["CDHT"]
    fields = {f"i{i.pk}": i.max for i in cdht.indicators.all()}
    tc13 = cdht.indicators.get(code="TC1.3")
    fields[f"i{tc13.pk}"] = "4,5"  # a decimal comma
    response = officer.post(f"/evaluation/frameworks/{cdht.pk}/try/", fields, **HTMX)
    page = text(response)
    assert "<html" not in page
    assert 'id="result"' in page
    assert "TC1.3" in page and "4.5" in page  # the failure names the indicator


def test_try_answers_errors_land_on_the_fields(loaded, admin):
    cdht = loaded["CDHT"]
    tc11 = cdht.indicators.get(code="TC1.1")
    response = admin.post(f"/evaluation/frameworks/{cdht.pk}/try/", {f"i{tc11.pk}": "16"})
    page = text(response)
    assert "<html" in page  # without htmx the whole page comes back
    assert "above the indicator&#x27;s maximum of 15" in page
    assert "No answer was given." in page
    assert 'id="result"' not in page


def test_try_levels_with_checkboxes(loaded, admin):
    dvht = loaded["DVHT"]
    fields = {}
    for i in dvht.indicators.all():
        if i.kind == "percent":
            fields[f"i{i.pk}"] = "96"
        elif 1 in i.levels:  # tick only what level 1 needs
            fields[f"i{i.pk}"] = "on"
    page = text(admin.post(f"/evaluation/frameworks/{dvht.pk}/try/", fields, **HTMX))
    assert "Level 1" in page and "Recognised" in page


def test_export_downloads(loaded, officer):
    gdht = loaded["GDHT"]
    response = officer.get(f"/evaluation/frameworks/{gdht.pk}/export.json")
    assert response["Content-Disposition"].endswith('.json"')
    assert json.loads(response.content) == exchange.to_data(gdht)
    xlsx = officer.get(f"/evaluation/frameworks/{gdht.pk}/export.xlsx")
    assert load_workbook(io.BytesIO(xlsx.content)).sheetnames == ["framework", "indicators"]
    assert officer.get(f"/evaluation/frameworks/{gdht.pk}/export.pdf").status_code == 404


def test_a_local_rubric_is_not_found_outside_its_owner(tree, client_as, loaded):
    data = exchange.to_data(loaded["TTHTCD"]) | {"code": "LOCAL", "version": "1"}
    place_at_a_commune(tree.commune_branch)
    rubric = services.create_framework(Scope(everything=True), data, owner=tree.commune_branch)
    inside = client_as(tree.users["commune_official"])
    outside = client_as(tree.users["principal"])
    assert inside.get(rubric.get_absolute_url()).status_code == 200
    assert outside.get(rubric.get_absolute_url()).status_code == 404
    assert outside.post(f"/evaluation/frameworks/{rubric.pk}/try/", {}).status_code == 404


def _upload(name: str, content: bytes):
    return SimpleUploadedFile(name, content)


def _small() -> dict:
    return {
        "code": "WEB",
        "version": "1",
        "name": "Bộ nhập từ trang web",
        "model": "hamlet",
        "style": "points",
        "pass_total": 5,
        "criteria": [
            {"code": "A", "name": "A", "indicators": [{"code": "A1", "name": "a", "max": 10}]}
        ],
    }


def test_import_is_for_platform_administrators(tree, officer):
    response = officer.get("/evaluation/frameworks/import/")  # imports make national ones
    assert response.status_code == 403
    assert "Chỉ quản trị hệ thống mới được thay đổi bộ tiêu chí quốc gia." in response.text


def test_import_json_dry_run_then_for_real(db, admin):
    content = json.dumps(_small()).encode()
    dry = admin.post(
        "/evaluation/frameworks/import/",
        {"file": _upload("f.json", content), "dry_run": "on"},
    )
    assert "would be created" in text(dry)
    assert not Framework.objects.exists()
    done = admin.post("/evaluation/frameworks/import/", {"file": _upload("f.json", content)})
    framework = Framework.objects.get(code="WEB")
    assert done.status_code == 302 and done["Location"] == framework.get_absolute_url()


def test_import_xlsx_errors_are_shown_with_their_rows(loaded, admin):
    wb = load_workbook(io.BytesIO(exchange.to_xlsx(loaded["GDHT"])))
    wb["indicators"]["H3"] = "ten"
    out = io.BytesIO()
    wb.save(out)
    response = admin.post(
        "/evaluation/frameworks/import/", {"file": _upload("g.xlsx", out.getvalue())}
    )
    page = text(response)
    assert "row 3" in page and "is not a number" in page


def test_import_refuses_other_files(db, admin):
    response = admin.post("/evaluation/frameworks/import/", {"file": _upload("f.csv", b"a,b")})
    assert "Choose a .json or .xlsx file." in text(response)
    broken = admin.post("/evaluation/frameworks/import/", {"file": _upload("f.json", b"{")})
    assert "The file is not JSON" in text(broken)
