"""The ``edupact`` command: a friendly front to Django's management commands.

edupact migrate            create or update the database
edupact demo               load the demo partnerships (idempotent)
edupact createadmin        create a platform administrator
edupact serve [--bind …]   serve with gunicorn and WhiteNoise (EDUPACT_BIND, WEB_CONCURRENCY)
edupact load_places        load Iran's provinces and Vietnam's units (2025 and retired)
edupact fund simulate SCENARIO.json | fund verify | fund export-journal FUND --format hledger
edupact evaluation score --framework F.json --answers A.json | evaluation load-frameworks
edupact <django command>   anything manage.py knows
"""

import hashlib
import os
import sys
from pathlib import Path


def _django(argv: list[str]) -> None:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["edupact", *argv])


def _static_fingerprint() -> str:
    """Names, sizes and times of every static source file: cheap to compute, unlike
    collectstatic's compression, which costs tens of seconds."""
    from django.contrib.staticfiles.finders import get_finders

    digest = hashlib.sha256()
    for finder in get_finders():
        for path, storage in sorted(finder.list([]), key=lambda item: item[0]):
            stat = os.stat(storage.path(path))
            digest.update(f"{path}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def collect_static_if_changed() -> None:
    import django
    from django.conf import settings

    django.setup()
    stamp = Path(settings.STATIC_ROOT) / ".edupact-fingerprint"
    fingerprint = _static_fingerprint()
    if stamp.exists() and stamp.read_text() == fingerprint:
        return
    _django(["collectstatic", "--noinput", "--verbosity", "0"])
    stamp.write_text(fingerprint)


def serve(argv: list[str]) -> None:
    """Collect static files when they changed, then hand the process over to gunicorn."""
    collect_static_if_changed()
    bind = os.environ.get("EDUPACT_BIND", "127.0.0.1:8000")
    workers = os.environ.get("WEB_CONCURRENCY", "2")
    args = [
        "gunicorn",
        "edupact.wsgi:application",
        "--bind",
        bind,
        "--workers",
        workers,
        "--threads",
        "4",
        "--access-logfile",
        "-",
        *argv,
    ]
    os.execvp(sys.executable, [sys.executable, "-m", *args])


COMMANDS = {"serve": serve}


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edupact.settings")
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return
    command, rest = argv[0], argv[1:]
    if command in COMMANDS:
        COMMANDS[command](rest)
    else:
        _django([command, *rest])


if __name__ == "__main__":
    main()
