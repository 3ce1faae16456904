"""The REST API: described by OpenAPI, bearer tokens, paging and filters, problem+json
errors in the caller's language, and Idempotency-Key on writes."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext

from edupact.accounts.models import ApiToken, Role
from edupact.accounts.services import revoke_token
from edupact.directory.models import Person

PROBLEM = "application/problem+json"
INVALID_CODE = "This national code is not valid."


def post_json(client, path, data, **headers):
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    return client.post(path, json.dumps(data), content_type="application/json", **extra)


@pytest.fixture
def admin_api(tree, api_client):
    return api_client(tree.users[Role.PLATFORM_ADMIN])


def new_person(tree, **overrides):
    data = {
        "family_name": "Rezaei",
        "given_name": "Maryam",
        "sex": "female",
        "id_kind": "ir_national_code",
        "national_id": "0076229645",
        "phone": "۰۹۱۲۳۴۵۶۷۸۹",
        "home_organisation_id": tree.kanoon.pk,
    }
    data.update(overrides)
    return data


# OpenAPI -------------------------------------------------------------------------------------


def test_openapi_lists_the_paths(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    for path in (
        "/api/v1/people",
        "/api/v1/people/{pk}",
        "/api/v1/organisations",
        "/api/v1/organisations/{pk}",
        "/api/v1/partnerships",
        "/api/v1/partnerships/{pk}",
    ):
        assert path in spec["paths"], path
    assert {"get", "post"} <= set(spec["paths"]["/api/v1/people"])
    assert "patch" in spec["paths"]["/api/v1/people/{pk}"]
    schemes = spec["components"]["securitySchemes"].values()
    assert any(s.get("scheme") == "bearer" for s in schemes)


# Tokens --------------------------------------------------------------------------------------


def test_a_token_opens_the_api_and_is_marked_used(tree, api_client):
    client = api_client(tree.users[Role.PRINCIPAL])
    assert client.token.last_used_at is None
    assert client.token.raw.startswith("ep_")
    assert client.get("/api/v1/people").status_code == 200
    client.token.refresh_from_db()
    assert client.token.last_used_at is not None


def test_a_keyed_write_reads_its_token_once_and_marks_it_used_once_a_minute(tree, api_client):
    """The Idempotency-Key middleware and the API both ask who is calling: one read of the
    token per request; ``last_used_at`` is written when it is a minute old or more."""
    client = api_client(tree.users[Role.PLATFORM_ADMIN])

    def token_sql(key, **person):
        with CaptureQueriesContext(connection) as captured:
            response = post_json(
                client,
                "/api/v1/people",
                new_person(tree, **person),
                **{"Idempotency-Key": key},
            )
        assert response.status_code == 201, response.content
        return [
            q["sql"].split()[0]
            for q in captured.captured_queries
            if "accounts_apitoken" in q["sql"]
        ]

    assert token_sql("p-1") == ["SELECT", "UPDATE"]  # the first use is written
    client.token.refresh_from_db()
    used = client.token.last_used_at
    assert used is not None
    assert token_sql("p-2", national_id="0499370899", phone="09121234567") == ["SELECT"]
    client.token.refresh_from_db()
    assert client.token.last_used_at == used
    ApiToken.objects.filter(pk=client.token.pk).update(last_used_at=used - dt.timedelta(minutes=2))
    assert token_sql("p-3", national_id="0084575948", phone="09131234567") == ["SELECT", "UPDATE"]
    client.token.refresh_from_db()
    assert client.token.last_used_at > used


def test_only_the_digest_of_a_token_is_stored(tree, api_client):
    client = api_client(tree.users[Role.PRINCIPAL])
    client.token.refresh_from_db()
    assert client.token.raw not in (client.token.digest, client.token.prefix)
    assert client.token.prefix == client.token.raw[:8]


def test_a_revoked_token_fails(tree, api_client):
    user = tree.users[Role.PRINCIPAL]
    client = api_client(user)
    assert revoke_token(user, client.token.pk) == 1
    response = client.get("/api/v1/people")
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM


def test_a_token_of_a_deactivated_user_fails(tree, api_client):
    user = tree.users[Role.PRINCIPAL]
    client = api_client(user)
    user.is_active = False
    user.save()
    assert client.get("/api/v1/people").status_code == 401


@pytest.mark.parametrize(
    "header", ["Bearer ep_not-a-real-token", "Bearer ", "Basic abc", "ep_without_scheme"]
)
def test_bad_credentials_fail(tree, client, header):
    response = client.get("/api/v1/people", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == 401 and body["title"]


def test_a_signed_in_browser_session_also_works(tree, client_as):
    client = client_as(tree.users[Role.PRINCIPAL])
    assert client.get("/api/v1/people").status_code == 200


# Paging and filters --------------------------------------------------------------------------


def test_paging_with_limit_and_offset(tree, admin_api):
    total = len(tree.people)
    first = admin_api.get("/api/v1/people?limit=4&offset=0").json()
    assert first["count"] == total
    assert len(first["items"]) == 4
    seen = []
    for offset in range(0, total, 4):
        page = admin_api.get(f"/api/v1/people?limit=4&offset={offset}").json()
        assert page["count"] == total
        seen += [item["id"] for item in page["items"]]
    assert sorted(seen) == sorted(p.pk for p in tree.people)
    assert len(seen) == len(set(seen))
    beyond = admin_api.get(f"/api/v1/people?limit=4&offset={total}").json()
    assert beyond["items"] == [] and beyond["count"] == total


def test_people_come_masked(tree, admin_api):
    body = admin_api.get(f"/api/v1/people/{tree.principal.pk}").json()
    code = tree.principal.national_id
    assert body["national_id_masked"] == code[:3] + "****" + code[-3:]
    assert tree.principal.national_id not in json.dumps(body)


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("nguyen van hieu", {"vn_teacher"}),
        ("NGUYỄN", {"vn_teacher"}),
        ("lê thị", {"doet_head"}),
        ("le thi lan", {"doet_head"}),
        ("zahra", {"member"}),
    ],
)
def test_people_search(tree, admin_api, q, expected):
    body = admin_api.get("/api/v1/people", {"q": q}).json()
    assert {item["id"] for item in body["items"]} == {getattr(tree, n).pk for n in expected}


def test_people_filter_by_organisation_and_sex(tree, admin_api):
    body = admin_api.get("/api/v1/people", {"organisation": tree.kanoon.pk, "sex": "female"})
    assert {item["id"] for item in body.json()["items"]} == {tree.member.pk}


def test_organisation_filters(tree, admin_api):
    schools = admin_api.get("/api/v1/organisations", {"kind": "school"}).json()
    assert {o["id"] for o in schools["items"]} == {
        tree.school_a.pk,
        tree.school_b.pk,
        tree.vn_school.pk,
    }
    assert schools["count"] == 3
    vietnamese = admin_api.get("/api/v1/organisations", {"kind": "school", "country": "VN"})
    assert [o["id"] for o in vietnamese.json()["items"]] == [tree.vn_school.pk]
    # Persian digits and Arabic letter forms find what was stored normalised
    district = admin_api.get("/api/v1/organisations", {"q": "منطقه ۹"}).json()
    assert {o["id"] for o in district["items"]} == {tree.district9.pk}
    association = admin_api.get("/api/v1/organisations", {"q": "قرض الحسنه"}).json()
    assert {o["id"] for o in association["items"]} == {tree.association.pk}
    hoi = admin_api.get("/api/v1/organisations", {"q": "khuyen hoc"}).json()
    assert {o["id"] for o in hoi["items"]} == {tree.vn_association.pk, tree.commune_branch.pk}


# Writes and errors ---------------------------------------------------------------------------


def test_create_a_person(tree, api_client):
    client = api_client(tree.users[Role.KANOON_LEADER])
    response = post_json(client, "/api/v1/people", new_person(tree))
    assert response.status_code == 201
    body = response.json()
    person = Person.objects.get(pk=body["id"])
    assert person.national_id == "0076229645"
    assert person.phone == "+989123456789"  # Persian digits stored as E.164
    assert body["national_id_masked"] == "007****645"
    assert "0076229645" not in response.content.decode()


def test_patch_changes_only_the_given_fields(tree, api_client):
    client = api_client(tree.users[Role.KANOON_LEADER])
    response = client.patch(
        f"/api/v1/people/{tree.member.pk}",
        {"phone": "+98 912 000 1111"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["phone"] == "+989120001111"
    tree.member.refresh_from_db()
    assert tree.member.family_name == "Tehrani"


def test_an_invalid_national_code_is_a_422_problem_on_the_field(tree, admin_api):
    response = post_json(
        admin_api,
        "/api/v1/people",
        new_person(tree, national_id="1234567890"),
        **{"Accept-Language": "en"},
    )
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == 422 and body["title"] == "The data is not valid"
    assert body["errors"]["national_id"] == [INVALID_CODE]
    assert not Person.objects.filter(family_name="Rezaei").exists()


@pytest.mark.parametrize("language", ["fa", "vi", "en"])
def test_problems_are_in_the_caller_language(tree, admin_api, language):
    response = post_json(
        admin_api,
        "/api/v1/people",
        new_person(tree, national_id="1234567890"),
        **{"Accept-Language": language},
    )
    assert response.status_code == 422
    body = response.json()
    with translation.override(language):
        assert body["title"] == gettext("The data is not valid")
        assert body["errors"]["national_id"] == [gettext(INVALID_CODE)]
    if language == "fa":
        assert body["errors"]["national_id"] != [INVALID_CODE], "no Persian translation"


def test_several_field_errors_come_together(tree, admin_api):
    response = post_json(
        admin_api,
        "/api/v1/people",
        new_person(tree, national_id="1234567890", phone="12"),
        **{"Accept-Language": "en"},
    )
    assert set(response.json()["errors"]) >= {"national_id", "phone"}


def test_a_malformed_body_is_a_422_problem(tree, admin_api):
    response = post_json(admin_api, "/api/v1/people", {"given_name": "No family name"})
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    assert any("family_name" in field for field in response.json()["errors"])


def test_not_found_is_a_problem(tree, admin_api):
    response = admin_api.get("/api/v1/people/999999")
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == 404 and body["instance"] == "/api/v1/people/999999"


# Idempotency-Key -----------------------------------------------------------------------------


def test_the_same_post_twice_creates_one_person(tree, admin_api):
    data = new_person(tree)
    first = post_json(admin_api, "/api/v1/people", data, **{"Idempotency-Key": "abc-1"})
    second = post_json(admin_api, "/api/v1/people", data, **{"Idempotency-Key": "abc-1"})
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert Person.objects.filter(national_id="0076229645").count() == 1


def test_the_same_key_with_another_body_is_refused(tree, admin_api):
    post_json(admin_api, "/api/v1/people", new_person(tree), **{"Idempotency-Key": "abc-2"})
    other = post_json(
        admin_api,
        "/api/v1/people",
        new_person(tree, national_id="1111111111", family_name="Other"),
        **{"Idempotency-Key": "abc-2"},
    )
    assert other.status_code == 422
    assert other["Content-Type"] == PROBLEM
    assert not Person.objects.filter(family_name="Other").exists()


def test_without_a_key_each_post_is_new(tree, admin_api):
    first = post_json(admin_api, "/api/v1/people", new_person(tree))
    again = post_json(admin_api, "/api/v1/people", new_person(tree))
    assert first.status_code == 201
    assert again.status_code == 422  # the national code is taken now
    assert Person.objects.filter(national_id="0076229645").count() == 1


def test_keys_belong_to_their_user(tree, api_client):
    officer = api_client(tree.users[Role.KANOON_LEADER])
    admin = api_client(tree.users[Role.PLATFORM_ADMIN])
    first = post_json(officer, "/api/v1/people", new_person(tree), **{"Idempotency-Key": "k"})
    other = post_json(
        admin,
        "/api/v1/people",
        new_person(tree, national_id="", family_name="Second"),
        **{"Idempotency-Key": "k"},
    )
    assert first.status_code == other.status_code == 201
    assert first.json()["id"] != other.json()["id"]
