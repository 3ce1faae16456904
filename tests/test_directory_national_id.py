"""A national identifier already held by someone is refused with one message that names no
one and reads the same wherever the holder is — in the caller's scope or far outside it — on
the web, in the API and in imports (issue 9 §3).

Uniqueness cannot help telling that the identifier is taken; it tells nothing more: not who,
not where. A member import no longer links (and so shows) a person the importer cannot see.
"""

import json

import pytest
from django.urls import reverse
from factories import iran_national_code
from test_funds_imports import MEMBER_HEADERS_FA, members_csv

from edupact.accounts.selectors import scope_for
from edupact.core.scoping import Scope
from edupact.directory.models import Person
from edupact.funds import imports, services
from edupact.funds.models import Fund, FundAccount

EVERYTHING = Scope(everything=True)
EN = (
    "This national identifier cannot be used. If this person is already recorded, ask the "
    "platform administrator to find the record."
)


@pytest.fixture
def holders(tree):
    """The kanoon's Zahra (in the kanoon leader's scope) and the principal of a school of
    District 9 (outside it), each with an Iranian national code."""
    return {"in scope": tree.member, "out of scope": tree.principal}


def _new(tree, national_id, **extra):
    return {
        "family_name": "Rezaei",
        "given_name": "Maryam",
        "id_kind": "ir_national_code",
        "national_id": national_id,
        "home_organisation_id": tree.kanoon.pk,
        **extra,
    }


@pytest.mark.parametrize("language", ["en", "fa", "vi"])
def test_the_api_refusal_is_the_same_wherever_the_holder_is(tree, holders, api_client, language):
    leader = api_client(tree.users["kanoon_leader"], **{"Accept-Language": language})
    answers = {}
    for where, holder in holders.items():
        assert holder.national_id and holder.id_kind == "ir_national_code"
        answers[where] = leader.post(
            "/api/v1/people", _new(tree, holder.national_id), content_type="application/json"
        )
    inside, outside = answers["in scope"], answers["out of scope"]
    assert outside.status_code == inside.status_code == 422
    assert outside.content == inside.content
    errors = outside.json()["errors"]
    assert list(errors) == ["national_id"] and len(errors["national_id"]) == 1
    if language == "en":
        assert errors["national_id"] == [EN]
    else:
        assert errors["national_id"] != [EN], "no translation"
    for holder in holders.values():
        for told in (holder.full_name, holder.family_name, holder.home_organisation.name):
            assert told not in outside.content.decode()
    assert not Person.objects.filter(family_name="Rezaei").exists()


def test_a_free_identifier_is_accepted(tree, api_client):
    leader = api_client(tree.users["kanoon_leader"])
    free = iran_national_code(424_242)
    assert not Person.objects.filter(national_id=free).exists()
    created = leader.post("/api/v1/people", _new(tree, free), content_type="application/json")
    assert created.status_code == 201, created.content


def test_the_web_form_refuses_on_the_field_naming_no_one(tree, holders, client_as):
    c = client_as(tree.users["kanoon_leader"], "en")
    for holder in holders.values():
        form = {
            "family_name": "Rezaei",
            "name_order": "given_first",
            "id_kind": "ir_national_code",
            "national_id": holder.national_id,
            "home_organisation": tree.kanoon.pk,
        }
        response = c.post(reverse("directory:person_new"), form)
        assert response.status_code == 200
        assert response.context["form"].errors == {"national_id": [EN]}
        assert holder.full_name not in response.content.decode()
    # Changing someone's identifier to a taken one is refused the same way; nothing changes.
    other = tree.other_member
    before = other.national_id
    form = {
        "family_name": other.family_name,
        "name_order": other.name_order,
        "id_kind": "ir_national_code",
        "national_id": tree.principal.national_id,
        "home_organisation": tree.kanoon.pk,
    }
    response = c.post(reverse("directory:person_edit", args=[other.pk]), form)
    assert response.status_code == 200
    assert response.context["form"].errors == {"national_id": [EN]}
    other.refresh_from_db()
    assert other.national_id == before


def test_the_platform_administrator_gets_the_same_refusal(tree, admin_client_api):
    answer = admin_client_api.post(
        "/api/v1/people", _new(tree, tree.principal.national_id), content_type="application/json"
    )
    assert answer.status_code == 422 and answer.json()["errors"] == {"national_id": [EN]}


@pytest.fixture
def admin_client_api(tree, api_client):
    return api_client(tree.users["platform_admin"], **{"Accept-Language": "en"})


def test_a_member_import_does_not_link_a_person_out_of_sight(tree, holders):
    fund = services.create_fund(EVERYTHING, Fund(name="Kanoon 9", kanoon=tree.kanoon))
    leader = scope_for(tree.users["kanoon_leader"])
    content = members_csv(
        [
            [tree.member.national_id, "زهرا", "تهرانی", "", "", "", ""],  # seen: linked
            [tree.principal.national_id, "مریم", "مرادی", "", "", "", ""],  # out of sight
        ],
        MEMBER_HEADERS_FA,
    )
    people = Person.objects.count()
    report = imports.import_members(leader, fund, content, "members.csv")
    assert not report.ok
    assert [(e.row, e.column, str(e.message)) for e in report.errors] == [(3, "national_code", EN)]
    as_text = json.dumps(report.as_dict(), ensure_ascii=False)
    assert tree.principal.full_name not in as_text and tree.school_a.name not in as_text
    assert (
        Person.objects.count() == people
        and not FundAccount.objects.filter(fund=fund, kind="member").exists()
    )
    # Seen, it is linked as before.
    ok = imports.import_members(
        leader,
        fund,
        members_csv([[tree.member.national_id, "زهرا", "تهرانی", "", "", "", ""]]),
        "members2.csv",
    )
    assert ok.ok and ok.written
    assert FundAccount.objects.filter(fund=fund, person=tree.member).exists()
