"""The security promise: each role sees and changes only its own subtree (or, for a
member, their own record); anything else is simply not there (404). A record one reads but
may not change says so (403, "You may only read these records.")."""

import pytest
from django.urls import reverse

from edupact.accounts.models import Role
from edupact.accounts.selectors import scope_for
from edupact.core.scoping import Scope
from edupact.directory import selectors
from edupact.directory.models import Organisation, Partnership, Person

ALL = "all"
# What each role (granted as in the ``tree`` fixture) may read, by attribute of the tree.
READ = {
    Role.PLATFORM_ADMIN: {"organisations": ALL, "people": ALL, "partnerships": ALL},
    Role.SECRETARIAT: {
        "organisations": {"secretariat", "kanoon"},
        "people": {"secretary", "kanoon_head", "member", "other_member"},
        "partnerships": {"ir_partnership"},
    },
    Role.SOCIAL_BANKER: {
        "organisations": {"secretariat", "kanoon"},
        "people": {"secretary", "kanoon_head", "member", "other_member"},
        "partnerships": {"ir_partnership"},
    },
    Role.KANOON_LEADER: {
        "organisations": {"kanoon"},
        "people": {"kanoon_head", "member", "other_member"},
        "partnerships": set(),
    },
    Role.MEMBER: {"organisations": set(), "people": {"member"}, "partnerships": set()},
    Role.EDUCATION_OFFICER: {
        "organisations": {"district9", "school_a", "school_b"},
        # the association's head holds a council seat in District 9
        "people": {"officer", "principal", "teacher_b", "association_head"},
        "partnerships": {"ir_partnership"},
    },
    Role.PRINCIPAL: {"organisations": {"school_a"}, "people": {"principal"}, "partnerships": set()},
    Role.COMMUNE_OFFICIAL: {
        "organisations": {"commune_branch", "hamlet_branch"},
        "people": {"commune_head", "hamlet_head"},
        "partnerships": set(),
    },
    Role.HAMLET_BRANCH: {
        "organisations": {"hamlet_branch"},
        "people": {"hamlet_head"},
        "partnerships": set(),
    },
    Role.TRAINER: {
        "organisations": {"vn_association", "commune_branch", "hamlet_branch"},
        "people": {"vn_association_head", "commune_head", "hamlet_head"},
        "partnerships": {"vn_partnership"},
    },
}
READ_ONLY_ROLES = {Role.SOCIAL_BANKER, Role.TRAINER, Role.MEMBER}
ROLES = list(Role)


def expected(tree, role, kind: str, write: bool = False) -> set[int]:
    names = READ[role][kind]
    if write and role in READ_ONLY_ROLES:
        return set()
    if write and kind == "people" and names != ALL:
        # People are changed through their home organisation, not through a position held
        # elsewhere: the District 9 officer reads the association's head but may not edit them.
        names = {n for n in names if n != "association_head"}
    if names == ALL:
        return {obj.pk for obj in getattr(tree, kind)}
    return {getattr(tree, name).pk for name in names}


def ids(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


def test_every_role_is_covered():
    assert set(READ) == set(Role)


# Selectors -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_selectors_return_only_the_scope(tree, role):
    scope = scope_for(tree.users[role])
    assert ids(selectors.organisations(scope)) == expected(tree, role, "organisations")
    assert ids(selectors.people(scope)) == expected(tree, role, "people")
    assert ids(selectors.partnerships(scope)) == expected(tree, role, "partnerships")


@pytest.mark.parametrize("role", ROLES)
def test_one_record_by_key_is_found_exactly_when_it_is_in_the_scope(tree, role):
    """``filter(queryset, pk=x)`` narrows every branch of the scope to the one key (SQLite
    would build the whole set first) and finds a record exactly when the scope holds it."""
    scope = scope_for(tree.users[role])
    for model, kind in ((Person, "people"), (Organisation, "organisations")):
        visible = expected(tree, role, kind)
        writable = ids(scope.filter(model.objects.all(), write=True))
        for pk in model.objects.values_list("pk", flat=True):
            assert ids(scope.filter(model.objects.all(), pk=pk)) == ({pk} & visible)
            assert ids(scope.filter(model.objects.all(), write=True, pk=pk)) == ({pk} & writable)
    if not scope.everything:
        one = str(scope.filter(Person.objects.all(), pk=tree.member.pk).query)
        branches = one.count(" UNION ") + 1
        assert one.count(f" = {tree.member.pk}") >= branches + 1  # every branch, the outer


@pytest.mark.parametrize("role", ROLES)
def test_write_scope(tree, role):
    scope = scope_for(tree.users[role])
    writable_orgs = ids(scope.filter(Organisation.objects.all(), write=True))
    read_orgs = expected(tree, role, "organisations")
    assert writable_orgs == (set() if role in READ_ONLY_ROLES else read_orgs)
    assert ids(scope.filter(Person.objects.all(), write=True)) <= expected(tree, role, "people")
    for org in Organisation.objects.all():
        assert scope.can_write_path(org.path) == (org.pk in writable_orgs)


def test_search_stays_inside_the_scope(tree):
    officer = scope_for(tree.users[Role.EDUCATION_OFFICER])
    assert ids(selectors.people(officer, q="karimi")) == set()  # the minister, outside
    assert ids(selectors.people(officer, q="MORADI")) == {tree.principal.pk}
    trainer = scope_for(tree.users[Role.TRAINER])
    assert ids(selectors.people(trainer, q="pham")) == {tree.commune_head.pk}
    assert ids(selectors.people(trainer, q="nguyen")) == set()  # a DOET teacher, outside
    assert ids(selectors.organisations(trainer, q="khuyen hoc")) == {
        tree.vn_association.pk,
        tree.commune_branch.pk,
    }


def test_anonymous_and_grantless_users_see_nothing(tree):
    from factories import UserFactory

    for scope in (Scope(), scope_for(UserFactory())):
        assert not selectors.people(scope).exists()
        assert not selectors.organisations(scope).exists()
        assert not selectors.partnerships(scope).exists()


def test_an_expired_grant_gives_nothing(tree):
    import datetime as dt

    from factories import RoleGrantFactory, UserFactory

    user = UserFactory()
    RoleGrantFactory(
        user=user,
        role=Role.EDUCATION_OFFICER,
        organisation=tree.district9,
        valid_to=dt.date(2020, 1, 1),
    )
    assert not selectors.people(scope_for(user)).exists()


def test_a_moved_subtree_changes_who_sees_it(tree):
    from edupact.directory import services

    tree.school_b.parent = tree.doet
    services.save_organisation(Scope(everything=True), tree.school_b)
    officer = scope_for(tree.users[Role.EDUCATION_OFFICER])
    assert tree.school_b.pk not in ids(selectors.organisations(officer))
    assert tree.teacher_b.pk not in ids(selectors.people(officer))


# Web pages -----------------------------------------------------------------------------------


def _status(client, url, method="get"):
    return getattr(client, method)(url).status_code


def _write_status(pk, readable, writable, done=200) -> int:
    """A write's answer: done for a writer, 403 for a reader, 404 for anyone else."""
    return done if pk in writable else 403 if pk in readable else 404


@pytest.mark.parametrize("role", ROLES)
def test_web_pages_of_people(tree, client_as, role):
    client = client_as(tree.users[role], "en")
    readable = expected(tree, role, "people")
    writable = expected(tree, role, "people", write=True)
    for person in tree.people:
        seen = 200 if person.pk in readable else 404
        page = client.get(reverse("directory:person", args=[person.pk]))
        assert page.status_code == seen, (role, person.full_name)
        edit_url = reverse("directory:person_edit", args=[person.pk])
        if seen == 200:
            assert (edit_url in page.content.decode()) == (person.pk in writable)
        assert _status(client, edit_url) == _write_status(person.pk, readable, writable), (
            role,
            person.full_name,
        )
        reveal = reverse("directory:reveal", args=[person.pk, "national_id"])
        answer = client.post(reveal)
        assert answer.status_code == seen
        if seen == 200:
            assert person.national_id in answer.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_web_pages_of_organisations(tree, client_as, role):
    client = client_as(tree.users[role], "en")
    readable = expected(tree, role, "organisations")
    writable = expected(tree, role, "organisations", write=True)
    for org in tree.organisations:
        url = reverse("directory:organisation", args=[org.pk])
        assert _status(client, url) == (200 if org.pk in readable else 404), (role, org.name)
        edit = reverse("directory:organisation_edit", args=[org.pk])
        assert _status(client, edit) == _write_status(org.pk, readable, writable), (role, org)
    for partnership in tree.partnerships:
        url = reverse("directory:partnership", args=[partnership.pk])
        assert _status(client, url) == (
            200 if partnership.pk in expected(tree, role, "partnerships") else 404
        )


@pytest.mark.parametrize("role", [Role.EDUCATION_OFFICER, Role.TRAINER, Role.MEMBER])
def test_web_lists_show_only_the_scope(tree, client_as, role):
    client = client_as(tree.users[role], "en")
    html = client.get(reverse("directory:people")).content.decode()
    for person in tree.people:
        listed = f'href="{person.get_absolute_url()}"' in html
        assert listed == (person.pk in expected(tree, role, "people")), person.full_name
    html = client.get(reverse("directory:organisations")).content.decode()
    for org in tree.organisations:
        listed = f'href="{org.get_absolute_url()}"' in html
        assert listed == (org.pk in expected(tree, role, "organisations")), org.name


def test_a_member_sees_their_own_record_only(tree, client_as):
    client = client_as(tree.users[Role.MEMBER], "en")
    me = client.get(reverse("directory:me"))
    assert me.status_code == 302 and me.url == tree.member.get_absolute_url()
    assert client.get(tree.member.get_absolute_url()).status_code == 200
    assert client.get(tree.other_member.get_absolute_url()).status_code == 404
    assert client.get(tree.kanoon.get_absolute_url()).status_code == 404
    # a member changes nothing, not even their own record, through the directory
    assert client.get(reverse("directory:person_edit", args=[tree.member.pk])).status_code == 403
    other = reverse("directory:person_edit", args=[tree.other_member.pk])
    assert client.get(other).status_code == 404


def test_a_posted_edit_outside_the_write_scope_changes_nothing(tree, client_as):
    client = client_as(tree.users[Role.SOCIAL_BANKER], "en")
    url = reverse("directory:person_edit", args=[tree.secretary.pk])
    refused = client.post(url, {"family_name": "Changed"})
    assert refused.status_code == 403
    assert "You may only read these records." in refused.content.decode()
    outsider = client_as(tree.users[Role.PRINCIPAL], "en")
    assert outsider.post(url, {"family_name": "Changed"}).status_code == 404
    tree.secretary.refresh_from_db()
    assert tree.secretary.family_name == "Sadeghi"


def test_a_writer_cannot_move_a_person_out_of_their_subtree(tree, client_as):
    client = client_as(tree.users[Role.PRINCIPAL], "en")
    person = tree.principal
    response = client.post(
        reverse("directory:person_edit", args=[person.pk]),
        {
            "family_name": person.family_name,
            "given_name": person.given_name,
            "name_order": person.name_order,
            "id_kind": person.id_kind,
            "national_id": person.national_id,
            "home_organisation": tree.kanoon.pk,
        },
    )
    assert response.status_code == 200  # the form again, with the choice refused
    person.refresh_from_db()
    assert person.home_organisation_id == tree.school_a.pk


def test_anonymous_visitors_are_sent_to_sign_in(tree, client):
    login = reverse("accounts:login")
    for url in (
        tree.member.get_absolute_url(),
        tree.kanoon.get_absolute_url(),
        reverse("directory:people"),
        reverse("home"),
        reverse("directory:person_edit", args=[tree.member.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(login), url
    reveal = reverse("directory:reveal", args=[tree.member.pk, "national_id"])
    assert client.post(reveal).status_code == 302


# API -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_api_records_by_id(tree, api_client, role):
    client = api_client(tree.users[role])
    readable = expected(tree, role, "people")
    writable = expected(tree, role, "people", write=True)
    for person in tree.people:
        got = client.get(f"/api/v1/people/{person.pk}")
        assert got.status_code == (200 if person.pk in readable else 404), (role, person)
        if got.status_code == 404:
            assert got["Content-Type"] == "application/problem+json"
        patched = client.patch(
            f"/api/v1/people/{person.pk}",
            {"email": "new@example.org"},
            content_type="application/json",
        )
        assert patched.status_code == _write_status(person.pk, readable, writable), (role, person)
        if patched.status_code == 403:
            # the caller's language (Persian by default): "You may only read these records."
            assert patched.json()["detail"] == "شما فقط می‌توانید این سوابق را ببینید."
    for org in tree.organisations:
        got = client.get(f"/api/v1/organisations/{org.pk}")
        assert got.status_code == (
            200 if org.pk in expected(tree, role, "organisations") else 404
        ), (role, org)
    for partnership in tree.partnerships:
        got = client.get(f"/api/v1/partnerships/{partnership.pk}")
        assert got.status_code == (
            200 if partnership.pk in expected(tree, role, "partnerships") else 404
        )


@pytest.mark.parametrize("role", ROLES)
def test_api_lists_only_the_scope(tree, api_client, role):
    client = api_client(tree.users[role])
    for kind in ("people", "organisations", "partnerships"):
        body = client.get(f"/api/v1/{kind}?limit=100").json()
        assert {item["id"] for item in body["items"]} == expected(tree, role, kind), kind
        assert body["count"] == len(expected(tree, role, kind))


def test_api_cannot_create_outside_the_write_scope(tree, api_client):
    banker = api_client(tree.users[Role.SOCIAL_BANKER])
    response = banker.post(
        "/api/v1/people",
        {
            "family_name": "Nouri",
            "home_organisation_id": tree.kanoon.pk,
        },
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    outsider = api_client(tree.users[Role.PRINCIPAL])
    response = outsider.post(
        "/api/v1/people",
        {
            "family_name": "Nouri",
            "home_organisation_id": tree.kanoon.pk,
        },
        content_type="application/json",
    )
    assert response.status_code == 404  # the kanoon does not exist for a principal
    assert not Person.objects.filter(family_name="Nouri").exists()


def test_api_member_reads_their_own_record(tree, api_client):
    client = api_client(tree.users[Role.MEMBER])
    assert client.get(f"/api/v1/people/{tree.member.pk}").status_code == 200
    assert client.get(f"/api/v1/people/{tree.other_member.pk}").status_code == 404
    assert client.get("/api/v1/people").json()["items"][0]["id"] == tree.member.pk


def test_api_without_credentials_is_401_problem(tree, client):
    response = client.get(f"/api/v1/people/{tree.member.pk}")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 401


def test_partnership_visibility_follows_any_member_organisation(tree):
    officer = scope_for(tree.users[Role.EDUCATION_OFFICER])
    assert ids(selectors.partnerships(officer)) == {tree.ir_partnership.pk}
    assert Partnership.objects.count() == 2
