"""Correcting and deleting a figure typed in by hand (an ``IndicatorValue``): by whoever
writes for its place, audited, refused once the place's year is locked by an approval; the
recomputed share follows at once — through the service, the page and the API, per role."""

import json

import pytest
from django.core.exceptions import ValidationError
from test_evaluation_editing_web import text
from test_evaluation_rollups import places  # noqa: F401 — the shared fixture
from test_evaluation_workflow import LOCKED, cycle, review_all  # noqa: F401

from edupact.accounts.selectors import scope_for
from edupact.audit.models import AuditEntry
from edupact.core.scoping import NotFound, ReadOnly, Scope
from edupact.evaluation import selectors, services, workflow
from edupact.evaluation.models import IndicatorValue

pytestmark = pytest.mark.django_db
EVERYTHING = Scope(everything=True)
CODE = "citizen.worker"


@pytest.fixture
def figures(cycle):  # noqa: F811
    """citizen.worker 2024: hamlets a1 45/50 and a2 30/100 (so commune A = 75/150 = 50 %),
    commune B 20/100, and a national figure."""
    p = cycle
    p.f_a1 = services.record_indicator_value(EVERYTHING, CODE, 2024, 45, 50, p.a1)
    p.f_a2 = services.record_indicator_value(EVERYTHING, CODE, 2024, 30, 100, p.a2)
    p.f_b = services.record_indicator_value(EVERYTHING, CODE, 2024, 20, 100, p.b)
    p.f_vn = services.record_indicator_value(EVERYTHING, CODE, 2024, 4, 10)
    return p


def audit(value, action):
    return AuditEntry.objects.filter(
        object_id=str(value.pk), action=action, content_type__model="indicatorvalue"
    )


def test_the_writer_for_the_place_corrects_and_deletes_and_the_share_follows(figures):
    p = figures
    assert selectors.indicator_share(CODE, 2024, p.a)["percent"] == 50
    user = p.tree.users["commune_official"]
    fixed = services.change_indicator_value(p.commune, p.f_a2, 60, 100, "Số liệu Phòng LĐ", user)
    assert (fixed.numerator, fixed.denominator, fixed.note, fixed.entered_by) == (
        60,
        100,
        "Số liệu Phòng LĐ",
        user,
    )
    assert selectors.indicator_share(CODE, 2024, p.a)["percent"] == 70  # 105 / 150
    assert audit(fixed, "update").get().changes["numerator"] == [30, 60]
    with pytest.raises(ValidationError):  # a numerator above the denominator
        services.change_indicator_value(p.commune, p.f_a2, 101, 100)
    assert IndicatorValue.objects.get(pk=p.f_a2.pk).numerator == 60
    services.delete_indicator_value(p.commune, p.f_a1)
    assert not IndicatorValue.objects.filter(pk=p.f_a1.pk).exists()
    assert audit(p.f_a1, "delete").get().object_repr == "citizen.worker 2024: 45/50"
    assert selectors.indicator_share(CODE, 2024, p.a)["percent"] == 60  # a2 alone


def test_who_may_change_a_figure(figures):
    p = figures
    assert p.commune.can_write(p.f_a1)
    assert not p.commune.can_write(p.f_b)  # another commune
    assert not p.province.can_write(p.f_vn)  # national
    for scope, value, refusal in (
        (p.commune, p.f_b, NotFound),  # another commune: out of sight
        (p.commune, p.f_vn, ReadOnly),  # national figures: read by all
        (p.province, p.f_vn, ReadOnly),
        (scope_for(p.tree.users["trainer"]), p.f_a1, ReadOnly),  # reads the city only
        (p.hamlet, p.f_a2, NotFound),  # the branch of a1 neither writes nor reads a2
    ):
        with pytest.raises(refusal):
            services.delete_indicator_value(scope, value)
        with pytest.raises(refusal):
            services.change_indicator_value(scope, value, 1, 2)
    services.change_indicator_value(p.hamlet, p.f_a1, 40, 50)  # its own hamlet
    services.delete_indicator_value(EVERYTHING, p.f_vn)  # platform administrators: national
    assert IndicatorValue.objects.count() == 3


def test_a_locked_year_refuses_corrections_deletions_and_new_figures(figures):
    p = figures
    review_all(p)
    workflow.approve_year(p.commune, p.a1, 2024)
    message = f"Khu phố 1's year 2024 {LOCKED}"
    with pytest.raises(ValidationError) as exc:
        services.change_indicator_value(p.commune, p.f_a1, 1, 50)
    assert exc.value.messages == [message]
    with pytest.raises(ValidationError):
        services.delete_indicator_value(EVERYTHING, p.f_a1)
    with pytest.raises(ValidationError):  # entering it again is a correction too
        services.record_indicator_value(p.commune, CODE, 2024, 1, 50, p.a1)
    assert IndicatorValue.objects.get(pk=p.f_a1.pk).numerator == 45
    services.change_indicator_value(p.commune, p.f_a2, 31, 100)  # a2 is still open
    services.record_indicator_value(p.commune, CODE, 2023, 1, 50, p.a1)  # another year
    workflow.reopen_year(p.commune, p.a1, 2024, "Sửa số liệu")
    services.delete_indicator_value(p.commune, p.f_a1)
    assert not IndicatorValue.objects.filter(pk=p.f_a1.pk).exists()


def test_the_page_offers_correct_and_delete_per_role(figures, client_as):
    p = figures
    official = client_as(p.tree.users["commune_official"], "en")
    listing = text(official.get("/evaluation/indicator-values/", {"code": CODE}))
    assert (
        f"/evaluation/indicator-values/{p.f_a1.pk}/edit/"
        in official.get("/evaluation/indicator-values/").text
    )
    assert "Correct" in listing
    national = official.get("/evaluation/indicator-values/").text
    assert f"/evaluation/indicator-values/{p.f_vn.pk}/edit/" not in national
    assert official.get(f"/evaluation/indicator-values/{p.f_vn.pk}/edit/").status_code == 403
    assert official.get(f"/evaluation/indicator-values/{p.f_b.pk}/edit/").status_code == 404
    assert official.post(f"/evaluation/indicator-values/{p.f_b.pk}/delete/").status_code == 404
    bad = official.post(
        f"/evaluation/indicator-values/{p.f_a2.pk}/edit/", {"numerator": 120, "denominator": 100}
    )
    assert bad.status_code == 200 and "numerator cannot be above" in text(bad)
    done = official.post(
        f"/evaluation/indicator-values/{p.f_a2.pk}/edit/",
        {"numerator": 60, "denominator": 100, "note": "Sửa"},
    )
    assert done.status_code == 302 and f"place={p.a2.pk}" in done["Location"]
    assert IndicatorValue.objects.get(pk=p.f_a2.pk).numerator == 60
    page = text(
        official.get("/evaluation/indicator-values/", {"code": CODE, "year": 2024, "place": p.a.pk})
    )
    assert "70 %" in page and "105 / 150" in page
    ask = official.get(f"/evaluation/indicator-values/{p.f_a1.pk}/delete/")
    assert ask.status_code == 200 and "45 / 50" in text(ask)
    assert official.post(f"/evaluation/indicator-values/{p.f_a1.pk}/delete/").status_code == 302
    assert not IndicatorValue.objects.filter(pk=p.f_a1.pk).exists()
    reader = client_as(p.tree.users["trainer"], "en")
    assert reader.get(f"/evaluation/indicator-values/{p.f_a2.pk}/edit/").status_code == 403
    # Once the commune's year is approved its figures show as locked and are refused.
    review_all(p)
    for hamlet in (p.a1, p.a2):
        workflow.approve_year(p.commune, hamlet, 2024)
    workflow.approve_year(p.province, p.a, 2024)
    listing = official.get("/evaluation/indicator-values/").text
    assert f"/evaluation/indicator-values/{p.f_a2.pk}/edit/" not in listing and "locked" in listing
    refused = official.post(f"/evaluation/indicator-values/{p.f_a2.pk}/delete/")
    assert refused.status_code == 200 and LOCKED in text(refused)
    assert IndicatorValue.objects.filter(pk=p.f_a2.pk).exists()


def test_the_api_corrects_and_deletes_per_role(figures, api_client):
    p = figures
    base = "/api/v1/evaluation/indicator-values"
    official = api_client(p.tree.users["commune_official"], **{"Accept-Language": "en"})
    body = json.dumps({"numerator": 60, "denominator": 100, "note": "Sửa"})
    changed = official.put(f"{base}/{p.f_a2.pk}", body, content_type="application/json")
    assert changed.status_code == 200 and changed.json()["percent"] == 60
    assert (
        official.put(f"{base}/{p.f_b.pk}", body, content_type="application/json").status_code == 404
    )
    assert (
        official.put(f"{base}/{p.f_vn.pk}", body, content_type="application/json").status_code
        == 403
    )
    too_big = json.dumps({"numerator": 200, "denominator": 100})
    assert (
        official.put(f"{base}/{p.f_a2.pk}", too_big, content_type="application/json").status_code
        == 422
    )
    reader = api_client(p.tree.users["trainer"])
    assert reader.delete(f"{base}/{p.f_a1.pk}").status_code == 403
    assert official.delete(f"{base}/{p.f_a1.pk}").status_code == 204
    assert official.delete(f"{base}/{p.f_a1.pk}").status_code == 404
    review_all(p)
    workflow.approve_year(p.commune, p.a2, 2024)
    locked = official.delete(f"{base}/{p.f_a2.pk}")
    assert locked.status_code == 422 and LOCKED in locked.text
    assert IndicatorValue.objects.filter(pk=p.f_a2.pk).exists()


def test_the_api_lists_the_figures_of_the_readers_places(figures, api_client):
    """GET /indicator-values: each reader sees the figures of their places and the national
    ones, never another commune's; filters by code, year, source and place; paged."""
    p = figures
    f_a1_2023 = services.record_indicator_value(EVERYTHING, CODE, 2023, 40, 50, p.a1)
    f_other = services.record_indicator_value(EVERYTHING, "citizen.reader", 2024, 7, 10, p.a2)
    base = "/api/v1/evaluation/indicator-values"

    def listed(user, **query):
        response = api_client(user).get(base, query)
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["items"]]

    users = p.tree.users
    everyone = [f_other.pk, p.f_vn.pk, p.f_a1.pk, p.f_a2.pk, p.f_b.pk, f_a1_2023.pk]
    # By code, newest year first, then place name (national first on both databases).
    assert listed(users["platform_admin"]) == everyone
    assert listed(p.city_user) == everyone  # the province's secretariat: the whole city
    assert listed(users["trainer"]) == everyone  # reads the city
    assert listed(users["commune_official"]) == [
        f_other.pk,
        p.f_vn.pk,
        p.f_a1.pk,
        p.f_a2.pk,
        f_a1_2023.pk,
    ]
    assert listed(users["hamlet_branch"]) == [p.f_vn.pk, p.f_a1.pk, f_a1_2023.pk]
    assert listed(users["kanoon_leader"]) == [p.f_vn.pk]  # no place in Vietnam: national only

    official = users["commune_official"]
    assert listed(official, code=CODE, year=2024) == [p.f_vn.pk, p.f_a1.pk, p.f_a2.pk]
    assert listed(official, place=p.a.pk) == [f_other.pk, p.f_a1.pk, p.f_a2.pk, f_a1_2023.pk]
    assert listed(official, place=p.a1.pk, year=2023) == [f_a1_2023.pk]
    assert listed(official, source="elsewhere") == []
    assert api_client(official).get(base, {"place": p.b.pk}).status_code == 404
    assert listed(users["platform_admin"], place=p.b.pk) == [p.f_b.pk]

    page = api_client(official).get(base, {"limit": 2, "offset": 2}).json()
    assert page["count"] == 5 and [i["id"] for i in page["items"]] == [p.f_a1.pk, p.f_a2.pk]
    item = page["items"][0]
    assert (item["code"], item["year"], item["numerator"], item["denominator"]) == (
        CODE,
        2024,
        45,
        50,
    )
    assert (item["admin_unit_name"], item["percent"]) == ("Khu phố 1", 90)
