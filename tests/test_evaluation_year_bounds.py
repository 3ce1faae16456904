"""Years outside ``core.bounds`` (2000–2099) are refused, never a server error: the API
answers a translated problem (422), a page about such a year does not exist (404), and the
services refuse them too, whoever calls (issue 9 §4).

Each of these answered 500 before: deadlines of year 0 or 10^9, a commune's cycle of year
0, 10000 or 10^20 (its page and its approval too), a bulk import for year 0."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from test_evaluation_rollups import places  # noqa: F401 — the shared fixture

from edupact.core.converters import YearConverter, query_year
from edupact.core.scoping import Scope
from edupact.evaluation import bulk, selectors, workflow
from edupact.evaluation.models import Deadline, YearApproval

pytestmark = pytest.mark.django_db
EVERYTHING = Scope(everything=True)
BAD_YEARS = [0, 1999, 2100, 10000, 10**9, 10**20]
YEAR_MESSAGE = "Enter a year between 2000 and 2099."


def _problem(response, language: str = "vi"):
    """A 422 problem in the caller's language that names the year as what is wrong."""
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    with translation.override(language):
        assert body["title"] == translation.gettext("The data is not valid")
    assert any(field.split(".")[-1] == "year" for field in body["errors"]), body
    assert all(messages and all(messages) for messages in body["errors"].values())
    return body


@pytest.fixture
def admin(places, api_client):  # noqa: F811
    return api_client(places.tree.users["platform_admin"], **{"Accept-Language": "vi"})


@pytest.mark.parametrize("year", BAD_YEARS)
def test_deadlines_of_a_year_out_of_bounds_are_a_422(places, admin, year):  # noqa: F811
    _problem(admin.get("/api/v1/evaluation/deadlines", {"year": year}))
    body = {"year": year, "step": "registration", "due": "2024-03-31"}
    _problem(admin.put("/api/v1/evaluation/deadlines", body, content_type="application/json"))
    _problem(
        admin.delete(
            f"/api/v1/evaluation/deadlines?year={year}&step=registration&unit={places.a.pk}"
        )
    )
    assert not Deadline.objects.exists()


@pytest.mark.parametrize("year", ["0", "1999", "2100", "10000", "99999999999999999999"])
def test_a_communes_cycle_of_a_year_out_of_bounds_is_a_422(places, admin, year):  # noqa: F811
    for unit in (places.a, places.city):  # a commune's year, a province's year
        _problem(admin.get(f"/api/v1/evaluation/cycle/{unit.pk}/{year}"))
        _problem(admin.post(f"/api/v1/evaluation/cycle/{unit.pk}/{year}/approve"))
        reopen = admin.post(
            f"/api/v1/evaluation/cycle/{unit.pk}/{year}/reopen",
            {"reason": "x"},
            content_type="application/json",
        )
        _problem(reopen)
    assert not YearApproval.objects.exists()


@pytest.mark.parametrize("year", ["0", "1999", "2100", "10000", "99999999999999999999"])
def test_the_cycle_page_of_a_year_out_of_bounds_is_not_found(places, client_as, year):  # noqa: F811
    c = client_as(places.tree.users["platform_admin"], "en")
    for path in (
        f"/evaluation/cycle/{places.a.pk}/{year}/",
        f"/evaluation/cycle/{places.a.pk}/{year}/approve/",
        f"/evaluation/deadlines/default/{year}/",
        f"/evaluation/deadlines/{places.a.pk}/{year}/",
    ):
        assert c.get(path).status_code == 404, path
    assert c.get(f"/evaluation/cycle/{places.a.pk}/2024/").status_code == 200
    # A ?year= out of the bounds is as if absent: this year's list.
    assert c.get("/evaluation/meetings/", {"year": year}).status_code == 200
    assert c.get("/evaluation/cycle/", {"year": year}).status_code in (200, 302)


def test_a_bulk_import_for_year_0_is_refused(places, admin):  # noqa: F811
    from io import BytesIO

    upload = BytesIO(b"code,I1\nA1-001,9\n")
    upload.name = "a1.csv"
    response = admin.post("/api/v1/evaluation/assessments/import", {"file": upload, "year": 0})
    _problem(response)
    with translation.override("en"):
        report = bulk.import_assessments(
            EVERYTHING, b"code,I1\nA1-001,9\n", "a1.csv", 0, "household"
        )
    assert not report.ok
    assert [str(e.message) for e in report.errors] == ["Choose a year from 2000 to next year."]
    template = admin.get(
        "/api/v1/evaluation/assessments/template", {"unit": places.a1.pk, "year": 0}
    )
    _problem(template)


@pytest.mark.parametrize("year", [0, 10000, 10**9])
def test_the_services_refuse_a_year_out_of_bounds(places, year):  # noqa: F811
    calls = [
        lambda: workflow.deadlines_for(None, year),
        lambda: workflow.set_deadline(EVERYTHING, year, "registration", dt.date(2024, 3, 31)),
        lambda: workflow.clear_deadline(EVERYTHING, year, "registration", places.a),
        lambda: workflow.approve_year(EVERYTHING, places.a1, year),
        lambda: workflow.reopen_year(EVERYTHING, places.a1, year, "x"),
        lambda: workflow.ensure_deadlines(year),
        lambda: selectors.commune_cycle(places.a, year),
        lambda: selectors.province_cycle(places.city, year),
    ]
    for call in calls:
        with pytest.raises(ValidationError) as exc:
            call()
        assert exc.value.message_dict == {"year": [YEAR_MESSAGE]}
    with pytest.raises(CommandError, match="Enter a year between"):
        call_command("evaluation", "deadlines", "--year", str(year))


def test_years_in_addresses_and_query_strings():
    converter = YearConverter()
    assert converter.to_python("2024") == 2024 and converter.to_url(2024) == "2024"
    for text in ("1999", "2100", "0000", "0", "9" * 30):
        with pytest.raises(ValueError):
            converter.to_python(text)
    assert [
        query_year(v) for v in ("2024", "۲۰۲۴", " 2099 ", "1999", "0", "x", None, "9" * 30)
    ] == [
        2024,
        2024,
        2099,
        None,
        None,
        None,
        None,
        None,
    ]
