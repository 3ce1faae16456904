"""Idempotency-Key as the IETF draft says: a key names one request (method, path, query and
body); another request under it is a translated 422; a retry while the first runs is a 409;
an answer refused before the operation ran (401, 403, a failed CSRF check) is not kept, so
the retry succeeds once the caller may."""

import datetime as dt
import json

import pytest
from django.test import Client
from factories import ApiTokenFactory, RoleGrantFactory
from test_evaluation_rollups import places  # noqa: F401 — the shared fixture

from edupact.accounts.models import Role
from edupact.api.models import IdempotentRequest
from edupact.core.scoping import Scope
from edupact.directory.models import Person
from edupact.evaluation import workflow
from edupact.evaluation.models import Deadline

PROBLEM = "application/problem+json"
YEAR = 2024
BASE = "/api/v1/evaluation"


def keyed(client, method, path, body=None, key="K-1", **extra):
    data = json.dumps(body) if body is not None else ""
    return getattr(client, method)(
        path, data=data, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key, **extra
    )


def new_person(tree, **overrides):
    return {
        "family_name": "Rezaei",
        "given_name": "Maryam",
        "home_organisation_id": tree.school_a.pk,
        **overrides,
    }


@pytest.fixture
def admin_api(tree, api_client):
    return api_client(tree.users[Role.PLATFORM_ADMIN], **{"Accept-Language": "en"})


@pytest.fixture
def commune_deadlines(places):  # noqa: F811
    """Commune A has its own registration and self-assessment deadlines of 2024."""
    everything = Scope(everything=True)
    for step, due in (
        ("registration", dt.date(2024, 3, 20)),
        ("self_assessment", dt.date(2024, 12, 1)),
    ):
        workflow.set_deadline(everything, YEAR, step, due, places.a)
    return places


def own_steps(unit):
    return set(Deadline.objects.filter(year=YEAR, admin_unit=unit).values_list("step", flat=True))


# A key names one request ------------------------------------------------------------------------


def test_the_same_key_with_another_query_is_refused_and_deletes_nothing(
    commune_deadlines, api_client
):
    """The reproduction: one key, two deletes that differ only in ``?step=``."""
    p = commune_deadlines
    admin = api_client(p.tree.users[Role.PLATFORM_ADMIN], **{"Accept-Language": "en"})
    query = f"year={YEAR}&unit={p.a.pk}"
    first = keyed(admin, "delete", f"{BASE}/deadlines?{query}&step=registration")
    assert first.status_code == 204
    second = keyed(admin, "delete", f"{BASE}/deadlines?{query}&step=self_assessment")
    assert second.status_code == 422
    assert second["Content-Type"] == PROBLEM
    assert second.json()["title"] == "This Idempotency-Key was used for another request"
    assert not second.has_header("Idempotent-Replayed")
    assert own_steps(p.a) == {"self_assessment"}  # the second deadline stays
    retry = keyed(admin, "delete", f"{BASE}/deadlines?{query}&step=registration")
    assert retry.status_code == 204 and retry["Idempotent-Replayed"] == "true"


def test_the_same_query_in_another_order_is_another_request(commune_deadlines, api_client):
    """The fingerprint is the request as sent: a client retries with the same bytes."""
    p = commune_deadlines
    admin = api_client(p.tree.users[Role.PLATFORM_ADMIN])
    path = f"{BASE}/deadlines?year={YEAR}&unit={p.a.pk}&step=registration"
    assert keyed(admin, "delete", path).status_code == 204
    shuffled = f"{BASE}/deadlines?step=registration&year={YEAR}&unit={p.a.pk}"
    assert keyed(admin, "delete", shuffled).status_code == 422


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("patch", "/api/v1/people/{pk}", {"family_name": "Rezaei"}),  # another method
        ("post", "/api/v1/organisations", new_person),  # another path
        ("post", "/api/v1/people?dry_run=true", new_person),  # another query
        ("post", "/api/v1/people", lambda tree: new_person(tree, family_name="Other")),  # body
    ],
)
def test_a_key_reused_with_another_method_path_query_or_body_is_a_422(
    tree, admin_api, method, path, body
):
    first = keyed(admin_api, "post", "/api/v1/people", new_person(tree))
    assert first.status_code == 201
    data = body(tree) if callable(body) else body
    other = keyed(admin_api, method, path.format(pk=first.json()["id"]), data)
    assert other.status_code == 422
    assert other["Content-Type"] == PROBLEM
    body = other.json()
    assert body["title"] == "This Idempotency-Key was used for another request"
    assert "method, address, query and body" in body["detail"]
    assert Person.objects.filter(family_name__in=["Other"]).count() == 0
    assert Person.objects.filter(family_name="Rezaei").count() == 1


@pytest.mark.parametrize("language", ["fa", "vi"])
def test_the_refusal_of_a_reused_key_is_in_the_callers_language(tree, api_client, language):
    client = api_client(tree.users[Role.PLATFORM_ADMIN], **{"Accept-Language": language})
    keyed(client, "post", "/api/v1/people", new_person(tree))
    other = keyed(client, "post", "/api/v1/people", new_person(tree, family_name="Other"))
    assert other.status_code == 422
    assert other.json()["title"] != "This Idempotency-Key was used for another request"


# A retry while the first request runs ---------------------------------------------------------


def test_a_retry_while_the_first_is_in_progress_is_a_translated_409(tree, api_client):
    """The first request's row is claimed and has no answer yet (it is still running)."""
    client = api_client(tree.users[Role.PLATFORM_ADMIN], **{"Accept-Language": "vi"})
    first = keyed(client, "post", "/api/v1/people", new_person(tree), key="K-run")
    row = IdempotentRequest.objects.get(key="K-run")
    IdempotentRequest.objects.filter(pk=row.pk).update(status=None, body=b"")
    retry = keyed(client, "post", "/api/v1/people", new_person(tree), key="K-run")
    assert first.status_code == 201
    assert retry.status_code == 409
    assert retry["Content-Type"] == PROBLEM
    assert retry.json()["title"] == "Một yêu cầu với Idempotency-Key này vẫn đang được xử lý"
    assert Person.objects.filter(family_name="Rezaei").count() == 1


# Refused before the operation ran: not kept -----------------------------------------------------


def test_a_403_is_not_kept_so_the_retry_succeeds_once_the_caller_may(tree, api_client):
    """A social banker reads the kanoon's people but may not add one; granted the kanoon,
    the same retry under the same key creates the person instead of replaying the 403."""
    banker = tree.users[Role.SOCIAL_BANKER]
    client = api_client(banker)
    person = new_person(tree, home_organisation_id=tree.kanoon.pk)
    refused = keyed(client, "post", "/api/v1/people", person, key="K-403")
    assert refused.status_code == 403
    assert not IdempotentRequest.objects.filter(key="K-403").exists()
    RoleGrantFactory(user=banker, role=Role.KANOON_LEADER, organisation=tree.kanoon)
    retried = keyed(client, "post", "/api/v1/people", person, key="K-403")
    assert retried.status_code == 201
    assert not retried.has_header("Idempotent-Replayed")


def test_a_failed_csrf_check_is_not_kept_so_the_retry_with_the_token_succeeds(tree, client_as):
    """A signed-in browser session that lost its CSRF token: 403, translated, not kept."""
    admin = tree.users[Role.PLATFORM_ADMIN]
    browser = client_as(admin, "vi")
    browser.handler.enforce_csrf_checks = True
    refused = keyed(browser, "post", "/api/v1/people", new_person(tree), key="K-csrf")
    assert refused.status_code == 403
    assert refused["Content-Type"] == PROBLEM
    assert "CSRF" in refused.json()["detail"]
    assert refused.json()["title"] == "Không được phép"
    assert not IdempotentRequest.objects.filter(key="K-csrf").exists()
    token = ApiTokenFactory(user=admin)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token.raw}")
    retried = keyed(api, "post", "/api/v1/people", new_person(tree), key="K-csrf")
    assert retried.status_code == 201
    assert Person.objects.filter(family_name="Rezaei").count() == 1


def test_a_bad_token_is_not_kept(tree, client):
    response = keyed(
        client,
        "post",
        "/api/v1/people",
        new_person(tree),
        key="K-401",
        HTTP_AUTHORIZATION="Bearer nope",
    )
    assert response.status_code == 401
    assert not IdempotentRequest.objects.exists()


def test_a_refusal_of_the_domain_after_the_operation_ran_is_kept(tree, admin_api):
    """A 422 of the service is the answer to this request: the retry replays it."""
    bad = new_person(tree, national_id="1234567890", id_kind="ir_national_code")
    first = keyed(admin_api, "post", "/api/v1/people", bad, key="K-422")
    again = keyed(admin_api, "post", "/api/v1/people", bad, key="K-422")
    assert first.status_code == again.status_code == 422
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
