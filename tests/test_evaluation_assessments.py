"""Subjects and assessments: scoped, scored, and tied to the framework version they used."""

import json

import pytest
from django.core.exceptions import ValidationError

from edupact.accounts.selectors import scope_for
from edupact.core.scoping import NotFound, Scope
from edupact.evaluation import exchange, scoring, selectors, services
from edupact.evaluation.models import Assessment, Framework, Member, Subject

EVERYTHING = Scope(everything=True)
BASE = "/api/v1/evaluation"


@pytest.fixture
def loaded(db):
    services.load_frameworks()
    return {f.code: f for f in Framework.objects.all()}


@pytest.fixture
def household(tree):
    return services.save_subject(
        scope_for(tree.users["hamlet_branch"]),
        Subject(kind="household", name="Hộ ông Võ Văn Ba", organisation=tree.hamlet_branch),
    )


def gdht_answers(points: int = 10) -> dict:
    codes = ["TC1.1", "TC1.2", "TC1.3", "TC2.1", "TC2.2", "TC2.3"]
    codes += ["TC3.1", "TC3.2", "TC3.3", "TC3.4"]
    return dict.fromkeys(codes, points)


def test_a_hamlet_branch_registers_a_household_with_members(tree, household):
    scope = scope_for(tree.users["hamlet_branch"])
    services.add_member(scope, household, Member(full_name="Võ  Văn Ba", relation="chủ hộ"))
    assert [m.full_name for m in household.members.all()] == ["Võ Văn Ba"]
    assert list(selectors.subjects(scope, q="vo van ba")) == [household]
    principal = scope_for(tree.users["principal"])
    assert not selectors.subjects(principal).exists()
    with pytest.raises(NotFound):  # outside the principal's scope: as if it did not exist
        services.add_member(principal, household, Member(full_name="X"))


def test_only_households_and_clans_have_members(tree):
    hamlet = services.save_subject(
        EVERYTHING, Subject(kind="hamlet", name="Ấp 3", organisation=tree.hamlet_branch)
    )
    with pytest.raises(ValidationError):
        services.add_member(EVERYTHING, hamlet, Member(full_name="X"))


def test_registering_outside_the_subtree_is_refused(tree):
    with pytest.raises(NotFound):  # the commune branch is above the hamlet branch's scope
        services.save_subject(
            scope_for(tree.users["hamlet_branch"]),
            Subject(kind="household", name="Hộ khác", organisation=tree.commune_branch),
        )


def test_an_assessment_keeps_its_framework_version(tree, loaded, household):
    scope = scope_for(tree.users["hamlet_branch"])
    gdht = loaded["GDHT"]
    assessment = services.record_assessment(scope, household, 2019, gdht_answers(9))
    assert assessment.framework == gdht
    assert assessment.total == 90 and assessment.recognised is True
    gdht.refresh_from_db()
    assert gdht.locked
    # The framework is revised: the old assessment still points at, and reproduces with, 2016-2020.
    data = exchange.to_data(gdht) | {"pass_total": 95}
    with pytest.raises(ValidationError):
        services.revise_framework(EVERYTHING, gdht, data)
    revision = services.revise_framework(EVERYTHING, gdht, data | {"version": "2016-2020b"})
    assessment.refresh_from_db()
    assert assessment.framework_id == gdht.pk != revision.pk
    again = scoring.score(exchange.to_data(assessment.framework), assessment.answers)
    assert again == assessment.result


def test_the_framework_is_chosen_by_year_and_model(tree, loaded, household):
    scope = scope_for(tree.users["hamlet_branch"])
    with pytest.raises(ValidationError) as exc:  # no household framework applies in 2024
        services.record_assessment(scope, household, 2024, gdht_answers())
    assert "framework" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.record_assessment(scope, household, 2019, {}, framework=loaded["CDHT"])
    assert "another learning model" in exc.value.message_dict["framework"][0]


def test_bad_answers_are_refused_with_the_indicator_named(tree, loaded, household):
    scope = scope_for(tree.users["hamlet_branch"])
    with pytest.raises(ValidationError) as exc:
        services.record_assessment(scope, household, 2019, gdht_answers() | {"TC1.1": 11})
    assert "TC1.1" in exc.value.message_dict
    assert not Assessment.objects.exists()
    loaded["GDHT"].refresh_from_db()
    assert not loaded["GDHT"].locked  # nothing used it


def test_one_assessment_a_year_rescored_until_decided(tree, loaded, household):
    scope = scope_for(tree.users["hamlet_branch"])
    first = services.record_assessment(scope, household, 2019, gdht_answers(7))
    assert first.recognised is False
    second = services.record_assessment(scope, household, 2019, gdht_answers(8))
    assert second.pk == first.pk and second.recognised is True
    Assessment.objects.filter(pk=first.pk).update(status=Assessment.Status.RECOGNISED)
    with pytest.raises(ValidationError):
        services.record_assessment(scope, household, 2019, gdht_answers(1))


def test_a_units_share_of_learning_citizens_is_derived(tree, loaded):
    cdht = loaded["CDHT"]
    unit = services.save_subject(
        EVERYTHING, Subject(kind="unit", name="Trường THCS Nguyễn Du", organisation=tree.vn_school)
    )
    full = {i.code: i.max for i in cdht.indicators.all()}
    for n in range(10):
        citizen = services.save_subject(
            EVERYTHING,
            Subject(
                kind="citizen", name=f"Giáo viên {n}", organisation=tree.vn_school, parent=unit
            ),
        )
        answers = full if n < 9 else dict.fromkeys(full, 1)
        services.record_assessment(EVERYTHING, citizen, 2025, answers)
    share = selectors.share_recognised(unit, 2025)
    assert share == {"numerator": 9, "denominator": 10, "percent": 90.0}
    dvht = loaded["DVHT"]
    answers = {"TC1.1": share["percent"], "TC2.1": True, "TC2.2": True}
    answers |= {"TC3.1": True, "TC3.2": True}
    result = services.record_assessment(EVERYTHING, unit, 2025, answers, framework=dvht)
    assert result.level == 1


def test_api_subjects_and_assessments(tree, loaded, api_client):
    client = api_client(tree.users["hamlet_branch"])
    created = client.post(
        f"{BASE}/subjects",
        data=json.dumps(
            {
                "kind": "household",
                "name": "Hộ bà Lê Thị Tư",
                "organisation_id": tree.hamlet_branch.pk,
            }
        ),
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    subject_id = created.json()["id"]
    body = {"subject_id": subject_id, "year": 2019, "answers": gdht_answers(8)}
    recorded = client.post(
        f"{BASE}/assessments", data=json.dumps(body), content_type="application/json"
    )
    assert recorded.status_code == 201, recorded.content
    assert recorded.json()["recognised"] is True
    assert recorded.json()["framework_id"] == loaded["GDHT"].pk
    listed = client.get(f"{BASE}/assessments", {"year": 2019}).json()
    assert listed["count"] == 1
    bad = client.post(
        f"{BASE}/assessments",
        data=json.dumps(body | {"answers": {"TC1.1": 12}}),
        content_type="application/json",
    )
    assert bad.status_code == 422 and "TC1.1" in bad.json()["errors"]
    outsider = api_client(tree.users["principal"])
    assert outsider.get(f"{BASE}/subjects/{subject_id}").status_code == 404
    assert (
        outsider.post(
            f"{BASE}/assessments", data=json.dumps(body), content_type="application/json"
        ).status_code
        == 404
    )
