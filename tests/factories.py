"""factory-boy factories that build valid records the way the product does.

Organisations and people go through the directory services (with an unrestricted
Scope), so paths, defaults, normalisation and identifier checks are the real ones.
"""

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from edupact.accounts.models import ApiToken, Role, RoleGrant, User
from edupact.core.scoping import Scope
from edupact.directory import services
from edupact.directory.models import Country, Organisation, Partnership, PartnershipMember, Person
from edupact.directory.models import Position as PositionModel

EVERYTHING = Scope(everything=True)
PASSWORD = "a-long-test-password-42"


# Valid identifiers ---------------------------------------------------------------------------


def national_code_check_digit(first_nine: str) -> int:
    s = sum(int(first_nine[i]) * (10 - i) for i in range(9)) % 11
    return s if s < 2 else 11 - s


def iran_national_code(n: int) -> str:
    """The ``n``-th valid Iranian national code (never a repdigit)."""
    first_nine = f"{(123_456_789 + n * 7919) % 1_000_000_000:09d}"
    return first_nine + str(national_code_check_digit(first_nine))


def vietnam_cccd(n: int, birth_year: int, sex: str, province: str = "079") -> str:
    """A CCCD consistent with the province, century/sex digit and year of birth."""
    century_digit = (birth_year - 1900) // 100 * 2 + (0 if sex == "male" else 1)
    return f"{province}{century_digit}{birth_year % 100:02d}{n % 1_000_000:06d}"


def iran_mobile(n: int) -> str:
    return f"0912{n % 10_000_000:07d}"


def vietnam_mobile(n: int) -> str:
    return f"0903{n % 1_000_000:06d}"


# Directory ------------------------------------------------------------------------------------


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = Organisation.Kind.SCHOOL
    country = factory.LazyAttribute(lambda o: o.parent.country if o.parent else Country.IRAN)
    parent = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.save_organisation(EVERYTHING, model_class(*args, **kwargs))


class PersonFactory(DjangoModelFactory):
    """A person of their home organisation's country, with a valid identifier and phone."""

    class Meta:
        model = Person

    class Params:
        vietnamese = factory.LazyAttribute(lambda o: o.home_organisation.country == Country.VIETNAM)
        n = factory.Sequence(lambda n: n)

    home_organisation = factory.SubFactory(OrganisationFactory)
    family_name = factory.LazyAttribute(lambda o: "Nguyễn" if o.vietnamese else f"Ahmadi{o.n}")
    middle_name = factory.LazyAttribute(lambda o: "Văn" if o.vietnamese else "")
    given_name = factory.LazyAttribute(lambda o: f"Hiếu {o.n}" if o.vietnamese else "Ali")
    name_order = factory.LazyAttribute(
        lambda o: Person.NameOrder.FAMILY_FIRST if o.vietnamese else Person.NameOrder.GIVEN_FIRST
    )
    sex = Person.Sex.MALE
    birth_year = 1980
    id_kind = factory.LazyAttribute(
        lambda o: Person.IdKind.VN_CCCD if o.vietnamese else Person.IdKind.IR_NATIONAL_CODE
    )
    national_id = factory.LazyAttribute(
        lambda o: (
            vietnam_cccd(o.n, o.birth_year, o.sex) if o.vietnamese else iran_national_code(o.n)
        )
    )
    phone = factory.LazyAttribute(
        lambda o: vietnam_mobile(o.n) if o.vietnamese else iran_mobile(o.n)
    )

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.save_person(EVERYTHING, model_class(*args, **kwargs))


class PositionFactory(DjangoModelFactory):
    class Meta:
        model = PositionModel

    person = factory.SubFactory(PersonFactory)
    organisation = factory.SelfAttribute("person.home_organisation")
    title = "teacher"
    start = dt.date(2020, 9, 1)
    end = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.save_position(EVERYTHING, model_class(*args, **kwargs))


class PartnershipFactory(DjangoModelFactory):
    """``PartnershipFactory(organisations=[a, b])`` makes both of them members."""

    class Meta:
        model = Partnership
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Partnership {n}")
    kind = Partnership.Kind.MEMORANDUM
    signed_on = dt.date(2017, 4, 9)
    start = factory.SelfAttribute("signed_on")

    @factory.post_generation
    def organisations(self, create, extracted, **kwargs):
        if create and extracted:
            for org in extracted:
                PartnershipMember.objects.create(partnership=self, organisation=org)


# Accounts -------------------------------------------------------------------------------------


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.django.Password(PASSWORD)
    language = ""
    person = None


class RoleGrantFactory(DjangoModelFactory):
    class Meta:
        model = RoleGrant

    user = factory.SubFactory(UserFactory)
    role = Role.EDUCATION_OFFICER
    organisation = factory.SubFactory(OrganisationFactory)


class ApiTokenFactory(DjangoModelFactory):
    """An issued token; the raw bearer value is on ``token.raw`` (it is never stored)."""

    class Meta:
        model = ApiToken

    user = factory.SubFactory(UserFactory)
    name = "tests"

    @classmethod
    def _create(cls, model_class, *args, user=None, name="tests", **kwargs):
        token, raw = model_class.issue(user, name)
        token.raw = raw
        return token
