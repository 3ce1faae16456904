"""A Ho Chi Minh City-sized evaluation population, written with set-based SQL.

The places are the real ones (``load_places``: province 79 and its 168 communes); about
5,000 hamlets are added under them, each commune's study-encouragement branch registers
its subjects, and every subject has one assessment for ``YEAR``. Per 100 households:
1 clan, 10 citizens and 0.5 units (placed in the commune); one hamlet subject per hamlet,
one commune subject per commune, and a few units known only by their district before
July 2025 (re-aggregated through the successions, as in real 2025 records).

Rows are generated inside the database: ``INSERT … SELECT`` over a number series
(``generate_series`` on PostgreSQL, a recursive CTE on SQLite) joined to small lookup
tables (``bench_*``: hamlets with their branch and meeting share, 4,096 household names with
their search keys, the scored pass/fail assessment of each model). A commune's share of
subjects meeting the criteria is between 50 and 80 % (about 65 % overall); 90 % of those
are recognised by decision, the rest reviewed.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

YEAR = 2025
SEED = 79
NAMES = 4096
MODELS = ("household", "clan", "hamlet", "unit", "citizen", "commune")
# Knuth's multiplicative hash: spreads consecutive numbers over hamlets, names and outcomes.
HASH = 2654435761


@dataclass
class Plan:
    households: int
    hamlets: int = 5000
    counts: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)


def _series(n: int) -> tuple[str, str]:
    """(WITH clause, FROM item) yielding ``i`` = 0 … n-1."""
    if connection.vendor == "postgresql":
        return "", f"generate_series(0, {n - 1}) AS seq(i)"
    return (
        f"WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < {n - 1}) ",
        "seq",
    )


def _execute(sql: str, params=None) -> int:
    """Run one statement; with ``params``, a literal ``%`` is written ``%%``."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def load(households: int, hamlets: int = 5000, log=print) -> Plan:
    plan = Plan(households, hamlets)
    started = time.perf_counter()

    def step(name, work):
        t = time.perf_counter()
        result = work()
        plan.timings[name] = round(time.perf_counter() - t, 2)
        log(f"  {name}: {plan.timings[name]:.1f} s")
        return result

    from django.core.management import call_command

    step("places", lambda: call_command("load_places", verbosity=0))
    frameworks = step("frameworks", _frameworks)
    city, branches = step("organisations", _organisations)
    with transaction.atomic():
        step("hamlets", lambda: _hamlets(branches, hamlets))
        step("lookups", lambda: _lookups(frameworks))
        step("subjects", lambda: _subjects(plan, city))
        step("assessments", _assessments)
    step("analyse", _analyse)
    plan.timings["total"] = round(time.perf_counter() - started, 2)
    plan.counts.update(_counts())
    return plan


def _frameworks() -> dict:
    """The framework each model is scored by in ``YEAR`` (placeholders for the 2021–2030
    household, clan and hamlet frameworks, as the demo does)."""
    from edupact.evaluation import services
    from edupact.evaluation.models import Framework

    services.load_frameworks()
    services.load_frameworks(services.PLACEHOLDERS)
    services.load_targets()
    found = {}
    for model in MODELS:
        for framework in Framework.objects.filter(model=model).order_by("-valid_from", "-id"):
            if services.framework_applies(framework, YEAR):
                found[model] = framework
                break
    missing = set(MODELS) - set(found)
    if missing:
        raise SystemExit(f"no framework applies to {YEAR} for {sorted(missing)}")
    return found


def _organisations():
    """The city association and one study-encouragement branch per commune (169 rows)."""
    from edupact.directory.models import AdminUnit, Organisation

    province = AdminUnit.objects.get(
        country="VN", level="province", code="79", valid_to__isnull=True
    )
    K = Organisation.Kind
    city = Organisation.objects.create(
        name="Hội Khuyến học Thành phố Hồ Chí Minh",
        kind=K.ASSOCIATION,
        country="VN",
        admin_unit=province,
        language="vi",
        currency="VND",
        time_zone="Asia/Ho_Chi_Minh",
        calendar="gregorian",
    )
    branches = []
    for commune in AdminUnit.objects.filter(parent=province, level="commune").order_by("code"):
        branch = Organisation(
            name=f"Chi hội Khuyến học {commune.name}",
            kind=K.BRANCH,
            parent=city,
            country="VN",
            admin_unit=commune,
            language="vi",
            currency="VND",
            time_zone="Asia/Ho_Chi_Minh",
            calendar="gregorian",
        )
        branch.save()
        branches.append(branch)
    return city, branches


def _hamlets(branches, hamlets: int) -> None:
    """``hamlets`` quarters spread over the communes, 20 to 40 each, written in one INSERT."""
    from edupact.directory.models import AdminUnit

    _execute(
        "CREATE TABLE bench_commune (idx INTEGER PRIMARY KEY, unit_id BIGINT, org_id BIGINT, "
        "share INTEGER, first INTEGER, n INTEGER)"
    )
    rng = random.Random(SEED)
    weights = [rng.uniform(20, 40) for _ in branches]
    scale = hamlets / sum(weights)
    sizes = [max(1, round(w * scale)) for w in weights]
    sizes[-1] += hamlets - sum(sizes)
    rows, first = [], 0
    for idx, (branch, n) in enumerate(zip(branches, sizes, strict=True)):
        # 50 … 80 % meet the criteria, about 65 % overall.
        rows.append((idx, branch.admin_unit_id, branch.pk, 50 + (idx * 37) % 31, first, n))
        first += n
    with connection.cursor() as cursor:
        cursor.executemany("INSERT INTO bench_commune VALUES (%s, %s, %s, %s, %s, %s)", rows)
    table = AdminUnit._meta.db_table
    with_, series = _series(max(sizes))
    # "Khu phố N" is already normalised; its search key is its ASCII folding.
    _execute(
        f"{with_}INSERT INTO {table} (name, name_i18n, search_key, country, level, kind, code, "
        "parent_id, valid_from, valid_to) "
        "SELECT 'Khu phố ' || (i + 1), '{}', 'khu pho ' || (i + 1), 'VN', 'hamlet', 'khu phố', "
        f"'', c.unit_id, NULL, NULL FROM bench_commune c JOIN {series} ON i < c.n "
        "ORDER BY c.idx, i"
    )
    _execute(
        "CREATE TABLE bench_hamlet (idx INTEGER PRIMARY KEY, unit_id BIGINT, org_id BIGINT, "
        "share INTEGER)"
    )
    _execute(
        "INSERT INTO bench_hamlet SELECT c.first + ROW_NUMBER() OVER (PARTITION BY c.idx "
        "ORDER BY u.id) - 1, u.id, c.org_id, c.share "
        f"FROM {table} u JOIN bench_commune c ON u.parent_id = c.unit_id WHERE u.level = 'hamlet'"
    )


def _lookups(frameworks) -> None:
    """Household names with their real search keys, and each model's scored assessment."""
    from edupact.demo import evaluation as demo
    from edupact.directory.places import translated_search_key
    from edupact.evaluation import exchange, scoring
    from edupact.evaluation.models import Assessment, Subject

    def keyed(name: str) -> tuple[str, str]:
        s = Subject(name=name, name_i18n={})
        translated_search_key(s)
        return s.name, s.search_key

    rng = random.Random(SEED)
    names = []
    for i in range(NAMES):
        household = demo._household_name(rng)  # "Hộ ông Nguyễn Văn An"
        person = household.split(" ", 2)[2]
        family = person.split(" ")[0]
        names.append((i, *keyed(household), *keyed(person), *keyed(f"Dòng họ {family}")))
    _execute(
        "CREATE TABLE bench_name (idx INTEGER PRIMARY KEY, household TEXT, hkey TEXT, "
        "person TEXT, pkey TEXT, clan TEXT, ckey TEXT)"
    )
    with connection.cursor() as cursor:
        cursor.executemany("INSERT INTO bench_name VALUES (%s, %s, %s, %s, %s, %s, %s)", names)

    columns = demo.COLUMNS[2:]  # framework_id … updated_at
    _execute(
        "CREATE TABLE bench_template (model VARCHAR(20), passing INTEGER, "
        + ", ".join(f"{c} {_type(c)}" for c in columns)
        + ")"
    )
    rows = []
    for model, framework in frameworks.items():
        data = exchange.to_data(framework)
        for passing in (True, False):
            answers = demo._answers(data, passing)
            result = scoring.score(data, answers)
            fields = {
                "framework": framework,
                "answers": answers,
                "result": result,
                "total": result["total"],
                "level": result["level"],
                "recognised": passing,
                "band": (result.get("band") or {}).get("code", ""),
                "status": Assessment.Status.SELF_ASSESSED,
            }
            rows.append((model, int(passing), *demo._prepared(fields)))
    marks = ", ".join(["%s"] * (len(columns) + 2))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO bench_template VALUES ({marks})", rows)


def _type(column: str) -> str:
    from edupact.evaluation.models import Assessment

    if column in ("answers", "result"):
        return "JSONB" if connection.vendor == "postgresql" else "TEXT"
    if column in ("created_at", "updated_at"):
        return "TIMESTAMPTZ" if connection.vendor == "postgresql" else "TEXT"
    return Assessment._meta.get_field(column.removesuffix("_id")).db_type(connection)


def _subjects(plan: Plan, city) -> None:
    from edupact.directory.models import AdminUnit
    from edupact.evaluation.models import Subject

    table = Subject._meta.db_table
    n = plan.households
    now = timezone.now()
    hamlets = plan.hamlets
    insert = (
        f"INSERT INTO {table} (name, name_i18n, search_key, kind, code, organisation_id, "
        "admin_unit_id, former_admin_unit_id, parent_id, person_id, active, created_at) "
    )
    # Households and citizens: spread over the hamlets by a hash; names from the lookup.
    for kind, prefix, count, name in (
        ("household", "H", n, ("household", "hkey")),
        ("citizen", "CD", n // 10, ("person", "pkey")),
    ):
        with_, series = _series(count)
        _execute(
            f"{with_}{insert}SELECT nm.{name[0]}, %s, nm.{name[1]}, %s, %s || i, h.org_id, "
            f"h.unit_id, NULL, NULL, NULL, TRUE, %s FROM {series} JOIN bench_hamlet h "
            f"ON h.idx = (CAST(i AS BIGINT) * {HASH}) %% 4294967296 %% {hamlets} "
            f"JOIN bench_name nm ON nm.idx = (CAST(i AS BIGINT) * 40503) %% {NAMES}",
            ["{}", kind, prefix, now],
        )
    # Clans: one per 100 households, in round-robin over the hamlets.
    with_, series = _series(max(1, n // 100))
    _execute(
        f"{with_}{insert}SELECT nm.clan, %s, nm.ckey, 'clan', 'C' || i, "
        f"h.org_id, h.unit_id, NULL, NULL, NULL, TRUE, %s FROM {series} "
        f"JOIN bench_hamlet h ON h.idx = i %% {hamlets} "
        f"JOIN bench_name nm ON nm.idx = (CAST(i AS BIGINT) * 40503) %% {NAMES}",
        ["{}", now],
    )
    # Each hamlet and each commune as a learning community; units in the communes.
    units = AdminUnit._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM bench_commune")
        len_communes = cursor.fetchone()[0]
    _execute(
        f"{insert}SELECT u.name, %s, u.search_key, 'hamlet', 'A' || h.idx, h.org_id, "
        f"h.unit_id, NULL, NULL, NULL, TRUE, %s FROM bench_hamlet h "
        f"JOIN {units} u ON u.id = h.unit_id",
        ["{}", now],
    )
    _execute(
        f"{insert}SELECT u.name, %s, u.search_key, 'commune', 'X' || c.idx, c.org_id, "
        f"c.unit_id, NULL, NULL, NULL, TRUE, %s FROM bench_commune c "
        f"JOIN {units} u ON u.id = c.unit_id",
        ["{}", now],
    )
    with_, series = _series(max(1, n // 200))
    _execute(
        f"{with_}{insert}SELECT 'Đơn vị học tập ' || i, %s, 'don vi hoc tap ' || i, "
        f"'unit', 'U' || i, c.org_id, c.unit_id, NULL, NULL, NULL, TRUE, %s FROM {series} "
        f"JOIN bench_commune c ON c.idx = i %% {len_communes}",
        ["{}", now],
    )
    # Units known only by their district before July 2025 (the city association's).
    districts = list(
        AdminUnit.objects.filter(
            country="VN", level="district", parent__code="79", valid_to__isnull=False
        ).values_list("pk", flat=True)
    )
    rows = (
        [
            (
                f"Trung tâm Văn hóa {i}",
                "{}",
                f"trung tam van hoa {i}",
                "unit",
                f"D{i}",
                city.pk,
                None,
                districts[i % len(districts)],
                None,
                None,
                True,
                now,
            )
            for i in range(min(200, max(1, n // 15000)))
        ]
        if districts
        else []
    )
    marks = ", ".join(["%s"] * 12)
    with connection.cursor() as cursor:
        cursor.executemany(f"{insert}VALUES ({marks})", rows)


def _assessments() -> None:
    """One assessment per subject: pass/fail by a hash against its commune's share; 90 % of
    those meeting the criteria are recognised, the rest reviewed; of the others 70 % are
    not recognised, 30 % still self-assessed."""
    from edupact.demo import evaluation as demo
    from edupact.evaluation.models import Assessment, Subject

    columns = ", ".join(demo.COLUMNS)
    picked = ", ".join(f"t.{c}" for c in demo.COLUMNS[2:])
    # status is chosen here, not taken from the template.
    picked = picked.replace(
        "t.status",
        "CASE WHEN t.passing = 1 THEN (CASE WHEN x.h / 100 % 10 < 9 THEN 'recognised' "
        "ELSE 'reviewed' END) ELSE (CASE WHEN x.h / 100 % 10 < 7 THEN 'not_recognised' "
        "ELSE 'self_assessed' END) END",
    )
    _execute(
        f"INSERT INTO {Assessment._meta.db_table} ({columns}) "
        f"SELECT x.id, {YEAR}, {picked} FROM ("
        f"  SELECT s.id, s.kind, (CAST(s.id AS BIGINT) * {HASH}) % 4294967296 / 7 AS h,"
        "   COALESCE(hs.share, cs.share, 65) AS share"
        f"  FROM {Subject._meta.db_table} s"
        "  LEFT JOIN bench_hamlet hs ON hs.unit_id = s.admin_unit_id"
        "  LEFT JOIN bench_commune cs ON cs.unit_id = s.admin_unit_id"
        ") x JOIN bench_template t ON t.model = x.kind"
        " AND t.passing = CASE WHEN x.h % 100 < x.share THEN 1 ELSE 0 END"
    )


def _analyse() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("ANALYZE")


def _counts() -> dict:
    from edupact.directory.models import AdminUnit
    from edupact.evaluation.models import Assessment, Subject

    counts = {
        "communes": AdminUnit.objects.filter(level="commune", parent__code="79").count(),
        "hamlets": AdminUnit.objects.filter(level="hamlet").count(),
        "subjects": Subject.objects.count(),
        "assessments": Assessment.objects.count(),
        "meeting": Assessment.objects.filter(recognised=True).count(),
    }
    for kind in MODELS:
        counts[f"subjects_{kind}"] = Subject.objects.filter(kind=kind).count()
    return counts
