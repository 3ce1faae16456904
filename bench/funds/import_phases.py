"""Where the time of a bulk deposit import goes: the benchmark of ``import_bench.py`` with
each phase timed (wall, client CPU, and on PostgreSQL the backend's CPU).

    python bench/funds/import_phases.py --db postgres --rows 100000 --accounts 5000 \
        [--chunk 20000] [--immediate]

``--chunk`` sets the rows per ``COPY``; ``--immediate`` runs ``SET CONSTRAINTS ALL
IMMEDIATE`` before the write, so the foreign-key checks run in the ``COPY`` statements
instead of at ``COMMIT``. Prints the phase table on stderr, then the benchmark's JSON.
"""

import sys
import time
from pathlib import Path

import import_bench

MARKS: list[tuple[str, float, float, float]] = []
BACKEND: list[int] = []
LABELS = {"import>": "(start: already imported?)", "_record< .. import<": "COMMIT"}
PHASES = ("_read", "_lock", "_entries_copy", "_lines_copy", "_save_running_sums", "_record")


def _server() -> float:
    if not BACKEND:
        return 0.0
    return int(Path(f"/proc/{BACKEND[0]}/schedstat").read_text().split()[0]) / 1e9


def _mark(name: str) -> None:
    MARKS.append((name, time.perf_counter(), time.process_time(), _server()))


def _timed(owner, name: str) -> None:
    real = getattr(owner, name)

    def timed(*args, **kwargs):
        _mark(name + ">")
        try:
            return real(*args, **kwargs)
        finally:
            _mark(name + "<")

    setattr(owner, name, timed)


def _instrument(options) -> None:
    from django.db import connection

    from edupact.funds import imports

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            BACKEND.append(cursor.fetchone()[0])
    if options.chunk:
        imports.WRITE_CHUNK = {"postgresql": options.chunk}
    for name in PHASES:
        _timed(imports, name)
    imports._WRITERS = {
        vendor: tuple(getattr(imports, f.__name__) for f in writers)
        for vendor, writers in imports._WRITERS.items()
    }
    _timed(imports._DepositRows, "check")
    real_write = imports.write_deposits

    def write(*args, **kwargs):
        if options.immediate:
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        return real_write(*args, **kwargs)

    imports.write_deposits = write
    real_import = imports.import_deposits

    def run_import(*args, **kwargs):
        _mark("import>")
        try:
            return real_import(*args, **kwargs)
        finally:
            _mark("import<")

    imports.import_deposits = run_import


def _table() -> None:
    """Sum the time between consecutive marks of the first import (the second one only
    finds every row already posted)."""
    first = MARKS[: next(i for i, m in enumerate(MARKS) if m[0] == "import<") + 1]
    totals: dict[str, list[float]] = {}
    for before, after in zip(first, first[1:], strict=False):
        name = before[0] if before[0].endswith(">") else f"{before[0]} .. {after[0]}"
        name = LABELS.get(name, name.rstrip(">"))
        row = totals.setdefault(name, [0.0, 0.0, 0.0])
        for i in range(3):
            row[i] += after[i + 1] - before[i + 1]
    print(f"{'phase':40} {'wall':>7} {'client':>7} {'server':>7}", file=sys.stderr)
    for name, (wall, client, server) in totals.items():
        if wall >= 0.005:
            print(f"{name:40} {wall:7.2f} {client:7.2f} {server:7.2f}", file=sys.stderr)


def main() -> int:
    argv, chunk, immediate = list(sys.argv[1:]), 0, False
    if "--immediate" in argv:
        argv.remove("--immediate")
        immediate = True
    if "--chunk" in argv:
        at = argv.index("--chunk")
        chunk = int(argv[at + 1])
        del argv[at : at + 2]
    options = type("Options", (), {"chunk": chunk, "immediate": immediate})
    real_run = import_bench.run

    def run(args):
        import django

        django.setup()
        _instrument(options)
        result = real_run(args)
        _table()
        return result

    import_bench.run = run
    return import_bench.main(argv)


if __name__ == "__main__":
    sys.exit(main())
