"""Bulk entry of household assessments: a commune's template with 30,000 households.

    python bench/evaluation/bulk_entry.py [--households 30000] [--hamlets 30]

Runs on a fresh SQLite database in a temporary ``EDUPACT_VAR_DIR`` unless ``DATABASE_URL``
is set (e.g. a throwaway cluster from ``scripts/pg-cluster.sh``; its tables are created by
``migrate``). Builds one commune with its hamlets and households registered by the commune
branch, a points framework of ten indicators, generates the commune's template, fills it in
(not timed) and times, as the commune official: the template, a dry run, the import (one
transaction, then the rollup refresh after commit), the same file again (recognised by its
digest), another file with the same answers (every row checked, all unchanged), and a file
with new answers (every row updated, each with its audit entry).
Prints the timings as JSON.
"""

import argparse
import io
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SEED = 20251122

FRAMEWORK = {
    "code": "BENCH-GDHT",
    "version": "2021-2030",
    "name": "Gia đình học tập (bench)",
    "model": "household",
    "style": "points",
    "pass_total": 80,
    "min_indicator": 5,
    "criteria": [
        {
            "code": f"TC{c}",
            "name": f"Tiêu chí {c}",
            "indicators": [
                {"code": f"TC{c}.{i}", "name": f"Chỉ tiêu {c}.{i}", "max": 10} for i in (1, 2)
            ],
        }
        for c in range(1, 6)
    ],
}


def setup_django():
    sys.path.insert(0, str(REPO))
    if not os.environ.get("DATABASE_URL"):
        os.environ["EDUPACT_VAR_DIR"] = tempfile.mkdtemp(prefix="edupact-bench-bulk-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edupact.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build(households: int, hamlets: int):
    import datetime as dt

    from edupact.core.scoping import Scope
    from edupact.core.text import search_key
    from edupact.directory.models import AdminUnit, Organisation
    from edupact.evaluation import services
    from edupact.evaluation.models import Subject

    reform = dt.date(2025, 7, 1)
    city = AdminUnit.objects.create(
        country="VN", level="province", name="Thành phố Hồ Chí Minh", code="79", valid_from=reform
    )
    commune = AdminUnit.objects.create(
        country="VN",
        level="commune",
        name="Xã Bình Chánh",
        code="27595",
        parent=city,
        valid_from=reform,
    )
    places = [
        AdminUnit.objects.create(
            country="VN", level="hamlet", name=f"Ấp {n}", parent=commune, valid_from=reform
        )
        for n in range(1, hamlets + 1)
    ]
    association = Organisation.objects.create(
        name="Hội Khuyến học TP.HCM", kind="association", country="VN", admin_unit=city
    )
    branch = Organisation.objects.create(
        name="Hội Khuyến học xã Bình Chánh",
        kind="branch",
        parent=association,
        admin_unit=commune,
    )
    rng = random.Random(SEED)
    families = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Đặng", "Bùi"]
    given = ["Văn Ba", "Thị Tư", "Minh Năm", "Thị Sáu", "Quốc Bảy", "Thị Tám"]
    subjects = []
    for n in range(households):
        name = f"Hộ {rng.choice(families)} {rng.choice(given)}"
        subjects.append(
            Subject(
                kind="household",
                code=f"HH-{n + 1:06d}",
                name=name,
                search_key=search_key(name),
                organisation=branch,
                admin_unit=places[n % hamlets],
            )
        )
    Subject.objects.bulk_create(subjects, batch_size=2000)
    services.create_framework(Scope(everything=True), FRAMEWORK)
    return commune, Scope(read_paths=(branch.path,), write_paths=(branch.path,))


def fill(template: bytes, seed: int) -> bytes:
    from openpyxl import load_workbook

    rng = random.Random(seed)
    book = load_workbook(io.BytesIO(template))
    sheet = book.worksheets[0]
    for row in sheet.iter_rows(min_row=2):
        for cell in row[4:]:
            cell.value = rng.choice([6, 7, 8, 8.5, 9, 10])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def timed(label, results, fn):
    """Wall and CPU seconds (this process; SQLite runs in it, a PostgreSQL server does not),
    and the load average: on a shared machine the CPU time is the steadier figure."""
    start, cpu = time.perf_counter(), time.process_time()
    value = fn()
    results[label] = {
        "wall_s": round(time.perf_counter() - start, 2),
        "cpu_s": round(time.process_time() - cpu, 2),
        "loadavg_1m": os.getloadavg()[0],
    }
    print(f"{label}: {results[label]}", file=sys.stderr)
    return value


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=30_000)
    parser.add_argument("--hamlets", type=int, default=30)
    args = parser.parse_args(argv)
    setup_django()
    from django.db import connection

    from edupact.evaluation import bulk
    from edupact.evaluation.models import Assessment, Rollup

    results = {"database": connection.vendor, "households": args.households}
    commune, scope = timed("build", results, lambda: build(args.households, args.hamlets))
    template = timed(
        "template", results, lambda: bulk.template_xlsx(scope, 2025, commune, "household")
    )
    content = fill(template, SEED)
    results["file_bytes"] = len(content)

    def run(data, dry_run=False):
        report = bulk.import_assessments(
            scope, data, "binh-chanh.xlsx", 2025, "household", dry_run=dry_run
        )
        assert report.ok, report.errors[:5]
        return report

    dry = timed("dry run", results, lambda: run(content, dry_run=True))
    done = timed("import", results, lambda: run(content))
    results["created"], results["recognised"] = done.created, done.recognised
    assert dry.recognised == done.recognised
    assert Assessment.objects.count() == args.households
    assert Rollup.objects.get(admin_unit=commune, year=2025).registered == args.households
    again = timed("same file again", results, lambda: run(content))
    assert again.already_imported
    other = fill(template, SEED)  # the same answers, other bytes
    same = timed("same answers, other file", results, lambda: run(other))
    assert same.skipped == args.households and same.created == same.updated == 0
    changed = fill(template, SEED + 1)  # new answers: the rows change, each audited
    update = timed("changed answers (updates)", results, lambda: run(changed))
    results["updated"] = update.updated
    assert update.updated + update.skipped == args.households
    print(json.dumps(results, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
