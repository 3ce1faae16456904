"""Funds benchmark: points at scale, postings through the service, the deposit API.

    python bench/funds/run.py [--db sqlite|postgres|both] [--accounts 1000000]
                              [--postings 10000000] [--seconds 20] [--clients 20]

Loads ``bench/funds/dataset.py`` into a new database (SQLite in a temporary
``EDUPACT_VAR_DIR``, PostgreSQL in a throwaway cluster), then measures edupact's own code:

1. ``selectors.points_at(fund, day)`` for every account at a past date (the GROUP BYs);
2. ``selectors.fund_summary(fund, today)``: every member's points as of today, from the
   running sums kept on the accounts;
3. DuckDB computing every account's money-days at that past date from the same lines
   (exported as CSV; DuckDB's database extensions need a download), asserted equal, and
   ``rules.money_days_daily`` (day by day) on a sample of accounts, asserted equal;
4. ``services.deposit`` in a loop in two processes at once (``--worker`` runs one), each
   posting with its own Idempotency-Key as the leader of the kanoon; one process under
   cProfile, to see where a posting's time goes;
5. ``POST /api/v1/funds/{id}/deposits`` (bearer token, Idempotency-Key) from ``--clients``
   threads with keep-alive connections against gunicorn (``--workers`` × ``--threads``, 2 × 4
   as ``edupact serve`` runs it) on ``--port``; ``api-profile`` (not in the default parts)
   sends the same requests in this process through Django's test client (every middleware,
   no server) under cProfile, with the queries of one request. Besides this closed loop (each
   client sends its next request when the last is answered: the issue's aim), an open workload
   as an additional view: Poisson arrivals at each ``--open-rates`` rate for ``--open-seconds``,
   sent by the same number of threads, latency counted from the arrival time.

Prints a Markdown table and writes ``bench/results/funds-<db>.json``.
"""

import argparse
import contextlib
import cProfile
import datetime as dt
import http.client
import io
import json
import os
import pstats
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCH = HERE.parent
REPO = BENCH.parent
RESULTS = BENCH / "results"
PARTS = ("points", "duckdb", "loop", "service", "api", "api-profile")
AIMS = {
    "points_past_s": 30,
    "points_today_s": 3,
    "service_postings_per_s": 500,
    "api_p95_ms": 50,
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--postings", type=int, default=10_000_000)
    parser.add_argument("--days", type=int, default=365, help="the postings span these days")
    parser.add_argument("--seconds", type=float, default=20, help="service posting time")
    parser.add_argument("--processes", type=int, default=2, help="processes posting at once")
    parser.add_argument("--clients", type=int, default=20, help="concurrent API clients")
    parser.add_argument("--api-requests", type=int, default=50, help="requests per API client")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument("--port", type=int, default=8171)
    parser.add_argument(
        "--open-rates",
        default="50,100",
        help="API open workload: offered requests/s (Poisson arrivals), comma-separated",
    )
    parser.add_argument("--open-seconds", type=float, default=10, help="time at each open rate")
    parser.add_argument("--sample", type=int, default=1000, help="accounts for the daily loop")
    parser.add_argument(
        "--only", default=",".join(PARTS), help="comma-separated subset of " + ",".join(PARTS)
    )
    parser.add_argument(
        "--keep",
        help="SQLite: copy the loaded database to this path; PostgreSQL: start the cluster in "
        "this directory and leave it running",
    )
    parser.add_argument(
        "--reuse", help="start from a database (SQLite) or running cluster (PostgreSQL) of --keep"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)  # "FUND_ID:USER_ID:SECONDS"
    return parser.parse_args(argv)


def command_line(args) -> str:
    return (
        f"python bench/funds/run.py --db {args.db} --accounts {args.accounts} "
        f"--postings {args.postings} --seconds {args.seconds:g} --clients {args.clients} "
        f"--api-requests {args.api_requests} --workers {args.workers} --threads {args.threads}"
    )


def log(msg: str) -> None:
    print(msg, flush=True)


def main(argv=None) -> int:
    args = parse_args(argv)
    sys.path[:0] = [str(REPO), str(BENCH), str(HERE)]
    if args.worker:
        return deposit_worker(args.worker)
    if args.db == "both":
        for db in ("sqlite", "postgres"):
            rest = [a for a in (sys.argv[1:] if argv is None else argv) if not a.startswith("--db")]
            subprocess.run([sys.executable, __file__, *rest, "--db", db], check=True)
        return 0
    started = time.perf_counter()
    import harness

    with harness.environment(args.db, "edupact-bench-funds-", reuse=args.reuse, keep=args.keep):
        result = bench(args, started)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"funds-{args.db}.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    print(markdown(result))
    print(f"\nwrote {out.relative_to(REPO)}; {args.db} run took {result['runtime_s']:.0f} s")
    return 0


def bench(args, started: float) -> dict:
    import django

    django.setup()
    import dataset
    from directory.run import _db_version, machine
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from edupact.funds.models import Fund

    today = timezone.localdate()
    if args.reuse:
        log(f"[{args.db}] reuse {args.reuse}")
        call_command("migrate", verbosity=0)  # this branch's migrations, if any are new
        plan = dataset.Plan(args.accounts, args.postings, args.days, today)
        plan.fund_id = Fund.objects.order_by("pk").values_list("pk", flat=True).first()
        plan.counts = dataset.counts(plan.fund_id)
    else:
        log(f"[{args.db}] migrate")
        call_command("migrate", verbosity=0)
        log(f"[{args.db}] load {args.accounts:,} accounts, {args.postings:,} postings")
        plan = dataset.load(
            args.accounts, args.postings, args.days, today - dt.timedelta(days=1), log=log
        )
        if args.keep and connection.vendor == "sqlite":
            from evaluation.run import keep

            keep(connection, args.keep)
    log(f"  {plan.counts}")
    fund = Fund.objects.get(pk=plan.fund_id)
    past = today - dt.timedelta(days=args.days // 3)
    result = {
        "database": args.db,
        "database_version": _db_version(connection),
        "command": command_line(args),
        "machine": machine(),
        "sizes": plan.counts,
        "load_seconds": plan.timings,
        "aims": AIMS,
        "past_date": past.isoformat(),
        "parts": args.only,
    }
    parts = set(args.only.split(","))
    points = None
    if parts & {"points", "duckdb", "loop"}:
        result["points_past"], points = timed_points_at(fund, past)
    if "points" in parts:
        result["points_today"] = timed_summary(fund, today)
    if "duckdb" in parts:
        result["duckdb"] = duckdb_compare(fund, past, points)
    if "loop" in parts:
        result["daily_loop"] = daily_loop(fund, past, points, args.sample)
    user = leader(fund)
    result["idempotency_plan"] = idempotency_plan(fund)
    if "service" in parts:
        result["service"] = service_postings(args, fund, user)
    if "api" in parts:
        result["api"] = api_deposits(args, fund, user)
    if "api-profile" in parts:
        result["api_profile"] = api_profile(args, fund, user)
    result["runtime_s"] = round(time.perf_counter() - started, 1)
    return result


def _server_cpu(connection, since=None) -> float:
    if connection.vendor != "postgresql" or connection.connection is None:
        return 0.0
    pid = connection.connection.info.backend_pid
    try:
        used = int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e9
    except (OSError, ValueError, IndexError):
        return 0.0
    return used if since is None else used - since


def _timed(work):
    from django.db import connection

    load = os.getloadavg()[0]
    server = _server_cpu(connection)
    cpu = time.process_time()
    t = time.perf_counter()
    value = work()
    wall = time.perf_counter() - t
    return value, {
        "wall_s": round(wall, 2),
        "cpu_s": round(time.process_time() - cpu + _server_cpu(connection, server), 2),
        "loadavg_1m": [round(load, 2), round(os.getloadavg()[0], 2)],
    }


# 1–2. Points ------------------------------------------------------------------------------------


def timed_points_at(fund, past):
    from edupact.funds import selectors

    runs, points = [], None
    for n in range(2):
        points, run = _timed(lambda: selectors.points_at(fund, past))
        runs.append(run)
        log(
            f"  points_at({past}) for {len(points):,} accounts, run {n + 1}: {run['wall_s']} s "
            f"(CPU {run['cpu_s']} s, load {run['loadavg_1m'][0]})"
        )
    return runs, points


def timed_summary(fund, today):
    from edupact.funds import selectors

    runs = []
    for n in range(2):
        summary, run = _timed(lambda: selectors.fund_summary(fund, today))
        run["members"] = summary["members"]
        run["points_available"] = summary["points_available"]
        runs.append(run)
        log(
            f"  fund_summary({today}) for {summary['members']:,} members, run {n + 1}: "
            f"{run['wall_s']} s (CPU {run['cpu_s']} s)"
        )
    return runs


# 3. DuckDB and the daily loop -------------------------------------------------------------------


def duckdb_compare(fund, past, points) -> dict:
    import duckdb
    import harness
    from django.db import connection

    from edupact.funds.models import day_number

    T = day_number(past)
    folder = Path(tempfile.mkdtemp(prefix="edupact-duck-"))
    sql = (
        "SELECT l.account_id, l.amount, l.day FROM funds_journalline l "
        f"JOIN funds_fundaccount a ON a.id = l.account_id WHERE a.fund_id = {fund.pk}"
    )
    try:
        t = time.perf_counter()
        harness.export_csv(connection, sql, folder / "lines.csv")
        export_s = time.perf_counter() - t
        duck = duckdb.connect()
        t = time.perf_counter()
        duck.execute(
            f"CREATE TABLE l AS SELECT * FROM read_csv('{folder / 'lines.csv'}', header=false, "
            "columns={'account': 'BIGINT', 'amount': 'BIGINT', 'day': 'INTEGER'})"
        )
        load_s = time.perf_counter() - t
        t = time.perf_counter()
        # money-days = Σ a × (T − d) over postings dated before T (lines in debit terms).
        rows = duck.execute(
            "SELECT account, SUM(amount * (? - day)) FILTER (WHERE day < ?), "
            "SUM(amount) FILTER (WHERE day <= ?) FROM l GROUP BY account",
            [T, T, T],
        ).fetchall()
        aggregate_s = time.perf_counter() - t
        lines = duck.execute("SELECT COUNT(*) FROM l").fetchone()[0]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    signs = dict(fund.accounts.values_list("pk", "kind"))
    from edupact.funds.models import CREDIT_NORMAL

    theirs = {
        pk: (
            (-1 if signs[pk] in CREDIT_NORMAL else 1) * int(md or 0),
            (-1 if signs[pk] in CREDIT_NORMAL else 1) * int(bal or 0),
        )
        for pk, md, bal in rows
    }
    ours = {pk: (p.money_days, p.balance) for pk, p in points.items() if p.money_days or p.balance}
    theirs = {pk: v for pk, v in theirs.items() if any(v)}
    if ours != theirs:
        differ = [pk for pk in set(ours) | set(theirs) if ours.get(pk) != theirs.get(pk)]
        raise SystemExit(
            f"DuckDB and points_at differ on {len(differ)} accounts, e.g. "
            f"{[(pk, ours.get(pk), theirs.get(pk)) for pk in differ[:3]]}"
        )
    result = {
        "lines_read": lines,
        "accounts_compared": len(ours),
        "equal": True,
        "export_s": round(export_s, 2),
        "load_s": round(load_s, 2),
        "aggregate_s": round(aggregate_s, 2),
        "duckdb_version": duckdb.__version__,
    }
    log(
        f"  DuckDB: {lines:,} lines exported in {export_s:.1f} s, loaded in {load_s:.1f} s, "
        f"money-days of {len(ours):,} accounts in {aggregate_s:.2f} s: equal"
    )
    return result


def daily_loop(fund, past, points, sample: int) -> dict:
    """The definition (end-of-day balances summed day by day) on a sample of members."""
    from edupact.funds import rules
    from edupact.funds.models import AccountKind, JournalLine, from_day_number

    members = list(
        fund.accounts.filter(kind=AccountKind.MEMBER).order_by("pk").values_list("pk", flat=True)
    )
    picked = members[:: max(1, len(members) // sample)][:sample]
    t = time.perf_counter()
    postings: dict[int, list] = {pk: [] for pk in picked}
    for account, amount, day in (
        JournalLine.objects.filter(account_id__in=picked)
        .values_list("account_id", "amount", "day")
        .order_by()
    ):
        postings[account].append((from_day_number(day), -amount))  # members are credit-normal
    read_s = time.perf_counter() - t
    t = time.perf_counter()
    daily = {pk: rules.money_days_daily(p, past) for pk, p in postings.items()}
    loop_s = time.perf_counter() - t
    t = time.perf_counter()
    closed = {pk: rules.money_days(p, past) for pk, p in postings.items()}
    closed_s = time.perf_counter() - t
    bad = [pk for pk in picked if not daily[pk] == closed[pk] == points[pk].money_days]
    if bad:
        raise SystemExit(f"the daily loop disagrees on {len(bad)} accounts, e.g. {bad[:3]}")
    result = {
        "accounts": len(picked),
        "postings": sum(len(p) for p in postings.values()),
        "equal": True,
        "read_s": round(read_s, 2),
        "daily_loop_s": round(loop_s, 2),
        "closed_form_s": round(closed_s, 3),
    }
    log(
        f"  daily loop on {len(picked)} accounts ({result['postings']} postings): "
        f"{loop_s:.2f} s (closed form {closed_s:.3f} s): equal to points_at"
    )
    return result


# 4. Postings through the service ----------------------------------------------------------------


def leader(fund):
    from edupact.accounts.models import Role, RoleGrant, User

    user, _ = User.objects.get_or_create(username="bench-leader", defaults={"language": "fa"})
    RoleGrant.objects.get_or_create(user=user, role=Role.KANOON_LEADER, organisation=fund.kanoon)
    return user


def idempotency_plan(fund) -> str:
    """How the database finds a posting by its Idempotency-Key: the plan of the query that
    ``core.idempotency.once`` runs first for every keyed posting."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from edupact.core import idempotency
    from edupact.funds.models import JournalEntry

    with CaptureQueriesContext(connection) as captured:
        idempotency.once(JournalEntry, "bench:absent", lambda: None, fund=fund)
    sql = captured.captured_queries[0]["sql"]
    prefix = "EXPLAIN " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql)
        plan = " | ".join(" ".join(str(c) for c in row) for row in cursor.fetchall())
    log(f"  idempotency lookup: {plan}")
    return plan


def _member_range(fund) -> tuple[int, int]:
    from django.db.models import Max, Min

    from edupact.funds.models import AccountKind

    r = fund.accounts.filter(kind=AccountKind.MEMBER).aggregate(lo=Min("pk"), hi=Max("pk"))
    return r["lo"], r["hi"]


def deposit_worker(spec: str) -> int:
    """One posting process: deposits on random members until the time is up; prints JSON."""
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from edupact.accounts.models import User
    from edupact.accounts.selectors import scope_for
    from edupact.funds import services
    from edupact.funds.models import Fund, FundAccount

    fund_id, user_id, seconds, profile = spec.split(":")
    fund = Fund.objects.select_related("kanoon").get(pk=int(fund_id))
    lo, hi = _member_range(fund)
    user = User.objects.get(pk=int(user_id))
    today = timezone.localdate()
    rng = random.Random(os.getpid())

    def post_one():
        account = FundAccount.objects.select_related("fund__kanoon").get(pk=rng.randint(lo, hi))
        services.deposit(
            scope_for(user),
            account,
            100_000 * rng.randint(1, 50),
            today,
            idempotency_key=f"bench:{uuid.uuid4()}",
        )

    with CaptureQueriesContext(connection) as captured:
        post_one()
    queries = [q["sql"][:160] for q in captured.captured_queries]
    profiler = cProfile.Profile() if profile == "1" else None
    done, stop = 0, time.perf_counter() + float(seconds)
    server, cpu = _server_cpu(connection), time.process_time()
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    while time.perf_counter() < stop:
        post_one()
        done += 1
    if profiler:
        profiler.disable()
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu + _server_cpu(connection, server)
    out = {
        "postings": done,
        "seconds": round(elapsed, 2),
        "rate": round(done / elapsed, 1),
        "cpu_ms_per_posting": round(1000 * cpu / max(done, 1), 2),
        "queries_per_posting": len(queries),
        "queries": queries,
    }
    if profiler:
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(25)
        out["profile"] = text.getvalue()[-6000:]
    print("RESULT " + json.dumps(out), flush=True)
    return 0


def _workers(args, fund, user, processes: int, profile: bool = False) -> list[dict]:
    spec = f"{fund.pk}:{user.pk}:{args.seconds}"
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, "--worker", f"{spec}:{int(profile and n == 0)}"],
            stdout=subprocess.PIPE,
            text=True,
            env=os.environ.copy(),
        )
        for n in range(processes)
    ]
    results = []
    for p in procs:
        out, _ = p.communicate()
        line = next((ln for ln in out.splitlines() if ln.startswith("RESULT ")), None)
        if p.returncode or line is None:
            raise SystemExit(f"a posting process failed ({p.returncode}): {out[-2000:]}")
        results.append(json.loads(line[7:]))
    return results


def service_postings(args, fund, user) -> dict:
    from django.db import connection

    connection.close()  # the workers open their own connections
    load = os.getloadavg()[0]
    together = _workers(args, fund, user, args.processes)
    rate = sum(r["rate"] for r in together)
    log(
        f"  services.deposit, {args.processes} processes: {rate:.0f} postings/s "
        f"({[r['rate'] for r in together]}, CPU ms each "
        f"{[r['cpu_ms_per_posting'] for r in together]}, "
        f"{together[0]['queries_per_posting']} queries each, load {load:.1f})"
    )
    alone = _workers(args, fund, user, 1, profile=True)[0]
    log(f"  services.deposit, 1 process under cProfile: {alone['rate']:.0f} postings/s")
    return {
        "processes": args.processes,
        "postings_per_s": round(rate, 1),
        "per_process": [
            {k: r[k] for k in ("postings", "seconds", "rate", "cpu_ms_per_posting")}
            for r in together
        ],
        "queries_per_posting": together[0]["queries_per_posting"],
        "queries": together[0]["queries"],
        "profiled_single_process": {
            k: alone[k] for k in ("postings", "rate", "cpu_ms_per_posting", "profile")
        },
        "loadavg_1m": [round(load, 2), round(os.getloadavg()[0], 2)],
    }


# 5. The deposit API under gunicorn --------------------------------------------------------------


def api_deposits(args, fund, user) -> dict:
    from edupact.accounts.models import ApiToken

    _, raw = ApiToken.issue(user, "bench")
    lo, hi = _member_range(fund)
    from django.db import connection

    connection.close()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "edupact.wsgi:application",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--log-level",
            "warning",
        ],
        cwd=REPO,
        env=os.environ.copy(),
    )
    try:
        _wait_for_port(args.port)
        path = f"/api/v1/funds/{fund.pk}/deposits"
        times: list[float] = []
        statuses: dict[int, int] = {}
        lock = threading.Lock()

        def send(conn, rng) -> int:
            body = json.dumps(
                {"account_id": rng.randint(lo, hi), "amount": 100_000 * rng.randint(1, 50)}
            )
            headers = {
                "Authorization": f"Bearer {raw}",
                "Content-Type": "application/json",
                "Idempotency-Key": str(uuid.uuid4()),
                "Host": "localhost",
            }
            conn.request("POST", path, body, headers)
            response = conn.getresponse()
            response.read()
            return response.status

        def client(n: int, count: int, record: bool):
            rng = random.Random(n)
            conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=60)
            for _ in range(count):
                t = time.perf_counter()
                status = send(conn, rng)
                elapsed = (time.perf_counter() - t) * 1000
                if record:
                    with lock:
                        times.append(elapsed)
                        statuses[status] = statuses.get(status, 0) + 1
            conn.close()

        def run(count, record):
            threads = [
                threading.Thread(target=client, args=(n, count, record))
                for n in range(args.clients)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()

        run(3, False)  # warm-up: every worker imports and connects
        load = os.getloadavg()[0]
        postmaster = _postmaster_pid()
        cpu_before = (_tree_cpu(server.pid), _tree_cpu(postmaster), time.process_time())
        t = time.perf_counter()
        run(args.api_requests, True)
        wall = time.perf_counter() - t
        cpu_after = (_tree_cpu(server.pid), _tree_cpu(postmaster), time.process_time())
        open_runs = [
            _open_workload(args, send, float(rate))
            for rate in args.open_rates.split(",")
            if rate.strip()
        ]
    finally:
        server.terminate()
        server.wait(timeout=30)
    if set(statuses) != {201}:
        raise SystemExit(f"the API answered {statuses}")
    cuts = statistics.quantiles(times, n=100, method="inclusive")
    result = {
        "clients": args.clients,
        "workers": args.workers,
        "threads": args.threads,
        "requests": len(times),
        "statuses": statuses,
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(cuts[94], 1),
        "max_ms": round(max(times), 1),
        "throughput_per_s": round(len(times) / wall, 1),
        # CPU per request: gunicorn (its workers), the database (PostgreSQL's processes; 0 on
        # SQLite, inside gunicorn), the 20 clients in this process.
        "cpu_ms_per_request": {
            name: round(1000 * (after - before) / len(times), 2)
            for name, before, after in zip(
                ("server", "database", "clients"), cpu_before, cpu_after, strict=True
            )
        },
        "loadavg_1m": [round(load, 2), round(os.getloadavg()[0], 2)],
        "open_workload": open_runs,
    }
    log(
        f"  API deposits, {args.clients} clients: p50 {result['p50_ms']} ms, p95 "
        f"{result['p95_ms']} ms, {result['throughput_per_s']}/s, CPU ms a request "
        f"{result['cpu_ms_per_request']}, load {load:.1f}"
    )
    return result


def _open_workload(args, send, rate: float) -> dict:
    """Poisson arrivals at ``rate`` a second for ``--open-seconds``, served by ``--clients``
    threads (each with its keep-alive connection) taking the next arrival in turn. A
    request's latency counts from its arrival, so time spent waiting for a free client
    thread is included (no coordinated omission)."""
    rng = random.Random(int(rate))
    arrivals, at = [], 0.0
    while True:
        at += rng.expovariate(rate)
        if at >= args.open_seconds:
            break
        arrivals.append(at)
    lock = threading.Lock()
    times: list[float] = []
    late: list[float] = []
    statuses: dict[int, int] = {}
    nxt = iter(arrivals)
    start = time.perf_counter() + 0.05

    def worker(n: int):
        conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=60)
        body_rng = random.Random(10_000 + n)
        while True:
            with lock:
                due = next(nxt, None)
            if due is None:
                break
            wait = start + due - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            sent = time.perf_counter()
            status = send(conn, body_rng)
            done = time.perf_counter()
            with lock:
                times.append((done - start - due) * 1000)
                late.append(max(0.0, (sent - start - due) * 1000))
                statuses[status] = statuses.get(status, 0) + 1
        conn.close()

    load = os.getloadavg()[0]
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(args.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    if set(statuses) != {201}:
        raise SystemExit(f"the API answered {statuses}")
    cuts = statistics.quantiles(times, n=100, method="inclusive")
    result = {
        "offered_per_s": rate,
        "seconds": args.open_seconds,
        "requests": len(times),
        "achieved_per_s": round(len(times) / wall, 1),
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(cuts[94], 1),
        "max_ms": round(max(times), 1),
        "waited_for_a_thread_p95_ms": round(
            statistics.quantiles(late, n=100, method="inclusive")[94], 1
        ),
        "loadavg_1m": [round(load, 2), round(os.getloadavg()[0], 2)],
    }
    log(
        f"  API open workload {rate:g}/s offered ({args.clients} threads): p50 "
        f"{result['p50_ms']} ms, p95 {result['p95_ms']} ms, {result['achieved_per_s']}/s, "
        f"load {load:.1f}"
    )
    return result


def api_profile(args, fund, user, requests: int = 500) -> dict:
    """The deposit request in this process (test client, every middleware): its wall and CPU
    time (this process and its PostgreSQL backend), its queries, then a cProfile of half as
    many requests."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from edupact.accounts.models import ApiToken

    _, raw = ApiToken.issue(user, "bench-profile")
    lo, hi = _member_range(fund)
    rng = random.Random(7)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_HOST="localhost")
    path = f"/api/v1/funds/{fund.pk}/deposits"

    def one():
        body = {"account_id": rng.randint(lo, hi), "amount": 100_000 * rng.randint(1, 50)}
        response = client.post(
            path, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())
        )
        if response.status_code != 201:
            raise SystemExit(f"the API answered {response.status_code}: {response.content!r}")

    for _ in range(20):
        one()
    with CaptureQueriesContext(connection) as captured:
        one()
    queries = [q["sql"][:160] for q in captured.captured_queries]
    server, cpu, t = _server_cpu(connection), time.process_time(), time.perf_counter()
    for _ in range(requests):
        one()
    wall = time.perf_counter() - t
    process_cpu = time.process_time() - cpu
    backend_cpu = _server_cpu(connection, server)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests // 2):
        one()
    profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(40)
    pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(25)
    result = {
        "requests": requests,
        "ms_per_request": round(1000 * wall / requests, 2),
        "process_cpu_ms": round(1000 * process_cpu / requests, 2),
        "backend_cpu_ms": round(1000 * backend_cpu / requests, 2),
        "queries_per_request": len(queries),
        "queries": queries,
        "profile": text.getvalue()[-16000:],
    }
    log(
        f"  API request in-process: {result['ms_per_request']} ms, CPU "
        f"{result['process_cpu_ms']} ms + backend {result['backend_cpu_ms']} ms, "
        f"{len(queries)} queries"
    )
    return result


def _postmaster_pid() -> int | None:
    """The PostgreSQL server of DATABASE_URL (a local cluster), or None."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SHOW data_directory")
        data = Path(cursor.fetchone()[0])
    connection.close()
    try:
        return int((data / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


TICKS = os.sysconf("SC_CLK_TCK")


def _tree_cpu(pid: int | None) -> float:
    """CPU seconds of ``pid`` and its children (gunicorn's workers, PostgreSQL's backends)."""
    if pid is None:
        return 0.0
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(entry.name) == pid or int(fields[1]) == pid:
                total += (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime, all threads
        except (OSError, ValueError, IndexError):
            continue
    return total


def _wait_for_port(port: int, timeout: float = 60) -> None:
    stop = time.perf_counter() + timeout
    while time.perf_counter() < stop:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not listen on port {port}")


# Report -----------------------------------------------------------------------------------------


def markdown(result: dict) -> str:
    s = result["sizes"]
    rows = [
        f"### {result['database_version']}",
        "",
        f"`{result['command']}` — {s['accounts']:,} accounts, {s['entries']:,} postings "
        f"({s['lines']:,} lines).",
        "",
        "| measure | aim | result |",
        "| --- | ---: | ---: |",
    ]
    if "points_past" in result:
        runs = " / ".join(f"{r['wall_s']:.1f}" for r in result["points_past"])
        rows.append(
            f"| points of every account at {result['past_date']} (s) | "
            f"≤ {AIMS['points_past_s']} | {runs} |"
        )
    if "points_today" in result:
        runs = " / ".join(f"{r['wall_s']:.1f}" for r in result["points_today"])
        rows.append(
            f"| points as of today, fund_summary (s) | ≤ {AIMS['points_today_s']} | {runs} |"
        )
    if svc := result.get("service"):
        rows.append(
            f"| services.deposit, {svc['processes']} processes (postings/s) | "
            f"≥ {AIMS['service_postings_per_s']} | {svc['postings_per_s']:.0f} |"
        )
    if api := result.get("api"):
        rows.append(
            f"| deposit API, {api['clients']} clients, p95 (ms) | < {AIMS['api_p95_ms']} "
            f"| {api['p95_ms']:.1f} (p50 {api['p50_ms']:.1f}, "
            f"{api['throughput_per_s']:.0f}/s) |"
        )
        for o in api.get("open_workload", []):
            rows.append(
                f"| (additional view) open workload, {o['offered_per_s']:g}/s offered, p95 (ms) "
                f"| — | {o['p95_ms']:.1f} (p50 {o['p50_ms']:.1f}, {o['achieved_per_s']:.0f}/s) |"
            )
    if d := result.get("duckdb"):
        rows.append(
            f"| DuckDB money-days of {d['accounts_compared']:,} accounts (s; equal) | — "
            f"| {d['aggregate_s']:.2f} (+ export {d['export_s']:.1f}, "
            f"load {d['load_s']:.1f}) |"
        )
    if loop := result.get("daily_loop"):
        rows.append(
            f"| day-by-day loop, {loop['accounts']} accounts (s; equal) | — | "
            f"{loop['daily_loop_s']:.2f} (closed form {loop['closed_form_s']:.3f}) |"
        )
    return "\n".join(rows)


if __name__ == "__main__":
    sys.exit(main())
