"""A throwaway PostgreSQL cluster for benchmarks: Unix socket only, in a temp dir.

Uses ``scripts/pg-cluster.sh start|stop DIR`` when the repository has it; otherwise runs
the PostgreSQL 15 binaries itself (as the ``postgres`` user when we are root, because
``initdb`` refuses root).  Usage from Python::

    with throwaway_cluster() as url:   # "postgres://ROLE@/DB?host=DIR"
        ...
"""

import contextlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "scripts" / "pg-cluster.sh"
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
DB_NAME = "bench"

# Only used without scripts/pg-cluster.sh; the same settings as that script: defaults
# (shared_buffers 128MB, work_mem 4MB) with durability off, since the cluster is thrown away.
SERVER_SETTINGS = {
    "listen_addresses": "''",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "shared_buffers": "128MB",
}


def _as_postgres(args: list[str], **kw) -> subprocess.CompletedProcess:
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--", *args]
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw)


def start(directory: Path) -> str:
    """Create and start a cluster in ``directory``; return its DATABASE_URL."""
    directory.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
    if SCRIPT.exists():
        done = subprocess.run(["bash", str(SCRIPT), "start", str(directory)], check=True,
                              capture_output=True, text=True)
        return done.stdout.strip().splitlines()[-1]
    data = directory / "data"
    _as_postgres([str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres",
                  "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8"])
    options = " ".join(f"-c {k}={v}" for k, v in SERVER_SETTINGS.items())
    options += f" -c unix_socket_directories={directory}"
    _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(directory / "log"),
                  "-o", options, "-w", "start"])
    _as_postgres([str(PG_BIN / "createdb"), "-h", str(directory), "-U", "postgres", DB_NAME])
    return f"postgres://postgres@/{DB_NAME}?host={directory}"


def url(directory: Path) -> str:
    """The DATABASE_URL of a cluster started in ``directory`` and still running."""
    if SCRIPT.exists():
        done = subprocess.run(["bash", str(SCRIPT), "url", str(directory)], check=True,
                              capture_output=True, text=True)
        return done.stdout.strip().splitlines()[-1]
    return f"postgres://postgres@/{DB_NAME}?host={directory}"


def stop(directory: Path) -> None:
    if SCRIPT.exists():
        subprocess.run(["bash", str(SCRIPT), "stop", str(directory)], check=False,
                       capture_output=True, text=True)
    else:
        with contextlib.suppress(subprocess.CalledProcessError):
            _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(directory / "data"), "-m", "fast",
                          "-w", "stop"])
    shutil.rmtree(directory, ignore_errors=True)


@contextlib.contextmanager
def throwaway_cluster():
    directory = Path(tempfile.mkdtemp(prefix="edupact-pg-"))
    try:
        yield start(directory)
    finally:
        stop(directory)
