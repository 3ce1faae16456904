"""Read queries of the directory; every one takes the reader's Scope."""

import datetime as dt

from django.db.models import Q, QuerySet

from edupact.core.scoping import Scope
from edupact.core.text import matching

from .models import AdminUnit, Organisation, Partnership, Person, Position


def people(
    scope: Scope, *, q: str | None = None, organisation: int | None = None, sex: str | None = None
) -> QuerySet:
    qs = scope.filter(Person.objects.select_related("home_organisation"))
    qs = matching(qs, q)
    if organisation:
        qs = qs.filter(home_organisation_id=organisation)
    if sex:
        qs = qs.filter(sex=sex)
    return qs.order_by("sort_key", "id")


def organisations(
    scope: Scope,
    *,
    q: str | None = None,
    kind: str | None = None,
    country: str | None = None,
    within: Organisation | None = None,
) -> QuerySet:
    qs = scope.filter(Organisation.objects.select_related("parent", "admin_unit"))
    qs = matching(qs, q)
    if kind:
        qs = qs.filter(kind=kind)
    if country:
        qs = qs.filter(country=country)
    if within is not None:
        qs = qs.filter(path__startswith=within.path)
    return qs.order_by("path")


def partnerships(scope: Scope, *, q: str | None = None) -> QuerySet:
    return matching(scope.filter(Partnership.objects.all()), q).order_by("-signed_on", "id")


def admin_units(
    *,
    q: str | None = None,
    country: str | None = None,
    level: str | None = None,
    parent: int | None = None,
    on: dt.date | None = None,
    current: bool | None = None,
) -> QuerySet:
    """Places are public reference data: not scoped, but filterable by validity date;
    ``current``: only those still valid (no end date)."""
    qs = matching(AdminUnit.objects.select_related("parent"), q)
    if country:
        qs = qs.filter(country=country)
    if level:
        qs = qs.filter(level=level)
    if parent:
        qs = qs.filter(parent_id=parent)
    if on:
        qs = qs.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=on)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gt=on)
        )
    if current:
        qs = qs.filter(valid_to__isnull=True)
    return qs.order_by("code", "name")


def positions_on(person_ids, day: dt.date) -> dict[tuple[int, int], Position]:
    """The title each person held in each organisation on ``day`` (one query)."""
    rows = (
        Position.objects.filter(person_id__in=person_ids, start__lte=day)
        .filter(Q(end__isnull=True) | Q(end__gt=day))
        .order_by("start")
    )
    return {(p.person_id, p.organisation_id): p for p in rows}


def title_on(person: Person, day: dt.date, organisation: Organisation | None = None):
    """The position a person held on a date (in one organisation if given), or None."""
    qs = person.positions.filter(start__lte=day).filter(Q(end__isnull=True) | Q(end__gt=day))
    if organisation is not None:
        qs = qs.filter(organisation=organisation)
    return qs.select_related("organisation").order_by("-start").first()


def participants_with_titles(partnership: Partnership):
    """Participants of a partnership with the title each held on its date."""
    parts = list(partnership.participants.select_related("person", "organisation"))
    titles = positions_on([p.person_id for p in parts], partnership.signed_on)
    for p in parts:
        p.position = titles.get((p.person_id, p.organisation_id))
    return parts
