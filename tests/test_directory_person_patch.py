"""``PATCH /api/v1/people/{id}`` with ``null``: the schema allowed it and the database refused
it (500, issue 9 §4). ``null`` now clears an optional field; the family name, which is
required, cannot be null (a 422 problem) and nothing changes."""

import pytest

from edupact.directory.models import Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(tree):
    tree.member.email, tree.member.phone = "zahra@example.org", "+989121234567"
    tree.member.middle_name = "Sadat"
    tree.member.save()
    return tree.member


@pytest.mark.parametrize("field", ["email", "phone", "middle_name", "given_name", "honorific"])
def test_null_clears_an_optional_field(tree, person, api_client, field):
    leader = api_client(tree.users["kanoon_leader"])
    response = leader.patch(
        f"/api/v1/people/{person.pk}", {field: None}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    person.refresh_from_db()
    assert getattr(person, field) == ""
    assert person.family_name == "Tehrani"


def test_the_family_name_cannot_be_null(tree, person, api_client):
    leader = api_client(tree.users["kanoon_leader"], **{"Accept-Language": "vi"})
    response = leader.patch(
        f"/api/v1/people/{person.pk}",
        {"family_name": None, "email": None},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["title"] == "Dữ liệu không hợp lệ"
    assert any(key.endswith("family_name") for key in response.json()["errors"])
    person.refresh_from_db()
    assert (person.family_name, person.email) == ("Tehrani", "zahra@example.org")


def test_a_left_out_field_stays(tree, person, api_client):
    leader = api_client(tree.users["kanoon_leader"])
    response = leader.patch(
        f"/api/v1/people/{person.pk}", {"given_name": "Zahra"}, content_type="application/json"
    )
    assert response.status_code == 200
    person.refresh_from_db()
    assert (person.email, person.phone, person.middle_name) == (
        "zahra@example.org",
        "+989121234567",
        "Sadat",
    )


def test_the_model_stores_none_as_empty(tree):
    p = Person(family_name="Nguyễn", home_organisation=tree.hamlet_branch, email=None, phone=None)
    p.full_clean()
    p.save()
    p.refresh_from_db()
    assert (p.email, p.phone) == ("", "")
