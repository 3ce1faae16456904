"""Rollups: worked examples, re-aggregation through successions, incremental refresh, the
background task, and (hypothesis) equality with a naive recount."""

import datetime as dt
from collections import Counter
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edupact.accounts.selectors import scope_for
from edupact.core.scoping import Scope
from edupact.directory.models import AdminUnit, AdminUnitSuccession
from edupact.evaluation import rollups, selectors, services
from edupact.evaluation.models import Assessment, Rollup, Subject
from edupact.evaluation.places import selectors as place_selectors
from edupact.evaluation.tasks import refresh_rollups

EVERYTHING = Scope(everything=True)
REFORM = dt.date(2025, 7, 1)
RECOGNISED = Assessment.Status.RECOGNISED


def unit(level, name, parent=None, code="", **extra):
    return AdminUnit.objects.create(
        country="VN",
        level=level,
        name=name,
        code=code,
        parent=parent,
        valid_from=extra.pop("valid_from", REFORM),
        **extra,
    )


@pytest.fixture
def places(tree):
    """HCMC (79) → communes A (hamlets a1, a2) and B (hamlet b1); old districts: D (→ A,
    exact) and E (split between A and B: approximate). The commune branch sits in A, the
    hamlet branch in a1, the city association in the city."""
    p = SimpleNamespace()
    p.city = unit("province", "Thành phố Hồ Chí Minh", code="79", name_i18n={"en": "HCMC"})
    p.a = unit("commune", "Phường An Khánh", p.city, "26740")
    p.b = unit("commune", "Xã Bình Chánh", p.city, "27595")
    p.a1 = unit("hamlet", "Khu phố 1", p.a)
    p.a2 = unit("hamlet", "Khu phố 2", p.a)
    p.b1 = unit("hamlet", "Ấp 3", p.b)
    old = {"valid_from": dt.date(1997, 1, 1), "valid_to": REFORM}
    p.d = unit("district", "Quận 2", code="769", **old)
    p.e = unit("district", "Huyện Bình Chánh", code="785", **old)
    AdminUnitSuccession.objects.create(old=p.d, new=p.a)
    AdminUnitSuccession.objects.create(old=p.e, new=p.a, approximate=True)
    AdminUnitSuccession.objects.create(old=p.e, new=p.b, approximate=True)
    for org, place in (
        (tree.commune_branch, p.a),
        (tree.hamlet_branch, p.a1),
        (tree.vn_association, p.city),
    ):
        org.admin_unit = place
        org.save()
    p.framework = services.create_framework(
        EVERYTHING,
        {
            "code": "T-HH",
            "version": "1",
            "name": "Hộ thử",
            "model": "household",
            "style": "points",
            "pass_total": 8,
            "criteria": [
                {
                    "code": "TC1",
                    "name": "TC1",
                    "indicators": [{"code": "I1", "name": "I1", "max": 10}],
                }
            ],
        },
    )
    p.tree = tree
    return p


def add(places, kind="household", place=None, former=None, org=None, name="Hộ"):
    return Subject.objects.create(
        kind=kind,
        name=name,
        organisation=org or places.tree.hamlet_branch,
        admin_unit=place,
        former_admin_unit=former,
    )


def assess(places, subject, year, meets=True, status=None):
    status = status or (RECOGNISED if meets else Assessment.Status.NOT_RECOGNISED)
    return Assessment.objects.create(
        subject=subject,
        year=year,
        framework=places.framework,
        answers={"I1": 9 if meets else 2},
        recognised=meets,
        status=status,
    )


def table(level=None) -> dict:
    qs = Rollup.objects.all() if level is None else Rollup.objects.filter(level=level)
    return {
        (r.year, r.model, r.admin_unit_id): (r.registered, r.meeting, r.recognised, r.approximate)
        for r in qs
    }


# Worked examples ---------------------------------------------------------------------------------


def test_seven_of_ten_households_in_a_hamlet_make_seventy_percent(places):
    for i in range(10):
        assess(places, add(places, place=places.a1), 2025, meets=i < 7)
    services.load_targets()
    rollups.refresh()
    hamlet = Rollup.objects.get(admin_unit=places.a1, year=2025, model="household")
    assert (hamlet.registered, hamlet.recognised, hamlet.share) == (10, 7, 70)
    assert hamlet.level == "hamlet" and hamlet.parent == places.a
    for place in (places.a, places.city):  # the commune and the city have only this hamlet
        row = Rollup.objects.get(admin_unit=place, year=2025, model="household")
        assert (row.registered, row.recognised, row.approximate) == (10, 7, False)
    target = selectors.Targets().for_("household", 2025, place_selectors.unit_chain(places.a1))
    assert target.value == 70 and target.source == "387/QĐ-TTg"
    assert selectors.light(hamlet.share, target) == "met"


def test_levels_add_up_and_decisions_count_apart_from_scores(places):
    assess(places, add(places, place=places.a1), 2024, meets=True)
    assess(places, add(places, place=places.a2), 2024, meets=True, status="self_assessed")
    assess(places, add(places, place=places.a), 2024, meets=False)  # placed in the commune
    assess(places, add(places, kind="clan", place=places.b1), 2024, meets=True)
    assess(places, add(places, kind="unit", place=places.city), 2024, meets=True)  # city-wide
    rollups.refresh()
    assert table("hamlet") == {
        (2024, "household", places.a1.pk): (1, 1, 1, False),
        (2024, "household", places.a2.pk): (1, 1, 0, False),
        (2024, "clan", places.b1.pk): (1, 1, 1, False),
    }
    assert table("commune") == {
        (2024, "household", places.a.pk): (3, 2, 1, False),
        (2024, "clan", places.b.pk): (1, 1, 1, False),
    }
    assert table("province") == {
        (2024, "household", places.city.pk): (3, 2, 1, False),
        (2024, "clan", places.city.pk): (1, 1, 1, False),
        (2024, "unit", places.city.pk): (1, 1, 1, False),
    }


def test_records_in_old_units_are_reaggregated_through_successions(places):
    assess(places, add(places, former=places.d), 2023, meets=True)  # D → A exactly
    assess(places, add(places, former=places.e), 2023, meets=False)  # E split: approximate
    assess(places, add(places, former=places.d), 2024, meets=True)
    rollups.refresh()
    a23 = Rollup.objects.get(admin_unit=places.a, year=2023, model="household")
    assert (a23.registered, a23.recognised, a23.approximate) == (2, 1, True)
    a24 = Rollup.objects.get(admin_unit=places.a, year=2024, model="household")
    assert (a24.registered, a24.approximate) == (1, False)
    city23 = Rollup.objects.get(admin_unit=places.city, year=2023, model="household")
    assert (city23.registered, city23.approximate) == (2, True)
    assert not Rollup.objects.filter(admin_unit=places.b).exists()  # the first successor only
    placement = place_selectors.successor_map()[places.e.pk]
    assert (placement.unit, placement.approximate) == (places.a.pk, True)


def test_incremental_refresh_of_a_hamlet_matches_a_full_refresh(places):
    subjects = [add(places, place=h) for h in (places.a1, places.a2, places.b1) for _ in range(3)]
    for s in subjects:
        assess(places, s, 2025, meets=s.pk % 2 == 0)
    rollups.refresh()
    Assessment.objects.filter(subject__admin_unit=places.a1).update(
        recognised=True, status=RECOGNISED
    )
    assess(places, add(places, place=places.a1), 2025, meets=False)
    written = rollups.refresh(places.a1)
    assert written == {"hamlet": 1, "commune": 1, "province": 1}
    incremental = table()
    rollups.refresh()
    assert table() == incremental
    rollups.refresh(places.b)  # a commune: its hamlets, itself and the city
    assert table() == incremental


def test_recording_an_assessment_refreshes_the_rollups_after_commit(
    places, django_capture_on_commit_callbacks
):
    subject = services.save_subject(
        scope_for(places.tree.users["hamlet_branch"]),
        Subject(
            kind="household",
            name="Hộ ông Ba",
            organisation=places.tree.hamlet_branch,
            admin_unit=places.a1,
        ),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assessment = services.record_assessment(
            scope_for(places.tree.users["hamlet_branch"]),
            subject,
            2025,
            {"I1": 9},
            places.framework,
        )
    row = Rollup.objects.get(admin_unit=places.a1, model="household", year=2025)
    assert (row.registered, row.meeting, row.recognised) == (1, 1, 0)
    with django_capture_on_commit_callbacks(execute=True):
        services.decide_assessment(
            scope_for(places.tree.users["commune_official"]), assessment, True
        )
    row = Rollup.objects.get(admin_unit=places.a, model="household", year=2025)
    assert row.recognised == 1


def test_the_task_and_the_command(places):
    assess(places, add(places, place=places.b1), 2025)
    result = refresh_rollups.enqueue(places.b1.pk)  # the immediate backend runs it now
    assert result.return_value == {"hamlet": 1, "commune": 1, "province": 1}
    out = StringIO()
    call_command("evaluation", "refresh-rollups", stdout=out)
    assert "1 hamlet rows" in out.getvalue()
    call_command("evaluation", "refresh-rollups", "--place", str(places.a.pk), stdout=out)


# The rollup equals a naive recount ---------------------------------------------------------------

PLACES = ["a1", "a2", "b1", "a", "b", "city", "d", "e"]
ROWS = st.lists(
    st.tuples(
        st.sampled_from(PLACES),
        st.sampled_from(["household", "clan", "hamlet"]),
        st.sampled_from([2023, 2024, 2025]),
        st.sampled_from(["recognised", "not_recognised", "self_assessed"]),
        st.booleans(),
    ),
    max_size=30,
)


def naive(places, rows) -> dict:
    """Count each assessment into every place it belongs to, one by one."""
    placed = {
        "a1": [places.a1, places.a, places.city],
        "a2": [places.a2, places.a, places.city],
        "b1": [places.b1, places.b, places.city],
        "a": [places.a, places.city],
        "b": [places.b, places.city],
        "city": [places.city],
        "d": [places.a, places.city],
        "e": [places.a, places.city],
    }
    counts: Counter = Counter()
    approximate = set()
    for where, kind, year, status, meets in rows:
        meets = meets or status == "recognised"
        for place in placed[where]:
            key = (year, kind, place.pk)
            counts[key + ("registered",)] += 1
            counts[key + ("meeting",)] += meets
            counts[key + ("recognised",)] += status == "recognised"
            if where == "e":
                approximate.add(key)
    keys = {k[:3] for k in counts}
    return {
        k: (
            counts[k + ("registered",)],
            counts[k + ("meeting",)],
            counts[k + ("recognised",)],
            k in approximate,
        )
        for k in keys
    }


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=ROWS)
def test_rollup_equals_a_naive_recount(places, rows):
    with transaction.atomic():
        for where, kind, year, status, meets in rows:
            unit_ = getattr(places, where)
            old = where in ("d", "e")
            subject = add(
                places, kind=kind, place=None if old else unit_, former=unit_ if old else None
            )
            assess(places, subject, year, meets=meets or status == "recognised", status=status)
        rollups.refresh()
        assert table() == naive(places, rows)
        transaction.set_rollback(True)
