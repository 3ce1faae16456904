"""Bulk inserts that leave rows exactly as ``save()`` would.

``bulk_create`` skips ``save()`` (and the audit signals, which is fine for demo data), so the
derived columns are filled here with the models' own formulas: ``search_key`` for translated
records, ``sort_key``/``search_key`` for people and the materialised ``path``/``depth`` of
organisations (``services.save_organisation``).
"""

from edupact.core.text import normalise, search_key
from edupact.directory.models import COUNTRY_DEFAULTS, Organisation, Person
from edupact.directory.places import translated_search_key
from edupact.directory.services import path_segment

BATCH = 500

__all__ = [
    "translated_search_key",
    "person_keys",
    "bulk_create_organisations",
    "bulk_create_people",
]


def person_keys(person: Person) -> None:
    """The part of ``Person.save`` that runs before the write (same formulas, same order)."""
    for f in ("honorific", "family_name", "middle_name", "given_name"):
        setattr(person, f, normalise(getattr(person, f)))
    if person.name_order == Person.NameOrder.FAMILY_FIRST:
        order = [person.given_name, person.family_name, person.middle_name]
    else:
        order = [person.family_name, person.given_name, person.middle_name]
    person.sort_key = search_key(" ".join(p for p in order if p))[:300]
    person.search_key = search_key(f"{person.full_name} {person.phone} {person.email}")[:400]


def apply_country_defaults(org: Organisation) -> None:
    """As ``save_organisation`` does for a new organisation."""
    for field, value in COUNTRY_DEFAULTS.get(org.country, {}).items():
        if (
            not getattr(org, field)
            or getattr(org, field) == Organisation._meta.get_field(field).default
        ):
            setattr(org, field, value)


def bulk_create_organisations(orgs: list[Organisation]) -> list[Organisation]:
    """Insert organisations whose parents are already saved; then set their paths.

    Two statements per batch: the insert (ids come back), then one UPDATE of path/depth.
    """
    for org in orgs:
        if org.parent_id is not None and not org.parent.path:
            raise ValueError(f"The parent of {org.name!r} has no path yet.")
        apply_country_defaults(org)
        translated_search_key(org)
        org.path = "pending."
    Organisation.objects.bulk_create(orgs, batch_size=BATCH)
    for org in orgs:
        if org.pk is None:
            raise RuntimeError("This database does not return ids from bulk inserts.")
        org.path = (org.parent.path if org.parent_id else "") + path_segment(org.pk)
        org.depth = org.path.count(".") - 1
    Organisation.objects.bulk_update(orgs, ["path", "depth"], batch_size=BATCH)
    return orgs


def bulk_create_people(people: list[Person]) -> list[Person]:
    for person in people:
        person_keys(person)
    Person.objects.bulk_create(people, batch_size=BATCH)
    return people
