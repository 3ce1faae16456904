"""Reference places: Iran's 31 provinces and Vietnam's units before and after 1 July 2025.

- Iran: the provinces (ISO 3166-2:IR numeric codes), from ``data/iran_provinces.json``.
- Vietnam since 2025-07-01: the 34 provinces and 3,321 communes of the installed
  ``vietnam-provinces`` package (no district level any more).
- Vietnam before 2025-07-01 (for 2022–2025 records): the 63 provinces with their successor
  under Resolution 202/2025/QH15 (``data/vn_provinces_2008.json``) and Ho Chi Minh City's
  22 districts, whose successor is the new city, approximately (``data/hcmc_districts_2008.json``).

``load_places`` is idempotent: units are matched on (country, level, code, valid_from), missing
ones are inserted with ``bulk_create`` and changed ones updated with ``bulk_update``.
``bulk_create`` skips ``save()``, so the search key is computed here with the same formula.
"""

import datetime as dt
import json
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.db import transaction

from edupact.core.text import normalise, search_key

from .models import AdminUnit, AdminUnitSuccession, Country

DATA_DIR = Path(__file__).resolve().parent / "data"
VN_REFORM = dt.date(2025, 7, 1)  # Vietnam's 34 provinces and two-level local government
BATCH = 500
Level = AdminUnit.Level

# English names where the Vietnamese one is not simply the name without diacritics.
_VN_PROVINCE_EN = {
    1: "Hanoi",
    31: "Hai Phong",
    46: "Hue",
    48: "Da Nang",
    79: "Ho Chi Minh City",
    92: "Can Tho",
}
_UPDATABLE = ("name", "name_i18n", "kind", "parent_id", "valid_to", "search_key")


def translated_search_key(obj) -> None:
    """What ``Translated.save`` does before writing: normalised name and folded search key."""
    obj.name = normalise(obj.name)
    keys = [obj.name, *obj.name_i18n.values()]
    obj.search_key = search_key(" | ".join(k for k in keys if k))[:400]


def ascii_name(value: str) -> str:
    """``Thành phố Hồ Chí Minh`` → ``Thanh pho Ho Chi Minh`` (case kept, diacritics dropped)."""
    value = value.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@cache
def read_data(name: str) -> dict:
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


@dataclass
class UnitSpec:
    country: str
    level: str
    code: str
    name: str
    kind: str
    en: str = ""
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    parent: tuple | None = None  # key of the parent unit
    extra: dict = field(default_factory=dict)

    @property
    def key(self) -> tuple:
        return (self.country, self.level, self.code, self.valid_from)


def unit_key(unit: AdminUnit) -> tuple:
    return (unit.country, unit.level, unit.code, unit.valid_from)


def iran_provinces() -> list[UnitSpec]:
    data = read_data("iran_provinces.json")
    return [
        UnitSpec(Country.IRAN, Level.PROVINCE, p["code"], p["name"], data["kind"], p["en"])
        for p in data["provinces"]
    ]


def vietnam_provinces() -> list[UnitSpec]:
    from vietnam_provinces import Province

    specs = []
    for p in sorted(Province.iter_all(), key=lambda p: int(p.code)):
        name = p.name
        en = _VN_PROVINCE_EN.get(int(p.code)) or ascii_name(name)
        specs.append(
            UnitSpec(
                Country.VIETNAM,
                Level.PROVINCE,
                f"{int(p.code):02d}",
                name,
                p.division_type.value,
                en,
                valid_from=VN_REFORM,
            )
        )
    return specs


def vietnam_communes() -> list[UnitSpec]:
    from vietnam_provinces import Ward

    return [
        UnitSpec(
            Country.VIETNAM,
            Level.COMMUNE,
            f"{int(w.code):05d}",
            w.name,
            w.division_type.value,
            valid_from=VN_REFORM,
            parent=(Country.VIETNAM, Level.PROVINCE, f"{int(w.province_code):02d}", VN_REFORM),
        )
        for w in sorted(Ward.iter_all(), key=lambda w: int(w.code))
    ]


def vietnam_provinces_2008() -> list[UnitSpec]:
    data = read_data("vn_provinces_2008.json")
    valid_to = dt.date.fromisoformat(data["valid_to"])
    return [
        UnitSpec(
            Country.VIETNAM,
            Level.PROVINCE,
            p["code"],
            p["name"],
            p["kind"],
            p["en"],
            valid_to=valid_to,
            extra={"successor": p["successor"]},
        )
        for p in data["provinces"]
    ]


def hcmc_districts_2008() -> list[UnitSpec]:
    data = read_data("hcmc_districts_2008.json")
    valid_to = dt.date.fromisoformat(data["valid_to"])
    parent = (Country.VIETNAM, Level.PROVINCE, data["province"], None)
    return [
        UnitSpec(
            Country.VIETNAM,
            Level.DISTRICT,
            d["code"],
            d["name"],
            d["kind"],
            d["en"],
            valid_to=valid_to,
            parent=parent,
        )
        for d in data["districts"]
    ]


def _build(spec: UnitSpec, units: dict) -> AdminUnit:
    unit = AdminUnit(
        country=spec.country,
        level=spec.level,
        code=spec.code,
        name=spec.name,
        kind=spec.kind,
        name_i18n={"en": spec.en} if spec.en else {},
        valid_from=spec.valid_from,
        valid_to=spec.valid_to,
        parent_id=units[spec.parent].pk if spec.parent else None,
    )
    translated_search_key(unit)
    return unit


def _sync_units(specs: list[UnitSpec], units: dict, counts: dict) -> None:
    """Insert the missing units of one wave and update those whose data changed."""
    new, changed = [], []
    for spec in specs:
        wanted = _build(spec, units)
        have = units.get(spec.key)
        if have is None:
            new.append(wanted)
            continue
        if any(getattr(have, f) != getattr(wanted, f) for f in _UPDATABLE):
            for f in _UPDATABLE:
                setattr(have, f, getattr(wanted, f))
            changed.append(have)
    AdminUnit.objects.bulk_create(new, batch_size=BATCH)
    AdminUnit.objects.bulk_update(changed, _UPDATABLE, batch_size=BATCH)
    for unit in new:
        if unit.pk is None:  # a database that returns no ids from bulk inserts
            unit.pk = AdminUnit.objects.get(
                country=unit.country, level=unit.level, code=unit.code, valid_from=unit.valid_from
            ).pk
        units[unit_key(unit)] = unit
    counts["units_created"] += len(new)
    counts["units_updated"] += len(changed)


def _sync_successions(pairs: list[tuple[int, int, bool]], counts: dict) -> None:
    old_ids = {old for old, _, _ in pairs}
    have = {(s.old_id, s.new_id): s for s in AdminUnitSuccession.objects.filter(old_id__in=old_ids)}
    new, changed = [], []
    for old, successor, approximate in pairs:
        row = have.get((old, successor))
        if row is None:
            new.append(AdminUnitSuccession(old_id=old, new_id=successor, approximate=approximate))
        elif row.approximate != approximate:
            row.approximate = approximate
            changed.append(row)
    AdminUnitSuccession.objects.bulk_create(new, batch_size=BATCH)
    AdminUnitSuccession.objects.bulk_update(changed, ["approximate"], batch_size=BATCH)
    counts["successions_created"] += len(new)
    counts["successions_updated"] += len(changed)


@transaction.atomic
def load_places() -> dict[str, int]:
    """Create or refresh every reference unit; returns what was created and updated."""
    counts = dict.fromkeys(
        ("units_created", "units_updated", "successions_created", "successions_updated"), 0
    )
    units = {
        unit_key(u): u
        for u in AdminUnit.objects.filter(country__in=[Country.IRAN, Country.VIETNAM])
        .exclude(code="")
        .exclude(level=Level.HAMLET)
    }
    old_provinces = vietnam_provinces_2008()
    districts = hcmc_districts_2008()
    # Parents first: provinces (all three sets), then communes and districts.
    _sync_units(iran_provinces() + vietnam_provinces() + old_provinces, units, counts)
    _sync_units(vietnam_communes() + districts, units, counts)

    def new_province(code: str) -> AdminUnit:
        return units[(Country.VIETNAM, Level.PROVINCE, code, VN_REFORM)]

    pairs = [(units[p.key].pk, new_province(p.extra["successor"]).pk, False) for p in old_provinces]
    hcmc = new_province(read_data("hcmc_districts_2008.json")["province"])
    pairs += [(units[d.key].pk, hcmc.pk, True) for d in districts]
    _sync_successions(pairs, counts)
    return counts
