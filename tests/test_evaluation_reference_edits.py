# ruff: noqa: F811 — pytest fixtures shared by name
"""Reference data changed in the web UI and the API: a framework created from scratch
(checked like an import; a used one never changes), local targets changed and deleted
(national ones never; past ones kept), and the yearly cycle's deadlines (the defaults, the
city secretariat's, a place's own removed again) — per role."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from factories import RoleGrantFactory, UserFactory
from test_evaluation_editing_web import text
from test_evaluation_rollups import places  # noqa: F401 — the shared fixture

from edupact.accounts.models import Role
from edupact.accounts.selectors import scope_for
from edupact.audit.models import AuditEntry
from edupact.core.scoping import NotFound, ReadOnly, Scope
from edupact.evaluation import services, workflow
from edupact.evaluation.models import Deadline, Framework, Subject, Target

pytestmark = pytest.mark.django_db
EVERYTHING = Scope(everything=True)
THIS_YEAR = dt.date.today().year


def new_form(**changes) -> dict:
    """A learning-centre rubric of 2 criteria and 3 indicators as the new-framework page
    posts it."""
    rows = changes.pop(
        "rows",
        [
            {"criterion": "TC1", "name": "Tổ chức lớp học"},
            {"criterion": "TC1", "indicator": "TC1.1", "name": "Số lớp", "max": "30"},
            {"criterion": "TC1", "indicator": "TC1.2", "name": "Lượt người", "max": "30"},
            {"criterion": "TC2", "name": "Ứng dụng CNTT"},
            {"criterion": "TC2", "indicator": "TC2.1", "name": "Có trang thông tin", "max": "40"},
        ],
    )
    form = {
        "code": "TTHTCD-HCM",
        "owner": "",
        "version": "2026",
        "name": "Xếp loại TTHTCĐ TP.HCM",
        "name_en": "HCMC community learning centre rubric",
        "model": "learning_centre",
        "style": "points",
        "valid_from": "01/01/2026",
        "legal_reference": "15/KH-UBND",
        "legal_date": "10/12/2025",
        "pass_total": "65",
        "min_indicator": "5",
        "bands": "tot=Tốt≥90*; kha=Khá≥80*; tb=Trung bình≥65*; cd=Chưa đạt≥0",
    } | changes
    form |= {"row-TOTAL_FORMS": len(rows), "row-INITIAL_FORMS": 0}
    for n, row in enumerate(rows):
        form[f"row-{n}-ORDER"] = n + 1
        form |= {f"row-{n}-{k}": v for k, v in row.items()}
    return form


# A framework from scratch -----------------------------------------------------------------------


def test_a_platform_administrator_creates_a_national_framework_from_scratch(places, client_as):
    admin = client_as(places.tree.users["platform_admin"], "en")
    assert 'id="new-framework"' in text(admin.get("/evaluation/frameworks/"))
    page = text(admin.get("/evaluation/frameworks/new/"))
    assert 'name="code"' in page and 'name="row-9-indicator"' in page  # ten empty rows
    response = admin.post("/evaluation/frameworks/new/", new_form())
    f = Framework.objects.get(code="TTHTCD-HCM")
    assert response.status_code == 302 and response["Location"] == f.get_absolute_url()
    assert (f.owner, f.version, f.model, f.style, f.pass_total, f.legal_reference) == (
        None,
        "2026",
        "learning_centre",
        "points",
        65,
        "15/KH-UBND",
    )
    assert f.valid_from == dt.date(2026, 1, 1) and f.name_in("en").startswith("HCMC")
    assert [(i.code, i.max) for i in f.indicators.order_by("criterion__position", "position")] == [
        ("TC1.1", 30),
        ("TC1.2", 30),
        ("TC2.1", 40),
    ]
    assert [b["code"] for b in f.bands] == ["tot", "kha", "tb", "cd"]
    # The same rules as an import: every error beside its field or row, nothing stored.
    bad = text(admin.post("/evaluation/frameworks/new/", new_form(code="X-1", pass_total="120")))
    assert 'id="id_pass_total_error"' in bad and not Framework.objects.filter(code="X-1")
    again = text(admin.post("/evaluation/frameworks/new/", new_form(version="2027")))
    assert 'id="id_code_error"' in again and "edit it to make a new version" in again
    assert Framework.objects.filter(code="TTHTCD-HCM").count() == 1
    # Once used, it is never changed: a revision is a new version that supersedes it.
    centre = Subject.objects.create(
        kind="learning_centre", name="TTHTCĐ An Khánh", organisation=places.tree.commune_branch
    )
    answers = {"TC1.1": 30, "TC1.2": 25, "TC2.1": 40}
    used = services.record_assessment(EVERYTHING, centre, 2026, answers, framework=f)
    data = services.exchange.to_data(f) | {"version": "2027", "pass_total": 70}
    revised = services.revise_framework(EVERYTHING, f, data)
    f.refresh_from_db()
    assert (revised.supersedes, f.pass_total, used.framework_id) == (f, 65, f.pk)


def test_a_commune_creates_its_own_rubric_and_other_roles_may_not(places, client_as):
    t = places.tree
    official = client_as(t.users["commune_official"], "en")
    national = text(official.post("/evaluation/frameworks/new/", new_form()))
    assert 'id="id_owner_error"' in national and not Framework.objects.filter(code="TTHTCD-HCM")
    response = official.post("/evaluation/frameworks/new/", new_form(owner=t.commune_branch.pk))
    f = Framework.objects.get(code="TTHTCD-HCM")
    assert response.status_code == 302 and f.owner == t.commune_branch
    assert official.get(f"/evaluation/frameworks/{f.pk}/edit/").status_code == 200
    entry = AuditEntry.objects.filter(content_type__model="framework", object_id=str(f.pk))
    assert entry.filter(action="create", actor=t.users["commune_official"]).exists()
    for role in ("hamlet_branch", "trainer", "principal"):  # no province or commune to own it
        c = client_as(t.users[role], "en")
        assert c.get("/evaluation/frameworks/new/").status_code == 403, role
        assert c.post("/evaluation/frameworks/new/", new_form(code=role)).status_code == 403
        assert 'id="new-framework"' not in text(c.get("/evaluation/frameworks/"))


def test_the_api_creates_a_local_rubric_for_an_owner_the_user_writes_for(places, api_client):
    t = places.tree
    data = {
        "code": "LOCAL-A",
        "version": "1",
        "name": "Tiêu chí phường",
        "model": "learning_centre",
        "style": "points",
        "pass_total": 5,
        "criteria": [
            {"code": "C", "name": "C", "indicators": [{"code": "C1", "name": "C1", "max": 10}]}
        ],
    }
    official = api_client(t.users["commune_official"])
    url = "/api/v1/evaluation/frameworks"
    assert official.post(url, json.dumps(data), content_type="application/json").status_code == 403
    outside = official.post(
        f"{url}?owner={t.vn_association.pk}", json.dumps(data), content_type="application/json"
    )
    assert outside.status_code == 404
    response = official.post(
        f"{url}?owner={t.commune_branch.pk}", json.dumps(data), content_type="application/json"
    )
    assert response.status_code == 201 and Framework.objects.get(code="LOCAL-A").owner_id == (
        t.commune_branch.pk
    )


# Local targets ----------------------------------------------------------------------------------


@pytest.fixture
def targets(places):  # noqa: F811
    services.load_targets()
    p = places
    p.own = Target.objects.create(
        indicator="household.recognised",
        model="household",
        year=THIS_YEAR + 1,
        admin_unit=p.a,
        value=75,
        source="KH 12/KH-UBND",
        name="Kế hoạch phường An Khánh",
    )
    p.past = Target.objects.create(
        indicator="clan.recognised",
        model="clan",
        year=THIS_YEAR - 1,
        admin_unit=p.a,
        value=60,
        source="KH 3/KH-UBND",
        name="Kế hoạch cũ",
    )
    p.other = Target.objects.create(
        indicator="household.recognised",
        model="household",
        year=THIS_YEAR + 1,
        admin_unit=p.b,
        value=72,
        source="KH 9/KH-UBND",
        name="Kế hoạch xã Bình Chánh",
    )
    p.national = Target.objects.get(indicator="household.recognised", admin_unit=None, year=2025)
    p.official = scope_for(p.tree.users["commune_official"])
    return p


def test_a_local_target_is_changed_and_deleted_by_its_place_only(targets):
    p = targets
    p.own.value = 78
    services.change_target(p.official, p.own)
    assert Target.objects.get(pk=p.own.pk).value == 78
    update = AuditEntry.objects.get(
        content_type__model="target", object_id=str(p.own.pk), action="update"
    )
    assert [Decimal(str(v)) for v in update.changes["value"]] == [75, 78]
    for target in (p.national, p.other):
        target.value = 90
        with pytest.raises(ReadOnly):  # every reader sees the targets: 403, not 404
            services.change_target(p.official, target)
    with pytest.raises(ReadOnly):  # nor moved to a place the user does not write for
        p.own.admin_unit = p.b
        services.change_target(p.official, p.own)
    p.own.admin_unit = p.a
    with pytest.raises(ValidationError) as exc:  # values are checked as on creation
        p.own.value = 130
        services.change_target(p.official, p.own)
    assert exc.value.message_dict == {"value": ["A target is a share from 0 to 100 %."]}
    assert Target.objects.get(pk=p.own.pk).value == 78
    with pytest.raises(ReadOnly, match="National targets come from the legal texts"):
        services.delete_target(p.official, p.national)
    with pytest.raises(ReadOnly, match="National targets come from the legal texts"):
        services.delete_target(EVERYTHING, p.national)  # platform administrators neither
    with pytest.raises(ValidationError) as exc:
        services.delete_target(p.official, p.past)
    assert exc.value.messages == [
        f"The target for {THIS_YEAR - 1} is part of the record the reports of that year were "
        "read against; it cannot be deleted. Correct it if it was entered wrongly."
    ]
    services.delete_target(p.official, p.own)
    assert not Target.objects.filter(pk=p.own.pk).exists()
    assert AuditEntry.objects.filter(
        content_type__model="target", object_id=str(p.own.pk), action="delete"
    ).exists()


def test_the_targets_pages_edit_and_delete_per_role(targets, client_as):
    p = targets
    t = p.tree
    official = client_as(t.users["commune_official"], "en")
    listing = text(official.get("/evaluation/targets/"))
    assert f"/evaluation/targets/{p.own.pk}/edit/" in listing
    assert f"/evaluation/targets/{p.other.pk}/edit/" not in listing
    assert f"/evaluation/targets/{p.national.pk}/edit/" not in listing
    form = {
        "indicator": "household.recognised",
        "model": "household",
        "name": "Kế hoạch phường An Khánh (sửa)",
        "year": THIS_YEAR + 1,
        "admin_unit": p.a.pk,
        "value": "77.5",
        "source": "KH 12/KH-UBND",
    }
    url = f"/evaluation/targets/{p.own.pk}/edit/"
    assert official.get(url).status_code == 200
    response = official.post(url, form)
    assert response.status_code == 302
    p.own.refresh_from_db()
    assert (p.own.value, p.own.name) == (77.5, "Kế hoạch phường An Khánh (sửa)")
    bad = official.post(url, form | {"value": "-1"})
    assert bad.status_code == 200 and Target.objects.get(pk=p.own.pk).value == 77.5
    for target in (p.national, p.other):
        assert official.get(f"/evaluation/targets/{target.pk}/edit/").status_code == 403
        assert official.post(f"/evaluation/targets/{target.pk}/delete/").status_code == 403
    refused = official.post(f"/evaluation/targets/{p.past.pk}/delete/")
    assert refused.status_code == 200 and 'id="delete-refused"' in text(refused)
    assert Target.objects.filter(pk=p.past.pk).exists()
    assert "Delete" in text(official.get(f"/evaluation/targets/{p.own.pk}/delete/"))
    assert official.post(f"/evaluation/targets/{p.own.pk}/delete/").status_code == 302
    assert not Target.objects.filter(pk=p.own.pk).exists()
    reader = client_as(t.users["trainer"], "en")
    assert reader.get(f"/evaluation/targets/{p.other.pk}/edit/").status_code == 403
    admin = client_as(t.users["platform_admin"], "en")  # national targets: the legal texts
    assert admin.get(f"/evaluation/targets/{p.national.pk}/edit/").status_code == 403
    assert admin.get("/evaluation/targets/999999/edit/").status_code == 404


def test_the_targets_api_adds_changes_and_deletes(targets, api_client):
    p = targets
    body = {
        "indicator": "household.recognised",
        "model": "household",
        "year": THIS_YEAR + 2,
        "admin_unit_id": p.a.pk,
        "value": 80,
        "source": "KH 20/KH-UBND",
        "name": "Kế hoạch mới",
    }
    official = api_client(p.tree.users["commune_official"])
    url = "/api/v1/evaluation/targets"
    created = official.post(url, json.dumps(body), content_type="application/json")
    assert created.status_code == 201
    pk = created.json()["id"]
    changed = official.put(
        f"{url}/{pk}", json.dumps(body | {"value": 82.5}), content_type="application/json"
    )
    assert changed.status_code == 200 and changed.json()["value"] == 82.5
    national = official.put(
        f"{url}/{p.national.pk}", json.dumps(body), content_type="application/json"
    )
    assert national.status_code == 403
    moved = official.put(
        f"{url}/{pk}", json.dumps(body | {"admin_unit_id": p.b.pk}), content_type="application/json"
    )
    assert moved.status_code == 404  # a place the commune does not see
    assert official.delete(f"{url}/{p.past.pk}").status_code == 422
    assert official.delete(f"{url}/{p.other.pk}").status_code == 403
    assert official.delete(f"{url}/{pk}").status_code == 204
    assert not Target.objects.filter(pk=pk).exists()


# Deadlines ----------------------------------------------------------------------------------------


def deadline_form(rows: dict) -> dict:
    out = {}
    for step, d in workflow.deadlines_for(None, 2025).items():
        due, remind, *inherit = rows.get(step, (d.due.strftime("%d/%m/%Y"), d.remind_days))
        out |= {f"{step}-due": due, f"{step}-remind_days": remind}
        if inherit:
            out[f"{step}-inherit"] = "on"
    return out


def test_the_city_secretariat_sets_the_citys_deadlines_and_administrators_the_defaults(
    places, client_as, api_client
):
    p = places
    t = p.tree
    secretariat = UserFactory(username="city_secretariat")
    RoleGrantFactory(user=secretariat, role=Role.SECRETARIAT, organisation=t.vn_association)
    city = client_as(secretariat, "en")
    url = f"/evaluation/deadlines/{p.city.pk}/2025/"
    assert 'name="dossier-due"' in text(city.get(url))
    # Units of the city submit before 10 January instead of 15.
    assert city.post(url, deadline_form({"dossier": ("09/01/2026", 5)})).status_code == 302
    assert workflow.deadlines_for(p.a1, 2025)["dossier"].due == dt.date(2026, 1, 9)
    assert workflow.deadlines_for(None, 2025)["dossier"].due == dt.date(2026, 1, 14)
    official = client_as(t.users["commune_official"], "en")
    assert official.get(url).status_code == 404  # the commune does not see the city's page
    assert official.post(url, deadline_form({})).status_code == 404
    # The defaults: read by everyone, changed by platform administrators only.
    defaults = "/evaluation/deadlines/default/2025/"
    assert 'name="dossier-due"' not in text(city.get(defaults))
    assert city.post(defaults, deadline_form({"review": ("10/12/2025", 7)})).status_code == 403
    admin = client_as(t.users["platform_admin"], "en")
    response = admin.post(defaults, deadline_form({"review": ("12/12/2025", 5)}))
    assert response.status_code == 302
    stored = Deadline.objects.get(year=2025, step="review", admin_unit=None)
    assert (stored.due, stored.remind_days) == (dt.date(2025, 12, 12), 5)
    # A new year starts with the previous year's defaults.
    assert workflow.deadlines_for(None, 2026)["review"].due == dt.date(2026, 12, 12)
    assert workflow.ensure_deadlines(2026) == 7  # six steps and the province's closure
    assert Deadline.objects.get(year=2026, step="review").remind_days == 5
    # The commune's own deadline, then removed again: the city's applies once more.
    commune_url = f"/evaluation/deadlines/{p.a.pk}/2025/"
    official.post(commune_url, deadline_form({"dossier": ("12/01/2026", 5)}))
    assert workflow.deadlines_for(p.a1, 2025)["dossier"].due == dt.date(2026, 1, 12)
    page = text(official.get(commune_url))
    assert 'name="dossier-inherit"' in page and 'name="review-inherit"' not in page
    official.post(commune_url, deadline_form({"dossier": ("12/01/2026", 5, "inherit")}))
    assert workflow.deadlines_for(p.a1, 2025)["dossier"].due == dt.date(2026, 1, 9)
    with pytest.raises(NotFound):  # the hamlet branch does not see the city
        workflow.clear_deadline(scope_for(t.users["hamlet_branch"]), 2025, "dossier", p.city)
    # The API: the commune's own again, removed with DELETE.
    client = api_client(t.users["commune_official"])
    workflow.set_deadline(EVERYTHING, 2025, "dossier", dt.date(2026, 1, 13), p.a)
    gone = client.delete(f"/api/v1/evaluation/deadlines?year=2025&step=dossier&unit={p.a.pk}")
    assert gone.status_code == 204
    again = client.delete(f"/api/v1/evaluation/deadlines?year=2025&step=dossier&unit={p.a.pk}")
    assert again.status_code == 404
    city_api = client.delete(
        f"/api/v1/evaluation/deadlines?year=2025&step=dossier&unit={p.city.pk}"
    )
    assert city_api.status_code == 404  # not seen
