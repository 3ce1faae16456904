"""Bulk deposit import: a bank statement of N rows through ``funds.imports.import_deposits``.

    python bench/funds/import_bench.py [--db sqlite|postgres] [--rows 100000] [--accounts 5000]

Builds a fresh database (SQLite in a temporary ``EDUPACT_VAR_DIR``, PostgreSQL in a
throwaway cluster), a fund with ``--accounts`` members who already hold a deposit, and a CSV
statement of ``--rows`` rows as an Iranian bank exports it (Jalali dates in Persian digits,
amounts with thousands separators, payers by national code, a tracking number each, a third
of the rows backdated before their account's last posting). Times the whole import (read,
validate, write) and the write phase alone, checks the ledger with ``services.verify``, and
checks that a second import of the same file adds nothing. Prints one JSON object, with wall
and CPU times (this process; on SQLite the database works in it too, so CPU time is what the
import costs on an idle machine, while wall time depends on what else runs).
"""

import argparse
import contextlib
import json
import os
import platform
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCH = HERE.parent
REPO = BENCH.parent
SEED = 20251122


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--accounts", type=int, default=5_000)
    return parser.parse_args(argv)


def national_code(n: int) -> str:
    first = f"{(123_456_789 + n * 7919) % 1_000_000_000:09d}"
    s = sum(int(first[i]) * (10 - i) for i in range(9)) % 11
    return first + str(s if s < 2 else 11 - s)


def main(argv=None) -> int:
    args = parse_args(argv)
    var_dir = Path(tempfile.mkdtemp(prefix="edupact-import-bench-"))
    os.environ["EDUPACT_VAR_DIR"] = str(var_dir)
    os.environ.setdefault("EDUPACT_ENV", "local")
    os.environ["DJANGO_SETTINGS_MODULE"] = "edupact.settings"
    os.environ.pop("DATABASE_URL", None)
    sys.path[:0] = [str(REPO), str(BENCH)]
    import pgcluster

    cluster = pgcluster.throwaway_cluster() if args.db == "postgres" else contextlib.nullcontext()
    try:
        with cluster as url:
            if url:
                os.environ["DATABASE_URL"] = url
            result = run(args)
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)
    print(json.dumps(result, indent=2))
    return 0 if result["verify_problems"] == 0 else 1


def run(args) -> dict:
    import django

    django.setup()
    import datetime as dt

    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from edupact.core.calendars import to_jalali
    from edupact.core.scoping import Scope
    from edupact.core.tabular import to_csv
    from edupact.core.text import persian_digits
    from edupact.directory.models import Organisation, Person
    from edupact.directory.services import save_organisation
    from edupact.funds import imports, services
    from edupact.funds.models import AccountKind, Fund, FundAccount, JournalEntry

    everything = Scope(everything=True)
    call_command("migrate", verbosity=0)
    kanoon = save_organisation(
        everything, Organisation(name="کانون بنچ", kind=Organisation.Kind.KANOON, country="IR")
    )
    fund = services.create_fund(everything, Fund(name="bench", kanoon=kanoon))
    Fund.objects.filter(pk=fund.pk).update(created_at=timezone.make_aware(dt.datetime(2020, 1, 1)))
    fund.refresh_from_db()
    people = Person.objects.bulk_create(
        Person(
            family_name=f"عضو {n}",
            given_name="نام",
            id_kind=Person.IdKind.IR_NATIONAL_CODE,
            national_id=national_code(n),
            home_organisation=kanoon,
        )
        for n in range(args.accounts)
    )
    accounts = FundAccount.objects.bulk_create(
        FundAccount(fund=fund, kind=AccountKind.MEMBER, person=p) for p in people
    )
    rng = random.Random(SEED)
    start = dt.date(2023, 3, 21)
    # Every account already holds a deposit dated mid-year: rows before it are backdated.
    for account in accounts[: min(len(accounts), 500)]:
        services.deposit(everything, account, 1_000_000, start + dt.timedelta(days=180))
    codes = [p.national_id for p in people]
    rows = []
    for i in range(args.rows):
        day = start + dt.timedelta(days=rng.randrange(365))
        amount = rng.randrange(1, 5_000) * 10_000
        rows.append(
            [
                persian_digits(to_jalali(day).strftime("%Y/%m/%d")),
                f"{amount:,}",
                codes[rng.randrange(len(codes))],
                f"TRK{i:08d}",
                "",
            ]
        )
    content = to_csv(["تاریخ", "مبلغ", "واریز کننده", "شماره پیگیری", "شرح"], rows)
    before = JournalEntry.objects.count()

    timings = {}
    real_write = imports.write_deposits

    def timed_write(*a, **kw):
        t, cpu = time.perf_counter(), time.process_time()
        real_write(*a, **kw)
        timings["write_s"] = time.perf_counter() - t
        timings["write_cpu_s"] = time.process_time() - cpu

    imports.write_deposits = timed_write
    load_before = os.getloadavg()
    server = _server_cpu(connection)
    t, cpu = time.perf_counter(), time.process_time()
    report = imports.import_deposits(everything, fund, content, "statement.csv")
    total, total_cpu = time.perf_counter() - t, time.process_time() - cpu
    server = _server_cpu(connection) - server if server is not None else None
    imports.write_deposits = real_write
    assert report.written and report.created == args.rows, report.as_dict()
    posted = JournalEntry.objects.count() - before

    t = time.perf_counter()
    problems = services.verify(fund)
    verify_s = time.perf_counter() - t
    again = imports.import_deposits(everything, fund, content + b"\n", "statement-again.csv")
    return {
        "database": connection.vendor,
        "database_version": _version(connection),
        "python": platform.python_version(),
        "rows": args.rows,
        "accounts": args.accounts,
        "file_bytes": len(content),
        "import_s": round(total, 2),
        "write_s": round(timings["write_s"], 2),
        "read_and_validate_s": round(total - timings["write_s"], 2),
        "import_cpu_s": round(total_cpu, 2),
        "write_cpu_s": round(timings["write_cpu_s"], 2),
        "postings_per_s": round(posted / total),
        "postings_per_cpu_s": round(posted / total_cpu),
        "write_postings_per_s": round(posted / timings["write_s"]),
        "verify_s": round(verify_s, 2),
        "verify_problems": len(problems),
        "second_import_skipped": again.skipped,
        "second_import_created": again.created,
        # PostgreSQL: the server backend's CPU time during the import (/proc schedstat);
        # client + server CPU is what the import costs on an idle machine.
        "server_cpu_s": round(server, 2) if server is not None else None,
        "postings_per_client_and_server_cpu_s": round(posted / (total_cpu + (server or 0))),
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_1m": os.getloadavg()[0],
    }


def _server_cpu(connection) -> float | None:
    """CPU seconds used so far by this connection's PostgreSQL backend (None on SQLite,
    whose work is already in this process's CPU time)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("select pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e9
    except OSError:
        return None


def _version(connection) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("select sqlite_version()")
            return "SQLite " + cursor.fetchone()[0]
        cursor.execute("show server_version")
        return "PostgreSQL " + cursor.fetchone()[0]


if __name__ == "__main__":
    sys.exit(main())
