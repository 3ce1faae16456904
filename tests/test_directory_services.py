"""The directory's services keep the tree consistent and refuse bad records whole."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from factories import EVERYTHING, OrganisationFactory

from edupact.accounts.models import Role
from edupact.accounts.selectors import scope_for
from edupact.core.scoping import NotFound, ReadOnly
from edupact.directory import services
from edupact.directory.models import Organisation, Person

INVALID_CODE = "This national code is not valid."


def paths(*orgs):
    return [Organisation.objects.get(pk=o.pk).path for o in orgs]


# Organisations -------------------------------------------------------------------------------


def test_paths_follow_the_tree(tree):
    assert tree.ministry.path.count(".") == 1 and tree.ministry.depth == 0
    assert tree.school_a.path.startswith(tree.district9.path)
    assert tree.school_a.depth == 3
    assert tree.kanoon.path.startswith(tree.secretariat.path)
    assert not tree.kanoon.path.startswith(tree.ministry.path)


def test_moving_an_organisation_moves_its_subtree(tree):
    district = Organisation.objects.get(pk=tree.district9.pk)
    district.parent = tree.ministry
    services.save_organisation(EVERYTHING, district)
    district.refresh_from_db()
    assert district.path == tree.ministry.path + f"{district.pk:06d}."
    assert district.depth == 1
    for school in (tree.school_a, tree.school_b):
        school.refresh_from_db()
        assert school.path == district.path + f"{school.pk:06d}."
        assert school.depth == 2
    tree.tehran.refresh_from_db()
    assert not tree.school_a.path.startswith(tree.tehran.path)


def test_moving_to_the_top_and_back(tree):
    secretariat = Organisation.objects.get(pk=tree.secretariat.pk)
    secretariat.parent = None
    services.save_organisation(EVERYTHING, secretariat)
    kanoon = Organisation.objects.get(pk=tree.kanoon.pk)
    assert kanoon.path == f"{secretariat.pk:06d}.{kanoon.pk:06d}."
    assert kanoon.depth == 1
    secretariat.parent = tree.association
    services.save_organisation(EVERYTHING, secretariat)
    assert paths(tree.kanoon) == [tree.kanoon.path]


def test_an_organisation_cannot_go_inside_itself(tree):
    tehran = Organisation.objects.get(pk=tree.tehran.pk)
    tehran.parent = tree.school_a
    with pytest.raises(ValidationError) as refused:
        services.save_organisation(EVERYTHING, tehran)
    assert "parent" in refused.value.message_dict
    assert paths(tree.tehran, tree.school_a) == [tree.tehran.path, tree.school_a.path]


def test_a_new_organisation_takes_its_country_defaults(db):
    hcmc = OrganisationFactory(name="Hội Khuyến học", kind="association", country="VN")
    assert (hcmc.language, hcmc.calendar, hcmc.currency, hcmc.time_zone) == (
        "vi",
        "gregorian",
        "VND",
        "Asia/Ho_Chi_Minh",
    )
    tehran = OrganisationFactory(name="انجمن", kind="association", country="IR")
    assert (tehran.language, tehran.calendar, tehran.currency) == ("fa", "jalali", "IRR")


def test_an_invalid_legal_id_is_refused(db):
    with pytest.raises(ValidationError) as refused:
        OrganisationFactory(country="IR", legal_id="10380284791")
    assert "legal_id" in refused.value.message_dict
    assert not Organisation.objects.exists()


def test_only_writers_of_the_parent_create_or_move(tree):
    officer = scope_for(tree.users[Role.EDUCATION_OFFICER])
    school = services.save_organisation(
        officer, Organisation(name="New school", kind="school", country="IR", parent=tree.district9)
    )
    assert school.path.startswith(tree.district9.path)
    with pytest.raises(NotFound):  # Tehran's department is not the officer's to see
        services.save_organisation(
            officer, Organisation(name="Elsewhere", kind="school", country="IR", parent=tree.tehran)
        )
    with pytest.raises(ReadOnly) as refused:  # top level: platform administrators only
        services.save_organisation(officer, Organisation(name="Top", kind="ministry", country="IR"))
    assert str(refused.value) == "Only platform administrators create top-level records."
    school.parent = tree.kanoon
    with pytest.raises(NotFound):
        services.save_organisation(officer, school)
    school.parent = None  # moved to the top: the same rule as creating there
    with pytest.raises(ReadOnly):
        services.save_organisation(officer, school)
    assert Organisation.objects.get(pk=school.pk).parent_id == tree.district9.pk


# People --------------------------------------------------------------------------------------


def person(tree, **fields):
    data = {"family_name": "Rezaei", "given_name": "Maryam", "home_organisation": tree.kanoon}
    data.update(fields)
    return Person(**data)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"id_kind": "ir_national_code", "national_id": "1234567890"}, "national_id"),
        ({"id_kind": "ir_national_code", "national_id": "1111111111"}, "national_id"),
        ({"id_kind": "ir_national_code", "national_id": "007622964"}, "national_id"),
        ({"phone": "0912"}, "phone"),
        ({"bank_account": "IR062960000000100324200002"}, "bank_account"),
        ({"national_id": "0076229645"}, "id_kind"),  # an identifier needs its type
    ],
)
def test_an_iranian_person_with_a_bad_identifier_is_refused(tree, fields, field):
    with pytest.raises(ValidationError) as refused:
        services.save_person(EVERYTHING, person(tree, **fields))
    assert field in refused.value.message_dict
    assert not Person.objects.filter(family_name="Rezaei").exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"national_id": "079080000011", "birth_year": 1981, "sex": "male"}, "national_id"),
        ({"national_id": "079080000011", "birth_year": 1980, "sex": "female"}, "national_id"),
        ({"national_id": "000080000011", "birth_year": 1980, "sex": "male"}, "national_id"),
        ({"national_id": "07908000001"}, "national_id"),
        ({"phone": "0903 12"}, "phone"),
    ],
)
def test_a_vietnamese_person_with_a_bad_identifier_is_refused(tree, fields, field):
    candidate = person(
        tree,
        home_organisation=tree.vn_school,
        family_name="Trần",
        name_order="family_first",
        id_kind="vn_cccd",
        **fields,
    )
    with pytest.raises(ValidationError) as refused:
        services.save_person(EVERYTHING, candidate)
    assert field in refused.value.message_dict
    assert not Person.objects.filter(family_name="Trần", given_name="Maryam").exists()


def test_every_problem_is_reported_at_once(tree):
    with pytest.raises(ValidationError) as refused:
        services.save_person(
            EVERYTHING,
            person(
                tree,
                id_kind="ir_national_code",
                national_id="1234567890",
                phone="12",
                bank_account="IR00",
            ),
        )
    assert {"national_id", "phone", "bank_account"} <= set(refused.value.message_dict)


def test_a_valid_person_is_stored_normalised(tree):
    saved = services.save_person(
        EVERYTHING,
        person(
            tree,
            family_name="كريمي",
            id_kind="ir_national_code",
            national_id="۰۰۷۶۲۲۹۶۴۵",
            phone="۰۹۱۲ ۱۲۳ ۴۵۶۷",
            bank_account="ir06 2960 0000 0010 0324 2000 01",
        ),
    )
    saved.refresh_from_db()
    assert saved.family_name == "کریمی"
    assert saved.national_id == "0076229645"
    assert saved.phone == "+989121234567"
    assert saved.bank_account == "IR062960000000100324200001"


def test_a_vietnamese_name_sorts_by_given_name(tree):
    saved = services.save_person(
        EVERYTHING,
        person(
            tree,
            home_organisation=tree.vn_school,
            family_name="Nguyễn",
            middle_name="Văn",
            given_name="An",
            name_order="family_first",
            phone="0903 123 456",
        ),
    )
    assert saved.full_name == "Nguyễn Văn An"
    assert saved.sort_key.startswith("an ")
    assert saved.phone == "+84903123456"


def test_a_national_id_is_used_once(tree):
    with pytest.raises(ValidationError):
        services.save_person(
            EVERYTHING,
            person(tree, id_kind="ir_national_code", national_id=tree.member.national_id),
        )


def test_people_are_changed_only_inside_the_write_scope(tree):
    banker = scope_for(tree.users[Role.SOCIAL_BANKER])
    with pytest.raises(ReadOnly):  # reads the kanoon, changes nothing
        services.save_person(banker, person(tree))
    with pytest.raises(NotFound):  # the kanoon is not the principal's to see
        services.save_person(scope_for(tree.users[Role.PRINCIPAL]), person(tree))
    leader = scope_for(tree.users[Role.KANOON_LEADER])
    moved = Person.objects.get(pk=tree.member.pk)
    moved.home_organisation = tree.school_a  # out of the kanoon leader's reach
    with pytest.raises(ReadOnly):  # they read the person, not where it would go
        services.save_person(leader, moved)
    assert Person.objects.get(pk=tree.member.pk).home_organisation_id == tree.kanoon.pk


# The web form --------------------------------------------------------------------------------


def form_data(tree, **overrides):
    data = {
        "family_name": "Rezaei",
        "given_name": "Maryam",
        "name_order": "given_first",
        "sex": "female",
        "id_kind": "ir_national_code",
        "national_id": "1234567890",
        "home_organisation": tree.kanoon.pk,
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("language", ["fa", "vi", "en"])
def test_the_new_person_form_shows_the_error_on_the_field(tree, client_as, language):
    client = client_as(tree.users[Role.KANOON_LEADER], language)
    response = client.post(reverse("directory:person_new"), form_data(tree))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_national_id_error"' in html
    with translation.override(language):
        message = gettext(INVALID_CODE)
    errors = html.split('id="id_national_id_error"', 1)[1].split("</ul>", 1)[0]
    assert message in errors
    if language == "en":
        assert INVALID_CODE in errors
    else:
        assert INVALID_CODE not in errors, f"no {language} translation"
    assert not Person.objects.filter(family_name="Rezaei").exists()


def test_the_form_accepts_persian_digits_and_saves(tree, client_as):
    client = client_as(tree.users[Role.KANOON_LEADER], "fa")
    response = client.post(
        reverse("directory:person_new"),
        form_data(tree, national_id="۰۰۷۶۲۲۹۶۴۵", phone="۰۹۱۲۱۲۳۴۵۶۷", birth_year="۱۳۶۴"),
    )
    assert response.status_code == 302
    saved = Person.objects.get(family_name="Rezaei")
    assert saved.national_id == "0076229645"
    assert saved.phone == "+989121234567"
    assert saved.birth_year == 1985  # a Jalali year of birth, as Iranians write it
    assert response.url == saved.get_absolute_url()


def test_the_form_offers_only_writable_home_organisations(tree, client_as):
    client = client_as(tree.users[Role.KANOON_LEADER], "en")
    response = client.post(
        reverse("directory:person_new"),
        form_data(tree, national_id="0076229645", home_organisation=tree.school_a.pk),
    )
    assert response.status_code == 200
    assert 'id="id_home_organisation_error"' in response.content.decode()
    assert not Person.objects.filter(family_name="Rezaei").exists()
