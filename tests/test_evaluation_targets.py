"""Targets of QĐ 387/QĐ-TTg and QĐ 1373/QĐ-TTg as data; indicator values entered by hand."""

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from test_evaluation_rollups import places  # noqa: F401 — the shared fixture

from edupact.accounts.selectors import scope_for
from edupact.core.scoping import NotFound, ReadOnly
from edupact.evaluation import selectors, services
from edupact.evaluation.models import IndicatorValue, Target
from edupact.evaluation.places import selectors as place_selectors

pytestmark = pytest.mark.django_db


def test_load_targets_is_idempotent_and_holds_the_decisions():
    first = services.load_targets()
    assert first["created"] == Target.objects.count() == 24
    assert services.load_targets() == {"created": 0, "updated": 0, "unchanged": 24}
    by = {(t.indicator, t.year, t.source): t.value for t in Target.objects.all()}
    assert by[("household.recognised", 2025, "387/QĐ-TTg")] == 70
    assert by[("clan.recognised", 2025, "387/QĐ-TTg")] == 65
    assert by[("hamlet.recognised", 2025, "387/QĐ-TTg")] == 65
    assert by[("unit.recognised", 2025, "387/QĐ-TTg")] == 80
    assert by[("citizen.worker", 2025, "387/QĐ-TTg")] == 40
    assert by[("citizen.staff", 2025, "387/QĐ-TTg")] == 60
    assert by[("citizen.recognised", 2025, "1373/QĐ-TTg")] == 40
    assert by[("citizen.recognised", 2030, "1373/QĐ-TTg")] == 60
    t = Target.objects.get(indicator="household.recognised")
    assert t.source_date.isoformat() == "2022-03-25" and t.admin_unit is None
    assert t.name_in("en").startswith("Share of households")


def test_load_targets_command():
    out = StringIO()
    call_command("evaluation", "load-targets", stdout=out)
    assert "24 created" in out.getvalue()
    call_command("evaluation", "load-targets", stdout=out)
    assert "24 unchanged" in out.getvalue()


def test_a_local_plan_wins_and_a_target_applies_until_it_is_due(places):  # noqa: F811
    services.load_targets()
    Target.objects.create(
        indicator="household.recognised",
        model="household",
        year=2025,
        admin_unit=places.city,
        value=75,
        source="KH 1234/KH-UBND",
        name="Kế hoạch thành phố",
    )
    targets = selectors.Targets()
    chain = place_selectors.unit_chain(places.a1)
    assert targets.for_("household", 2023, chain).value == 75  # the city's plan
    assert targets.for_("household", 2023, [places.b.pk]).source == "387/QĐ-TTg"
    assert targets.for_("citizen", 2026, chain).year == 2030
    assert targets.for_("citizen", 2031, chain).year == 2030  # the latest when none is due
    assert targets.for_("learning_centre", 2025, chain) is None


@pytest.mark.parametrize(
    ("share", "expected"),
    [(70, "met"), (80.5, "met"), (69.9, "close"), (65, "close"), (64.99, "below"), (None, None)],
)
def test_traffic_lights(share, expected):
    target = Target(value=Decimal(70))
    assert selectors.light(share, target) == expected


def test_figures_from_other_systems_are_entered_within_the_scope(places):  # noqa: F811
    commune = scope_for(places.tree.users["commune_official"])
    value = services.record_indicator_value(commune, "citizen.worker", 2025, 412, 1000, places.a1)
    assert value.percent == 41.2 and value.source == "manual"
    again = services.record_indicator_value(commune, "citizen.worker", 2025, 450, 1000, places.a1)
    assert again.pk == value.pk and IndicatorValue.objects.count() == 1
    with pytest.raises(NotFound):  # another commune: out of sight
        services.record_indicator_value(commune, "citizen.worker", 2025, 1, 2, places.b)
    with pytest.raises(ReadOnly):  # national figures: read by all, platform administrators
        services.record_indicator_value(commune, "citizen.worker", 2025, 1, 2, None)
    with pytest.raises(ValidationError):
        services.record_indicator_value(commune, "citizen.worker", 2025, 3, 2, places.a)
    with pytest.raises(ValidationError):
        services.record_indicator_value(commune, "citizen.worker", 2025, 0, 0, places.a)


def test_any_level_is_recomputed_from_the_levels_below(places):  # noqa: F811
    admin = scope_for(places.tree.users["platform_admin"])
    services.record_indicator_value(admin, "citizen.worker", 2025, 300, 1000, places.a)
    services.record_indicator_value(admin, "citizen.worker", 2025, 500, 1000, places.b)
    city = selectors.indicator_share("citizen.worker", 2025, places.city)
    assert city == {"numerator": 800, "denominator": 2000, "percent": Decimal("40.00")}
    services.record_indicator_value(admin, "citizen.worker", 2025, 900, 2000, places.city, "GSO")
    assert selectors.indicator_share("citizen.worker", 2025, places.city, "GSO")["numerator"] == 900
    assert selectors.indicator_share("citizen.worker", 2024, places.city) is None


def test_indicator_values_and_targets_over_the_api(places, api_client):  # noqa: F811
    client = api_client(places.tree.users["commune_official"])
    body = {
        "code": "citizen.worker",
        "year": 2025,
        "numerator": 40,
        "denominator": 100,
        "admin_unit_id": places.a.pk,
    }
    response = client.post(
        "/api/v1/evaluation/indicator-values", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 201 and response.json()["percent"] == 40
    response = client.post(
        "/api/v1/evaluation/indicator-values",
        json.dumps(body | {"admin_unit_id": places.b.pk}),
        content_type="application/json",
    )
    assert response.status_code == 404
    services.load_targets()
    targets = client.get("/api/v1/evaluation/targets", {"model": "household"}).json()
    assert [(t["indicator"], t["value"]) for t in targets] == [("household.recognised", 70.0)]
