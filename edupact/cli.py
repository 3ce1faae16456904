"""The ``edupact`` command: a friendly front to Django's management commands.

edupact migrate            create or update the database
edupact demo               load the demo partnerships (idempotent)
edupact createadmin        create a platform administrator
edupact serve [--bind …]   serve with gunicorn and WhiteNoise
edupact <django command>   anything manage.py knows
"""

import os
import sys


def _django(argv: list[str]) -> None:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["edupact", *argv])


def serve(argv: list[str]) -> None:
    """Collect static files, then hand the process over to gunicorn."""
    _django(["collectstatic", "--noinput", "--verbosity", "0"])
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
