"""Directory benchmark: load a large directory, then time the people list, search and API.

    python bench/directory/run.py [--db sqlite|postgres|both] [--people 200000]
                                  [--orgs 20000] [--requests 200]

Each database runs in its own process on a database of its own: SQLite in a temporary
``EDUPACT_VAR_DIR``, PostgreSQL in a throwaway cluster (``scripts/pg-cluster.sh``).
Requests go through Django's test ``Client`` in process, with the real middleware and a
session from ``force_login``.  After each request the connection is handled as a served
request would be (``close_old_connections``): closed on SQLite (``CONN_MAX_AGE=0``), kept
on PostgreSQL.  Each request is timed twice: wall clock, and CPU time (this thread plus,
on PostgreSQL, the server backend from /proc/PID/schedstat), which is what the request
costs when the machine is shared and busy.  Prints a Markdown table and writes
``bench/results/directory-<db>.json`` and the query plans to
``bench/results/directory-<db>-explain.txt``.
"""

import argparse
import contextlib
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCH = HERE.parent
REPO = BENCH.parent
RESULTS = BENCH / "results"
TARGET_P95_MS = 150

USERS = ["admin", "secretariat", "principal", "member"]
SURNAME = "محمدی"
VI_QUERY = "nguyen van"
SCENARIOS = [
    ("people list", "/directory/people/", {}),
    ("people list, page 400", "/directory/people/", {"page": "400"}),
    (f"search q={SURNAME}", "/directory/people/", {"q": SURNAME}),
    (f"search q={VI_QUERY}", "/directory/people/", {"q": VI_QUERY}),
    ("API list", "/api/v1/people", {"limit": "25"}),
    (f"API q={VI_QUERY}", "/api/v1/people", {"limit": "25", "q": VI_QUERY}),
]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--orgs", type=int, default=20_000)
    parser.add_argument(
        "--requests", type=int, default=200, help="timed requests per measurement (after a warm-up)"
    )
    parser.add_argument(
        "--warmup", type=int, default=10, help="untimed requests first (stopping after 5 s)"
    )
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=30,
        help="stop a measurement after this long once it has 30 requests "
        "(only requests far slower than the target reach it; 0: never)",
    )
    parser.add_argument(
        "--users", default=",".join(USERS), help="comma-separated subset of " + ",".join(USERS)
    )
    return parser.parse_args(argv)


def command_line(args) -> str:
    return (
        f"python bench/directory/run.py --db {args.db} --people {args.people} "
        f"--orgs {args.orgs} --requests {args.requests} --max-seconds {args.max_seconds:g}"
    )


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.db == "both":
        started = time.perf_counter()
        for db in ("sqlite", "postgres"):
            forwarded = _without_db(sys.argv[1:] if argv is None else argv) + ["--db", db]
            subprocess.run([sys.executable, str(Path(__file__).resolve()), *forwarded], check=True)
        print(f"\nBoth databases in {time.perf_counter() - started:.0f} s")
        return 0
    return run_one(args)


def _without_db(argv: list[str]) -> list[str]:
    out, skip = [], False
    for a in argv:
        if skip:
            skip = False
        elif a == "--db":
            skip = True
        elif not a.startswith("--db="):
            out.append(a)
    return out


def run_one(args) -> int:
    started = time.perf_counter()
    sys.path[:0] = [str(REPO), str(BENCH), str(HERE)]
    import harness

    with harness.environment(args.db, "edupact-bench-"):
        result = _bench(args, started)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"directory-{args.db}.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    print(markdown(result))
    print(f"\nwrote {out.relative_to(REPO)}; {args.db} run took {result['runtime_s']:.0f} s")
    return 0


def _bench(args, started: float) -> dict:
    import django

    django.setup()
    import dataset
    from django.core.management import call_command
    from django.db import connection

    log = lambda msg: print(msg, flush=True)  # noqa: E731
    log(f"[{args.db}] migrate")
    t = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    setup_s = time.perf_counter() - t
    log(f"[{args.db}] load {args.orgs} organisations, {args.people} people")
    plan = dataset.load(args.orgs, args.people, log=log)
    log(f"  load total {plan.timings['total']:.1f} s (analyse {plan.timings['analyse']:.1f} s)")
    users = [u for u in args.users.split(",") if u]
    rows = measure(args, users, log)
    explain_path = RESULTS / f"directory-{args.db}-explain.txt"
    RESULTS.mkdir(exist_ok=True)
    explain_path.write_text(_without_buffers(explain(users)))
    return {
        "database": args.db,
        "database_version": _db_version(connection),
        "command": command_line(args),
        "machine": machine(),
        "sizes": plan.counts,
        "load_seconds": {k: round(v, 2) for k, v in plan.timings.items()},
        "setup_seconds": round(setup_s, 2),
        "requests_per_measurement": args.requests,
        "warmup": args.warmup,
        "target_p95_ms": TARGET_P95_MS,
        "results": rows,
        "runtime_s": round(time.perf_counter() - started, 1),
    }


def _client_for(username):
    from django.test import Client

    from edupact.accounts.models import User

    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.get(username=f"bench-{username}"))
    return client


def measure(args, users, log) -> list[dict]:
    from django.db import close_old_connections, connection
    from django.test.utils import CaptureQueriesContext

    rows = []
    for username in users:
        client = _client_for(username)
        for name, path, params in SCENARIOS:
            warm_until = time.perf_counter() + 5
            for _ in range(args.warmup):
                _get(client, path, params)
                close_old_connections()
                if time.perf_counter() > warm_until:
                    break
            with CaptureQueriesContext(connection) as captured:
                response = _get(client, path, params)
            close_old_connections()
            queries = [(float(q["time"]) * 1000, q["sql"]) for q in captured.captured_queries]
            slowest = max(queries, default=(0.0, ""))
            load_before = os.getloadavg()[0]
            times, cpu_times = [], []
            stop_at = time.perf_counter() + (args.max_seconds or float("inf"))
            for _ in range(args.requests):
                server = _server_cpu(connection)
                cpu = time.thread_time_ns()
                t = time.perf_counter()
                response = _get(client, path, params)
                times.append((time.perf_counter() - t) * 1000)
                cpu_times.append(
                    (time.thread_time_ns() - cpu + _server_cpu(connection, since=server)[1]) / 1e6
                )
                close_old_connections()
                if len(times) >= 30 and time.perf_counter() > stop_at:
                    break
            row = {
                "user": username,
                "scenario": name,
                "path": path,
                "params": params,
                "status": response.status_code,
                "bytes": len(response.content),
                "matches": _matches(username, path, params, response),
                "queries": len(queries),
                "query_ms": round(sum(q[0] for q in queries), 1),
                "slowest_query_ms": round(slowest[0], 1),
                "slowest_query": _shorten(slowest[1]),
                "loadavg_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
                **summary(times),
                **{f"cpu_{k}": v for k, v in summary(cpu_times).items() if k != "n"},
            }
            rows.append(row)
            log(
                f"  {username:11} {name:28} p50 {row['p50_ms']:7.1f}  p95 {row['p95_ms']:7.1f}"
                f"  max {row['max_ms']:7.1f} ms  CPU p50 {row['cpu_p50_ms']:7.1f}"
                f"  p95 {row['cpu_p95_ms']:7.1f} ms  n {row['n']:3}  ({row['matches']} matches,"
                f" {row['queries']} queries, load {row['loadavg_1m'][0]:.1f})"
            )
    return rows


def _shorten(sql: str, keep: int = 600) -> str:
    """The slowest query's SQL, cut to keep the JSON small (the plans file has it whole)."""
    return sql if len(sql) <= keep else sql[:keep] + " …"


def _without_buffers(plans: str) -> str:
    """Drop EXPLAIN's "Buffers:"/"Planning:" lines: every read is a memory hit here, and they
    are a fifth of the file (bench/results stays small enough to commit)."""
    drop = re.compile(r"^\s*(Buffers: .*|Planning:)$")
    return "\n".join(line for line in plans.split("\n") if not drop.match(line))


def _server_cpu(connection, since=None) -> tuple[int | None, int]:
    """(backend pid, its CPU ns so far) of the PostgreSQL server process serving us, read
    from /proc/PID/schedstat; with ``since``, the CPU ns used after that reading.  The
    database server's work counts in a request's CPU time; on SQLite it is in-process."""
    if connection.vendor != "postgresql" or connection.connection is None:
        return None, 0
    pid = connection.connection.info.backend_pid
    try:
        used = int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return pid, 0
    if since is None:
        return pid, used
    return pid, used - since[1] if since[0] == pid else used


def _get(client, path, params):
    response = client.get(path, params)
    if response.status_code != 200:
        raise SystemExit(
            f"GET {path} {params} answered {response.status_code}: {response.content[:500]!r}"
        )
    return response


def _matches(username, path, params, response) -> int:
    """How many people the list holds (the API says; for pages, count once, untimed)."""
    if path.startswith("/api/"):
        return json.loads(response.content)["count"]
    from edupact.accounts.models import User
    from edupact.accounts.selectors import scope_for
    from edupact.directory import selectors

    user = User.objects.get(username=f"bench-{username}")
    return selectors.people(scope_for(user), q=params.get("q")).count()


def summary(times: list[float]) -> dict:
    cuts = statistics.quantiles(times, n=100, method="inclusive")
    return {
        "n": len(times),
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(cuts[94], 1),
        "max_ms": round(max(times), 1),
        "mean_ms": round(statistics.fmean(times), 1),
    }


def explain(users) -> str:
    """The plans of the list and count queries for each user and search."""
    from django.db import connection

    from edupact.accounts.models import User
    from edupact.accounts.selectors import scope_for
    from edupact.core.paging import COUNT_CAP
    from edupact.directory import selectors

    out = []
    options = {"analyze": True, "buffers": True} if connection.vendor == "postgresql" else {}
    for username in users:
        user = User.objects.get(username=f"bench-{username}")
        scope = scope_for(user)
        for q in (None, SURNAME, VI_QUERY):
            qs = selectors.people(scope, q=q)
            for label, query in (("page 1", qs[:25]), ("page 400", qs[9975:10000])):
                # The SQL once per user (it only differs by the search term and offset).
                sql = f"{query.query}\n\n" if q is None and label == "page 1" else ""
                out.append(f"## {username} q={q!r} {label}\n{sql}{query.explain(**options)}\n")
            count_qs = qs.order_by()[: COUNT_CAP + 1]
            out.append(
                f"## {username} q={q!r} count (capped at {COUNT_CAP + 1}, as lists count)\n"
                f"{_count_plan(connection, count_qs, options)}\n"
            )
    return "\n".join(out)


def _count_plan(connection, qs, options) -> str:
    inner, params = qs.values("pk").query.sql_with_params()
    sql = f"SELECT COUNT(*) FROM ({inner}) subquery"
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if options else "EXPLAIN QUERY PLAN "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql, params)
        rows = cursor.fetchall()
    if connection.vendor == "postgresql":
        return "\n".join(r[0] for r in rows)
    return "\n".join(" ".join(str(c) for c in r) for r in rows)


def _db_version(connection) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
        else:
            cursor.execute("SELECT sqlite_version()")
        return f"{connection.vendor} {cursor.fetchone()[0]}"


def machine() -> dict:
    mem = 0
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) // 1024
    cpu = ""
    with contextlib.suppress(OSError):
        cpu = next(
            (
                ln.split(":", 1)[1].strip()
                for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")
            ),
            "",
        )
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory_mib": mem,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def markdown(result: dict) -> str:
    lines = [
        f"### {result['database_version']}",
        "",
        f"`{result['command']}` — {result['sizes']['people']} people, "
        f"{result['sizes']['organisations']} organisations, "
        f"{result['sizes']['positions']} positions; load {result['load_seconds']['total']:.0f} s; "
        f"{result['requests_per_measurement']} requests per row.",
        "",
        "| request | user | matches | queries | n | p50 ms | p95 ms | max ms "
        "| CPU p50 ms | CPU p95 ms |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in result["results"]:
        flag = " ⚠" if r["p95_ms"] > result["target_p95_ms"] else ""
        cpu_flag = " ⚠" if r["cpu_p95_ms"] > result["target_p95_ms"] else ""
        lines.append(
            f"| {r['scenario']} | {r['user']} | {r['matches']} | {r['queries']} | "
            f"{r['n']} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f}{flag} | "
            f"{r['max_ms']:.1f} | {r['cpu_p50_ms']:.1f} | "
            f"{r['cpu_p95_ms']:.1f}{cpu_flag} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
