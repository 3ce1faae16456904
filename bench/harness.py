"""What every benchmark script shares: a scratch environment on a throwaway database, and
rows exported as CSV for DuckDB to read (its sqlite/postgres scanners need a download)."""

import contextlib
import csv
import os
import shutil
import tempfile
from pathlib import Path


@contextlib.contextmanager
def environment(db: str, prefix: str, reuse: str | None = None, keep: str | None = None):
    """Settings for a run: a scratch var dir (SQLite file, secret key), and for ``postgres`` a
    throwaway cluster (``pgcluster``); ``reuse`` starts SQLite from a kept database. For
    ``postgres``, ``keep`` starts the cluster in that directory and leaves it running, and
    ``reuse`` runs on the cluster left there (stop it with ``scripts/pg-cluster.sh stop``)."""
    var_dir = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ["EDUPACT_VAR_DIR"] = str(var_dir)
    os.environ.setdefault("EDUPACT_ENV", "local")
    os.environ["DJANGO_SETTINGS_MODULE"] = "edupact.settings"
    os.environ.pop("DATABASE_URL", None)
    if reuse and db == "sqlite":
        shutil.copy(reuse, var_dir / "edupact.sqlite3")
    import pgcluster

    if db != "postgres":
        cluster = contextlib.nullcontext()
    elif reuse:
        cluster = contextlib.nullcontext(pgcluster.url(Path(reuse)))
    elif keep:
        cluster = contextlib.nullcontext(pgcluster.start(Path(keep)))
    else:
        cluster = pgcluster.throwaway_cluster()
    try:
        with cluster as url:
            if url:
                os.environ["DATABASE_URL"] = url
            yield var_dir
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


def export_csv(connection, sql: str, path: Path) -> None:
    """The rows of ``sql`` as CSV: COPY on PostgreSQL, a streamed cursor on SQLite (booleans
    written as PostgreSQL writes them, so both files read the same)."""
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        copy_sql = f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)"
        with (
            connection.connection.cursor() as cursor,
            path.open("wb") as out,
            cursor.copy(copy_sql) as copy,
        ):
            for chunk in copy:
                out.write(chunk)
        return
    raw = connection.connection.cursor()
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        raw.execute(sql)
        while rows := raw.fetchmany(50_000):
            writer.writerows(
                tuple("true" if v is True else "false" if v is False else v for v in row)
                for row in rows
            )
