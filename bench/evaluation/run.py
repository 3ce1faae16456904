"""Evaluation benchmark: rollups and the dashboard for a Ho Chi Minh City-sized population.

    python bench/evaluation/run.py [--db sqlite|postgres|both] [--households 3000000]
                                   [--hamlets 5000] [--requests 100]

Loads ``bench/evaluation/dataset.py`` into a new database (SQLite in a temporary
``EDUPACT_VAR_DIR``, PostgreSQL in a throwaway cluster), then measures edupact's own code:

1. ``rollups.refresh()`` from scratch (each query's time is kept, to see where it goes);
2. ``rollups.refresh(hamlet)`` after a set-based change to that hamlet's assessments
   (the commune recognises its reviewed households), for several hamlets;
3. the dashboard pages (city, city by model, a commune, a hamlet) through Django's test
   ``Client`` as the city association's secretariat, wall and CPU time per request;
4. DuckDB computing the same rollup from the same rows (exported as CSV: DuckDB's sqlite and
   postgres extensions need a download), asserted equal to the ``Rollup`` table.

Prints a Markdown table and writes ``bench/results/evaluation-<db>.json``. With
``--reuse DB --only dashboard`` only step 3 runs (``evaluation-<db>-dashboard.json``), to
compare code versions on the same rows; ``pages.py`` checks that they show the same HTML.
"""

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCH = HERE.parent
REPO = BENCH.parent
RESULTS = BENCH / "results"
AIMS = {  # seconds, or ms for pages
    "full_rollup_s": {"sqlite": 120, "postgres": 60},
    "incremental_s": 2,
    "dashboard_p95_ms": 200,
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--households", type=int, default=3_000_000)
    parser.add_argument("--hamlets", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=100, help="timed requests per page")
    parser.add_argument("--full-runs", type=int, default=2, help="full refreshes to time")
    parser.add_argument("--hamlet-runs", type=int, default=5, help="hamlets refreshed one by one")
    parser.add_argument("--keep", help="SQLite: copy the database to this path at the end")
    parser.add_argument("--reuse", help="SQLite: start from a database kept with --keep")
    parser.add_argument(
        "--only",
        choices=["dashboard"],
        help="with --reuse: time only the dashboard pages (to compare code versions)",
    )
    return parser.parse_args(argv)


def command_line(args) -> str:
    only = f" --only {args.only}" if args.only else ""
    return (
        f"python bench/evaluation/run.py --db {args.db} --households {args.households} "
        f"--hamlets {args.hamlets} --requests {args.requests}{only}"
    )


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.db == "both":
        for db in ("sqlite", "postgres"):
            rest = [a for a in (sys.argv[1:] if argv is None else argv) if not a.startswith("--db")]
            subprocess.run([sys.executable, __file__, *rest, "--db", db], check=True)
        return 0
    started = time.perf_counter()
    sys.path[:0] = [str(REPO), str(BENCH), str(HERE)]
    import harness

    with harness.environment(args.db, "edupact-bench-eval-", reuse=args.reuse):
        result = bench(args, started)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"evaluation-{args.db}{'-dashboard' if args.only else ''}.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    if not args.only:
        print(markdown(result))
    print(f"\nwrote {out.relative_to(REPO)}; {args.db} run took {result['runtime_s']:.0f} s")
    return 0


def log(msg: str) -> None:
    print(msg, flush=True)


def bench(args, started: float) -> dict:
    import django

    django.setup()
    import dataset
    from directory.run import _db_version, machine
    from django.core.management import call_command
    from django.db import connection

    call_command("collectstatic", interactive=False, verbosity=0)
    if args.reuse:
        log(f"[{args.db}] reuse {args.reuse}")
        plan = dataset.Plan(args.households, args.hamlets, counts=dataset._counts())
    else:
        log(f"[{args.db}] migrate")
        call_command("migrate", verbosity=0)
        log(f"[{args.db}] load {args.households:,} households")
        plan = dataset.load(args.households, args.hamlets, log=log)
    log(f"  {plan.counts}")
    result = {
        "database": args.db,
        "database_version": _db_version(connection),
        "command": command_line(args),
        "machine": machine(),
        "sizes": plan.counts,
        "load_seconds": plan.timings,
        "aims": AIMS,
    }
    if args.only == "dashboard" and args.reuse:  # the kept database has its rollups
        result["dashboard"] = dashboard(args)
        result["runtime_s"] = round(time.perf_counter() - started, 1)
        return result
    result["full_rollup"] = full_rollups(args)
    result["incremental"] = incremental(args)
    result["dashboard"] = dashboard(args)
    result["duckdb"] = duckdb_compare()
    if args.keep and connection.vendor == "sqlite":
        keep(connection, args.keep)
    result["runtime_s"] = round(time.perf_counter() - started, 1)
    return result


def keep(connection, path: str) -> None:
    """A consistent copy of the SQLite database (the WAL included), for ``--reuse``."""
    import sqlite3

    connection.ensure_connection()
    with contextlib.closing(sqlite3.connect(path)) as target:
        connection.connection.backup(target)


# 1. Full rollup ---------------------------------------------------------------------------------


def full_rollups(args) -> list[dict]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from edupact.evaluation import rollups

    runs = []
    for n in range(args.full_runs):
        load = os.getloadavg()[0]
        cpu = time.process_time()
        server = _server_cpu(connection)
        with CaptureQueriesContext(connection) as captured:
            t = time.perf_counter()
            counts = rollups.refresh()
            wall = time.perf_counter() - t
        queries = sorted(
            ((float(q["time"]), q["sql"]) for q in captured.captured_queries), reverse=True
        )
        run = {
            "wall_s": round(wall, 2),
            "cpu_s": round(time.process_time() - cpu + _server_cpu(connection, server), 2),
            "rows": counts,
            "queries": len(queries),
            "slowest_queries": [{"s": round(s, 2), "sql": sql[:700]} for s, sql in queries[:4]],
            "loadavg_1m": [round(load, 2), round(os.getloadavg()[0], 2)],
        }
        runs.append(run)
        log(
            f"  full refresh {n + 1}: {run['wall_s']:.1f} s (CPU {run['cpu_s']:.1f} s), {counts}, "
            f"slowest queries {[q['s'] for q in run['slowest_queries']]} s, load {load:.1f}"
        )
    return runs


# 2. One hamlet's changes ------------------------------------------------------------------------


def incremental(args) -> list[dict]:
    from django.db import connection, transaction

    from edupact.directory.models import AdminUnit
    from edupact.evaluation import rollups
    from edupact.evaluation.models import Assessment, Subject

    hamlets = list(
        AdminUnit.objects.filter(level="hamlet").order_by("id").values_list("id", flat=True)
    )
    step = max(1, len(hamlets) // args.hamlet_runs)
    runs = []
    for pk in hamlets[::step][: args.hamlet_runs]:
        hamlet = AdminUnit.objects.get(pk=pk)
        with transaction.atomic():  # the commune's decision recognises the reviewed ones
            changed = Assessment.objects.filter(
                subject__in=Subject.objects.filter(admin_unit=hamlet),
                recognised=True,
                status=Assessment.Status.REVIEWED,
            ).update(status=Assessment.Status.RECOGNISED)
        cpu = time.process_time()
        server = _server_cpu(connection)
        t = time.perf_counter()
        counts = rollups.refresh(hamlet)
        wall = time.perf_counter() - t
        runs.append(
            {
                "hamlet": pk,
                "changed": changed,
                "wall_s": round(wall, 3),
                "cpu_s": round(time.process_time() - cpu + _server_cpu(connection, server), 3),
                "rows": counts,
                "loadavg_1m": round(os.getloadavg()[0], 2),
            }
        )
        log(f"  refresh(hamlet {pk}) after {changed} changes: {wall:.3f} s {counts}")
    return runs


# 3. Dashboard pages -----------------------------------------------------------------------------


def dashboard(args) -> list[dict]:
    from directory.run import summary
    from django.db import close_old_connections, connection
    from django.test import Client

    from edupact.accounts.models import Role, RoleGrant, User
    from edupact.directory.models import AdminUnit, Organisation

    city = Organisation.objects.get(kind="association", admin_unit__code="79")
    user, _ = User.objects.get_or_create(username="bench-city", defaults={"language": "vi"})
    RoleGrant.objects.get_or_create(user=user, role=Role.SECRETARIAT, organisation=city)
    commune = AdminUnit.objects.filter(level="commune", parent=city.admin_unit).order_by("id")[50]
    hamlet = AdminUnit.objects.filter(parent=commune).order_by("id").first()
    pages = [
        ("city", "/evaluation/dashboard/", {}),
        ("city, households", "/evaluation/dashboard/", {"model": "household"}),
        ("city, citizens", "/evaluation/dashboard/", {"model": "citizen"}),
        ("commune", f"/evaluation/dashboard/{commune.pk}/", {}),
        ("hamlet", f"/evaluation/dashboard/{hamlet.pk}/", {}),
    ]
    client = Client(HTTP_HOST="localhost", HTTP_ACCEPT_LANGUAGE="vi")
    client.force_login(user)
    rows = []
    for name, path, params in pages:
        for _ in range(5):
            _get(client, path, params)
            close_old_connections()
        times, cpu_times = [], []
        load = os.getloadavg()[0]
        for _ in range(args.requests):
            server = _server_cpu(connection)
            cpu = time.thread_time_ns()
            t = time.perf_counter()
            response = _get(client, path, params)
            times.append((time.perf_counter() - t) * 1000)
            cpu_times.append(
                (time.thread_time_ns() - cpu) / 1e6 + _server_cpu(connection, server) * 1000
            )
            close_old_connections()
        row = {
            "page": name,
            "path": path,
            "params": params,
            "bytes": len(response.content),
            **summary(times),
            **{f"cpu_{k}": v for k, v in summary(cpu_times).items() if k != "n"},
            "loadavg_1m": [round(load, 2), round(os.getloadavg()[0], 2)],
        }
        rows.append(row)
        log(
            f"  {name:18} p50 {row['p50_ms']:6.1f}  p95 {row['p95_ms']:6.1f} ms  "
            f"CPU p95 {row['cpu_p95_ms']:6.1f} ms"
        )
    return rows


def _get(client, path, params):
    response = client.get(path, params)
    if response.status_code != 200:
        raise SystemExit(f"GET {path} answered {response.status_code}")
    return response


def _server_cpu(connection, since=None) -> float:
    """CPU seconds of the PostgreSQL backend serving us (/proc/PID/schedstat); with ``since``,
    those used after that reading (0 on SQLite: its work is in this process)."""
    if connection.vendor != "postgresql" or connection.connection is None:
        return 0.0
    pid = connection.connection.info.backend_pid
    try:
        used = int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e9
    except (OSError, ValueError, IndexError):
        return 0.0
    return used if since is None else used - since


# 4. DuckDB --------------------------------------------------------------------------------------

ROWS_SQL = (
    "SELECT a.year, s.kind, s.admin_unit_id, s.former_admin_unit_id, a.recognised, a.status "
    "FROM evaluation_assessment a JOIN evaluation_subject s ON s.id = a.subject_id"
)
DUCK_ROLLUP = """
WITH r AS (
  SELECT a.year, a.kind, a.recognised, a.status,
         COALESCE(u.id, p.unit) AS unit, COALESCE(u.level, p.level) AS level,
         CASE WHEN u.id IS NULL THEN p.parent ELSE u.parent END AS parent,
         u.id IS NULL AND p.approximate AS approx
  FROM a LEFT JOIN u ON u.id = a.unit
         LEFT JOIN p ON a.unit IS NULL AND p.old = a.former
),
placed AS (
  SELECT r.*, 'hamlet' AS lvl, unit AS target FROM r WHERE level = 'hamlet'
  UNION ALL
  SELECT r.*, 'commune', CASE WHEN level = 'hamlet' THEN parent ELSE unit END FROM r
    WHERE level IN ('hamlet', 'commune')
  UNION ALL
  SELECT r.*, 'province', CASE r.level WHEN 'province' THEN r.unit
                                       WHEN 'commune' THEN r.parent ELSE up.parent END
    FROM r LEFT JOIN u AS up ON up.id = r.parent
    WHERE r.level = 'province'
       OR (r.level = 'commune' AND r.parent IN (SELECT id FROM u WHERE level = 'province'))
       OR (r.level = 'hamlet' AND up.parent IN (SELECT id FROM u WHERE level = 'province'))
)
SELECT year, kind, target, lvl, COUNT(*) AS registered,
       COUNT(*) FILTER (WHERE recognised) AS meeting,
       COUNT(*) FILTER (WHERE status = 'recognised') AS recognised,
       COALESCE(BOOL_OR(approx), FALSE) AS approximate
FROM placed WHERE target IS NOT NULL GROUP BY ALL
"""


def duckdb_compare() -> dict:
    import duckdb
    import harness
    from django.db import connection

    from edupact.evaluation.models import Rollup
    from edupact.evaluation.places import selectors as place_selectors

    folder = Path(tempfile.mkdtemp(prefix="edupact-duck-"))
    try:
        t = time.perf_counter()
        harness.export_csv(connection, ROWS_SQL, folder / "a.csv")
        harness.export_csv(
            connection, "SELECT id, level, parent_id FROM directory_adminunit", folder / "u.csv"
        )
        export_s = time.perf_counter() - t
        placements = [
            (old, p.unit, p.level, p.parent, p.approximate)
            for old, p in place_selectors.successor_map().items()
        ]
        duck = duckdb.connect()
        t = time.perf_counter()
        duck.execute(
            f"CREATE TABLE a AS SELECT * FROM read_csv('{folder / 'a.csv'}', header=false, "
            "columns={'year': 'INTEGER', 'kind': 'VARCHAR', 'unit': 'BIGINT', "
            "'former': 'BIGINT', 'recognised': 'BOOLEAN', 'status': 'VARCHAR'})"
        )
        duck.execute(
            f"CREATE TABLE u AS SELECT * FROM read_csv('{folder / 'u.csv'}', header=false, "
            "columns={'id': 'BIGINT', 'level': 'VARCHAR', 'parent': 'BIGINT'})"
        )
        load_s = time.perf_counter() - t
        duck.execute(
            "CREATE TABLE p (old BIGINT, unit BIGINT, level VARCHAR, parent BIGINT, "
            "approximate BOOLEAN)"
        )
        if placements:
            duck.executemany("INSERT INTO p VALUES (?, ?, ?, ?, ?)", placements)
        t = time.perf_counter()
        duck_rows = duck.execute(DUCK_ROLLUP).fetchall()
        aggregate_s = time.perf_counter() - t
        rows_n = duck.execute("SELECT COUNT(*) FROM a").fetchone()[0]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    ours = set(
        Rollup.objects.values_list(
            "year",
            "model",
            "admin_unit_id",
            "level",
            "registered",
            "meeting",
            "recognised",
            "approximate",
        )
    )
    theirs = {tuple(r) for r in duck_rows}
    if ours != theirs:
        raise SystemExit(
            f"DuckDB and the Rollup table differ: {len(ours - theirs)} rows only in edupact "
            f"({sorted(ours - theirs)[:3]}), {len(theirs - ours)} only in DuckDB "
            f"({sorted(theirs - ours)[:3]})"
        )
    result = {
        "rows_read": rows_n,
        "rollup_rows": len(ours),
        "equal": True,
        "export_s": round(export_s, 2),
        "load_s": round(load_s, 2),
        "aggregate_s": round(aggregate_s, 2),
        "duckdb_version": duckdb.__version__,
    }
    log(
        f"  DuckDB: {rows_n:,} rows exported in {export_s:.1f} s, loaded in {load_s:.1f} s, "
        f"aggregated in {aggregate_s:.2f} s; {len(ours):,} rollup rows equal"
    )
    return result


# Report -----------------------------------------------------------------------------------------


def markdown(result: dict) -> str:
    db = result["database"]
    full = result["full_rollup"]
    inc = result["incremental"]
    lines = [
        f"### {result['database_version']}",
        "",
        f"`{result['command']}` — {result['sizes']['subjects']:,} subjects, "
        f"{result['sizes']['assessments']:,} assessments; load "
        f"{result['load_seconds'].get('total', 0):.0f} s.",
        "",
        "| measure | aim | result |",
        "| --- | ---: | ---: |",
        f"| full rollup (s) | ≤ {AIMS['full_rollup_s'][db]} | "
        + " / ".join(f"{r['wall_s']:.1f}" for r in full)
        + " |",
        f"| refresh after one hamlet's changes (s) | ≤ {AIMS['incremental_s']} | "
        f"max {max(r['wall_s'] for r in inc):.3f} |",
    ]
    for r in result["dashboard"]:
        lines.append(
            f"| dashboard {r['page']} p95 (ms) | < {AIMS['dashboard_p95_ms']} | "
            f"{r['p95_ms']:.1f} (p50 {r['p50_ms']:.1f}) |"
        )
    d = result["duckdb"]
    lines.append(
        f"| DuckDB same rollup (s; equal) | — | {d['aggregate_s']:.2f} "
        f"(+ export {d['export_s']:.1f}, load {d['load_s']:.1f}) |"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
