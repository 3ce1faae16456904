"""Which records a higher level's approval has locked.

Approval goes bottom-up (``workflow``): the commune approves each hamlet's year, the
province approves the commune's year. While a hamlet's year is approved, the answers of the
subjects placed in it are locked; once the commune's year is approved, everything of that
commune for the year is, answers and decisions alike. Every write path (the services, the
API through them, the bulk import) asks here, set-based for many places at once.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from edupact.directory.models import AdminUnit

from .models import YearApproval

HAMLET, COMMUNE = AdminUnit.Level.HAMLET, AdminUnit.Level.COMMUNE
ANSWERS = (HAMLET, COMMUNE)  # approvals that lock the answers below them
DECISIONS = (COMMUNE,)  # approvals that also lock the decisions


def locked(year: int, unit_ids: Iterable[int | None], levels=ANSWERS) -> dict[int, AdminUnit]:
    """Subject place id → the approved unit that locks it, for the places locked in ``year``.

    A place is locked by its own approval or its commune's (two queries, whatever the
    number of places).
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
    parents = dict(AdminUnit.objects.filter(pk__in=ids).values_list("id", "parent_id"))
    out = {}
    for unit in ids:
        by = approved.get(unit) or approved.get(parents.get(unit))
        if by is not None:
            out[unit] = by
    return out


def message(year: int, unit: AdminUnit) -> str:
    return _(
        "%(place)s's year %(year)d has been approved by the level above and is locked; "
        "it must be re-opened first."
    ) % {"place": unit.name, "year": year}


def ensure_open(unit_id: int | None, year: int, levels=ANSWERS) -> None:
    """Refuse a change to a record placed in ``unit_id`` when an approval locks it."""
    by = locked(year, [unit_id], levels).get(unit_id)
    if by is not None:
        raise ValidationError(message(year, by))
