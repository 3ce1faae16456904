"""The province closes its year once every commune is approved; the closure locks the
records placed in the province itself (a city-level agency, an old district mapped onto the
whole city) for the service, the API and the bulk import; only the national level re-opens
it, with a reason — per role, on the page and over the API."""

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from test_evaluation_rollups import REFORM, add, places, unit  # noqa: F401 — the shared fixture
from test_evaluation_workflow import LOCKED, YEAR, cycle, review_all  # noqa: F401

from edupact.accounts.selectors import scope_for
from edupact.audit.models import AuditEntry
from edupact.core.scoping import NotFound, ReadOnly, Scope
from edupact.directory.models import AdminUnitSuccession
from edupact.evaluation import bulk, selectors, services, workflow
from edupact.evaluation.models import Assessment, YearApproval
from edupact.evaluation.places import locks

pytestmark = pytest.mark.django_db
EVERYTHING = Scope(everything=True)
CLOSED = "has closed the year 2024 and its records are locked; the year must be re-opened first."


@pytest.fixture
def city(cycle):  # noqa: F811
    """On top of ``cycle``: Quận 1 (retired, mapped approximately onto the whole city) with
    a household known only by it, and a city-level agency placed in the city itself; both
    self-assessed for 2024. Users: the city secretariat (writes for the city), a trainer of
    the city's association (reads it), the platform administrator (the national level)."""
    p = cycle
    p.q1 = unit("district", "Quận 1", code="760", valid_from=dt.date(1997, 1, 1), valid_to=REFORM)
    AdminUnitSuccession.objects.create(old=p.q1, new=p.city, approximate=True)
    p.old = add(p, place=None, former=p.q1, name="Hộ ông Quận Một")
    p.old.code = "Q1-001"
    p.old.save()
    p.agency = add(p, place=p.city, name="Hộ bà Thành Phố")
    p.a_old = services.record_assessment(EVERYTHING, p.old, YEAR, {"I1": 9})
    p.a_agency = services.record_assessment(EVERYTHING, p.agency, YEAR, {"I1": 9})
    p.reader = scope_for(p.tree.users["trainer"])
    p.admin_user = p.tree.users["platform_admin"]
    p.admin = scope_for(p.admin_user)
    return p


def approve_communes(p):
    review_all(p)
    Assessment.objects.filter(pk__in=[p.a_old.pk, p.a_agency.pk]).update(
        status=Assessment.Status.SELF_ASSESSED
    )
    for hamlet in (p.a1, p.a2):
        workflow.approve_year(p.commune, hamlet, YEAR)
    workflow.approve_year(p.province, p.a, YEAR)
    workflow.approve_year(p.province, p.b1, YEAR)
    workflow.approve_year(p.province, p.b, YEAR)


def decide_city_records(p):
    for a in (p.a_old, p.a_agency):
        services.decide_assessment(EVERYTHING, Assessment.objects.get(pk=a.pk), True)


def test_the_city_closes_its_year_only_after_every_commune_and_its_own_records(city):
    p = city
    review_all(p)
    for hamlet in (p.a1, p.a2):
        workflow.approve_year(p.commune, hamlet, YEAR)
    workflow.approve_year(p.province, p.a, YEAR)
    with pytest.raises(ValidationError) as exc:
        workflow.approve_year(p.province, p.city, YEAR)
    assert exc.value.messages == ["1 commune is not approved yet: Xã Bình Chánh."]
    workflow.approve_year(p.province, p.b1, YEAR)
    workflow.approve_year(p.province, p.b, YEAR)
    Assessment.objects.filter(pk__in=[p.a_old.pk, p.a_agency.pk]).update(
        status=Assessment.Status.SELF_ASSESSED
    )
    with pytest.raises(ValidationError) as exc:  # the old district and the city agency
        workflow.approve_year(p.province, p.city, YEAR)
    assert exc.value.messages == ["2 assessments have not been reviewed yet."]
    decide_city_records(p)
    # Who may close: those who write for the city; a commune official or a reader may not.
    for scope, refusal in ((p.commune, NotFound), (p.hamlet, NotFound), (p.reader, ReadOnly)):
        with pytest.raises(refusal):  # the city is out of the commune's and hamlet's sight
            workflow.approve_year(scope, p.city, YEAR)
    closed = workflow.approve_year(p.province, p.city, YEAR, user=p.city_user)
    assert (closed.state, closed.approved_by) == ("approved", p.city_user)
    assert workflow.approve_year(p.province, p.city, YEAR) == closed  # again: unchanged
    entry = AuditEntry.objects.filter(
        object_id=str(closed.pk), action="create", content_type__model="yearapproval"
    ).get()
    assert entry.changes["state"] == [None, "approved"]


def test_the_closure_locks_the_city_records_for_the_service_the_import_and_the_api(
    city, api_client
):
    p = city
    approve_communes(p)
    Assessment.objects.filter(pk__in=[p.a_old.pk, p.a_agency.pk]).update(
        status=Assessment.Status.SELF_ASSESSED
    )
    decide_city_records(p)
    # Before the closure they are open: a decision can still be changed.
    services.decide_assessment(EVERYTHING, Assessment.objects.get(pk=p.a_agency.pk), True)
    assert locks.locked(YEAR, [p.q1.pk, p.city.pk]) == {}
    workflow.approve_year(p.province, p.city, YEAR)
    assert locks.locked(YEAR, [p.q1.pk, p.city.pk]) == {p.q1.pk: p.city, p.city.pk: p.city}
    message = f"Thành phố Hồ Chí Minh {CLOSED}"
    for subject in (p.old, p.agency):
        with pytest.raises(ValidationError) as exc:
            services.record_assessment(EVERYTHING, subject, YEAR, {"I1": 10})
        assert exc.value.messages == [message]
    with pytest.raises(ValidationError) as exc:  # decisions are locked too
        services.decide_assessment(EVERYTHING, Assessment.objects.get(pk=p.a_old.pk), False)
    assert exc.value.messages == [message]
    with pytest.raises(ValidationError):
        workflow.reopen_assessment(EVERYTHING, Assessment.objects.get(pk=p.a_old.pk), "x")
    report = bulk.import_assessments(
        EVERYTHING, b"code,I1\nQ1-001,10\n", "x.csv", YEAR, "household"
    )
    assert [(e.row, str(e.message)) for e in report.errors] == [(2, message)]
    client = api_client(p.admin_user, **{"Accept-Language": "en"})
    response = client.put(
        f"/api/v1/evaluation/subjects/{p.agency.pk}/self-assessment",
        data=json.dumps({"year": YEAR, "answers": {"I1": 10}}),
        content_type="application/json",
    )
    assert response.status_code == 422 and CLOSED in response.text
    assert Assessment.objects.get(pk=p.a_old.pk).answers == {"I1": 9}
    # A commune of a closed province cannot be re-opened, nor its hamlets.
    with pytest.raises(ValidationError) as exc:
        workflow.reopen_year(p.province, p.a, YEAR, "Sai sót")
    assert exc.value.messages == [message]
    # Another year stays open.
    services.record_assessment(EVERYTHING, p.old, YEAR - 1, {"I1": 10})


def test_only_the_national_level_reopens_a_closed_year_with_a_reason(city):
    p = city
    approve_communes(p)
    decide_city_records(p)
    workflow.approve_year(p.province, p.city, YEAR)
    for scope, refusal in ((p.province, ReadOnly), (p.commune, NotFound), (p.reader, ReadOnly)):
        with pytest.raises(refusal):  # the city does not re-open itself
            workflow.reopen_year(scope, p.city, YEAR, "Sửa số liệu")
    with pytest.raises(ValidationError) as exc:
        workflow.reopen_year(p.admin, p.city, YEAR, "  ")
    assert exc.value.message_dict == {"reason": ["Give the reason for re-opening."]}
    reopened = workflow.reopen_year(p.admin, p.city, YEAR, "Sửa số liệu Quận 1", p.admin_user)
    assert (reopened.state, reopened.reason, reopened.reopened_by) == (
        "reopened",
        "Sửa số liệu Quận 1",
        p.admin_user,
    )
    entry = AuditEntry.objects.filter(
        object_id=str(reopened.pk), action="update", content_type__model="yearapproval"
    ).latest("id")
    assert entry.changes["reason"] == ["", "Sửa số liệu Quận 1"]
    assert locks.locked(YEAR, [p.q1.pk, p.city.pk]) == {}
    workflow.reopen_assessment(EVERYTHING, Assessment.objects.get(pk=p.a_old.pk), "Sai điểm")
    assert services.record_assessment(EVERYTHING, p.old, YEAR, {"I1": 10}).total == 10
    # Now the city re-opens a commune again, top-down.
    workflow.reopen_year(p.province, p.a, YEAR, "Kiểm tra lại")
    assert YearApproval.objects.get(admin_unit=p.a).state == "reopened"


def test_the_city_page_lists_the_communes_and_closes_per_role(city, client_as):
    p = city
    url = f"/evaluation/cycle/{p.city.pk}/{YEAR}/"
    secretariat = client_as(p.city_user, "en")
    page = secretariat.get(url)
    assert page.status_code == 200
    assert f'data-commune="{p.a.pk}"' in page.text and f'data-commune="{p.b.pk}"' in page.text
    assert "awaiting its hamlets" in page.text and "Close the province" not in page.text
    assert "2 records are placed in the province itself" in page.text
    assert client_as(p.tree.users["commune_official"]).get(url).status_code == 404
    review_all(p)
    Assessment.objects.filter(pk__in=[p.a_old.pk, p.a_agency.pk]).update(
        status=Assessment.Status.SELF_ASSESSED
    )
    for hamlet in (p.a1, p.a2):
        workflow.approve_year(p.commune, hamlet, YEAR)
    workflow.approve_year(p.province, p.b1, YEAR)
    secretariat.post(f"{url}approve/", {"unit": p.a.pk})  # communes approved from this page
    secretariat.post(f"{url}approve/", {"unit": p.b.pk})
    assert YearApproval.objects.filter(admin_unit__in=[p.a, p.b], state="approved").count() == 2
    refused = secretariat.post(f"{url}approve/", {"unit": p.city.pk}, follow=True)
    assert "2 assessments have not been reviewed yet." in refused.text
    decide_city_records(p)
    page = secretariat.get(url)
    assert "Close the province" in page.text
    reader = client_as(p.tree.users["trainer"], "en")
    assert reader.get(url).status_code == 200
    refused = reader.post(f"{url}approve/", {"unit": p.city.pk})
    assert refused.status_code == 403 and "Only the province may close its year." in refused.text
    assert not YearApproval.objects.filter(admin_unit=p.city).exists()
    done = secretariat.post(f"{url}approve/", {"unit": p.city.pk}, follow=True)
    assert "year 2024 is closed; its records are locked." in done.text
    assert YearApproval.objects.get(admin_unit=p.city).state == "approved"
    assert "Re-open the province" not in done.text  # the city does not re-open itself
    refused = secretariat.post(f"{url}reopen/", {"unit": p.city.pk, "reason": "x"})
    assert refused.status_code == 403  # the national level re-opens a province's closed year
    commune_page = secretariat.get(f"/evaluation/cycle/{p.a.pk}/{YEAR}/").text
    assert "has closed the year; only the national level may re-open it." in commune_page
    assert "Re-open the commune" not in commune_page
    admin = client_as(p.admin_user, "vi")
    page = admin.get(url)
    assert 'lang="vi"' in page.text and 'name="reason"' in page.text
    admin.post(f"{url}reopen/", {"unit": p.city.pk, "reason": ""})
    assert YearApproval.objects.get(admin_unit=p.city).state == "approved"  # no reason
    admin.post(f"{url}reopen/", {"unit": p.city.pk, "reason": "Thống kê sai"})
    assert YearApproval.objects.get(admin_unit=p.city).state == "reopened"
    home = secretariat.get(f"/evaluation/cycle/?year={YEAR}").text
    assert f"/evaluation/cycle/{p.city.pk}/{YEAR}/" in home


def test_the_api_reports_and_closes_the_city_year_per_role(city, api_client):
    p = city
    base = "/api/v1/evaluation"
    approve_communes(p)
    secretariat = api_client(p.city_user, **{"Accept-Language": "en"})
    body = secretariat.get(f"{base}/cycle/{p.city.pk}/{YEAR}").json()
    assert (body["can_close"], body["can_reopen"], body["placed_here"], body["pending"]) == (
        True,
        False,
        2,
        2,
    )
    assert {
        c["id"]: (c["approved"], c["hamlets_approved"], c["hamlets"]) for c in body["communes"]
    } == {
        p.a.pk: (True, 2, 2),
        p.b.pk: (True, 1, 1),
    }
    refused = secretariat.post(f"{base}/cycle/{p.city.pk}/{YEAR}/approve")
    assert refused.status_code == 422 and "2 assessments" in refused.text
    decide_city_records(p)
    commune = api_client(p.tree.users["commune_official"])
    assert commune.post(f"{base}/cycle/{p.city.pk}/{YEAR}/approve").status_code == 404
    reader = api_client(p.tree.users["trainer"])
    assert reader.post(f"{base}/cycle/{p.city.pk}/{YEAR}/approve").status_code == 403
    closed = secretariat.post(f"{base}/cycle/{p.city.pk}/{YEAR}/approve")
    assert closed.status_code == 200 and closed.json()["state"] == "approved"
    reason = json.dumps({"reason": "Sửa số liệu"})
    assert (
        secretariat.post(
            f"{base}/cycle/{p.city.pk}/{YEAR}/reopen", data=reason, content_type="application/json"
        ).status_code
        == 403
    )
    admin = api_client(p.admin_user)
    assert admin.get(f"{base}/cycle/{p.city.pk}/{YEAR}").json()["can_reopen"] is True
    reopened = admin.post(
        f"{base}/cycle/{p.city.pk}/{YEAR}/reopen", data=reason, content_type="application/json"
    )
    assert reopened.status_code == 200 and reopened.json()["reason"] == "Sửa số liệu"


def test_the_province_selector_counts_in_a_few_queries(city, django_assert_max_num_queries):
    p = city
    approve_communes(p)
    with django_assert_max_num_queries(12):
        data = selectors.province_cycle(p.city, YEAR, today=dt.date(2025, 2, 5))
    assert [(c["unit"], c["approved"], c["light"]) for c in data["communes"]] == [
        (p.a, True, "done"),
        (p.b, True, "done"),
    ]
    assert data["all_communes_approved"] and data["pending"] == 2 and not data["approved"]
