"""Every change leaves a row saying who changed what; every look at an unmasked
identifier leaves a row saying who looked."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from factories import EVERYTHING

from edupact.accounts.models import Role
from edupact.audit.context import acting_as
from edupact.audit.models import AuditEntry, SensitiveAccess
from edupact.audit.registry import written_in_bulk
from edupact.audit.selectors import history
from edupact.directory import services
from edupact.directory.models import Organisation, Person


def entries_for(obj):
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
    ).order_by("id")


def test_creating_a_person_records_the_actor_and_the_fields(tree):
    officer = tree.users[Role.KANOON_LEADER]
    with acting_as(officer):
        person = services.save_person(
            EVERYTHING,
            Person(
                family_name="Rezaei",
                given_name="Maryam",
                home_organisation=tree.kanoon,
                phone="09121112233",
            ),
        )
    [entry] = entries_for(person)
    assert entry.action == AuditEntry.Action.CREATE
    assert entry.actor == officer and entry.actor_label == str(officer)
    assert entry.changes["family_name"] == [None, "Rezaei"]
    assert entry.changes["phone"] == [None, "+989121112233"]
    assert entry.object_repr == "Maryam Rezaei"


def test_updating_records_only_the_changed_fields(tree):
    officer = tree.users[Role.KANOON_LEADER]
    person = Person.objects.get(pk=tree.member.pk)
    before = person.phone
    with acting_as(officer):
        person.phone = "09127778899"
        services.save_person(EVERYTHING, person)
    entry = entries_for(person).last()
    assert entry.action == AuditEntry.Action.UPDATE
    assert entry.actor == officer
    assert entry.changes == {"phone": [before, "+989127778899"]}


def test_saving_without_changes_records_nothing(tree):
    person = Person.objects.get(pk=tree.member.pk)
    count = entries_for(person).count()
    services.save_person(EVERYTHING, person)
    assert entries_for(person).count() == count


def test_changes_without_a_user_are_the_system(tree):
    entry = entries_for(tree.member).first()
    assert entry.actor is None and entry.actor_label == "system"


def test_a_bulk_write_is_audited_as_a_save_would_be(tree):
    """``bulk_update``/``bulk_create`` send no signal; ``written_in_bulk`` leaves the entry
    ``post_save`` would have, built by the same code (sensitive fields masked alike)."""
    officer = tree.users[Role.KANOON_LEADER]
    saved = Person.objects.get(pk=tree.member.pk)
    bulk = Person.objects.get(pk=tree.other_member.pk)
    with acting_as(officer):
        for person, code in ((saved, "0076229645"), (bulk, "0084575948")):
            person.phone, person.national_id = "+989127778899", code
        saved.save(update_fields=["phone", "national_id"])
        Person.objects.bulk_update([bulk], ["phone", "national_id"])
        assert written_in_bulk([bulk], created=False) == 1
        assert written_in_bulk([bulk], created=False) == 0  # nothing changed since
    by_signal, by_bulk = entries_for(saved).last(), entries_for(bulk).last()
    assert (by_bulk.action, by_bulk.actor, by_bulk.object_repr) == (
        by_signal.action,
        by_signal.actor,
        str(bulk),
    )
    assert by_bulk.changes.keys() == by_signal.changes.keys() == {"phone", "national_id"}
    assert by_bulk.changes["phone"][1] == by_signal.changes["phone"][1] == "+989127778899"
    assert "0084575948" not in str(by_bulk.changes)  # masked, as a save masks it
    with pytest.raises(TypeError):
        written_in_bulk([SensitiveAccess()], created=True)  # not audited: refused


def test_deleting_is_recorded(tree):
    position = tree.council_seat
    pk = position.pk
    position.delete()
    entry = AuditEntry.objects.filter(object_id=str(pk), action=AuditEntry.Action.DELETE).get(
        content_type=ContentType.objects.get_for_model(position)
    )
    assert entry.object_repr.startswith("council member")


def test_moving_an_organisation_is_recorded(tree):
    org = Organisation.objects.get(pk=tree.school_b.pk)
    with acting_as(tree.users[Role.PLATFORM_ADMIN]):
        org.parent = tree.tehran
        services.save_organisation(EVERYTHING, org)
    entry = entries_for(org).last()
    assert entry.changes["parent_id"] == [tree.district9.pk, tree.tehran.pk]
    assert entry.actor == tree.users[Role.PLATFORM_ADMIN]


def test_a_web_edit_is_attributed_to_the_signed_in_user(tree, client_as):
    user = tree.users[Role.KANOON_LEADER]
    person = tree.member
    response = client_as(user, "en").post(
        reverse("directory:person_edit", args=[person.pk]),
        {
            "family_name": "Tehrani-Nik",
            "given_name": person.given_name,
            "name_order": person.name_order,
            "sex": person.sex,
            "id_kind": person.id_kind,
            "national_id": person.national_id,
            "phone": person.phone,
            "birth_year": person.birth_year,
            "home_organisation": person.home_organisation_id,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = entries_for(person).last()
    assert entry.actor == user
    assert entry.changes == {"family_name": ["Tehrani", "Tehrani-Nik"]}


def test_an_api_edit_is_attributed_to_the_token_user(tree, api_client):
    user = tree.users[Role.KANOON_LEADER]
    response = api_client(user).patch(
        f"/api/v1/people/{tree.member.pk}",
        {"email": "zahra@example.org"},
        content_type="application/json",
    )
    assert response.status_code == 200
    entry = entries_for(tree.member).last()
    assert entry.actor == user
    assert entry.changes == {"email": ["", "zahra@example.org"]}


def test_history_lists_the_rows_newest_first(tree):
    with acting_as(tree.users[Role.KANOON_LEADER]):
        person = Person.objects.get(pk=tree.member.pk)
        person.email = "a@example.org"
        services.save_person(EVERYTHING, person)
    rows = list(history(person))
    assert [r.action for r in rows] == [AuditEntry.Action.UPDATE, AuditEntry.Action.CREATE]


def test_revealing_a_national_id_is_logged(tree, client_as):
    user = tree.users[Role.KANOON_LEADER]
    client = client_as(user, "en")
    response = client.post(reverse("directory:reveal", args=[tree.member.pk, "national_id"]))
    assert response.status_code == 200
    assert tree.member.national_id in response.content.decode()
    [access] = SensitiveAccess.objects.all()
    assert access.actor == user
    assert access.field == "national_id"
    assert access.object_id == str(tree.member.pk)
    assert access.content_type == ContentType.objects.get_for_model(Person)


def test_revealing_needs_a_post_and_a_known_field(tree, client_as):
    client = client_as(tree.users[Role.KANOON_LEADER], "en")
    assert (
        client.get(reverse("directory:reveal", args=[tree.member.pk, "national_id"])).status_code
        == 405
    )
    assert (
        client.post(reverse("directory:reveal", args=[tree.member.pk, "family_name"])).status_code
        == 404
    )
    assert not SensitiveAccess.objects.exists()


def test_a_refused_reveal_is_not_logged_and_shows_nothing(tree, client_as):
    client = client_as(tree.users[Role.PRINCIPAL], "en")
    response = client.post(reverse("directory:reveal", args=[tree.member.pk, "national_id"]))
    assert response.status_code == 404
    assert tree.member.national_id not in response.content.decode()
    assert not SensitiveAccess.objects.exists()


@pytest.mark.parametrize("language", ["fa", "en"])
def test_pages_show_identifiers_masked_even_in_the_history(tree, client_as, language):
    """Only the logged reveal shows a whole national ID; the history keeps it masked too."""
    admin = tree.users[Role.PLATFORM_ADMIN]
    person = Person.objects.get(pk=tree.member.pk)
    with acting_as(admin):
        person.national_id = "0076229645"
        services.save_person(EVERYTHING, person)
    old = tree.member.national_id
    html = client_as(admin, language).get(person.get_absolute_url()).content.decode()
    for code in ("0076229645", old):
        assert code not in html
    assert "007****645" in html or "۰۰۷****۶۴۵" in html
    entry = entries_for(person).last()
    assert "0076229645" not in str(entry.changes)
    assert not SensitiveAccess.objects.exists()


@pytest.mark.django_db
def test_the_default_deadlines_of_a_year_are_audited():
    """``evaluation deadlines --year`` stores the defaults one by one: each leaves its entry."""
    from edupact.evaluation import workflow
    from edupact.evaluation.models import Deadline

    assert workflow.ensure_deadlines(2024) == 7
    stored = set(Deadline.objects.values_list("pk", flat=True))
    audited = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Deadline), action=AuditEntry.Action.CREATE
    ).values_list("object_id", flat=True)
    assert {int(pk) for pk in audited} == stored and len(stored) == 7
