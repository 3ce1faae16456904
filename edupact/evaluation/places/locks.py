"""Which records a higher level's approval has locked.

Approval goes bottom-up (``workflow``): the commune approves each hamlet's year, the
province approves the commune's year, and the province closes its own year once every
commune is approved. While a hamlet's year is approved, the answers of the subjects placed
in it are locked; once the commune's year is approved, everything of that commune for the
year is, answers and decisions alike; the province's closure locks what is placed in the
province itself (a city-level agency, records of an old district mapped onto the city).
Every write path (the services, the API through them, the bulk import, the review meeting
and its corrections) asks here, set-based for many places at once.

A subject known only by its place before July 2025 (a retired commune or district, kept for
the 2022–2025 records) is locked through the unit its records are re-aggregated onto
(``selectors.successor_map``, the same mapping the rollups use): approving the new commune
locks them too, and the closure of a province locks those re-aggregated onto the whole
province. Callers pass ``place_of(subject)``.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from edupact.directory.models import AdminUnit

from ..models import YearApproval
from .selectors import COMMUNE, HAMLET, PROVINCE, successor_map

ANSWERS = (HAMLET, COMMUNE, PROVINCE)  # approvals that lock the answers below them
DECISIONS = (COMMUNE, PROVINCE)  # approvals that also lock the decisions


def place_of(subject) -> int | None:
    """The place whose approvals lock a subject's records: its current place, else its
    place before July 2025 (mapped onto its successor by ``locked``)."""
    return subject.admin_unit_id or subject.former_admin_unit_id


def current_places(unit_ids: Iterable[int]) -> dict[int, tuple[int, int | None]]:
    """Place id → (the current unit it counts as, that unit's parent): itself for a current
    unit, its successor (``selectors.successor_map``) for a retired one."""
    rows = AdminUnit.objects.filter(pk__in=set(unit_ids)).values_list("id", "parent_id", "valid_to")
    out, retired = {}, []
    for pk, parent, valid_to in rows:
        out[pk] = (pk, parent)
        if valid_to is not None:
            retired.append(pk)
    if retired:
        successors = successor_map()
        for pk in retired:
            if pk in successors:
                out[pk] = (successors[pk].unit, successors[pk].parent)
    return out


def locked(year: int, unit_ids: Iterable[int | None], levels=ANSWERS) -> dict[int, AdminUnit]:
    """Subject place id → the approved unit that locks it, for the places locked in ``year``.

    A place is locked by its own approval or its parent's (a hamlet by its commune's, a
    commune by its province's closure); a retired place by those of the unit its records
    were re-aggregated onto (a few queries, whatever the number of places).
    """
    ids = {u for u in unit_ids if u}
    if not ids:
        return {}
    approved = {
        a.admin_unit_id: a.admin_unit
        for a in YearApproval.objects.filter(
            year=year, state=YearApproval.State.APPROVED, admin_unit__level__in=levels
        ).select_related("admin_unit")
    }
    if not approved:
        return {}
    places = current_places(ids)
    out = {}
    for unit in ids:
        current, parent = places.get(unit, (unit, None))
        by = approved.get(current) or approved.get(parent)
        if by is not None:
            out[unit] = by
    return out


def message(year: int, unit: AdminUnit) -> str:
    if unit.level == PROVINCE:
        return _(
            "%(place)s has closed the year %(year)d and its records are locked; "
            "the year must be re-opened first."
        ) % {"place": unit.name, "year": year}
    return _(
        "%(place)s's year %(year)d has been approved by the level above and is locked; "
        "it must be re-opened first."
    ) % {"place": unit.name, "year": year}


def ensure_open(unit_id: int | None, year: int, levels=ANSWERS) -> None:
    """Refuse a change to a record placed in ``unit_id`` when an approval locks it."""
    by = locked(year, [unit_id], levels).get(unit_id)
    if by is not None:
        raise ValidationError(message(year, by))
