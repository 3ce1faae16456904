"""Save the dashboard pages of a kept benchmark database in fa, vi and en, to compare code
versions: rendering changes must not change a byte of what readers see.

    python bench/evaluation/pages.py --reuse /tmp/eval-500k.sqlite3 --out /tmp/pages-after
    python bench/evaluation/pages.py --reuse /tmp/eval-500k.sqlite3 --out /tmp/pages-after \
        --compare /tmp/pages-before

Run it once with each code version (the checkout it runs from decides which); the database
is copied, so both runs read the same rows. The CSRF token (masked anew on every response)
is replaced by ``CSRF``. Also prints the queries of each page; ``--compare`` names the pages
that differ from an earlier run's and fails if any does.
"""

import argparse
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
LANGUAGES = ("fa", "vi", "en")
CSRF = re.compile(rb'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[A-Za-z0-9]{64}')


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reuse", required=True, help="a database kept with run.py --keep")
    parser.add_argument("--out", required=True, help="folder for the pages")
    parser.add_argument("--compare", help="a folder saved by an earlier run")
    args = parser.parse_args(argv)
    var_dir = Path(tempfile.mkdtemp(prefix="edupact-pages-"))
    shutil.copy(args.reuse, var_dir / "edupact.sqlite3")
    os.environ["EDUPACT_VAR_DIR"] = str(var_dir)
    os.environ.setdefault("EDUPACT_ENV", "local")
    os.environ["DJANGO_SETTINGS_MODULE"] = "edupact.settings"
    os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(REPO))
    try:
        save(Path(args.out))
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)
    return compare(Path(args.out), Path(args.compare)) if args.compare else 0


def compare(out: Path, before: Path) -> int:
    names = sorted(p.name for p in before.glob("*.html"))
    differ = [n for n in names if (out / n).read_bytes() != (before / n).read_bytes()]
    print(f"{len(names) - len(differ)} of {len(names)} pages identical; differ: {differ or 'none'}")
    return 1 if differ or not names else 0


def pages():
    from edupact.directory.models import AdminUnit, Organisation

    city = Organisation.objects.get(kind="association", admin_unit__code="79")
    commune = AdminUnit.objects.filter(level="commune", parent=city.admin_unit).order_by("id")[50]
    hamlet = AdminUnit.objects.filter(parent=commune).order_by("id").first()
    return city, [
        ("city", "/evaluation/dashboard/", {}),
        ("city-households", "/evaluation/dashboard/", {"model": "household"}),
        ("city-citizens", "/evaluation/dashboard/", {"model": "citizen"}),
        ("commune", f"/evaluation/dashboard/{commune.pk}/", {}),
        ("hamlet", f"/evaluation/dashboard/{hamlet.pk}/", {}),
    ]


def save(out: Path) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from edupact.accounts.models import Role, RoleGrant, User

    call_command("collectstatic", interactive=False, verbosity=0)
    city, rows = pages()
    user, _ = User.objects.get_or_create(username="bench-city", defaults={"language": "vi"})
    RoleGrant.objects.get_or_create(user=user, role=Role.SECRETARIAT, organisation=city)
    out.mkdir(parents=True, exist_ok=True)
    for language in LANGUAGES:
        client = Client(HTTP_HOST="localhost", HTTP_ACCEPT_LANGUAGE=language)
        user.language = language
        user.save(update_fields=["language"])
        client.force_login(user)
        for name, path, params in rows:
            with CaptureQueriesContext(connection) as captured:
                response = client.get(path, params)
            assert response.status_code == 200, (path, response.status_code)
            (out / f"{name}.{language}.html").write_bytes(CSRF.sub(rb"\1CSRF", response.content))
            queries = len(captured.captured_queries)
            print(f"{name:16} {language}: {len(response.content):7,} bytes, {queries} queries")


if __name__ == "__main__":
    sys.exit(main())
