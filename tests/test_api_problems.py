"""Never a 500 the API did not mean, and never an HTML page: every error is a translated
problem+json, declared in the OpenAPI document. Lists page within bounds, ids beyond any
record are not found, text that cannot be stored is refused, a failure of ours is logged
and told without internals."""

import json
import logging

import pytest
from django.db import connection

from edupact.accounts.models import Role
from edupact.api.openapi import ProblemsSchema, SchemaNameClash
from edupact.api.routes import api
from edupact.core.bounds import MAX_OFFSET, MAX_PAGE_LIMIT
from edupact.core.errors import Refused
from edupact.directory.models import Person

PROBLEM = "application/problem+json"
HUGE = "99999999999999999999"  # beyond 2^63
INT64_PLUS_ONE = str(2**63)
UNSTORABLE = "Remove the invalid character from this text (a null character or a broken one)."


@pytest.fixture
def admin_api(tree, api_client):
    return api_client(tree.users[Role.PLATFORM_ADMIN], **{"Accept-Language": "en"})


def send(client, method, path, body):
    return getattr(client, method)(path, data=body, content_type="application/json")


# A refusal of the domain ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("refusal", "status"),
    [
        (Refused("closed", "The fund is closed.", on="2024-01-01"), 409),
        (Refused("wrong_code", "The code is wrong.", status=422), 422),
    ],
)
def test_a_refusal_no_endpoint_catches_is_answered_with_its_status_and_code(
    tree, admin_api, monkeypatch, refusal, status
):
    """core.errors.Refused is a ValidationError, but the API answers it as a refusal (its
    status, its stable code), not as invalid data: a service may raise it from any endpoint."""

    def refused(*args, **kwargs):
        raise refusal

    monkeypatch.setattr("edupact.directory.selectors.people", refused)
    response = admin_api.get("/api/v1/people")
    assert response.status_code == status
    assert response["Content-Type"] == PROBLEM
    assert response.json() == {
        "type": "about:blank",
        "title": "Refused",
        "status": status,
        "instance": "/api/v1/people",
        "detail": refusal.messages[0],
        "code": refusal.reason,
    }


# A failure of ours ---------------------------------------------------------------------------


def test_an_unexpected_exception_is_a_logged_500_problem_without_internals(
    tree, api_client, monkeypatch, caplog
):
    def broken(*args, **kwargs):
        raise RuntimeError("connection to 10.0.0.5 failed: password=hunter2")

    monkeypatch.setattr("edupact.directory.selectors.people", broken)
    client = api_client(tree.users[Role.PLATFORM_ADMIN], **{"Accept-Language": "vi"})
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get("/api/v1/people")
    assert response.status_code == 500
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["title"] == "Đã có lỗi xảy ra ở phía hệ thống"
    assert body["status"] == 500 and body["instance"] == "/api/v1/people"
    assert "hunter2" not in response.content.decode() and "Traceback" not in str(body)
    logged = [r for r in caplog.records if r.exc_info]
    assert len(logged) == 1  # once, with its traceback (Django does not log it again)
    assert "hunter2" in str(logged[0].exc_info[1])
    assert len([r for r in caplog.records if "/api/v1/people" in r.getMessage()]) == 1


def test_a_path_outside_the_api_routes_is_a_404_problem(tree, admin_api):
    for path in ("/api/v1/rotating/0.35", "/api/v1/no-such-thing", "/api/v1/people/1/x"):
        response = admin_api.get(path)
        assert response.status_code == 404, path
        assert response["Content-Type"] == PROBLEM, path
        assert response.json()["title"] == "Not found"


def test_a_body_that_is_not_json_is_a_translated_400_problem(tree, api_client):
    client = api_client(tree.users[Role.PLATFORM_ADMIN], **{"Accept-Language": "fa"})
    response = send(client, "post", "/api/v1/people", b'{"family_name": ')
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert response.json()["title"] == "بدنهٔ درخواست JSON معتبر نیست."


# Lists page within bounds ----------------------------------------------------------------------

LISTS = [
    "/api/v1/people",
    "/api/v1/organisations",
    "/api/v1/partnerships",
    "/api/v1/funds",
    "/api/v1/rotating",
    "/api/v1/evaluation/frameworks",
    "/api/v1/evaluation/subjects",
    "/api/v1/evaluation/assessments",
    "/api/v1/evaluation/indicator-values",
]


PAGES = [
    f"limit={INT64_PLUS_ONE}",
    f"offset={INT64_PLUS_ONE}",
    f"limit={HUGE}&offset={HUGE}",
    "limit=0",
    f"limit={MAX_PAGE_LIMIT + 1}",
    f"offset={MAX_OFFSET + 1}",
    "offset=-1",
]


def test_a_page_beyond_the_bounds_is_a_422_problem_on_every_list(tree, admin_api):
    for path in LISTS:
        for query in PAGES:
            response = admin_api.get(f"{path}?{query}")
            assert response.status_code == 422, (path, query)
            assert response["Content-Type"] == PROBLEM
            field = query.split("=")[0]
            assert any(key.endswith(field) for key in response.json()["errors"]), (path, query)


def test_the_largest_page_and_offset_are_answered(tree, admin_api):
    response = admin_api.get(f"/api/v1/people?limit={MAX_PAGE_LIMIT}&offset={MAX_OFFSET}")
    assert response.status_code == 200
    assert response.json() == {"items": [], "count": len(tree.people)}


def test_a_fund_account_list_and_a_rotating_list_page_within_bounds_too(tree, admin_api):
    """Lists under a record (a fund's accounts, a lottery fund's dues) share the paginator."""
    from edupact.core.scoping import Scope
    from edupact.funds import services
    from edupact.funds.models import Fund

    fund = services.create_fund(Scope(everything=True), Fund(name="F", kanoon=tree.kanoon))
    for path in (f"/api/v1/funds/{fund.pk}/accounts", f"/api/v1/funds/{fund.pk}/rounds"):
        assert admin_api.get(f"{path}?offset={HUGE}").status_code == 422
        assert admin_api.get(f"{path}?limit=5").status_code == 200


# Ids beyond any record -------------------------------------------------------------------------


RECORDS = [
    "/api/v1/people/{id}",
    "/api/v1/organisations/{id}",
    "/api/v1/partnerships/{id}",
    "/api/v1/funds/{id}",
    "/api/v1/funds/{id}/accounts",
    "/api/v1/funds/accounts/{id}",
    "/api/v1/funds/loans/{id}",
    "/api/v1/rotating/{id}",
    "/api/v1/evaluation/frameworks/{id}",
    "/api/v1/evaluation/subjects/{id}",
]


def test_an_id_beyond_any_record_is_not_found(tree, admin_api):
    for path in RECORDS:
        for pk in (INT64_PLUS_ONE, HUGE, "0", "-1"):
            response = admin_api.get(path.format(id=pk))
            assert response["Content-Type"] == PROBLEM, (path, pk)
            expected = {404} if pk in (INT64_PLUS_ONE, HUGE) else {404, 422}
            assert response.status_code in expected, (path, pk)


def test_a_write_naming_an_id_beyond_any_record_is_not_found(tree, admin_api):
    response = send(
        admin_api,
        "post",
        "/api/v1/people",
        json.dumps({"family_name": "Rezaei", "home_organisation_id": 2**70}),
    )
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM


# Text that cannot be stored ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["\ud800", "Rez\x00aei", "ok\udfff", "\ud83d"])
def test_a_name_that_cannot_be_stored_is_refused_on_create_and_on_change(tree, admin_api, name):
    created = send(
        admin_api,
        "post",
        "/api/v1/people",
        json.dumps({"family_name": name, "home_organisation_id": tree.school_a.pk}),
    )
    assert created.status_code == 422
    assert created["Content-Type"] == PROBLEM
    assert created.json()["errors"] == {"body.family_name": [UNSTORABLE]}
    changed = send(
        admin_api,
        "patch",
        f"/api/v1/people/{tree.member.pk}",
        json.dumps({"given_name": name}),
    )
    assert changed.status_code == 422
    assert changed.json()["errors"] == {"body.given_name": [UNSTORABLE]}
    tree.member.refresh_from_db()
    assert tree.member.given_name == "Zahra"
    assert not Person.objects.filter(family_name__contains="Rez").exists()


def test_an_emoji_is_stored_as_it_is(tree, admin_api):
    """A whole surrogate pair in JSON is one character, not a broken one."""
    response = send(
        admin_api,
        "patch",
        f"/api/v1/people/{tree.member.pk}",
        '{"given_name": "Zahra \\ud83d\\ude00"}',
    )
    assert response.status_code == 200
    assert response.json()["given_name"] == "Zahra 😀"


@pytest.mark.parametrize(
    "language, message", [("fa", "نویسهٔ نامعتبر"), ("vi", "ký tự không hợp lệ")]
)
def test_the_refusal_is_in_the_callers_language(tree, api_client, language, message):
    client = api_client(tree.users[Role.PLATFORM_ADMIN], **{"Accept-Language": language})
    response = send(
        client, "patch", f"/api/v1/people/{tree.member.pk}", '{"family_name": "\\u0000"}'
    )
    assert response.status_code == 422
    assert message in response.json()["errors"]["body.family_name"][0]


def test_text_that_cannot_be_stored_is_refused_anywhere_in_a_body_or_a_query(tree, admin_api):
    nested = send(
        admin_api,
        "put",
        "/api/v1/evaluation/deadlines",
        json.dumps(
            {"year": 2024, "step": "review", "due": "2024-12-01", "x": {"a\x00": ["\ud800"]}}
        ),
    )
    assert nested.status_code == 422
    assert set(nested.json()["errors"]) == {"body.x", "body.x.a\x00.0"}
    query = admin_api.get("/api/v1/people", {"q": "Tehrani\x00"})
    assert query.status_code == 422
    assert query.json()["errors"] == {"query.q": [UNSTORABLE]}


# The OpenAPI document -------------------------------------------------------------------------


def test_every_operation_declares_its_error_answers_as_problems(client, db):
    document = client.get("/api/v1/openapi.json").json()
    problem = {"$ref": "#/components/schemas/Problem"}
    assert {"type", "title", "status", "instance"} <= set(
        document["components"]["schemas"]["Problem"]["required"]
    )
    for path, item in document["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            errors = {int(s) for s in responses if int(s) >= 400}
            assert {401, 403, 422} <= errors, (method, path)
            if "{" in path:
                assert {404, 409} <= errors, (method, path)
            if method in ("post", "put", "patch", "delete"):
                assert {409, 422} <= errors, (method, path)
            if "requestBody" in operation:
                assert 400 in errors, (method, path)
            for status in errors:
                assert responses[str(status)]["content"][PROBLEM]["schema"] == problem


def test_an_import_keeps_its_report_and_its_problem_under_422(client, db):
    document = client.get("/api/v1/openapi.json").json()
    imports = document["paths"]["/api/v1/funds/{pk}/imports/{kind}"]["post"]["responses"]
    assert set(imports["422"]["content"]) == {"application/json", PROBLEM}


def test_the_paging_bounds_are_published(client, db):
    document = client.get("/api/v1/openapi.json").json()
    parameters = {
        p["name"]: p["schema"] for p in document["paths"]["/api/v1/people"]["get"]["parameters"]
    }
    assert (parameters["limit"]["minimum"], parameters["limit"]["maximum"]) == (1, MAX_PAGE_LIMIT)
    assert (parameters["offset"]["minimum"], parameters["offset"]["maximum"]) == (0, MAX_OFFSET)


def test_the_schemas_of_both_fund_kinds_keep_their_own_names(client, db):
    """django-ninja publishes one schema per name: ``FundOut`` of the lottery funds once stood
    for the kanoon funds' answers too (requiring an ``organisation_id`` they never have)."""
    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert "organisation_id" not in schemas["FundOut"]["properties"]
    assert "organisation_id" in schemas["RotatingFundOut"]["properties"]
    assert "fund_id" not in schemas["LoanOverdueOut"]["properties"]


def test_two_different_schemas_under_one_name_are_refused(db):
    document = ProblemsSchema(api, api.get_root_path({}))
    document.add_schema_definitions({"Thing": {"type": "object"}})
    document.add_schema_definitions({"Thing": {"type": "object"}})  # the same: fine
    with pytest.raises(SchemaNameClash):
        document.add_schema_definitions({"Thing": {"type": "string"}})


@pytest.mark.postgresql
def test_postgresql_answers_the_bounds_too(tree, admin_api):
    """PostgreSQL refuses a NUL in text and a bigint beyond 2^63 outright: both are stopped
    before they reach it."""
    assert connection.vendor == "postgresql"
    assert admin_api.get(f"/api/v1/people/{HUGE}").status_code == 404
    assert admin_api.get(f"/api/v1/people?offset={HUGE}").status_code == 422
    response = send(
        admin_api, "patch", f"/api/v1/people/{tree.member.pk}", '{"family_name": "a\\u0000"}'
    )
    assert response.status_code == 422


def test_a_name_longer_than_its_column_is_refused_by_the_schema(tree, admin_api, client):
    long = send(
        admin_api,
        "post",
        "/api/v1/people",
        json.dumps({"family_name": "x" * 101, "home_organisation_id": tree.school_a.pk}),
    )
    assert long.status_code == 422
    assert list(long.json()["errors"]) == ["body.data.family_name"]
    document = client.get("/api/v1/openapi.json").json()
    person = document["components"]["schemas"]["PersonIn"]["properties"]
    assert person["family_name"]["maxLength"] == Person._meta.get_field("family_name").max_length


def test_a_deposit_to_an_account_id_beyond_any_record_is_not_found(tree, admin_api):
    """The deposit API reads its account through a statement compiled once
    (``core.statements.Reused``): a raw query that neither database could bind 2^70 to."""
    from edupact.core.scoping import Scope
    from edupact.funds import services
    from edupact.funds.models import Fund

    fund = services.create_fund(Scope(everything=True), Fund(name="F", kanoon=tree.kanoon))
    for account_id in (2**63, 2**70, -(2**63) - 1):
        response = send(
            admin_api,
            "post",
            f"/api/v1/funds/{fund.pk}/deposits",
            json.dumps({"account_id": account_id, "amount": 1000}),
        )
        assert response.status_code in (404, 422), account_id
        assert response["Content-Type"] == PROBLEM


def test_every_write_names_its_idempotency_key_header(client, db):
    document = client.get("/api/v1/openapi.json").json()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
            expected = {"Idempotency-Key"} if method != "get" else set()
            assert headers == expected, (method, path)
