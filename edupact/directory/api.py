"""Directory endpoints; every query goes through the caller's Scope."""

import datetime as dt

from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import field_validator

from edupact.accounts.selectors import scope_for, scoped_get_or_404
from edupact.core.bounds import text_of
from edupact.core.identifiers import mask
from edupact.core.paging import CappedLimitOffsetPagination

from . import selectors, services
from .filters import OrganisationFilter, PartnershipFilter, PeopleFilter
from .models import Organisation, Partnership, Person

router = Router(tags=["directory"])


class OrganisationOut(Schema):
    id: int
    name: str
    kind: str
    parent_id: int | None
    country: str
    admin_unit_id: int | None
    legal_id: str
    language: str
    calendar: str
    currency: str
    time_zone: str


class OrganisationIn(Schema):
    name: text_of(Organisation, "name")
    kind: Organisation.Kind
    parent_id: int | None = None
    country: str
    legal_id: str = ""
    phone: str = ""


class PersonOut(Schema):
    id: int
    full_name: str
    honorific: str
    family_name: str
    middle_name: str
    given_name: str
    sex: str
    birth_year: int | None
    id_kind: str
    national_id_masked: str
    phone: str
    home_organisation_id: int

    @staticmethod
    def resolve_national_id_masked(obj):
        return mask(obj.national_id)


class PersonIn(Schema):
    family_name: text_of(Person, "family_name")
    given_name: text_of(Person, "given_name") = ""
    middle_name: text_of(Person, "middle_name") = ""
    honorific: text_of(Person, "honorific") = ""
    name_order: Person.NameOrder = Person.NameOrder.GIVEN_FIRST
    sex: str = ""
    birth_year: int | None = None
    id_kind: str = ""
    national_id: str = ""
    phone: str = ""
    email: text_of(Person, "email") = ""
    home_organisation_id: int


class PersonPatch(Schema):
    """Only the fields sent change. ``null`` clears an optional field (a part of the name,
    the phone, the email); the family name is required, so it may change but not be null."""

    family_name: str = None  # type: ignore[assignment]  # left out: unchanged; never null
    given_name: str | None = None
    middle_name: str | None = None
    honorific: str | None = None
    phone: str | None = None
    email: str | None = None

    @field_validator("given_name", "middle_name", "honorific", "phone", "email")
    @classmethod
    def _null_clears(cls, value: str | None) -> str:
        return "" if value is None else value


class PartnershipOut(Schema):
    id: int
    name: str
    kind: str
    signed_on: dt.date
    start: dt.date
    end: dt.date | None
    organisation_ids: list[int]

    @staticmethod
    def resolve_organisation_ids(obj):
        return [m.organisation_id for m in obj.members.all()]


@router.get("/people", response=list[PersonOut])
@paginate(CappedLimitOffsetPagination)
def list_people(request, filters: Query[PeopleFilter]):
    return selectors.people(scope_for(request.user), **filters.values())


@router.get("/people/{pk}", response=PersonOut)
def get_person(request, pk: int):
    return scoped_get_or_404(request.user, Person, pk)


@router.post("/people", response={201: PersonOut})
def create_person(request, data: PersonIn):
    home = scoped_get_or_404(request.user, Organisation, data.home_organisation_id)
    person = Person(**data.dict(exclude={"home_organisation_id"}), home_organisation=home)
    return Status(201, services.save_person(scope_for(request.user), person))


@router.patch("/people/{pk}", response=PersonOut)
def update_person(request, pk: int, data: PersonPatch):
    person = scoped_get_or_404(request.user, Person, pk)
    for field, value in data.dict(exclude_unset=True).items():
        setattr(person, field, value)
    return services.save_person(scope_for(request.user), person)


@router.get("/organisations", response=list[OrganisationOut])
@paginate(CappedLimitOffsetPagination)
def list_organisations(request, filters: Query[OrganisationFilter]):
    return selectors.organisations(scope_for(request.user), **filters.values())


@router.get("/organisations/{pk}", response=OrganisationOut)
def get_organisation(request, pk: int):
    return scoped_get_or_404(request.user, Organisation, pk)


@router.post("/organisations", response={201: OrganisationOut})
def create_organisation(request, data: OrganisationIn):
    parent = (
        scoped_get_or_404(request.user, Organisation, data.parent_id) if data.parent_id else None
    )
    org = Organisation(**data.dict(exclude={"parent_id"}), parent=parent)
    return Status(201, services.save_organisation(scope_for(request.user), org))


@router.get("/partnerships", response=list[PartnershipOut])
@paginate(CappedLimitOffsetPagination)
def list_partnerships(request, filters: Query[PartnershipFilter]):
    scope = scope_for(request.user)
    return selectors.partnerships(scope, **filters.values()).prefetch_related("members")


@router.get("/partnerships/{pk}", response=PartnershipOut)
def get_partnership(request, pk: int):
    return scoped_get_or_404(request.user, Partnership, pk)
