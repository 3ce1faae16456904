"""Demo data: three years (2023–2025) of learning-model assessments in the demo communes.

The demo (``edupact.demo``) creates Ho Chi Minh City communes, each with a study-encouragement
branch (``Organisation`` of kind branch placed in the commune) and two to four hamlets or
quarters. Here each hamlet gets its households, clans and the hamlet itself, and each commune
a few units (school, clinic, police…), every one assessed in 2023, 2024 and 2025 with shares
scattered around the targets of QĐ 387/QĐ-TTg (two communes clearly below), rising a little
each year. A few units of 2023–2024 are placed only in a district before the 2025 reform, so
the city's rows show the approximate re-aggregation. Everything is inserted in bulk, scored by
the shipped frameworks (one scoring per framework, pass and fail); a second run adds nothing.
"""

from __future__ import annotations

import random
from collections import Counter

from django.db import connection, transaction
from django.utils import timezone

from edupact.demo import vocabulary as V
from edupact.directory.models import AdminUnit, Organisation
from edupact.directory.places import translated_search_key
from edupact.evaluation import exchange, rollups, scoring, services
from edupact.evaluation.models import Assessment, Framework, Rollup, Subject

YEARS = (2023, 2024, 2025)
TARGET = {"household": 70, "clan": 65, "hamlet": 65, "unit": 80}
TREND = {2023: -6, 2024: -3, 2025: 0}
PREFIX = "DEMO-"
UNIT_NAMES = [
    ("Trường Tiểu học", "primary school"),
    ("Trường Mầm non", "kindergarten"),
    ("Trường THCS", "lower secondary school"),
    ("Trạm Y tế", "health station"),
    ("Công an", "police"),
    ("Bưu điện văn hóa", "post office"),
    ("Hợp tác xã", "cooperative"),
    ("Ủy ban nhân dân", "People's Committee"),
]


CODES = {"household": "GDHT", "clan": "DHHT", "hamlet": "CDHT-AP", "unit": "DVHT"}


def _frameworks() -> dict[str, Framework]:
    """The framework each model is scored by in 2023–2025 (the newest version applying)."""
    found = {}
    for model, code in CODES.items():
        for framework in Framework.objects.filter(code=code, model=model).order_by(
            "-valid_from", "-created_at", "-id"
        ):
            if all(services.framework_applies(framework, y) for y in YEARS):
                found[model] = framework
                break
    return found


def _answers(data: dict, passing: bool) -> dict:
    answers = {}
    for criterion in data["criteria"]:
        for ind in criterion["indicators"]:
            kind = ind.get("kind", "points")
            if kind == "points":
                answers[ind["code"]] = ind["max"] if passing else ind["max"] / 2
            elif kind == "percent":
                answers[ind["code"]] = min(ind["thresholds"].values()) if passing else 50
            else:
                answers[ind["code"]] = passing
    return answers


def _templates(frameworks: dict[str, Framework]) -> dict[tuple[str, bool], dict]:
    """Per (model, passing): the fields of an assessment, scored once."""
    out = {}
    for model, framework in frameworks.items():
        data = exchange.to_data(framework)
        for passing in (True, False):
            answers = _answers(data, passing)
            result = scoring.score(data, answers)
            out[(model, passing)] = {
                "framework": framework,
                "answers": answers,
                "result": result,
                "total": result["total"],
                "level": result["level"],
                "recognised": result["recognised"],
                "band": (result.get("band") or {}).get("code", ""),
                "status": Assessment.Status.RECOGNISED
                if result["recognised"]
                else Assessment.Status.NOT_RECOGNISED,
            }
    return out


def _household_name(rng: random.Random) -> str:
    family = rng.choices(list(V.VI_FAMILY), weights=list(V.VI_FAMILY.values()))[0]
    if rng.random() < 0.5:
        return f"Hộ ông {family} {rng.choice(V.VI_MIDDLE_MALE)} {rng.choice(V.VI_GIVEN_MALE)}"
    return f"Hộ bà {family} {rng.choice(V.VI_MIDDLE_FEMALE)} {rng.choice(V.VI_GIVEN_FEMALE)}"


def demo_communes() -> list[tuple[Organisation, AdminUnit, list[AdminUnit]]]:
    """(branch, commune, hamlets) for every HCMC commune with a study-encouragement branch."""
    branches = Organisation.objects.filter(
        kind=Organisation.Kind.BRANCH,
        admin_unit__level=AdminUnit.Level.COMMUNE,
        admin_unit__parent__code="79",
        admin_unit__parent__level=AdminUnit.Level.PROVINCE,
    ).select_related("admin_unit")
    out = []
    for branch in sorted(branches, key=lambda b: b.admin_unit.code):
        hamlets = list(
            AdminUnit.objects.filter(
                parent=branch.admin_unit, level=AdminUnit.Level.HAMLET
            ).order_by("name")
        )
        if hamlets:
            out.append((branch, branch.admin_unit, hamlets))
    return out


def _share(rng: random.Random, model: str, offset: float, year: int) -> float:
    value = TARGET[model] + offset + TREND[year] + rng.uniform(-4, 4)
    return max(5.0, min(98.0, value))


class _Batch:
    def __init__(self, templates):
        self.templates = templates
        self.subjects: list[Subject] = []
        self.plans: list[tuple[Subject, str, dict[int, bool]]] = []

    def subject(self, kind, code, name, branch, unit=None, former=None, en="") -> Subject:
        s = Subject(
            kind=kind,
            code=PREFIX + code,
            name=name,
            name_i18n={"en": en} if en else {},
            organisation=branch,
            admin_unit=unit,
            former_admin_unit=former,
        )
        translated_search_key(s)
        self.subjects.append(s)
        return s

    def assess(self, subject: Subject, model: str, outcome: dict[int, bool]) -> None:
        self.plans.append((subject, model, outcome))

    def save(self) -> Counter:
        counts: Counter = Counter()
        Subject.objects.bulk_create(self.subjects, batch_size=1000)
        prepared = {key: _prepared(fields) for key, fields in self.templates.items()}
        rows = [
            (subject.pk, year, *prepared[(model, passing)])
            for subject, model, outcome in self.plans
            for year, passing in outcome.items()
        ]
        _insert_assessments(rows)
        counts["evaluation subjects"] += len(self.subjects)
        counts["evaluation assessments"] += len(rows)
        return counts


# Assessments are inserted with one prepared statement per thousand rows: every row of a
# (model, pass/fail) shares its answers and result, so their JSON is prepared once.
COLUMNS = (
    "subject_id",
    "year",
    "framework_id",
    "answers",
    "result",
    "total",
    "level",
    "recognised",
    "band",
    "status",
    "notes",
    "created_at",
    "updated_at",
)


def _prepared(fields: dict) -> tuple:
    now = timezone.now()
    values = {**fields, "framework": fields["framework"].pk, "notes": "", "created_at": now}
    values["updated_at"] = now
    out = []
    for column in COLUMNS[2:]:
        field = Assessment._meta.get_field(column.removesuffix("_id"))
        out.append(field.get_db_prep_save(values[column.removesuffix("_id")], connection))
    return tuple(out)


def _insert_assessments(rows: list[tuple]) -> None:
    table = connection.ops.quote_name(Assessment._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in COLUMNS)
    marks = ", ".join(["%s"] * len(COLUMNS))
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"
    with connection.cursor() as cursor:
        for i in range(0, len(rows), 1000):
            cursor.executemany(sql, rows[i : i + 1000])


def _outcomes(rng, model, offset, count) -> list[dict[int, bool]]:
    """``count`` subjects' pass/fail per year, the share passing near the target."""
    per_year = {y: round(count * _share(rng, model, offset, y) / 100) for y in YEARS}
    order = list(range(count))
    rng.shuffle(order)  # the same subjects pass year after year, more of them each year
    rank = {subject: position for position, subject in enumerate(order)}
    return [{y: rank[i] < per_year[y] for y in YEARS} for i in range(count)]


def load_demo_assessments(seed: int = 2023) -> Counter:
    """Subjects and 2023–2025 assessments for the demo communes; skips communes done before."""
    frameworks = _frameworks()
    templates = _templates(frameworks)
    batch = _Batch(templates)
    done = set(
        Subject.objects.filter(code__startswith=PREFIX).values_list("organisation_id", flat=True)
    )
    communes = demo_communes()
    for n, (branch, commune, hamlets) in enumerate(communes):
        if branch.pk in done:
            continue
        rng = random.Random(f"{seed}-{commune.code}")
        # The first two communes lag well behind; the others scatter around the targets.
        offset = rng.uniform(-14, -9) if n < 2 else rng.uniform(-6, 9)
        for hamlet in hamlets:
            noise = offset + rng.uniform(-3, 3)
            if "household" in frameworks:
                count = rng.randint(60, 140)
                for i, outcome in enumerate(_outcomes(rng, "household", noise, count)):
                    code, name = f"H{hamlet.pk}-{i + 1:03d}", _household_name(rng)
                    s = batch.subject("household", code, name, branch, hamlet)
                    batch.assess(s, "household", outcome)
            if "clan" in frameworks:
                count = rng.randint(4, 10)
                families = rng.sample(list(V.VI_FAMILY), min(count, len(V.VI_FAMILY)))
                for i, outcome in enumerate(_outcomes(rng, "clan", noise, len(families))):
                    family = families[i]
                    s = batch.subject(
                        "clan",
                        f"C{hamlet.pk}-{i + 1:02d}",
                        f"Dòng họ {family} – {hamlet.name}",
                        branch,
                        hamlet,
                        en=f"{family} clan",
                    )
                    batch.assess(s, "clan", outcome)
            if "hamlet" in frameworks:
                s = batch.subject(
                    "hamlet", f"A{hamlet.pk}", hamlet.name, branch, hamlet, en=hamlet.name_in("en")
                )
                passing = {y: rng.random() * 100 < _share(rng, "hamlet", noise, y) for y in YEARS}
                batch.assess(s, "hamlet", passing)
        if "unit" in frameworks:
            kinds = rng.sample(UNIT_NAMES, rng.randint(5, 8))
            for i, outcome in enumerate(_outcomes(rng, "unit", offset, len(kinds))):
                vi, en = kinds[i]
                s = batch.subject(
                    "unit", f"U{commune.pk}-{i + 1}", f"{vi} {commune.name}", branch, commune, en=en
                )
                batch.assess(s, "unit", outcome)
    counts = Counter()
    if batch.subjects:
        counts += _former_units(batch, communes, frameworks)
        with transaction.atomic():
            counts += batch.save()
            for framework in frameworks.values():
                services.lock_framework(framework)
    return counts


def _former_units(batch: _Batch, communes, frameworks) -> Counter:
    """A few units known only by their district before July 2025 (2023–2024 records): the
    city's rows count them through the district's approximate succession."""
    if "unit" not in frameworks or not communes:
        return Counter()
    city_branch = communes[0][0].parent
    districts = list(
        AdminUnit.objects.filter(
            country="VN",
            level=AdminUnit.Level.DISTRICT,
            parent__code="79",
            valid_to__isnull=False,
        ).order_by("code")[:4]
    )
    for district in districts:
        s = batch.subject(
            "unit",
            f"D{district.pk}",
            f"Trung tâm Văn hóa {district.name}",
            city_branch,
            None,
            district,
            en=f"Cultural centre of {district.name_in('en')}",
        )
        batch.assess(s, "unit", {2023: True, 2024: district.pk % 2 == 0})
    return Counter()


def load_demo() -> Counter:
    """What the demo loader calls: the targets, the assessments, then the rollups."""
    counts: Counter = Counter()
    for name, value in services.load_frameworks(services.PLACEHOLDERS).items():
        if name in ("created", "updated", "revised"):
            counts[f"frameworks {name}"] += value
    for name, value in services.load_targets().items():
        if name != "unchanged":
            counts[f"targets {name}"] += value
    counts += load_demo_assessments()
    if counts["evaluation assessments"] or not Rollup.objects.exists():
        rollups.refresh()
    return counts
