"""Places: what a reader sees of the administrative tree, and where a record counts.

The reader's places (``unit_roots``, ``units_q``, ``place``, ``home_place``), the chain of
units above a place, the places a user writes for, the hamlets and communes a year's cycle
covers, and where the records of a unit retired before July 2025 are re-aggregated
(``successor_map``: the rollups, the locks and the approvals use the same mapping).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q

from edupact.core.scoping import Scope
from edupact.directory.models import AdminUnit, AdminUnitSuccession, Organisation

HAMLET, COMMUNE, PROVINCE = (
    AdminUnit.Level.HAMLET,
    AdminUnit.Level.COMMUNE,
    AdminUnit.Level.PROVINCE,
)


@dataclass(frozen=True)
class Placement:
    unit: int
    level: str
    parent: int | None
    approximate: bool


def successor_map() -> dict[int, Placement]:
    """Old unit id → the current unit its records count towards (the successions table is
    small: provinces, districts and communes before July 2025)."""
    successors: dict[int, list[tuple[bool, int]]] = defaultdict(list)
    for old, new, approximate in AdminUnitSuccession.objects.values_list(
        "old_id", "new_id", "approximate"
    ):
        successors[old].append((approximate, new))
    ids = {new for pairs in successors.values() for _, new in pairs}
    units = {
        u["id"]: u for u in AdminUnit.objects.filter(pk__in=ids).values("id", "level", "parent_id")
    }
    result = {}
    for old in successors:
        current, approximate = old, False
        for _ in range(5):  # chains: old commune → old district → … → current unit
            pairs = sorted(successors.get(current, ()))
            if not pairs:
                break
            approximate = approximate or pairs[0][0] or len(pairs) > 1
            current = pairs[0][1]
        if current in units:
            u = units[current]
            result[old] = Placement(current, u["level"], u["parent_id"], approximate)
    return result


def unit_roots(scope: Scope) -> set[int] | None:
    """The places the reader's organisations sit in (None: everything). A reader sees those
    places and every place below them."""
    if scope.everything:
        return None
    return set(
        scope.filter(Organisation.objects.filter(admin_unit__isnull=False)).values_list(
            "admin_unit_id", flat=True
        )
    )


def units_q(scope: Scope, field: str = "admin_unit") -> Q | None:
    """The condition on ``field`` (a foreign key to AdminUnit) for the reader's places."""
    roots = unit_roots(scope)
    if roots is None:
        return None
    return (
        Q(**{f"{field}__in": roots})
        | Q(**{f"{field}__parent__in": roots})
        | Q(**{f"{field}__parent__parent__in": roots})
    )


def unit_chain(unit: AdminUnit) -> list[int]:
    """The unit and the units above it, nearest first (one query per level, so the chain is
    kept on the instance: a page asks for it to check access, for targets and for its parent)."""
    kept = unit.__dict__.get("_unit_chain")
    if kept is not None and kept[0] == unit.parent_id:
        return list(kept[1])
    chain, parent = [unit.pk], unit.parent_id
    while parent and len(chain) < 6:
        chain.append(parent)
        parent = AdminUnit.objects.filter(pk=parent).values_list("parent_id", flat=True).first()
    unit.__dict__["_unit_chain"] = (unit.parent_id, tuple(chain))
    return chain


def place(scope: Scope, pk: int) -> AdminUnit:
    """A place the reader sees; AdminUnit.DoesNotExist otherwise (a 404, never a 403)."""
    unit = AdminUnit.objects.select_related("parent").get(pk=pk)
    roots = unit_roots(scope)
    if roots is not None and not roots.intersection(unit_chain(unit)):
        raise AdminUnit.DoesNotExist
    return unit


def visible_parent(scope: Scope, unit: AdminUnit) -> AdminUnit | None:
    """The place above ``unit`` if the reader sees it (a commune official does not see the
    city); ``place`` has loaded it with ``unit``."""
    if not unit.parent_id:
        return None
    roots = unit_roots(scope)
    if roots is not None and not roots.intersection(unit_chain(unit)[1:]):
        return None
    return unit.parent


def home_place(scope: Scope) -> AdminUnit | None:
    """Where the dashboard opens: Ho Chi Minh City for everyone who sees it, otherwise the
    reader's widest place (a province before a commune before a hamlet)."""
    city = AdminUnit.objects.filter(
        country="VN", level=AdminUnit.Level.PROVINCE, code="79", valid_to__isnull=True
    ).first()
    roots = unit_roots(scope)
    if roots is None:
        return city
    if city is not None and city.pk in roots:
        return city
    order = {"province": 0, "district": 1, "commune": 2, "hamlet": 3}
    units = sorted(
        AdminUnit.objects.filter(pk__in=roots, valid_to__isnull=True),
        key=lambda u: (order.get(u.level, 9), u.name),
    )
    return units[0] if units else None


def writable_places(scope: Scope, levels=(AdminUnit.Level.PROVINCE, AdminUnit.Level.COMMUNE)):
    """Current places the user writes for (``Scope.can_write_place``): where an
    organisation they write for is placed, and the places below it."""
    qs = AdminUnit.objects.filter(country="VN", level__in=levels, valid_to__isnull=True)
    if not scope.everything:
        roots = scope.filter(
            Organisation.objects.filter(admin_unit__isnull=False), write=True
        ).values("admin_unit_id")
        qs = qs.filter(Q(pk__in=roots) | Q(parent__in=roots) | Q(parent__parent__in=roots))
    return qs.select_related("parent").order_by("level", "parent__name", "name", "id")


def hamlets_of(commune: AdminUnit, year: int):
    """The commune's hamlets that were not retired before the year began (subjects keep
    their current place for earlier years too, so a newer hamlet counts for them)."""
    return (
        AdminUnit.objects.filter(parent=commune, level=HAMLET)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=dt.date(year, 1, 1)))
        .order_by("name", "id")
    )


def communes_of(province: AdminUnit, year: int):
    """The province's communes that were not retired before the year began."""
    return (
        AdminUnit.objects.filter(parent=province, level=COMMUNE)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=dt.date(year, 1, 1)))
        .order_by("name", "id")
    )


def retired_onto(unit: AdminUnit) -> list[int]:
    """Retired units (before July 2025) whose records are re-aggregated onto ``unit``."""
    return [old for old, p in successor_map().items() if p.unit == unit.pk]
