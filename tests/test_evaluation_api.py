"""The evaluation API: frameworks (list, get, export, create, revise) and the scorer."""

import io
import json

import pytest
from openpyxl import load_workbook
from test_evaluation_frameworks import place_at_a_commune

from edupact.core.scoping import Scope
from edupact.evaluation import services
from edupact.evaluation.models import Framework

PROBLEM = "application/problem+json"
BASE = "/api/v1/evaluation"


@pytest.fixture
def loaded(db):
    services.load_frameworks()
    return {f.code: f for f in Framework.objects.all()}


@pytest.fixture
def reader(tree, api_client):
    return api_client(tree.users["hamlet_branch"], **{"Accept-Language": "en"})


@pytest.fixture
def admin(tree, api_client):
    return api_client(tree.users["platform_admin"], **{"Accept-Language": "en"})


def post(client, path, body, method="post"):
    return getattr(client, method)(
        f"{BASE}{path}", data=json.dumps(body), content_type="application/json"
    )


def test_list_frameworks_with_filters(loaded, reader):
    response = reader.get(f"{BASE}/frameworks")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 6
    assert {"id", "code", "version", "legal_reference", "locked"} <= set(body["items"][0])
    levels = reader.get(f"{BASE}/frameworks", {"style": "levels"}).json()
    assert {f["code"] for f in levels["items"]} == {"DVHT", "DVHT-TRUONG", "CONGDONG-XA"}
    search = reader.get(f"{BASE}/frameworks", {"q": "gia dinh hoc tap"}).json()
    assert [f["code"] for f in search["items"]] == ["GDHT"]
    dated = reader.get(f"{BASE}/frameworks", {"on": "2019-06-01", "model": "household"}).json()
    assert [f["code"] for f in dated["items"]] == ["GDHT"]
    assert (
        reader.get(f"{BASE}/frameworks", {"on": "2024-06-01", "model": "household"}).json()["count"]
        == 0
    )


def test_get_framework_and_export(loaded, reader):
    pk = loaded["GDHT"].pk
    detail = reader.get(f"{BASE}/frameworks/{pk}").json()
    assert detail["legal_reference"] == "448/QĐ-KHVN"
    assert detail["data"]["criteria"][2]["placeholder"] is True
    exported = reader.get(f"{BASE}/frameworks/{pk}/export").json()
    assert exported == detail["data"]
    xlsx = reader.get(f"{BASE}/frameworks/{pk}/export", {"format": "xlsx"})
    assert xlsx.status_code == 200
    assert load_workbook(io.BytesIO(xlsx.content)).sheetnames == ["framework", "indicators"]
    bad = reader.get(f"{BASE}/frameworks/{pk}/export", {"format": "pdf"})
    assert bad.status_code == 422


def test_sign_in_required(loaded, client):
    response = client.get(f"{BASE}/frameworks")
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM


def test_score_a_stored_framework(loaded, reader):
    dvht = loaded["DVHT"]
    answers = {"TC1.1": 96, "TC2.1": True, "TC2.2": True, "TC3.1": True, "TC3.2": False}
    response = post(reader, "/score", {"framework_id": dvht.pk, "answers": answers})
    assert response.status_code == 200, response.content
    result = response.json()
    assert result["level"] == 1
    assert result["recognised"] is True
    assert [(f["indicator"], f["level"]) for f in result["failures"]] == [("TC3.2", 2)]


def test_score_an_inline_framework(db, reader):
    framework = {
        "code": "CDHT",
        "name": "…",
        "version": "2021-2030",
        "style": "points",
        "pass_total": 80,
        "min_indicator": 5,
        "criteria": [
            {"code": "TC1", "name": "…", "indicators": [{"code": "TC1.1", "name": "…", "max": 100}]}
        ],
    }
    result = post(reader, "/score", {"framework": framework, "answers": {"TC1.1": 80}}).json()
    assert result["total"] == 80 and result["recognised"] is True and result["failures"] == []


def test_score_input_errors_are_problems_naming_the_indicator(loaded, reader):
    cdht = loaded["CDHT"]
    response = post(reader, "/score", {"framework_id": cdht.pk, "answers": {"TC1.1": 16}})
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    errors = response.json()["errors"]
    assert "maximum of 15" in errors["TC1.1"][0]
    assert "No answer" in errors["TC3.3"][0]


def test_score_a_contradictory_inline_framework(db, reader):
    framework = {
        "code": "X",
        "style": "levels",
        "levels": [1, 2],
        "criteria": [
            {
                "code": "C",
                "indicators": [{"code": "P", "kind": "percent", "thresholds": {"1": 95, "2": 90}}],
            }
        ],
    }
    response = post(reader, "/score", {"framework": framework, "answers": {"P": 50}})
    assert response.status_code == 422
    assert "must not decrease" in response.json()["errors"]["P"][0]


@pytest.mark.parametrize(
    "body", [{"answers": {}}, {"framework_id": 1, "framework": {}, "answers": {}}]
)
def test_score_needs_exactly_one_framework(db, reader, body):
    response = post(reader, "/score", body)
    assert response.status_code == 422
    assert "framework" in response.json()["errors"]


def test_score_an_unknown_framework_is_not_found(db, reader):
    assert post(reader, "/score", {"framework_id": 999999, "answers": {}}).status_code == 404


def _small(**changes):
    return {
        "code": "API",
        "version": "1",
        "name": "Bộ qua API",
        "model": "clan",
        "style": "points",
        "pass_total": 5,
        "criteria": [
            {"code": "A", "name": "A", "indicators": [{"code": "A1", "name": "a", "max": 10}]}
        ],
    } | changes


def test_create_and_revise_frameworks(admin, reader):
    response = post(admin, "/frameworks", _small())
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert post(reader, "/frameworks", _small(code="R")).status_code == 403
    same = post(admin, f"/frameworks/{pk}", _small(pass_total=6), method="put").json()
    assert same["id"] == pk and same["data"]["pass_total"] == 6
    services.lock_framework(Framework.objects.get(pk=pk))
    refused = post(admin, f"/frameworks/{pk}", _small(pass_total=7), method="put")
    assert refused.status_code == 422 and "version" in refused.json()["errors"]
    revised = post(admin, f"/frameworks/{pk}", _small(pass_total=7, version="2"), method="put")
    assert revised.status_code == 200
    assert revised.json()["supersedes_id"] == pk
    assert post(reader, f"/frameworks/{pk}", _small(version="3"), method="put").status_code == 403


def test_create_refuses_a_bad_framework(admin):
    response = post(admin, "/frameworks", _small(pass_total=11))
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    assert "pass_total" in response.json()["errors"]


def test_a_local_rubric_is_invisible_outside_its_owner(tree, api_client):
    place_at_a_commune(tree.commune_branch)
    rubric = services.create_framework(Scope(everything=True), _small(), owner=tree.commune_branch)
    inside = api_client(tree.users["commune_official"])
    outside = api_client(tree.users["principal"])
    assert inside.get(f"{BASE}/frameworks/{rubric.pk}").status_code == 200
    assert outside.get(f"{BASE}/frameworks/{rubric.pk}").status_code == 404
    assert outside.get(f"{BASE}/frameworks").json()["count"] == 0
    response = post(outside, "/score", {"framework_id": rubric.pk, "answers": {"A1": 5}})
    assert response.status_code == 404
